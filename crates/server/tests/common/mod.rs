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

/// A staff member's browser on the console (`/console`): keeps the console's cookies by hand,
/// follows no redirect, and reads each form's CSRF token off the page as a browser submits it.
#[allow(dead_code)] // not every test binary signs in
pub struct StaffBrowser {
    pub base: String,
    pub http: reqwest::Client,
    /// `name=value` of each cookie the server set, as the browser would send them back.
    pub cookies: std::collections::BTreeMap<String, String>,
}

#[allow(dead_code)]
impl StaffBrowser {
    pub fn new(base: &str) -> StaffBrowser {
        StaffBrowser {
            base: base.to_string(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Default::default(),
        }
    }

    fn cookie_header(&self) -> String {
        let pairs: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        pairs.join("; ")
    }

    fn keep_cookies(&mut self, res: &reqwest::Response) {
        for c in res.headers().get_all("set-cookie") {
            let c = c.to_str().unwrap();
            let (pair, _) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() || c.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> reqwest::Response {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep_cookies(&res);
        res
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep_cookies(&res);
        res
    }

    /// GETs `path` and returns its page.
    pub async fn page(&mut self, path: &str) -> (u16, String) {
        let res = self.get(path).await;
        (res.status().as_u16(), res.text().await.unwrap())
    }

    /// Opens the login page and posts its form: the answer (303 on success).
    pub async fn login(&mut self, login: &str, password: &str) -> reqwest::Response {
        let (_, page) = self.page("/console/login").await;
        let csrf = csrf_of(&page);
        self.post(
            "/console/login",
            &[("login", login), ("password", password), ("csrf", &csrf)],
        )
        .await
    }

    /// The session's CSRF token, read off a signed-in page.
    pub async fn csrf(&mut self) -> String {
        let (status, page) = self.page("/console/codes").await;
        assert_eq!(status, 200, "signed in");
        csrf_of(&page)
    }
}

/// The `csrf` hidden field's value on a page.
#[allow(dead_code)]
pub fn csrf_of(page: &str) -> String {
    const FIELD: &str = "name=\"csrf\" value=\"";
    let at = page.find(FIELD).expect("a form with a CSRF token") + FIELD.len();
    page[at..].split('"').next().unwrap().to_string()
}

/// `motp-server staff add …` with `password` on standard input; its exit status and output.
#[allow(dead_code)]
pub async fn staff_cli(args: &[&str], stdin: &str) -> (bool, String) {
    use tokio::io::AsyncWriteExt;
    let mut child = Command::new(env!("CARGO_BIN_EXE_motp-server"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("motp-server runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .await
        .unwrap();
    let out = child.wait_with_output().await.unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}
