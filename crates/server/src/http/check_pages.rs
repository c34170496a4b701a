//! The pages of a phone identity check that this server shows in the check's popup: the frame
//! ([`shell`]), and the last page ([`done_page`]), which tells the widget the outcome by
//! `postMessage` to the LMS page's exact origin and closes itself, or, run in the trainee's own
//! window, goes back to the LMS page. Used by the sandbox carrier page and by NICE's return.

use crate::model::IdentityCheck;
use axum::response::Html;
use motp_protocol::api::IdentityStatus;

/// HTML-escapes text put into a page.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A page of the check's popup: its title and its body (already HTML).
pub fn shell(title: &str, body: &str) -> Html<String> {
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
{body}</main></body></html>"#
    ))
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
    shell(
        "본인인증 결과",
        &format!(
            r#"<p id="result" role="status">{text}</p>{detail}
<script>
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
</script>"#,
            detail = detail
                .map(|d| format!("<p class=err>{}</p>", escape(d)))
                .unwrap_or_default(),
            message = message.to_string().replace("</", "<\\/"),
            done = status == IdentityStatus::Succeeded,
            back = serde_json::Value::from(return_link(check))
                .to_string()
                .replace("</", "<\\/"),
            origin = serde_json::Value::String(check.origin.clone())
                .to_string()
                .replace("</", "<\\/"),
        ),
    )
}
