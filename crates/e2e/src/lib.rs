//! The end-to-end harness: `motp-server` in sandbox mode (embedded HRD emulator, SQLite in a temp
//! dir, an injected clock) serving the built widget, ChromeDriver, and a headless Chromium session.
//! Journeys live in `tests/`; each leaves a screenshot under `target/e2e-screenshots/` on failure.

use fantoccini::elements::{Element, ShadowRoot};
use fantoccini::{Client, ClientBuilder, Locator};
use motp_protocol::clock::AdjustableClock;
use motp_server::config::ServeArgs;
use motp_server::startup::{self as launch, Running};
use std::future::Future;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Fails the journey with a message (and so a screenshot), instead of panicking.
#[macro_export]
macro_rules! check {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+).into());
        }
    };
}

/// 2026-11-27 19:00:20 KST: 20 s into a code step, so the code on screen stays valid throughout.
pub const T0: i64 = 1_795_773_620;

const CHROME_ARGS: [&str; 9] = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1024,900",
];

pub struct Harness {
    pub server: Running,
    pub clock: Arc<AdjustableClock>,
    pub browser: Client,
    chromedriver: Child,
    driver_port: u16,
    _dir: tempfile::TempDir,
}

/// [`Harness::until`] in any browser session.
pub async fn until_on(
    browser: &Client,
    expression: &str,
) -> Result<serde_json::Value, fantoccini::error::CmdError> {
    let script = format!(
        "const done = arguments[arguments.length - 1];\n\
         const look = () => {{ let v; try {{ v = ({expression}); }} catch (e) {{ v = null; }}\n\
           if (v) done(v); else requestAnimationFrame(look); }};\n\
         look();"
    );
    browser.execute_async(&script, vec![]).await
}

/// A headless Chromium session with its own profile directory.
async fn open_browser(
    driver_port: u16,
    profile: &std::path::Path,
) -> Result<Client, Box<dyn std::error::Error + Send + Sync>> {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": CHROME_ARGS.iter().map(|s| s.to_string())
                .chain([format!("--user-data-dir={}", profile.display())])
                .collect::<Vec<_>>(),
        }),
    );
    Ok(
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{driver_port}"))
            .await?,
    )
}

fn widget_dist() -> Result<PathBuf, String> {
    let dir = std::env::var("MOTP_WIDGET_DIST")
        .map(PathBuf::from)
        .map_err(|_| {
            "MOTP_WIDGET_DIST is not set: run the end-to-end tests with `make test-e2e`".to_string()
        })?;
    if !dir.join("motp-embed.js").exists() {
        return Err(format!(
            "no built widget in {} (run `make widget`)",
            dir.display()
        ));
    }
    Ok(dir)
}

/// Starts ChromeDriver on a free loopback port and returns once it says it is listening.
async fn start_chromedriver() -> Result<(Child, u16), Box<dyn std::error::Error + Send + Sync>> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let binary = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let mut child = Command::new(&binary)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {binary}: {e}"))?;
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let started = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await? {
            if line.contains("started successfully") {
                return Ok::<bool, std::io::Error>(true);
            }
        }
        Ok(false)
    })
    .await;
    match started {
        Ok(Ok(true)) => Ok((child, port)),
        _ => Err(format!("{binary} did not start").into()),
    }
}

impl Harness {
    pub async fn start() -> Result<Harness, Box<dyn std::error::Error + Send + Sync>> {
        Self::start_with(|_| {}).await
    }

    /// [`Harness::start`], with the server's arguments changed by `tweak` first (say, no outbox
    /// worker, for a journey that sends the outbox itself).
    pub async fn start_with(
        tweak: impl FnOnce(&mut ServeArgs),
    ) -> Result<Harness, Box<dyn std::error::Error + Send + Sync>> {
        let dist = widget_dist()?;
        let dir = tempfile::tempdir()?;
        let clock = AdjustableClock::fixed(T0);
        let mut args = ServeArgs {
            listen: "127.0.0.1:0".parse()?,
            config: None,
            database_url: format!("sqlite://{}", dir.path().join("motp.db").display()),
            hrd_url: None,
            hrd_timeout_secs: 5,
            widget_dir: dist,
            public_url: None,
            trusted_proxies: vec![],
            per_trainee_per_minute: 30,
            per_ip_per_minute: 300,
            sandbox_clock_offset: 0,
            sandbox_state: dir.path().join("sandbox.json"),
            sandbox: true,
            emon_url: None,
            emon_api_url: None,
            outbox_interval_secs: 5,
            log_json: false,
        };
        tweak(&mut args);
        let server = launch::start(&args, clock.clone(), std::future::pending()).await?;
        // start() moved the sandbox clock by `sandbox_clock_offset`; keep it fixed at T0.
        clock.set_fixed(T0);
        let (chromedriver, driver_port) = start_chromedriver().await?;
        let browser = open_browser(driver_port, &dir.path().join("chrome")).await?;
        Ok(Harness {
            server,
            clock,
            browser,
            chromedriver,
            driver_port,
            _dir: dir,
        })
    }

    /// Another, separate browser (its own profile: another trainee's PC).
    pub async fn another_browser(
        &self,
        profile: &str,
    ) -> Result<Client, Box<dyn std::error::Error + Send + Sync>> {
        open_browser(self.driver_port, &self._dir.path().join(profile)).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    /// Runs a journey; on failure saves a screenshot named after it, then fails the test.
    pub async fn journey<F, Fut>(name: &str, body: F)
    where
        F: FnOnce(Arc<Harness>) -> Fut,
        Fut: Future<Output = TestResult>,
    {
        Self::journey_with(name, |_| {}, body).await
    }

    /// [`Harness::journey`] on a server whose arguments `tweak` changed (see [`Harness::start_with`]).
    pub async fn journey_with<F, Fut>(name: &str, tweak: impl FnOnce(&mut ServeArgs), body: F)
    where
        F: FnOnce(Arc<Harness>) -> Fut,
        Fut: Future<Output = TestResult>,
    {
        let harness = Arc::new(Harness::start_with(tweak).await.expect("harness starts"));
        let result = body(harness.clone()).await;
        if let Err(e) = &result {
            let dir =
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e-screenshots");
            let _ = std::fs::create_dir_all(&dir);
            let path = dir.join(format!("{name}.png"));
            if let Ok(png) = harness.browser.screenshot().await {
                let _ = std::fs::write(&path, png);
            }
            eprintln!("journey {name} failed: {e}\nscreenshot: {}", path.display());
        }
        let _ = harness.browser.clone().close().await;
        drop(harness);
        if let Err(e) = result {
            panic!("journey {name} failed: {e}");
        }
    }

    /// Waits in the page until `expression` (JavaScript) is truthy and returns its value. The
    /// browser re-evaluates it every animation frame: the wait ends on the page's own progress, bounded
    /// by WebDriver's script timeout, and never sleeps a fixed time.
    pub async fn until(
        &self,
        expression: &str,
    ) -> Result<serde_json::Value, fantoccini::error::CmdError> {
        until_on(&self.browser, expression).await
    }

    /// The widget's shadow root inside the element with id `host_id`, once the widget has rendered.
    pub async fn widget(&self, host_id: &str) -> Result<ShadowRoot, fantoccini::error::CmdError> {
        self.until(&format!(
            "document.getElementById('{host_id}').shadowRoot && document.getElementById('{host_id}').shadowRoot.querySelector('.motp')"
        ))
        .await?;
        let host = self.browser.find(Locator::Id(host_id)).await?;
        host.shadow_root().await
    }

    /// An element inside the widget of `host_id`, once it is there.
    pub async fn in_widget(
        &self,
        host_id: &str,
        css: &str,
    ) -> Result<Element, fantoccini::error::CmdError> {
        self.until(&format!(
            "document.getElementById('{host_id}').shadowRoot.querySelector('{css}')"
        ))
        .await?;
        self.widget(host_id).await?.find(Locator::Css(css)).await
    }

    /// Types `code` into the widget of the demo page and presses Enter, as a trainee does.
    pub async fn submit(&self, code: &str) -> TestResult {
        let input = self.in_widget("motp", "#motp-code").await?;
        // Over whatever the field holds (a refused entry, e.g. the app password, stays): Ctrl+A
        // (then the modifiers released), the code, Enter; in one go, as WebDriver puts the caret
        // at the end at the start of each call.
        input
            .send_keys(&format!("\u{E009}a\u{E000}{code}\u{E007}"))
            .await?;
        Ok(())
    }

    /// Types a wrong code, the trainee's `failures`-th in a row, and waits for the widget's answer:
    /// the "n of 5 failed" warning, or the lock screen at the fifth. Returns the widget's text.
    pub async fn submit_wrong(
        &self,
        wrong: &str,
        failures: u32,
    ) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
        self.submit(wrong).await?;
        let expected = if failures < 5 {
            format!("5회 중 {failures}회 실패")
        } else {
            "mOTP가 잠겼습니다".to_string()
        };
        Ok(self.widget_text_containing("motp", &expected).await?)
    }

    /// The widget's text, once it contains `needle`.
    pub async fn widget_text_containing(
        &self,
        host_id: &str,
        needle: &str,
    ) -> Result<String, String> {
        let found = self
            .until(&format!(
                "(t => t.includes({needle:?}) && t)(document.getElementById('{host_id}').shadowRoot.textContent)"
            ))
            .await;
        match found {
            Ok(serde_json::Value::String(text)) => Ok(text),
            _ => {
                let root = self.widget(host_id).await.map_err(|e| e.to_string())?;
                let now = match root.find(Locator::Css(".motp")).await {
                    Ok(el) => el.text().await.unwrap_or_default(),
                    Err(_) => String::new(),
                };
                Err(format!("the widget never said {needle:?}; it says {now:?}"))
            }
        }
    }
}

impl Harness {
    /// The demo LMS checked the receipt server-side and plays the lecture.
    pub async fn lecture_plays(&self) -> TestResult {
        let playing = self
            .until("document.getElementById('video').classList.contains('playing')")
            .await;
        check!(playing.is_ok(), "the lecture never started playing");
        Ok(())
    }

    /// Switches the browser to the popup the widget opened; returns the LMS page's window.
    pub async fn switch_to_popup(
        &self,
    ) -> Result<fantoccini::wd::WindowHandle, Box<dyn std::error::Error + Send + Sync>> {
        let main = self.browser.window().await?;
        let popup = self
            .browser
            .windows()
            .await?
            .into_iter()
            .find(|w| *w != main)
            .ok_or("no popup window")?;
        self.browser.switch_to_window(popup).await?;
        Ok(main)
    }

    /// Does the phone identity check in the popup the widget opened, as a trainee would, and
    /// returns to the LMS page.
    pub async fn phone_check_in_popup(&self, name: &str, tel: &str) -> TestResult {
        self.phone_check_in_popup_shooting(name, tel, None).await
    }

    /// [`Harness::phone_check_in_popup`], saving a screenshot of the popup at its SMS step, the
    /// popup `width` pixels wide, to `shot`'s path.
    pub async fn phone_check_in_popup_shooting(
        &self,
        name: &str,
        tel: &str,
        shot: Option<(&std::path::Path, u32)>,
    ) -> TestResult {
        let main = self.switch_to_popup().await?;
        self.phone_check_here(name, tel, shot).await?;
        // The last page, unless the widget has closed the popup already (it does as soon as it
        // hears of a check it cannot use): what the widget then shows is for the journey to check.
        let _ = self.browser.wait().for_element(Locator::Id("result")).await;
        self.browser.switch_to_window(main).await?;
        Ok(())
    }

    /// Does the phone identity check on the page the browser shows now (the popup, or the
    /// trainee's own window where popups do not open), as a trainee would, up to its last step:
    /// NICE's standard window as the sandbox emulates it (the demo's), or the sandbox carrier page.
    pub async fn phone_check_here(
        &self,
        name: &str,
        tel: &str,
        shot: Option<(&std::path::Path, u32)>,
    ) -> TestResult {
        self.browser
            .wait()
            .for_element(Locator::Id("name"))
            .await?
            .send_keys(name)
            .await?;
        if let Ok(mobile) = self.browser.find(Locator::Id("mobileno")).await {
            // NICE's window: carrier, birth date, gender and mobile.
            self.browser
                .execute(
                    "document.getElementById('mobileco').selectedIndex = 1;
                     document.querySelector('input[name=gender]').checked = true;",
                    vec![],
                )
                .await?;
            self.browser
                .find(Locator::Id("birthdate"))
                .await?
                .send_keys("19900101")
                .await?;
            mobile.send_keys(tel).await?;
        } else {
            self.browser
                .find(Locator::Id("tel"))
                .await?
                .send_keys(tel)
                .await?;
        }
        self.browser
            .find(Locator::Id("send"))
            .await?
            .click()
            .await?;
        let sms = self
            .browser
            .wait()
            .for_element(Locator::Id("sms-code"))
            .await?
            .text()
            .await?;
        if let Some((path, width)) = shot {
            self.browser.set_window_size(width, 720).await?;
            std::fs::write(path, self.browser.screenshot().await?)?;
        }
        self.browser
            .find(Locator::Id("sms"))
            .await?
            .send_keys(&sms)
            .await?;
        self.browser
            .find(Locator::Id("confirm"))
            .await?
            .click()
            .await?;
        Ok(())
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = self.chromedriver.start_kill();
        self.server.task.abort();
    }
}

/// The help desk's console, as a staff member uses it, and the stories it is shown with.
impl Harness {
    /// What the sandbox's virtual phone of `name`/`tel` shows at `at`, with app password `pin`.
    pub fn phone_code_of(&self, name: &str, tel: &str, pin: &str, at: i64) -> String {
        let sandbox = &self
            .server
            .state
            .sandbox
            .as_ref()
            .expect("sandbox mode")
            .hrd;
        let device = sandbox
            .with_registry(|r| r.person(name, tel).and_then(|p| p.current_device.clone()))
            .expect("the demo phone is registered");
        sandbox
            .device_code(&device, pin, Some(at))
            .expect("device exists")
    }

    /// Plays the help desk's four stories through the widget on the demo page, as trainees would:
    /// trainee02 types one wrong code; trainee99's LMS record differs from the app (AP005);
    /// trainee03 types five wrong codes and is locked; trainee01 is locked too, does the phone
    /// check, and HRD does not answer the `user_reset` (the reset waits in the outbox, which needs
    /// a server without its outbox worker to stay queued).
    pub async fn play_help_desk_stories(&self) -> TestResult {
        // A wrong code.
        self.browser.goto(&self.url("/?trainee=2")).await?;
        let right = self.phone_code_of("김철수", "01098765432", "5678", T0);
        let wrong = format!("{:06}", (right.parse::<u32>()? + 7) % 1_000_000);
        self.submit_wrong(&wrong, 1).await?;
        // AP005: the app is registered under another name than the LMS's.
        self.browser.goto(&self.url("/?as=unregistered")).await?;
        self.submit(&right).await?;
        self.widget_text_containing("motp", "AP005").await?;
        // Locked.
        self.browser.goto(&self.url("/?trainee=3")).await?;
        let right = self.phone_code_of("이영희", "01055556666", "9012", T0);
        let wrong = format!("{:06}", (right.parse::<u32>()? + 7) % 1_000_000);
        for n in 1..=5 {
            self.submit_wrong(&wrong, n).await?;
        }
        // Locked, checked, and the reset queued: HRD holds the user_reset past the timeout.
        self.browser.goto(&self.url("/")).await?;
        let right = self.phone_code_of("홍길동", "01012345678", "1234", T0);
        let wrong = format!("{:06}", (right.parse::<u32>()? + 7) % 1_000_000);
        for n in 1..=5 {
            self.submit_wrong(&wrong, n).await?;
        }
        self.in_widget("motp", ".panel button.primary")
            .await?
            .click()
            .await?;
        self.widget_text_containing("motp", "새 창에서").await?;
        let sandbox = &self.server.state.sandbox.as_ref().expect("sandbox").hrd;
        sandbox
            .faults
            .set(hrd_sandbox::faults::FaultMode::Timeout, 1);
        self.phone_check_in_popup("홍길동", "010-1234-5678").await?;
        self.widget_text_containing("motp", "잠금 해제 요청을 mOTP 서버에 보내는 중입니다")
            .await?;
        check!(
            sandbox.faults.peek().is_none(),
            "the user_reset met the fault"
        );
        Ok(())
    }

    /// Signs in to the console as the demo's staff member, through the login form.
    pub async fn staff_login(&self) -> TestResult {
        use motp_server::tenant::{SANDBOX_DEMO_STAFF_LOGIN, SANDBOX_DEMO_STAFF_PASSWORD};
        self.browser.goto(&self.url("/console/login")).await?;
        self.browser
            .find(Locator::Id("login"))
            .await?
            .send_keys(SANDBOX_DEMO_STAFF_LOGIN)
            .await?;
        self.browser
            .find(Locator::Id("password"))
            .await?
            .send_keys(&format!("{SANDBOX_DEMO_STAFF_PASSWORD}\u{E007}"))
            .await?;
        self.browser
            .wait()
            .for_element(Locator::Id("counts"))
            .await?;
        Ok(())
    }

    /// axe-core's violations on the page shown now (every rule axe runs by default), as
    /// `rule: elements` lines; empty when there are none.
    pub async fn axe_violations(
        &self,
    ) -> Result<Vec<String>, Box<dyn std::error::Error + Send + Sync>> {
        let path = std::env::var("AXE_CORE_JS")
            .map(PathBuf::from)
            .unwrap_or_else(|_| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("../../tools/axe/node_modules/axe-core/axe.min.js")
            });
        let source = std::fs::read_to_string(&path).map_err(|e| {
            format!(
                "axe-core not at {} ({e}): run scripts/bootstrap.sh",
                path.display()
            )
        })?;
        // WebDriver's scripts are not the page's: the console's CSP does not apply to them.
        self.browser.execute(&source, vec![]).await?;
        let found = self
            .browser
            .execute_async(
                "const done = arguments[0];
                 axe.run(document).then(r => done(r.violations.map(v =>
                     v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', '))))
                   .catch(e => done(['axe failed: ' + e]));",
                vec![],
            )
            .await?;
        Ok(found
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The page's text once `css` is on it.
    pub async fn text_of(
        &self,
        css: &str,
    ) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
        Ok(self
            .browser
            .wait()
            .for_element(Locator::Css(css))
            .await?
            .text()
            .await?)
    }
}
