//! Sandbox mode is never implied: the real `motp-server` binary refuses to start without what
//! production needs (naming it), refuses sandbox mode off loopback or with real credentials, and in
//! production nothing of the sandbox answers.

mod common;

use std::process::Command;

const TENANTS: &str = r#"
[[tenants]]
id = "kosa"
agtid = "KOSA01"
origins = ["https://lms.kosa.example"]
secret = "kosa-real-secret-0123456789abcdef0123456"
api_key = "kosa-real-api-key-0123456789abcdef012345"
attest_url = "https://lms.kosa.example/motp/identity"
"#;

/// Runs the binary with `args` (it must exit by itself) and returns its exit success and stderr.
fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_motp-server"))
        .args(args)
        .output()
        .expect("motp-server runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A loopback port free right now, for a server process to listen on.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Starts the real server with tenant file `config` on a free loopback port, HRD and e-mon named
/// by an address nothing here calls, and `extra` arguments; returns it and its URL.
async fn serve(config: &str, db: &str, extra: &[&str]) -> (tokio::process::Child, String) {
    let listen = format!("127.0.0.1:{}", free_port());
    let hrd = "http://127.0.0.1:9";
    let base = [
        "--listen",
        &listen,
        "--config",
        config,
        "--database-url",
        db,
        "--hrd-url",
        hrd,
        "--emon-url",
        hrd,
    ];
    let args: Vec<String> = base.iter().chain(extra).map(|s| s.to_string()).collect();
    (
        common::spawn_server(&args).await,
        format!("http://{listen}"),
    )
}

fn config(dir: &std::path::Path, text: &str) -> String {
    let path = dir.join("tenants.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn without_sandbox_a_missing_flag_stops_the_server_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), TENANTS);
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    let (ok, err) = run(&[
        "--listen",
        "127.0.0.1:0",
        "--config",
        &config,
        "--database-url",
        &db,
    ]);
    assert!(!ok, "it must not start");
    assert!(
        err.contains("--hrd-url") && err.contains("--emon-url"),
        "{err}"
    );
    let (ok, err) = run(&["--listen", "127.0.0.1:0", "--database-url", &db]);
    assert!(!ok);
    assert!(err.contains("--config"), "{err}");
}

#[test]
fn sandbox_mode_only_on_loopback_and_only_with_sandbox_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    let (ok, err) = run(&["--sandbox", "--listen", "0.0.0.0:0", "--database-url", &db]);
    assert!(!ok);
    assert!(err.contains("loopback"), "{err}");
    let config = config(dir.path(), TENANTS);
    let (ok, err) = run(&[
        "--sandbox",
        "--listen",
        "127.0.0.1:0",
        "--config",
        &config,
        "--database-url",
        &db,
    ]);
    assert!(!ok, "an institution's real secret never meets the emulator");
    assert!(err.contains("sandbox credentials"), "{err}");
    let (ok, err) = run(&[
        "--sandbox",
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &db,
        "--hrd-url",
        "https://hrd.example.kr",
    ]);
    assert!(!ok);
    assert!(err.contains("loopback"), "{err}");
    let (ok, _) = run(&[
        "--sandbox",
        "--sandbox-clock-offset",
        "99999999999",
        "--database-url",
        &db,
    ]);
    assert!(!ok, "the clock offset is range-checked");
}

#[tokio::test]
async fn in_production_nothing_of_the_sandbox_answers() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), TENANTS);
    let db = common::database_url(dir.path()).await;
    let (mut child, server) = serve(&config, &db, &["--outbox-interval-secs", "0"]).await;
    let http = reqwest::Client::new();
    for (method, path) in [
        ("GET", "/"),
        ("GET", "/hrd/sandbox/clock"),
        ("POST", "/hrd/sandbox/clock"),
        ("GET", "/hrd/sandbox/logs"),
        ("POST", "/hrd/sandbox/devices"),
        ("POST", "/demo/lms/unlock"),
        (
            "GET",
            "/v1/identity/sandbox/0123456789abcdef0123456789abcdef",
        ),
        (
            "POST",
            "/v1/identity/sandbox/0123456789abcdef0123456789abcdef/confirm",
        ),
    ] {
        let req = match method {
            "GET" => http.get(format!("{server}{path}")),
            _ => http
                .post(format!("{server}{path}"))
                .json(&serde_json::json!({})),
        };
        let status = req.send().await.unwrap().status().as_u16();
        assert_eq!(status, 404, "{method} {path}");
    }
    // The console is a production feature, for accounts the institution adds; the demo's staff
    // account and its public password exist in sandbox mode only.
    let mut staff = common::StaffBrowser::new(&server);
    assert_eq!(staff.page("/console/login").await.0, 200);
    let res = staff
        .login(
            motp_server::tenant::SANDBOX_DEMO_STAFF_LOGIN,
            motp_server::tenant::SANDBOX_DEMO_STAFF_PASSWORD,
        )
        .await;
    assert_eq!(res.status(), 401, "no demo account in production");
    // The server itself is up: its own routes answer.
    let jwks = http
        .get(format!("{server}/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(jwks.status(), 200);
    child.start_kill().unwrap();
}

/// The `toml` blocks of README.md, as a newcomer would copy them.
fn readme_tomls() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    readme
        .split("```toml\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn every_tenant_file_in_readme_starts_the_server_as_written() {
    let tomls = readme_tomls();
    assert!(tomls.len() >= 3, "README's tenant files");
    // The variables README's production example names, as an operator would set them.
    std::env::set_var(
        "MOTP_TENANT_SECRET_KOSA",
        "kosa-secret-from-the-environment-0123456789",
    );
    std::env::set_var(
        "MOTP_TENANT_API_KEY_KOSA",
        "kosa-api-key-from-the-environment-012345678",
    );
    std::env::set_var(
        "MOTP_NICE_SECRET_KOSA",
        "kosa-nice-secret-from-the-environment",
    );
    for toml in tomls {
        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path(), &toml);
        let db = format!("sqlite://{}", dir.path().join("m.db").display());
        let sandbox: &[&str] = if toml.contains("\"sandbox\"") {
            &["--sandbox"]
        } else {
            &[]
        };
        let (mut child, server) = serve(&config, &db, sandbox).await;
        let ready = reqwest::get(format!("{server}/readyz")).await.unwrap();
        assert_eq!(ready.status(), 200, "{toml}");
        child.start_kill().unwrap();
    }
}

#[test]
fn a_bad_database_url_is_refused_without_printing_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("sandbox.json");
    for url in [
        "mysql://motp:SECRETPW@db.example/motp",
        "postgres://motp:SECRETPW@db.example:port/motp",
        "postgresql://motp:SECRETPW@[bad/motp",
        "sqlite:motp:SECRETPW",
    ] {
        let (ok, err) = run(&[
            "--sandbox",
            "--listen",
            "127.0.0.1:0",
            "--sandbox-state",
            state.to_str().unwrap(),
            "--metrics-listen",
            "127.0.0.1:0",
            "--database-url",
            url,
        ]);
        assert!(!ok, "{url} must not start");
        assert!(err.contains("database"), "{url}: {err}");
        assert!(!err.contains("SECRETPW"), "{url}: {err}");
    }
}
