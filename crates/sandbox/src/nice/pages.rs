//! The standard window's pages: small, Korean, accessible (labels, `lang`, viewport), every value
//! escaped. They look like a carrier check, with a banner saying it is the sandbox.

use super::window::{Person, WindowError, CARRIERS, FAILURES};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

/// The legacy guide's wording for every refused request (§13.3 step 1).
pub const ERROR_WORDING: &str = "잘못된 요청이거나 서비스처리중 오류가 발생했습니다.";

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn shell(title: &str, body: &str) -> Response {
    let page = Html(format!(
        r#"<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>
body{{font-family:system-ui,"Noto Sans KR",sans-serif;margin:0;background:#f4f6f9;color:#1f2937;word-break:keep-all;overflow-wrap:anywhere}}
main{{max-width:420px;margin:0 auto;padding:20px}} h1{{font-size:1.2rem}} label,legend{{display:block;margin:12px 0 4px;font-weight:600}}
input,select{{font:inherit;padding:8px;width:100%;box-sizing:border-box;border:1px solid #94a3b8;border-radius:8px}}
fieldset{{border:0;padding:0;margin:0}} fieldset label{{display:inline;font-weight:400;margin-right:12px}} fieldset input{{width:auto}}
button{{font:inherit;margin-top:16px;padding:10px 16px;border:0;border-radius:8px;background:#1d4ed8;color:#fff;font-weight:600;width:100%}}
button.secondary{{background:#e2e8f0;color:#1f2937}} details{{margin-top:20px}}
.sandbox{{background:#fef3c7;border:1px solid #f59e0b;padding:8px;border-radius:8px;font-size:.9rem}} .err{{color:#b91c1c;font-weight:600}}
.sms{{font-size:1.6rem;letter-spacing:4px;font-family:monospace}}
</style></head><body><main><h1>{title}</h1>
<p class="sandbox">NICE 본인확인 에뮬레이터(샌드박스)입니다. 실제 NICE·통신사에 요청하지 않습니다.</p>{body}</main></body></html>"#,
        title = escape(title),
    ));
    // The pages carry one-time codes and sealed results: never cached.
    ([(header::CACHE_CONTROL, "no-store")], page).into_response()
}

/// HTTP 200, no redirect, NICE's wording; the sandbox adds why, for whoever debugs.
pub fn error(e: WindowError) -> Response {
    shell(
        "NICE 본인확인",
        &format!(
            r#"<p class="err" role="alert" id="nice-error" data-reason="{reason}">{ERROR_WORDING}</p>
<p class="sandbox">샌드박스 사유: <code>{reason}</code></p>"#,
            reason = e.reason()
        ),
    )
}

fn problem_html(problem: &str) -> String {
    if problem.is_empty() {
        String::new()
    } else {
        format!(r#"<p class="err" role="alert">{}</p>"#, escape(problem))
    }
}

/// "Fail instead" and "close" forms, on every page of a check.
fn other_endings(action: &str, id: &str) -> String {
    let options: String = FAILURES
        .iter()
        .map(|(c, text)| format!(r#"<option value="{c}">{c} {}</option>"#, escape(text)))
        .collect();
    format!(
        r#"<form method="post" action="{action}"><input type="hidden" name="window" value="{id}"><input type="hidden" name="step" value="cancel">
<button type="submit" class="secondary" id="cancel">취소 (창 닫기)</button></form>
<details><summary>테스트: 실패 결과로 끝내기</summary><form method="post" action="{action}">
<input type="hidden" name="window" value="{id}"><input type="hidden" name="step" value="fail">
<label for="resultcode">결과 코드</label><select id="resultcode" name="resultcode">{options}</select>
<button type="submit" class="secondary" id="fail">이 결과 보내기</button></form></details>"#,
        action = escape(action),
        id = escape(id),
    )
}

/// The first page: carrier, name, birthdate, gender, mobile.
pub fn identify(action: &str, id: &str, p: &Person, problem: &str) -> Response {
    let carriers: String = CARRIERS
        .iter()
        .map(|(code, label)| {
            let selected = if *code == p.mobileco { " selected" } else { "" };
            format!(
                r#"<option value="{code}"{selected}>{}</option>"#,
                escape(label)
            )
        })
        .collect();
    let checked = |g: &str| if p.gender == g { " checked" } else { "" };
    shell(
        "휴대폰 본인확인",
        &format!(
            r#"{problem}<form method="post" action="{action}"><input type="hidden" name="window" value="{id}"><input type="hidden" name="step" value="sms">
<label for="mobileco">통신사</label><select id="mobileco" name="mobileco" required><option value="">선택</option>{carriers}</select>
<label for="name">이름</label><input id="name" name="name" autocomplete="name" value="{name}" required>
<label for="birthdate">생년월일 8자리</label><input id="birthdate" name="birthdate" inputmode="numeric" placeholder="19900101" value="{birthdate}" required>
<fieldset><legend>성별</legend><label><input type="radio" name="gender" value="1"{male}> 남</label><label><input type="radio" name="gender" value="0"{female}> 여</label></fieldset>
<label for="mobileno">휴대폰 번호</label><input id="mobileno" name="mobileno" inputmode="tel" autocomplete="tel" value="{mobileno}" required>
<button type="submit" id="send">인증번호 요청</button></form>{endings}"#,
            problem = problem_html(problem),
            action = escape(action),
            id = escape(id),
            name = escape(&p.name),
            birthdate = escape(&p.birthdate),
            mobileno = escape(&p.mobileno),
            male = checked("1"),
            female = checked("0"),
            endings = other_endings(action, id),
        ),
    )
}

/// The second page: the "SMS" shown on the page, and where to type it.
pub fn code(action: &str, id: &str, p: &Person, code: &str, problem: &str) -> Response {
    shell(
        "휴대폰 본인확인",
        &format!(
            r#"<p>{mobileno}(으)로 인증번호를 보냈습니다.</p>
<p class="sandbox">샌드박스 문자: 인증번호 <span class="sms" id="sms-code">{code}</span></p>{problem}
<form method="post" action="{action}"><input type="hidden" name="window" value="{id}"><input type="hidden" name="step" value="confirm">
<label for="sms">인증번호 6자리</label><input id="sms" name="sms" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required>
<button type="submit" id="confirm">확인</button></form>{endings}"#,
            mobileno = escape(&p.mobileno),
            code = escape(code),
            problem = problem_html(problem),
            action = escape(action),
            id = escape(id),
            endings = other_endings(action, id),
        ),
    )
}

/// The person closed the window: nothing goes to `returnurl`.
pub fn closed() -> Response {
    shell(
        "NICE 본인확인",
        r#"<p role="status" id="nice-closed">본인확인을 취소했습니다. 이 창을 닫으세요.</p>
<script>window.close();</script>"#,
    )
}

/// §13.3 step 7 for POST: a form that submits itself, with a button for browsers without script.
pub fn auto_post(returnurl: &str, fields: &[(&str, &str)]) -> Response {
    let inputs: String = fields
        .iter()
        .map(|(k, v)| {
            format!(
                r#"<input type="hidden" name="{}" value="{}">"#,
                escape(k),
                escape(v)
            )
        })
        .collect();
    shell(
        "NICE 본인확인",
        &format!(
            r#"<form method="post" action="{action}" id="nice-return">{inputs}
<p role="status">본인확인 결과를 보내는 중입니다.</p><button type="submit">계속</button></form>
<script>document.getElementById("nice-return").submit();</script>"#,
            action = escape(returnurl),
        ),
    )
}
