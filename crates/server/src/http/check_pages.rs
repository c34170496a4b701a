//! The pages of a phone identity check that this server shows in the check's popup: the frame
//! ([`shell`]), and the last page ([`done_page`]), which tells the widget the outcome by
//! `postMessage` to the LMS page's exact origin and closes itself, or, run in the trainee's own
//! window, goes back to the LMS page. Used by the sandbox carrier page and by NICE's return.

use crate::model::IdentityCheck;
use axum::response::Html;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use motp_protocol::api::IdentityStatus;

// Every value put into these pages goes through maud's `(…)`, which escapes `& < > "` (not `'`):
// enough, as maud writes every attribute double-quoted.

/// The popup's stylesheet: fixed text of this file.
const STYLE: &str = r#"
body{font-family:system-ui,"Noto Sans KR",sans-serif;margin:0;background:#f4f6f9;color:#1f2937;word-break:keep-all;overflow-wrap:anywhere}
main{max-width:420px;margin:0 auto;padding:20px} h1{font-size:1.2rem} label{display:block;margin:12px 0 4px;font-weight:600}
input,select{font:inherit;padding:8px;width:100%;box-sizing:border-box;border:1px solid #94a3b8;border-radius:8px}
button{font:inherit;margin-top:16px;padding:10px 16px;border:0;border-radius:8px;background:#1d4ed8;color:#fff;font-weight:600;width:100%}
.sandbox{background:#fef3c7;border:1px solid #f59e0b;padding:8px;border-radius:8px;font-size:.9rem} .err{color:#b91c1c;font-weight:600}
.sms{font-size:1.6rem;letter-spacing:4px;font-family:monospace}
"#;

/// A page of the check's popup: its title and its body.
pub fn shell(title: &str, body: Markup) -> Html<String> {
    Html(
        html! {
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
                        (body)
                    }
                }
            }
        }
        .into_string(),
    )
}

/// The LMS page to go back to, with the check in its fragment (which no server sees, and the
/// widget reads on load): `#motp-reset=<id>` or `#motp-substitute=<id>`.
pub fn return_link(check: &IdentityCheck) -> Option<String> {
    let page = check.return_to.as_deref()?;
    Some(format!(
        "{page}#motp-{}={}",
        check.purpose.as_str(),
        check.check_id
    ))
}

/// The last page: tells the widget (only at its page's exact origin) and closes itself. `detail`:
/// the provider's own words for a failed check, shown under the outcome.
pub fn done_page(
    check: &IdentityCheck,
    status: IdentityStatus,
    detail: Option<&str>,
) -> Html<String> {
    let message =
        serde_json::json!({ "type": "motp:identity", "state": check.check_id, "status": status });
    let text = match status {
        IdentityStatus::Succeeded => "본인인증이 완료되었습니다. 이 창은 곧 닫힙니다.",
        IdentityStatus::Expired => "인증 시간이 지났습니다. 창을 닫고 다시 시도하세요.",
        IdentityStatus::Failed => {
            "본인인증이 완료되지 않았습니다. 이 창은 곧 닫힙니다. 다시 시도하세요."
        }
        _ => "이 인증 요청은 이미 처리되었습니다. 창을 닫으세요.",
    };
    // JSON of the values, with `</` written `<\/`, so that no value can end the script.
    let json = |v: serde_json::Value| v.to_string().replace("</", "<\\/");
    let script = format!(
        r#"
  (function () {{
    var message = {message}, back = {back}, done = {done};
    if (window.opener) {{
      window.opener.postMessage(message, {origin});
      // A failed check's window stays, so its reason can be read.
      if (done) setTimeout(function () {{ window.close(); }}, 800);
    }} else if (back) {{
      // The check ran in the trainee's own window (or a popup that lost its opener): back to
      // the LMS page, which resumes with the check's id only.
      location.replace(back);
    }}
  }})();
"#,
        message = json(message),
        done = status == IdentityStatus::Succeeded,
        back = json(serde_json::Value::from(return_link(check))),
        origin = json(serde_json::Value::String(check.origin.clone())),
    );
    shell(
        "본인인증 결과",
        html! {
            p #result role="status" { (text) }
            @if let Some(detail) = detail {
                p.err { (detail) }
            }
            // Safe unescaped: fixed script text, and values only as JSON (serde_json quotes and
            // escapes them as JavaScript strings) with `</` escaped, so none can close the script.
            script { (PreEscaped(script)) }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::timeline::tests::check;
    use crate::model::CheckStatus;

    #[test]
    fn a_providers_words_and_the_checks_values_cannot_make_markup_or_end_the_script() {
        let check = IdentityCheck {
            return_to: Some("https://lms.example/a</script><script>alert(2)</script>".into()),
            ..check("0123456789abcdef0123456789abcdef", 0, CheckStatus::Failed)
        };
        let page = done_page(
            &check,
            IdentityStatus::Failed,
            Some(r#"NICE 0001: <script>alert("x")</script> & "more""#),
        )
        .0;
        assert!(
            page.contains(
                r#"<p class="err">NICE 0001: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;more&quot;</p>"#
            ),
            "{page}"
        );
        assert!(!page.contains("alert(\"x\")"), "{page}");
        // Inside the script, a value is JSON with `</` escaped: one script, closed once.
        assert!(
            page.contains(r#"back = "https://lms.example/a<\/script><script>alert(2)<\/script>#motp-reset=0123456789abcdef0123456789abcdef""#),
            "{page}"
        );
        assert_eq!(page.matches("</script>").count(), 1, "{page}");
        assert!(page.contains(r#"postMessage(message, "https://lms.example")"#));
        assert!(page.contains(r#"<html lang="ko">"#) && page.contains(r#"name="viewport""#));
    }
}
