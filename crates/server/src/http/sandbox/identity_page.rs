//! Sandbox mode's phone identity check: a popup page that plays the carrier check (name, mobile,
//! carrier, then a 6-digit "SMS" code shown on the page) and records a provider answer the way
//! NICE/KCB/PASS would: result code, transaction id, time, name, mobile. The unguessable `state` in
//! the URL is the only key to a check.

use crate::domain::identity::{self, SandboxCheck};
use crate::http::{AppError, AppState};
use crate::model::IdentityCheck;
use axum::extract::{Path, State};
use axum::response::Html;
use axum::routing::{get, post};
use axum::{Form, Router};
use motp_protocol::api::IdentityStatus;
use motp_protocol::input;
use serde::Deserialize;

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
            SandboxCheck::Done(check, status) => Err(done_page(&check, status)),
            SandboxCheck::Unknown => Err(shell(
                "본인인증",
                "<p class=err>인증 요청을 찾을 수 없습니다. 창을 닫고 다시 시도하세요.</p>",
            )),
            SandboxCheck::OtherProvider => Err(shell(
                "본인인증",
                "<p class=err>이 기관은 샌드박스 본인인증을 쓰지 않습니다.</p>",
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
    Ok(done_page(&check, IdentityStatus::Succeeded))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn shell(title: &str, body: &str) -> Html<String> {
    Html(format!(
        r#"<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>
body{{font-family:system-ui,"Noto Sans KR",sans-serif;margin:0;background:#f4f6f9;color:#1f2937;word-break:keep-all;overflow-wrap:anywhere}}
main{{max-width:420px;margin:0 auto;padding:20px}} h1{{font-size:1.2rem}} label{{display:block;margin:12px 0 4px;font-weight:600}}
input,select{{font:inherit;padding:8px;width:100%;box-sizing:border-box;border:1px solid #94a3b8;border-radius:8px}}
button{{font:inherit;margin-top:16px;padding:10px 16px;border:0;border-radius:8px;background:#1d4ed8;color:#fff;font-weight:600;width:100%}}
.sandbox{{background:#fef3c7;border:1px solid #f59e0b;padding:8px;border-radius:8px;font-size:.9rem}} .err{{color:#b91c1c;font-weight:600}}
.sms{{font-size:1.6rem;letter-spacing:4px;font-family:monospace}}
</style></head><body><main><h1>{title}</h1>
<p class="sandbox">샌드박스 본인인증입니다. 실제 통신사·NICE·KCB·PASS에 요청하지 않습니다.</p>{body}</main></body></html>"#
    ))
}

fn step_one(check: &IdentityCheck, error: &str) -> Html<String> {
    let error = if error.is_empty() {
        String::new()
    } else {
        format!("<p class=err role=alert>{}</p>", escape(error))
    };
    shell(
        "휴대폰 본인인증",
        &format!(
            r#"{error}<form method="post" action="/v1/identity/sandbox/{state}/sms">
<label for="name">이름</label><input id="name" name="name" autocomplete="name" required>
<label for="tel">휴대폰 번호</label><input id="tel" name="tel" inputmode="tel" autocomplete="tel" required>
<label for="carrier">통신사</label><select id="carrier" name="carrier"><option>SKT</option><option>KT</option><option value="LGU">LG U+</option><option value="MVNO">알뜰폰</option></select>
<button type="submit" id="send">인증번호 받기</button></form>"#,
            state = escape(&check.check_id)
        ),
    )
}

fn step_two(check: &IdentityCheck, name: &str, tel: &str, sms: &str, error: &str) -> Html<String> {
    let error = if error.is_empty() {
        String::new()
    } else {
        format!("<p class=err role=alert>{}</p>", escape(error))
    };
    shell(
        "휴대폰 본인인증",
        &format!(
            r#"<p>{tel_masked}(으)로 인증번호를 보냈습니다.</p>
<p class="sandbox">샌드박스 문자: 인증번호 <span class="sms" id="sms-code">{sms}</span></p>{error}
<form method="post" action="/v1/identity/sandbox/{state}/confirm">
<input type="hidden" name="name" value="{name}"><input type="hidden" name="tel" value="{tel}">
<label for="sms">인증번호 6자리</label><input id="sms" name="sms" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required>
<button type="submit" id="confirm">확인</button></form>"#,
            tel_masked = escape(&input::mask_tel(tel)),
            state = escape(&check.check_id),
            name = escape(name),
            tel = escape(tel),
            sms = escape(sms),
        ),
    )
}

/// The last page: tells the widget (only at its page's exact origin) and closes itself.
fn done_page(check: &IdentityCheck, status: IdentityStatus) -> Html<String> {
    let message =
        serde_json::json!({ "type": "motp:identity", "state": check.check_id, "status": status });
    let text = match status {
        IdentityStatus::Succeeded => "본인인증이 완료되었습니다. 이 창은 곧 닫힙니다.",
        IdentityStatus::Expired => "인증 시간이 지났습니다. 창을 닫고 다시 시도하세요.",
        _ => "이 인증 요청은 이미 처리되었습니다. 창을 닫으세요.",
    };
    shell(
        "본인인증 결과",
        &format!(
            r#"<p id="result" role="status">{text}</p>
<script>
  (function () {{
    var message = {message};
    if (window.opener) {{ window.opener.postMessage(message, {origin}); }}
    setTimeout(function () {{ window.close(); }}, 800);
  }})();
</script>"#,
            message = message.to_string().replace("</", "<\\/"),
            origin = serde_json::Value::String(check.origin.clone())
                .to_string()
                .replace("</", "<\\/"),
        ),
    )
}
