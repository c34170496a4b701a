//! Sandbox mode's phone identity check: a popup page that plays the carrier check (name, mobile,
//! carrier, then a 6-digit "SMS" code shown on the page) and records a provider answer the way
//! NICE/KCB/PASS would: result code, transaction id, time, name, mobile. The unguessable `state` in
//! the URL is the only key to a check.

use crate::domain::identity::{self, SandboxCheck};
use crate::http::check_pages::{done_page, shell};
use crate::http::{AppError, AppState};
use crate::model::IdentityCheck;
use axum::extract::{Path, State};
use axum::response::Html;
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{html, Markup};
use motp_protocol::api::IdentityStatus;
use motp_protocol::input;
use serde::Deserialize;

/// What every page of the sandbox check says first.
fn sandbox_banner() -> Markup {
    html! { p.sandbox { "샌드박스 본인인증입니다. 실제 통신사·NICE·KCB·PASS에 요청하지 않습니다." } }
}

/// A refusal, said on the page (nothing if `error` is empty).
fn error_line(error: &str) -> Markup {
    html! {
        @if !error.is_empty() {
            p.err role="alert" { (error) }
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/identity/sandbox/{state}", get(page))
        .route("/identity/sandbox/{state}/sms", post(send_sms))
        .route("/identity/sandbox/{state}/confirm", post(confirm))
}

/// A pending sandbox check, or the page saying why there is none.
async fn pending_check(
    state: &AppState,
    check_id: &str,
) -> Result<Result<IdentityCheck, Html<String>>, AppError> {
    Ok(
        match identity::sandbox_check(&state.gateway, check_id).await? {
            SandboxCheck::Pending(check) => Ok(check),
            SandboxCheck::Done(check, status) => Err(done_page(&check, status, None)),
            SandboxCheck::Unknown => Err(shell(
                "본인인증",
                html! { p.err { "인증 요청을 찾을 수 없습니다. 창을 닫고 다시 시도하세요." } },
            )),
            SandboxCheck::OtherProvider => Err(shell(
                "본인인증",
                html! { p.err { "이 기관은 샌드박스 본인인증을 쓰지 않습니다." } },
            )),
        },
    )
}

async fn page(
    State(state): State<AppState>,
    Path(check_id): Path<String>,
) -> Result<Html<String>, AppError> {
    Ok(match pending_check(&state, &check_id).await? {
        Ok(check) => step_one(&check, ""),
        Err(page) => page,
    })
}

#[derive(Deserialize)]
struct SmsForm {
    name: String,
    tel: String,
    carrier: String,
}

async fn send_sms(
    State(state): State<AppState>,
    Path(check_id): Path<String>,
    Form(f): Form<SmsForm>,
) -> Result<Html<String>, AppError> {
    let check = match pending_check(&state, &check_id).await? {
        Ok(check) => check,
        Err(page) => return Ok(page),
    };
    let name = f.name.trim();
    let Some(tel) = input::normalize_tel(&f.tel) else {
        return Ok(step_one(
            &check,
            "휴대폰 번호를 확인하세요 (예: 010-1234-5678).",
        ));
    };
    if name.is_empty() || !matches!(f.carrier.as_str(), "SKT" | "KT" | "LGU" | "MVNO") {
        return Ok(step_one(&check, "이름과 통신사를 입력하세요."));
    }
    let sms = identity::sandbox_send_sms(&state.gateway, &check).await?;
    Ok(step_two(&check, name, &tel, &sms, ""))
}

#[derive(Deserialize)]
struct ConfirmForm {
    name: String,
    tel: String,
    sms: String,
}

async fn confirm(
    State(state): State<AppState>,
    Path(check_id): Path<String>,
    Form(f): Form<ConfirmForm>,
) -> Result<Html<String>, AppError> {
    let check = match pending_check(&state, &check_id).await? {
        Ok(check) => check,
        Err(page) => return Ok(page),
    };
    let Some(sent) = check.sms_code.clone() else {
        return Ok(step_one(&check, "인증번호를 먼저 받으세요."));
    };
    if !identity::sandbox_confirm(&state.gateway, &check, &f.name, &f.tel, &f.sms).await? {
        return Ok(step_two(
            &check,
            &f.name,
            &f.tel,
            &sent,
            "인증번호가 맞지 않습니다.",
        ));
    }
    Ok(done_page(&check, IdentityStatus::Succeeded, None))
}

fn step_one(check: &IdentityCheck, error: &str) -> Html<String> {
    shell(
        "휴대폰 본인인증",
        html! {
            (sandbox_banner())
            (error_line(error))
            form method="post" action={ "/v1/identity/sandbox/" (check.check_id) "/sms" } {
                label for="name" { "이름" }
                input #name name="name" autocomplete="name" required;
                label for="tel" { "휴대폰 번호" }
                input #tel name="tel" inputmode="tel" autocomplete="tel" required;
                label for="carrier" { "통신사" }
                select #carrier name="carrier" {
                    option { "SKT" }
                    option { "KT" }
                    option value="LGU" { "LG U+" }
                    option value="MVNO" { "알뜰폰" }
                }
                button type="submit" #send { "인증번호 받기" }
            }
        },
    )
}

fn step_two(check: &IdentityCheck, name: &str, tel: &str, sms: &str, error: &str) -> Html<String> {
    shell(
        "휴대폰 본인인증",
        html! {
            (sandbox_banner())
            p { (input::mask_tel(tel)) "(으)로 인증번호를 보냈습니다." }
            p.sandbox { "샌드박스 문자: 인증번호 " span.sms #sms-code { (sms) } }
            (error_line(error))
            form method="post" action={ "/v1/identity/sandbox/" (check.check_id) "/confirm" } {
                input type="hidden" name="name" value=(name);
                input type="hidden" name="tel" value=(tel);
                label for="sms" { "인증번호 6자리" }
                input #sms name="sms" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required;
                button type="submit" #confirm { "확인" }
            }
        },
    )
}
