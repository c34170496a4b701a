//! The help desk's console under attack: forms without their CSRF token, guessed passwords,
//! forged or missing sessions, redirects elsewhere. Each case asserts its status and its page,
//! and that nothing changed: no session opened or closed, no language switched, nothing sent
//! upstream.

use crate::common::{csrf_of, StaffBrowser};
use crate::target::target;
use motp_server::tenant::{
    SANDBOX_DEMO_STAFF_LOGIN as LOGIN, SANDBOX_DEMO_STAFF_PASSWORD as PASSWORD,
};

const PAGES: [&str; 6] = [
    "/console",
    "/console/trainees/trainee01",
    "/console/trainees?usrid=trainee01",
    "/console/codes",
    "/console/audit?from=2026-11-01&to=2026-11-30",
    "/console/trainees/nobody",
];

#[tokio::test]
async fn forms_without_their_csrf_token_change_nothing() {
    let t = target(&[]).await;
    // The login form: no token, a wrong token, the token without its cookie.
    let mut b = StaffBrowser::new(&t.url);
    let (_, page) = b.page("/console/login").await;
    let token = csrf_of(&page);
    for (case, csrf, keep_cookie) in [
        ("no token", "", true),
        ("another token", "0123456789abcdef0123456789abcdef", true),
        ("the token without its cookie", token.as_str(), false),
    ] {
        let mut attacker = StaffBrowser::new(&t.url);
        if keep_cookie {
            attacker.cookies = b.cookies.clone();
        }
        let res = attacker
            .post(
                "/console/login",
                &[("login", LOGIN), ("password", PASSWORD), ("csrf", csrf)],
            )
            .await;
        assert_eq!(res.status(), 403, "{case}");
        assert!(
            res.headers().get("set-cookie").is_none(),
            "{case}: no session"
        );
        let page = res.text().await.unwrap();
        assert!(page.contains("보안 토큰이 맞지 않습니다"), "{case}: {page}");
        assert_eq!(attacker.get("/console").await.status(), 303, "{case}");
    }

    // Signed in: logout and the language switch without the session's token.
    assert_eq!(b.login(LOGIN, PASSWORD).await.status(), 303);
    let csrf = b.csrf().await;
    for (path, form) in [
        ("/console/logout", vec![("csrf", "")]),
        (
            "/console/logout",
            vec![("csrf", "0123456789abcdef0123456789abcdef")],
        ),
        ("/console/lang", vec![("csrf", ""), ("lang", "en")]),
        ("/console/lang", vec![("lang", "en")]),
    ] {
        let res = b.post(path, &form).await;
        let status = res.status().as_u16();
        assert!(status == 403 || status == 400, "{path} {form:?}: {status}");
        if form.iter().any(|(k, _)| *k == "csrf") {
            assert_eq!(status, 403, "{path} {form:?}");
        }
    }
    // Still signed in, still in Korean, the same token.
    let (status, page) = b.page("/console").await;
    assert_eq!(status, 200);
    assert!(page.contains("<html lang=\"ko\">"), "language unchanged");
    assert_eq!(csrf_of(&page), csrf);
    // With the token both work.
    let res = b
        .post(
            "/console/lang",
            &[("csrf", &csrf), ("lang", "en"), ("back", "/console/codes")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/console/codes");
    assert!(b.page("/console").await.1.contains("<html lang=\"en\">"));
    assert_eq!(
        b.post("/console/logout", &[("csrf", &csrf)]).await.status(),
        303
    );
    assert_eq!(b.get("/console").await.status(), 303, "signed out");
    assert!(t.upstream_calls().await.is_empty());
}

#[tokio::test]
async fn failed_logins_are_throttled_and_then_even_the_right_password_waits() {
    let t = target(&[]).await;
    for n in 1..=10 {
        let mut b = StaffBrowser::new(&t.url);
        let res = b.login(LOGIN, &format!("guess-{n}-not-the-password")).await;
        assert_eq!(res.status(), 401, "guess {n}");
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("아이디 또는 비밀번호가 맞지 않습니다"));
    }
    let mut b = StaffBrowser::new(&t.url);
    let res = b.login(LOGIN, PASSWORD).await;
    assert_eq!(res.status(), 429, "the right password waits");
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(res.headers().get("set-cookie").is_none(), "no session");
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("로그인 실패가 너무 많습니다"));
    assert_eq!(b.get("/console").await.status(), 303);
    // The refusals are logged (the login, the address), never a password tried.
    let log = t.log.lock().unwrap().join("\n");
    assert!(log.contains("console login refused"), "{log}");
    assert!(!log.contains("guess-") && !log.contains(PASSWORD), "{log}");
}

#[tokio::test]
async fn guessing_other_logins_from_one_address_is_throttled_too() {
    let t = target(&[]).await;
    for n in 1..=10 {
        let res = StaffBrowser::new(&t.url)
            .login(&format!("desk{n}"), "correct horse battery")
            .await;
        assert_eq!(res.status(), 401, "login {n}");
    }
    let res = StaffBrowser::new(&t.url).login(LOGIN, PASSWORD).await;
    assert_eq!(res.status(), 429, "this address has failed too often");
}

#[tokio::test]
async fn pages_without_a_session_go_to_the_login_form() {
    let t = target(&[]).await;
    let mut anonymous = StaffBrowser::new(&t.url);
    let mut forged = StaffBrowser::new(&t.url);
    forged.cookies.insert("motp_console".into(), "0".repeat(64));
    for b in [&mut anonymous, &mut forged] {
        for path in PAGES {
            let res = b.get(path).await;
            assert_eq!(res.status(), 303, "{path}");
            assert_eq!(res.headers()["location"], "/console/login", "{path}");
        }
        let res = b.post("/console/logout", &[("csrf", "x")]).await;
        assert_eq!(res.status(), 303);
    }
}

#[tokio::test]
async fn the_session_cookie_is_http_only_strict_and_pages_are_locked_down() {
    let t = target(&[]).await;
    let mut b = StaffBrowser::new(&t.url);
    let res = b.login(LOGIN, PASSWORD).await;
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("motp_console="), "{cookie}");
    assert!(
        cookie.contains("; HttpOnly") && cookie.contains("; SameSite=Strict"),
        "{cookie}"
    );
    assert!(cookie.contains("; Path=/console"), "{cookie}");
    assert!(!cookie.contains("Secure"), "loopback: no Secure (http)");
    let res = b.get("/console").await;
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.starts_with("default-src 'none'; style-src 'self'"),
        "{csp}"
    );
    assert!(csp.contains("form-action 'self'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(res.headers()["cache-control"], "no-store");
    let page = res.text().await.unwrap();
    assert!(
        !page.contains("<script") && !page.contains("style=\""),
        "no inline code"
    );

    // Outside loopback the cookie is Secure.
    let t = target(&["--public-url", "https://motp.example.ac.kr"]).await;
    let res = StaffBrowser::new(&t.url).login(LOGIN, PASSWORD).await;
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn bad_input_gets_a_clear_page_and_no_redirect_leaves_the_console() {
    let t = target(&[]).await;
    let mut b = StaffBrowser::new(&t.url);
    assert_eq!(b.login(LOGIN, PASSWORD).await.status(), 303);
    let csrf = b.csrf().await;
    for back in [
        "https://evil.example/",
        "//evil.example/console",
        "/\\evil.example",
        "/v1/session",
    ] {
        let res = b
            .post(
                "/console/lang",
                &[("csrf", &csrf), ("lang", "ko"), ("back", back)],
            )
            .await;
        assert_eq!(res.status(), 303, "{back}");
        assert_eq!(res.headers()["location"], "/console", "{back}");
    }
    for (path, status, says) in [
        ("/console/trainees?usrid=a%20b", 400, "USRID"),
        ("/console/trainees?usrid=", 400, "USRID"),
        ("/console/trainees/%3Cscript%3E", 400, "usrid must be"),
        (
            "/console/trainees/nobody",
            404,
            "그런 훈련생 기록이 없습니다",
        ),
        (
            "/console/audit?from=2026-11-30&to=2026-11-01",
            400,
            "to is before from",
        ),
        (
            "/console/audit?from=yesterday&to=2026-11-01",
            400,
            "from must be YYYY-MM-DD",
        ),
        ("/console/audit", 400, "from"),
    ] {
        let (got, page) = b.page(path).await;
        assert_eq!(got, status, "{path}: {page}");
        assert!(page.contains(says), "{path}: {page}");
        assert!(!page.contains("<script"), "{path}");
    }
    let res = b
        .post("/console/lang", &[("csrf", &csrf), ("lang", "fr")])
        .await;
    assert_eq!(res.status(), 400);
    assert!(t.upstream_calls().await.is_empty());
}
