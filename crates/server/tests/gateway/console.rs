//! The help desk's console over real HTTP: staff accounts made with the `staff` command, each
//! tenant's staff seeing their own tenant only, and sessions ending after 30 idle minutes on the
//! injected clock.

use crate::common::{staff_cli, StaffBrowser};
use crate::world::{launch_token, world, World, TEL};

const PASSWORD: &str = "correct horse battery staple";

/// `motp-server staff add` against the world's database and tenants.
async fn add_staff(w: &World, tenant: &str, login: &str) {
    let config = w.dir.path().join("tenants.toml");
    let (ok, out) = staff_cli(
        &[
            "staff",
            "add",
            "--config",
            config.to_str().unwrap(),
            "--database-url",
            &w.db,
            "--tenant",
            tenant,
            "--login",
            login,
        ],
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert!(ok, "staff add: {out}");
}

async fn signed_in(w: &World, login: &str) -> StaffBrowser {
    let mut b = StaffBrowser::new(&w.server.url());
    let res = b.login(login, PASSWORD).await;
    assert_eq!(res.status(), 303, "{login} signs in");
    assert_eq!(res.headers()["location"], "/console");
    b
}

#[tokio::test]
async fn staff_see_their_own_tenants_trainees_and_never_anothers() {
    let w = world().await;
    add_staff(&w, "kosa", "desk-kosa").await;
    add_staff(&w, "other", "desk-other").await;
    // A kosa trainee's wrong code.
    let (status, _) = w.verify(&w.wrong_code()).await;
    assert_eq!(status, 200);

    let mut kosa = signed_in(&w, "desk-kosa").await;
    let (status, page) = kosa.page("/console/trainees/trainee01").await;
    assert_eq!(status, 200);
    assert!(page.contains("<dd id=\"failures\">1 / 5</dd>"), "{page}");
    assert!(page.contains("번호 불일치 (AP001)"), "{page}");
    assert!(page.contains("잠기기 전까지 4번 남았습니다"), "{page}");
    let (_, today) = kosa.page("/console").await;
    assert!(
        today.contains("data-outcome=\"WrongCode\"><span class=\"n\">1</span>"),
        "{today}"
    );

    // The other institution's staff: the same URL is not found, and their day is empty.
    let mut other = signed_in(&w, "desk-other").await;
    let (status, page) = other.page("/console/trainees/trainee01").await;
    assert_eq!(status, 404, "{page}");
    assert!(!page.contains("AP001"));
    let (_, today) = other.page("/console").await;
    assert!(
        today.contains("data-outcome=\"WrongCode\"><span class=\"n\">0</span>"),
        "{today}"
    );
    let (status, csv) = other
        .page("/console/audit?from=2026-11-27&to=2026-11-27")
        .await;
    assert_eq!(status, 200);
    assert!(!csv.contains("trainee01"), "{csv}");
    let (status, csv) = kosa
        .page("/console/audit?from=2026-11-27&to=2026-11-27")
        .await;
    assert_eq!(status, 200);
    assert!(csv.starts_with("id,at_kst,tenant,usrid,event"), "{csv}");
    assert!(csv.contains(",kosa,trainee01,verify,AP001,01,03,"), "{csv}");
}

#[tokio::test]
async fn a_session_ends_after_thirty_idle_minutes() {
    let w = world().await;
    add_staff(&w, "kosa", "desk-kosa").await;
    let mut b = signed_in(&w, "desk-kosa").await;
    // Each request starts the 30 minutes again.
    for _ in 0..3 {
        w.clock.advance(29 * 60);
        let (status, _) = b.page("/console").await;
        assert_eq!(status, 200);
    }
    w.clock.advance(30 * 60);
    let (status, _) = b.page("/console").await;
    assert_eq!(status, 200, "exactly 30 minutes is still open");
    w.clock.advance(30 * 60 + 1);
    let res = b.get("/console").await;
    assert_eq!(res.status(), 303, "idle for 30 min 1 s");
    assert_eq!(res.headers()["location"], "/console/login");
    // Gone for good: coming back at once does not revive it.
    w.clock.advance(-(30 * 60 + 1));
    assert_eq!(b.get("/console").await.status(), 303);
}

/// `motp-server staff ARGS…` on the world's tenants and database.
async fn staff(w: &World, args: &[&str], stdin: &str) -> (bool, String) {
    let config = w.dir.path().join("tenants.toml");
    let mut all = vec!["staff"];
    all.extend(args);
    all.extend([
        "--config",
        config.to_str().unwrap(),
        "--database-url",
        &w.db,
    ]);
    staff_cli(&all, stdin).await
}

#[tokio::test]
async fn the_staff_command_adds_lists_and_removes_and_refuses_bad_input() {
    let w = world().await;
    add_staff(&w, "kosa", "desk-kosa").await;
    let good = "correct horse battery\n";
    for (args, stdin, why) in [
        (
            ["add", "--tenant", "nobody", "--login", "x"],
            good,
            "no tenant nobody",
        ),
        (
            ["add", "--tenant", "kosa", "--login", "short"],
            "short\n",
            "at least 12 characters",
        ),
        (
            ["add", "--tenant", "other", "--login", "desk-kosa"],
            good,
            "taken",
        ),
        (
            ["add", "--tenant", "kosa", "--login", "a b"],
            good,
            "login must be",
        ),
    ] {
        let (ok, out) = staff(&w, &args, stdin).await;
        assert!(!ok && out.contains(why), "{why}: {out}");
    }
    let (ok, out) = staff(&w, &["list"], "").await;
    assert!(ok && out.contains("kosa\tdesk-kosa\t2026-"), "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(!out.contains("argon2"), "no hash printed: {out}");

    // Removing the account ends its session at once.
    let mut b = signed_in(&w, "desk-kosa").await;
    let (ok, out) = staff(&w, &["remove", "--login", "desk-kosa"], "").await;
    assert!(ok, "{out}");
    assert_eq!(b.get("/console").await.status(), 303);
    let res = StaffBrowser::new(&w.server.url())
        .login("desk-kosa", PASSWORD)
        .await;
    assert_eq!(res.status(), 401);
    let (ok, out) = staff(&w, &["remove", "--login", "desk-kosa"], "").await;
    assert!(!ok && out.contains("no staff account"), "{out}");
}

/// Two stories the widget's journeys do not play, as the help desk sees them: HRD failing a code
/// (an outage, with the substitute check this tenant allows), and a phone check that named someone
/// other than the LMS record (the record may be out of date; the lock stays).
#[tokio::test]
async fn an_hrd_outage_and_another_persons_check_are_told_as_such() {
    let w = world().await;
    add_staff(&w, "kosa", "desk-kosa").await;
    let mut b = signed_in(&w, "desk-kosa").await;

    w.sandbox
        .faults
        .set(hrd_sandbox::faults::FaultMode::Ie001, 1);
    let (_, answer) = w.verify(&w.code_now()).await;
    assert_eq!(answer["result"], "hrd_unavailable", "{answer}");
    let (_, page) = b.page("/console/trainees/trainee01").await;
    assert!(page.contains("HRD 응답 없음 (IE001)"), "{page}");
    assert!(page.contains("HRD의 mOTP 서버 장애입니다"), "{page}");
    assert!(page.contains("대체인증"), "{page}");
    let (_, today) = b.page("/console").await;
    assert!(
        today.contains("data-outcome=\"HrdUnavailable\"><span class=\"n\">1</span>"),
        "{today}"
    );
    assert!(today.contains("<strong>0%</strong> (0 / 1)"), "{today}");

    w.clock.advance(60);
    w.lock().await;
    let state = w.sandbox_identity_check("김철수", TEL).await;
    let (status, _) = w.reset_with(&launch_token(), &state).await;
    assert_eq!(status, 403);
    let (_, page) = b.page("/console/trainees/trainee01").await;
    assert!(page.contains("다른 사람으로 확인됨"), "{page}");
    assert!(
        page.contains("본인인증 결과가 LMS 회원정보와 다른 사람입니다"),
        "{page}"
    );
    assert!(
        page.contains("mOTP가 잠겼습니다 (AP009)"),
        "still locked: {page}"
    );
    assert!(
        page.contains("sandbox · 거래번호 "),
        "provider and its transaction id: {page}"
    );
}
