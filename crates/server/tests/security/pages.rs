//! The check's own pages (the sandbox carrier check): what a request carries comes back as text,
//! never as markup or script.

use crate::target::{claims, lms_attested_tenants, sign, target};

const EVIL: &str = r#""><script>alert('x')</script>"#;
const SAFE: &str = "&quot;&gt;&lt;script&gt;alert('x')&lt;/script&gt;";

#[tokio::test]
async fn a_name_or_a_number_sent_to_the_sandbox_check_comes_back_escaped() {
    // A tenants file whose demo tenant runs the sandbox check (the built-in one runs NICE's).
    let dir = tempfile::tempdir().unwrap();
    let t = target(&["--config", &lms_attested_tenants(dir.path())]).await;
    let started = t
        .start_check(&sign(&claims()), "https://lms.demo.example")
        .await;
    let popup = format!("{}{}", t.url, started["popup_url"].as_str().unwrap());
    let post = |path: &'static str, form: Vec<(&'static str, &'static str)>| {
        let request = t.http.post(format!("{popup}{path}")).form(&form);
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    // Step two repeats the name it was sent (in a hidden field), then, after a wrong code, the
    // name and the number as they came.
    let sent = post(
        "/sms",
        vec![("name", EVIL), ("tel", "010-1234-5678"), ("carrier", "SKT")],
    )
    .await;
    assert!(sent.contains("id=\"sms-code\""), "{sent}");
    let wrong = post(
        "/confirm",
        vec![("name", EVIL), ("tel", EVIL), ("sms", "x")],
    )
    .await;
    assert!(wrong.contains("인증번호가 맞지 않습니다."), "{wrong}");
    for (step, page, count) in [("sms", &sent, 1), ("confirm", &wrong, 2)] {
        assert_eq!(page.matches(SAFE).count(), count, "{step}: {page}");
        assert!(!page.contains("<script"), "{step}: {page}");
    }
}
