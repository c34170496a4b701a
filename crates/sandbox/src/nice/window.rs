//! NICE's standard window (E4, §13.3) at all three of its paths, GET or POST: the request is
//! checked in the spec's order, then either a queued outcome is delivered at once or a person goes
//! through the pages (carrier, name, birthdate, mobile; then the "SMS" code). Later pages post
//! back to the same path with an opaque `window` id; no cookies.

use super::deliver::deliver;
use super::pages;
use super::{random_from, NiceEmulator, Scripted, Stage, WindowSession, DIGITS, MAX_WINDOWS};
use crate::form::{self, field, Fields};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, Uri};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use nice_identity::{OpenError, Request, STANDARD_WINDOW_PATHS};
use serde_json::Value;
use std::sync::Arc;

/// Wrong "SMS" codes allowed before the check ends with 9097 (인증번호 3회 불일치).
const MAX_WRONG_CODES: u8 = 3;

pub fn routes() -> Router<Arc<NiceEmulator>> {
    STANDARD_WINDOW_PATHS.iter().fold(Router::new(), |r, path| {
        r.route(path, get(window).post(window))
    })
}

/// Why the window shows its error page instead of a check (HTTP 200, no redirect, §13.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowError {
    NotUtf8,
    BadService,
    UnknownToken,
    ExpiredToken,
    Integrity,
    Malformed,
    BadJson,
    BadRequestno,
    BadReturnurl,
    SitecodeMismatch,
    RequestnoUsed,
    UnknownWindow,
}

impl WindowError {
    /// A stable id for tests (`data-reason` on the page).
    pub fn reason(self) -> &'static str {
        match self {
            WindowError::NotUtf8 => "not_utf8",
            WindowError::BadService => "bad_service",
            WindowError::UnknownToken => "unknown_token",
            WindowError::ExpiredToken => "expired_token",
            WindowError::Integrity => "integrity",
            WindowError::Malformed => "malformed",
            WindowError::BadJson => "bad_json",
            WindowError::BadRequestno => "bad_requestno",
            WindowError::BadReturnurl => "bad_returnurl",
            WindowError::SitecodeMismatch => "sitecode_mismatch",
            WindowError::RequestnoUsed => "requestno_used",
            WindowError::UnknownWindow => "unknown_window",
        }
    }
}

/// Who the person said they are (or a queued outcome's persona).
#[derive(Debug, Clone, Default)]
pub struct Person {
    pub name: String,
    pub birthdate: String,
    pub gender: String,
    pub nationalinfo: String,
    pub mobileco: String,
    pub mobileno: String,
}

async fn window(
    State(emu): State<Arc<NiceEmulator>>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    let raw = if method == Method::GET || body.is_empty() {
        uri.query().unwrap_or("").as_bytes()
    } else {
        &body[..]
    };
    let Ok(fields) = form::parse(raw) else {
        return pages::error(WindowError::NotUtf8);
    };
    // Later pages post back to the very path the window was opened at, wherever it is mounted.
    let action = uri
        .path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    match fields.get("window") {
        Some(id) => step(&emu, &action, id, &fields),
        None => open(&emu, &action, &fields),
    }
}

/// §13.3 steps 1–4, in order; a valid request's `requestno` is used up here.
pub(super) fn validate(
    emu: &NiceEmulator,
    fields: &Fields,
) -> Result<(String, Request), WindowError> {
    if field(fields, "m") != "service" {
        return Err(WindowError::BadService);
    }
    let id = field(fields, "token_version_id");
    let now = emu.now();
    let mut state = emu.state();
    let token = state.crypto.get_mut(id).ok_or(WindowError::UnknownToken)?;
    if token.expired(now) {
        return Err(WindowError::ExpiredToken);
    }
    let plain = token
        .keys()
        .open(field(fields, "enc_data"), field(fields, "integrity_value"))
        .map_err(|e| match e {
            OpenError::Integrity => WindowError::Integrity,
            OpenError::Malformed => WindowError::Malformed,
        })?;
    // The request's encoding is unspecified (§6): UTF-8, else EUC-KR.
    let text = match String::from_utf8(plain) {
        Ok(t) => t,
        Err(e) => match encoding_rs::EUC_KR
            .decode_without_bom_handling_and_without_replacement(e.as_bytes())
        {
            Some(t) => t.into_owned(),
            None => return Err(WindowError::BadJson),
        },
    };
    let json: Value = serde_json::from_str(text.trim()).map_err(|_| WindowError::BadJson)?;
    let text_of = |k: &str| json.get(k).and_then(Value::as_str).unwrap_or("");
    if !(1..=30).contains(&text_of("requestno").len()) {
        return Err(WindowError::BadRequestno);
    }
    if !valid_returnurl(text_of("returnurl")) {
        return Err(WindowError::BadReturnurl);
    }
    if text_of("sitecode") != token.site_code {
        return Err(WindowError::SitecodeMismatch);
    }
    let request: Request = serde_json::from_value(json).map_err(|_| WindowError::BadJson)?;
    if !token.used_requestnos.insert(request.requestno.clone()) {
        return Err(WindowError::RequestnoUsed);
    }
    Ok((id.to_string(), request))
}

/// Absolute, at most 250 characters, no blanks: `http(s)://host…` or an app's `scheme:…`.
fn valid_returnurl(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    let web = scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https");
    url.len() <= 250
        && url.bytes().all(|b| b.is_ascii_graphic())
        && scheme_ok
        && (!web || rest.strip_prefix("//").is_some_and(|h| !h.is_empty()))
}

fn open(emu: &NiceEmulator, action: &str, fields: &Fields) -> Response {
    let (token_version_id, request) = match validate(emu, fields) {
        Ok(v) => v,
        Err(e) => return pages::error(e),
    };
    let scripted = emu.state().queue.pop_front();
    match scripted {
        Some(Scripted::Deliver(o)) => {
            let person = Person {
                name: o.name,
                birthdate: o.birthdate,
                gender: o.gender,
                nationalinfo: o.nationalinfo,
                mobileco: o.mobileco,
                mobileno: o.mobileno,
            };
            deliver(emu, &token_version_id, &request, &o.resultcode, &person)
        }
        Some(Scripted::Close) => pages::closed(),
        None => {
            let id = random_from(b"0123456789abcdefghijklmnopqrstuvwxyz", 32);
            let mut state = emu.state();
            if state.windows.len() >= MAX_WINDOWS {
                let oldest = state
                    .windows
                    .iter()
                    .min_by_key(|(_, w)| w.opened_at)
                    .map(|(k, _)| k.clone());
                oldest.map(|k| state.windows.remove(&k));
            }
            let person = Person::default();
            let page = pages::identify(action, &id, &person, "");
            state.windows.insert(
                id,
                WindowSession {
                    token_version_id,
                    request,
                    stage: Stage::Identify,
                    person,
                    opened_at: emu.now(),
                },
            );
            page
        }
    }
}

/// The carriers the first page offers, as `mobileco` (§8.3).
pub const CARRIERS: [(&str, &str); 6] = [
    ("1", "SKT"),
    ("2", "KT"),
    ("3", "LG U+"),
    ("5", "SKT 알뜰폰"),
    ("6", "KT 알뜰폰"),
    ("7", "LG U+ 알뜰폰"),
];

/// The failures a person may choose to end with, for manual testing (§11.4).
pub const FAILURES: [(&str, &str); 6] = [
    ("0001", "인증 불일치"),
    ("0003", "기타 인증 오류"),
    ("0040", "본인확인 차단 고객"),
    ("0050", "명의보호서비스 차단"),
    ("0071", "앱 인증 미완료"),
    ("9097", "인증번호 3회 불일치"),
];

/// The person's answers on the first page, and what is wrong with them, if anything.
fn person_from(fields: &Fields) -> (Person, Option<&'static str>) {
    let mobileno: String = field(fields, "mobileno")
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .collect();
    let p = Person {
        name: field(fields, "name").to_string(),
        birthdate: field(fields, "birthdate").to_string(),
        gender: field(fields, "gender").to_string(),
        nationalinfo: if field(fields, "foreigner") == "1" {
            "1"
        } else {
            "0"
        }
        .into(),
        mobileco: field(fields, "mobileco").to_string(),
        mobileno,
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let problem = if !CARRIERS.iter().any(|(c, _)| *c == p.mobileco) {
        "통신사를 선택하세요."
    } else if p.name.is_empty() || p.name.chars().count() > 30 {
        "이름을 입력하세요."
    } else if p.birthdate.len() != 8 || !digits(&p.birthdate) {
        "생년월일 8자리를 입력하세요 (예: 19900101)."
    } else if !matches!(p.gender.as_str(), "0" | "1") {
        "성별을 선택하세요."
    } else if !(10..=11).contains(&p.mobileno.len())
        || !digits(&p.mobileno)
        || !p.mobileno.starts_with("01")
    {
        "휴대폰 번호를 확인하세요 (예: 010-1234-5678)."
    } else {
        return (p, None);
    };
    (p, Some(problem))
}

/// A later page of an open window: `step` = `sms`, `confirm`, `fail` or `cancel`.
fn step(emu: &NiceEmulator, action: &str, id: &str, fields: &Fields) -> Response {
    let now = emu.now();
    let mut guard = emu.state();
    let state = &mut *guard;
    let Some(session) = state.windows.get_mut(id) else {
        return pages::error(WindowError::UnknownWindow);
    };
    // The crypto token may run out while the person is in the window.
    match state.crypto.get(&session.token_version_id) {
        Some(t) if !t.expired(now) => {}
        other => {
            let e = match other {
                Some(_) => WindowError::ExpiredToken,
                None => WindowError::UnknownToken,
            };
            state.windows.remove(id);
            return pages::error(e);
        }
    }
    let finish = match (field(fields, "step"), &mut session.stage) {
        ("sms", _) => match person_from(fields) {
            (person, None) => {
                let code = random_from(DIGITS, 6);
                let page = pages::code(action, id, &person, &code, "");
                session.person = person;
                session.stage = Stage::CodeSent { code, wrong: 0 };
                return page;
            }
            (person, Some(problem)) => return pages::identify(action, id, &person, problem),
        },
        ("confirm", Stage::CodeSent { code, wrong }) => {
            if field(fields, "sms") == code.as_str() {
                "0000"
            } else {
                *wrong += 1;
                if *wrong >= MAX_WRONG_CODES {
                    "9097"
                } else {
                    let problem = format!("인증번호가 맞지 않습니다 ({wrong}/{MAX_WRONG_CODES}).");
                    return pages::code(action, id, &session.person, code, &problem);
                }
            }
        }
        ("fail", _) => match FAILURES
            .iter()
            .find(|(c, _)| *c == field(fields, "resultcode"))
        {
            Some((c, _)) => c,
            None => return pages::identify(action, id, &session.person, "실패 코드를 고르세요."),
        },
        ("cancel", _) => {
            state.windows.remove(id);
            return pages::closed();
        }
        _ => return pages::identify(action, id, &session.person, ""),
    };
    let session = state.windows.remove(id).expect("looked up above");
    drop(guard);
    deliver(
        emu,
        &session.token_version_id,
        &session.request,
        finish,
        &session.person,
    )
}
