//! Shared by the integration tests: which database engine a test runs on. With
//! `MOTP_TEST_POSTGRES_URL` set (`make test` starts a throwaway PostgreSQL and sets it), every test
//! gets a fresh PostgreSQL database; otherwise a fresh SQLite file in its temp dir.

use sqlx::Connection;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Starts the `motp-server` binary with `args` (and a free metrics port) and returns once it listens
/// (its output is drained so it never blocks on a full pipe). Killed when dropped.
#[allow(dead_code)] // not every test binary starts processes
pub async fn spawn_server(args: &[String]) -> Child {
    spawn_server_with_log(args).await.0
}

/// The lines a server process has logged since it listened, as they arrive.
pub type Log = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// [`spawn_server`], keeping every line it logs after it listens.
#[allow(dead_code)] // not every test binary reads logs
pub async fn spawn_server_with_log(args: &[String]) -> (Child, Log) {
    // Many servers run at once: each its own free port for metrics, unless the test names one.
    let metrics: &[&str] = if args.iter().any(|a| a == "--metrics-listen") {
        &[]
    } else {
        &["--metrics-listen", "127.0.0.1:0"]
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_motp-server"))
        .args(args)
        .args(metrics)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("motp-server starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let log = Log::default();
    while let Some(line) = lines.next_line().await.unwrap() {
        if line.contains("motp-server listening on") {
            // Drained so it never blocks; its errors shown, for a failing test to explain itself.
            let kept = log.clone();
            tokio::spawn(async move {
                while let Ok(Some(line)) = lines.next_line().await {
                    if line.contains("ERROR") {
                        eprintln!("motp-server: {line}");
                    }
                    kept.lock().unwrap().push(line);
                }
            });
            return (child, log);
        }
    }
    panic!("motp-server exited before listening");
}

#[allow(dead_code)] // not every test binary opens a database itself
pub async fn database_url(dir: &std::path::Path) -> String {
    match std::env::var("MOTP_TEST_POSTGRES_URL") {
        Ok(admin_url) => {
            let name = format!("motp_test_{}", motp_server::domain::jwt::random_id());
            let mut admin = sqlx::PgConnection::connect(&admin_url)
                .await
                .expect("the test PostgreSQL answers");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await
                .expect("a test database is created");
            let base = admin_url.rsplit_once('/').expect("URL with a database").0;
            format!("{base}/{name}")
        }
        Err(_) => format!("sqlite://{}", dir.join("motp.db").display()),
    }
}

/// Walks the sandbox carrier-check popup at `popup` (an absolute URL) as a person would: name,
/// mobile and carrier, then the "SMS" code shown on the page. Returns the last page.
#[allow(dead_code)] // not every test binary does identity checks
pub async fn sandbox_popup(http: &reqwest::Client, popup: &str, name: &str, tel: &str) -> String {
    let page = http
        .post(format!("{popup}/sms"))
        .form(&[("name", name), ("tel", tel), ("carrier", "SKT")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = page
        .find("id=\"sms-code\">")
        .expect("the SMS code is on the page")
        + 14;
    http.post(format!("{popup}/confirm"))
        .form(&[("name", name), ("tel", tel), ("sms", &page[at..at + 6])])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// GETs `url` (with the launch token `bearer`, if any) and returns its JSON body.
#[allow(dead_code)] // not every test binary reads JSON
pub async fn get_json(
    http: &reqwest::Client,
    url: String,
    bearer: Option<&str>,
) -> serde_json::Value {
    let mut req = http.get(url);
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap().json().await.unwrap()
}
