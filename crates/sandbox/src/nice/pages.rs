//! The standard window's pages: small, Korean, accessible (labels, `lang`, viewport), every value
//! escaped. They look like a carrier check, with a banner saying it is the sandbox.

use super::window::{Person, WindowError, CARRIERS, FAILURES};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, PreEscaped, DOCTYPE};

// Every value put into these pages goes through maud's `(…)`, which escapes `& < > "` (not `'`):
// enough, as maud writes every attribute double-quoted.

/// The legacy guide's wording for every refused request (§13.3 step 1).
pub const ERROR_WORDING: &str = "잘못된 요청이거나 서비스처리중 오류가 발생했습니다.";

/// The pages' stylesheet: fixed text of this file.
const STYLE: &str = r#"
body{font-family:system-ui,"Noto Sans KR",sans-serif;margin:0;background:#f4f6f9;color:#1f2937;word-break:keep-all;overflow-wrap:anywhere}
main{max-width:420px;margin:0 auto;padding:20px} h1{font-size:1.2rem} label,legend{display:block;margin:12px 0 4px;font-weight:600}
input,select{font:inherit;padding:8px;width:100%;box-sizing:border-box;border:1px solid #94a3b8;border-radius:8px}
fieldset{border:0;padding:0;margin:0} fieldset label{display:inline;font-weight:400;margin-right:12px} fieldset input{width:auto}
button{font:inherit;margin-top:16px;padding:10px 16px;border:0;border-radius:8px;background:#1d4ed8;color:#fff;font-weight:600;width:100%}
button.secondary{background:#e2e8f0;color:#1f2937} details{margin-top:20px}
.sandbox{background:#fef3c7;border:1px solid #f59e0b;padding:8px;border-radius:8px;font-size:.9rem} .err{color:#b91c1c;font-weight:600}
.sms{font-size:1.6rem;letter-spacing:4px;font-family:monospace}
"#;

fn shell(title: &str, body: Markup) -> Response {
    let page = html! {
        (DOCTYPE)
        html lang="ko" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                // Safe unescaped: STYLE is a constant of this file, with no value in it.
                style { (PreEscaped(STYLE)) }
            }
            body {
                main {
                    h1 { (title) }
                    p.sandbox { "NICE 본인확인 에뮬레이터(샌드박스)입니다. 실제 NICE·통신사에 요청하지 않습니다." }
                    (body)
                }
            }
        }
    };
    // The pages carry one-time codes and sealed results: never cached.
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(page.into_string()),
    )
        .into_response()
}

/// HTTP 200, no redirect, NICE's wording; the sandbox adds why, for whoever debugs.
pub fn error(e: WindowError) -> Response {
    shell(
        "NICE 본인확인",
        html! {
            p.err #nice-error role="alert" data-reason=(e.reason()) { (ERROR_WORDING) }
            p.sandbox { "샌드박스 사유: " code { (e.reason()) } }
        },
    )
}

/// What was wrong with the last answer (nothing if `problem` is empty).
fn problem_line(problem: &str) -> Markup {
    html! {
        @if !problem.is_empty() {
            p.err role="alert" { (problem) }
        }
    }
}

/// "Fail instead" and "close" forms, on every page of a check.
fn other_endings(action: &str, id: &str) -> Markup {
    html! {
        form method="post" action=(action) {
            input type="hidden" name="window" value=(id);
            input type="hidden" name="step" value="cancel";
            button.secondary type="submit" id="cancel" { "취소 (창 닫기)" }
        }
        details {
            summary { "테스트: 실패 결과로 끝내기" }
            form method="post" action=(action) {
                input type="hidden" name="window" value=(id);
                input type="hidden" name="step" value="fail";
                label for="resultcode" { "결과 코드" }
                select #resultcode name="resultcode" {
                    @for (c, text) in FAILURES {
                        option value=(c) { (c) " " (text) }
                    }
                }
                button.secondary type="submit" id="fail" { "이 결과 보내기" }
            }
        }
    }
}

/// The first page: carrier, name, birthdate, gender, mobile.
pub fn identify(action: &str, id: &str, p: &Person, problem: &str) -> Response {
    shell(
        "휴대폰 본인확인",
        html! {
            (problem_line(problem))
            form method="post" action=(action) {
                input type="hidden" name="window" value=(id);
                input type="hidden" name="step" value="sms";
                label for="mobileco" { "통신사" }
                select #mobileco name="mobileco" required {
                    option value="" { "선택" }
                    @for (code, label) in CARRIERS {
                        option value=(code) selected[code == p.mobileco] { (label) }
                    }
                }
                label for="name" { "이름" }
                input #name name="name" autocomplete="name" value=(p.name) required;
                label for="birthdate" { "생년월일 8자리" }
                input #birthdate name="birthdate" inputmode="numeric" placeholder="19900101" value=(p.birthdate) required;
                fieldset {
                    legend { "성별" }
                    label { input type="radio" name="gender" value="1" checked[p.gender == "1"]; " 남" }
                    label { input type="radio" name="gender" value="0" checked[p.gender == "0"]; " 여" }
                }
                label for="mobileno" { "휴대폰 번호" }
                input #mobileno name="mobileno" inputmode="tel" autocomplete="tel" value=(p.mobileno) required;
                button type="submit" id="send" { "인증번호 요청" }
            }
            (other_endings(action, id))
        },
    )
}

/// The second page: the "SMS" shown on the page, and where to type it.
pub fn code(action: &str, id: &str, p: &Person, code: &str, problem: &str) -> Response {
    shell(
        "휴대폰 본인확인",
        html! {
            p { (p.mobileno) "(으)로 인증번호를 보냈습니다." }
            p.sandbox { "샌드박스 문자: 인증번호 " span.sms #sms-code { (code) } }
            (problem_line(problem))
            form method="post" action=(action) {
                input type="hidden" name="window" value=(id);
                input type="hidden" name="step" value="confirm";
                label for="sms" { "인증번호 6자리" }
                input #sms name="sms" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required;
                button type="submit" id="confirm" { "확인" }
            }
            (other_endings(action, id))
        },
    )
}

/// The person closed the window: nothing goes to `returnurl`.
pub fn closed() -> Response {
    shell(
        "NICE 본인확인",
        html! {
            p role="status" id="nice-closed" { "본인확인을 취소했습니다. 이 창을 닫으세요." }
            // Safe unescaped: fixed script text.
            script { (PreEscaped("window.close();")) }
        },
    )
}

/// §13.3 step 7 for POST: a form that submits itself, with a button for browsers without script.
pub fn auto_post(returnurl: &str, fields: &[(&str, &str)]) -> Response {
    shell(
        "NICE 본인확인",
        html! {
            form method="post" action=(returnurl) id="nice-return" {
                @for (k, v) in fields {
                    input type="hidden" name=(k) value=(v);
                }
                p role="status" { "본인확인 결과를 보내는 중입니다." }
                button type="submit" { "계속" }
            }
            // Safe unescaped: fixed script text.
            script { (PreEscaped(r#"document.getElementById("nice-return").submit();"#)) }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVIL: &str = r#""><script>alert('x')</script>"#;
    const SAFE: &str = "&quot;&gt;&lt;script&gt;alert('x')&lt;/script&gt;";

    async fn body(r: Response) -> String {
        assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
        let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn what_a_person_or_a_request_sent_comes_back_as_text() {
        let p = Person {
            name: EVIL.into(),
            birthdate: EVIL.into(),
            gender: "1".into(),
            mobileco: "3".into(),
            mobileno: EVIL.into(),
            ..Person::default()
        };
        let page = body(identify(EVIL, EVIL, &p, EVIL)).await;
        assert_eq!(page.matches(SAFE).count(), 10, "{page}");
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(page.contains(r#"<option value="3" selected>LG U+</option>"#));
        assert!(page.contains(r#"<input type="radio" name="gender" value="1" checked> 남"#));

        let page = body(code(EVIL, EVIL, &p, EVIL, EVIL)).await;
        assert_eq!(page.matches(SAFE).count(), 9, "{page}");
        assert!(!page.contains("<script>alert"), "{page}");

        let page = body(auto_post(EVIL, &[(EVIL, EVIL)])).await;
        assert_eq!(page.matches(SAFE).count(), 3, "{page}");
        assert_eq!(page.matches("<script>").count(), 1, "{page}");
    }
}
