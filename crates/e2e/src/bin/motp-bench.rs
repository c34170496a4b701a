//! `make bench`: the gateway's speed and memory, measured against the HRD sandbox on loopback, and
//! the widget's size and time to interactive in headless Chromium, and Lighthouse's scores for the
//! demo page. Reports; never asserts.
//! Writes the table to `docs/benchmarks.md` with the machine, the date and the command.
//!
//! Bounded in count and time, loopback only: the sandbox runs in this process, `motp-server`
//! (release build) as a child process.

use fantoccini::{ClientBuilder, Locator};
use hrd_sandbox::{Sandbox, SandboxConfig};
use motp_protocol::clock::{AdjustableClock, Clock, SystemClock};
use motp_server::domain::jwt::{self as token, LaunchClaims, LAUNCH_AUDIENCE};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const SECRET: &str = "bench-tenant-secret-0123456789abcdef0123";
const ORIGIN: &str = "https://lms.bench.example";
const TRAINEES: usize = 2_000;
const CONCURRENCY: usize = 64;
/// Paired rounds of the throughput comparison.
const ROUNDS: usize = 3;
/// HRD's own answer time, for the second throughput run: an assumption (HRD publishes none), of
/// the order of a round trip across Korea plus HRD's own work.
const HRD_LATENCY: Duration = Duration::from_millis(20);

type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct Row(String, String, String);

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn trainee(i: usize) -> (String, String, String) {
    (
        format!("u{i:05}"),
        format!("훈련생{i:05}"),
        format!("0109{i:07}"),
    )
}

async fn spawn_server(args: &[&str]) -> Result<(Child, u32), BoxError> {
    let mut child = Command::new("target/release/motp-server")
        .args(args)
        .env("RUST_LOG", "warn,motp_server=info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("target/release/motp-server: {e} (run via `make bench`)"))?;
    let pid = child.id().unwrap_or(0);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while let Some(line) = lines.next_line().await? {
        if line.contains("listening on") {
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return Ok((child, pid));
        }
    }
    Err("motp-server exited before listening".into())
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU time (user + system) process `pid` has used so far, in seconds (`/proc/<pid>/stat`).
fn cpu_seconds(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // The fields after the command name, which is in parentheses and may hold spaces.
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0) // USER_HZ is 100 on Linux
        })
        .unwrap_or(f64::NAN)
}

/// `total` requests made by `concurrency` workers, each request built by `request(i)`; returns
/// requests per second and the sorted latencies in milliseconds.
async fn closed_loop<F>(total: usize, concurrency: usize, request: F) -> (f64, Vec<f64>)
where
    F: Fn(usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let request = Arc::new(request);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (request, next) = (request.clone(), next.clone());
        workers.spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= total {
                    return latencies;
                }
                let t = Instant::now();
                let ok = request(i)
                    .send()
                    .await
                    .map(|r| r.status().as_u16() < 500)
                    .unwrap_or(false);
                if ok {
                    latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                }
            }
        });
    }
    let mut all = Vec::new();
    while let Some(l) = workers.join_next().await {
        all.extend(l.unwrap_or_default());
    }
    let rate = all.len() as f64 / started.elapsed().as_secs_f64();
    all.sort_by(|a, b| a.total_cmp(b));
    (rate, all)
}

/// `rate` requests per second for `seconds`, each on its own task (open loop): latencies in ms.
async fn open_loop<F>(rate: u64, seconds: u64, request: F) -> Vec<f64>
where
    F: Fn(usize) -> reqwest::RequestBuilder,
{
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..(rate * seconds) as usize {
        tick.tick().await;
        let req = request(i);
        tasks.spawn(async move {
            let t = Instant::now();
            req.send()
                .await
                .ok()
                .map(|_| t.elapsed().as_secs_f64() * 1000.0)
        });
    }
    let mut all: Vec<f64> = Vec::new();
    while let Some(l) = tasks.join_next().await {
        all.extend(l.ok().flatten());
    }
    all.sort_by(|a, b| a.total_cmp(b));
    all
}

fn wrong_code(sandbox: &Sandbox, name: &str, tel: &str) -> String {
    let device = sandbox
        .with_registry(|r| r.person(name, tel).and_then(|p| p.current_device.clone()))
        .expect("registered");
    let right: u32 = sandbox
        .device_code(&device, "1234", None)
        .unwrap()
        .parse()
        .unwrap();
    format!("{:06}", (right + 500_000) % 1_000_000)
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let mut rows: Vec<Row> = Vec::new();
    let dir = tempfile::tempdir()?;

    // HRD: the sandbox, on the machine's clock, with HRD's rate limits out of the way.
    let sandbox = Sandbox::new(
        SandboxConfig {
            per_user_per_minute: 1_000_000,
            per_agtid_per_minute: 100_000_000,
            ..SandboxConfig::default()
        },
        Arc::new(AdjustableClock::new(Arc::new(SystemClock))),
    )?;
    // Two trainee populations: one for the direct run, one for the gateway run (4 wrong codes
    // each at most, so nobody locks and every call does the full check).
    for i in 0..2 * TRAINEES {
        let (_, name, tel) = trainee(i);
        sandbox
            .register_device(&name, &tel, "1234")
            .map_err(|e| format!("{e:?}"))?;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let hrd = format!("http://{}", listener.local_addr()?);
    // The sandbox answers in microseconds; `hrd_delay_ms` makes it answer as slowly as HRD might.
    let hrd_delay_ms = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let router = {
        let delay = hrd_delay_ms.clone();
        hrd_sandbox::router(sandbox.clone()).layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let ms = delay.load(std::sync::atomic::Ordering::Relaxed);
                async move {
                    if ms > 0 {
                        tokio::time::sleep(Duration::from_millis(ms)).await;
                    }
                    next.run(req).await
                }
            },
        ))
    };
    tokio::spawn(async move { axum::serve(listener, router).await });

    let config = dir.path().join("tenants.toml");
    std::fs::write(
        &config,
        format!("[[tenants]]\nid = \"bench\"\nagtid = \"BENCH01\"\norigins = [\"{ORIGIN}\"]\nsecret = \"{SECRET}\"\napi_key = \"bench-tenant-api-key-0123456789abcdef0123\"\nattest_url = \"https://lms.bench.example/id\"\n"),
    )?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let listen = format!("127.0.0.1:{port}");
    let db = format!("sqlite://{}", dir.path().join("bench.db").display());
    let (mut server, pid) = spawn_server(&[
        "--listen",
        &listen,
        "--config",
        config.to_str().unwrap(),
        "--database-url",
        &db,
        "--hrd-url",
        &hrd,
        "--emon-url",
        &hrd,
        "--per-trainee-per-minute",
        "100000",
        "--per-ip-per-minute",
        "100000000",
        "--outbox-interval-secs",
        "0",
        // The measurement's own limits: 2000 trainees at once are 2000 requests in flight, and
        // a free port for the operations listener.
        "--max-in-flight",
        "10000",
        "--metrics-listen",
        "127.0.0.1:0",
    ])
    .await?;
    let gateway = format!("http://{listen}");
    let rss_idle = rss_kib(pid);

    let now = SystemClock.now_unix();
    let tokens: Arc<Vec<String>> = Arc::new(
        (0..2 * TRAINEES)
            .map(|i| {
                let (usrid, name, tel) = trainee(i);
                token::mint(
                    &LaunchClaims {
                        iss: "bench".into(),
                        aud: LAUNCH_AUDIENCE.into(),
                        sub: usrid,
                        name,
                        tel,
                        course: "C".into(),
                        class: "C,1".into(),
                        eval_cd: "01".into(),
                        class_tme: "1".into(),
                        sid: "S".into(),
                        iat: now,
                        exp: now + 900,
                        jti: token::random_id(),
                    },
                    SECRET,
                )
            })
            .collect(),
    );
    let codes: Arc<Vec<String>> = Arc::new(
        (0..2 * TRAINEES)
            .map(|i| {
                let (_, name, tel) = trainee(i);
                wrong_code(&sandbox, &name, &tel)
            })
            .collect(),
    );
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(4096)
        .build()?;

    // 1. Throughput and latency: the same load straight to HRD and through the gateway.
    let total = 4 * TRAINEES; // 4 wrong codes per trainee
    let direct = {
        let (http, hrd, codes) = (http.clone(), hrd.clone(), codes.clone());
        move |i: usize| {
            let t = i % TRAINEES;
            let (usrid, name, tel) = trainee(t);
            http.post(format!("{hrd}/api/v2/otp_accredit")).form(&[
                ("USER_NM", name.as_str()),
                ("USER_TEL", tel.as_str()),
                ("OTPNO", codes[t].as_str()),
                ("AGTID", "BENCH01"),
                ("USRID", usrid.as_str()),
                ("EVAL_CD", "01"),
            ])
        }
    };
    let via_gateway = {
        let (http, gateway, codes, tokens) =
            (http.clone(), gateway.clone(), codes.clone(), tokens.clone());
        move |i: usize| {
            let t = TRAINEES + i % TRAINEES;
            http.post(format!("{gateway}/v1/otp/verify"))
                .bearer_auth(&tokens[t])
                .header("Origin", ORIGIN)
                .json(&serde_json::json!({ "code": codes[t] }))
        }
    };
    // Paired rounds (direct, then gateway), so both see the machine in the same state; the
    // shared machine swings the sandbox's raw rate by ±40 % from one minute to the next.
    let me = std::process::id();
    let reset_hrd_counts =
        || sandbox.with_registry(|r| r.people.values_mut().for_each(|p| p.failures = 0));
    let (mut ratios, mut direct_rates, mut gw_rates) = (Vec::new(), Vec::new(), Vec::new());
    let (mut direct_lat, mut gw_lat) = (Vec::new(), Vec::new());
    let (mut direct_cpu, mut gw_bench_cpu, mut gw_server_cpu) = (0.0, 0.0, 0.0);
    for _ in 0..ROUNDS {
        let bench_cpu = cpu_seconds(me);
        let (rate, lat) = closed_loop(total, CONCURRENCY, direct.clone()).await;
        direct_cpu += cpu_seconds(me) - bench_cpu;
        direct_rates.push(rate);
        direct_lat.extend(lat);
        reset_hrd_counts();
        let (bench_cpu, server_cpu) = (cpu_seconds(me), cpu_seconds(pid));
        let (gw_rate, lat) = closed_loop(total, CONCURRENCY, via_gateway.clone()).await;
        gw_bench_cpu += cpu_seconds(me) - bench_cpu;
        gw_server_cpu += cpu_seconds(pid) - server_cpu;
        gw_rates.push(gw_rate);
        gw_lat.extend(lat);
        ratios.push(gw_rate / rate);
        reset_hrd_counts();
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        percentile(v, 0.5)
    };
    let spread = |v: &[f64]| {
        v.iter()
            .map(|r| format!("{r:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    direct_lat.sort_by(|a, b| a.total_cmp(b));
    gw_lat.sort_by(|a, b| a.total_cmp(b));
    rows.push(Row(
        format!("throughput, {CONCURRENCY} concurrent, {total} wrong codes, median of {ROUNDS} paired rounds"),
        format!(
            "direct {:.0}/s, gateway {:.0}/s, ratio {:.2} (rounds: {})",
            median(&mut direct_rates),
            median(&mut gw_rates),
            median(&mut ratios.clone()),
            spread(&ratios)
        ),
        "gateway/direct ≥ 0.8".into(),
    ));
    let per = |seconds: f64| seconds * 1e6 / (ROUNDS * total) as f64;
    rows.push(Row(
        "CPU per request (user + system, both cores)".into(),
        format!(
            "direct: load + sandbox {:.0} µs; gateway: motp-server {:.0} µs + load + sandbox {:.0} µs",
            per(direct_cpu),
            per(gw_server_cpu),
            per(gw_bench_cpu)
        ),
        "–".into(),
    ));
    rows.push(Row(
        "latency at full load (p50 / p99)".into(),
        format!(
            "direct {:.2} / {:.2} ms, gateway {:.2} / {:.2} ms",
            percentile(&direct_lat, 0.5),
            percentile(&direct_lat, 0.99),
            percentile(&gw_lat, 0.5),
            percentile(&gw_lat, 0.99)
        ),
        "–".into(),
    ));
    // The same comparison with HRD answering in HRD_LATENCY, as the gateway meets it in service.
    hrd_delay_ms.store(
        HRD_LATENCY.as_millis() as u64,
        std::sync::atomic::Ordering::Relaxed,
    );
    let (slow_direct, _) = closed_loop(total / 2, CONCURRENCY, direct.clone()).await;
    reset_hrd_counts();
    let (slow_gw, slow_gw_lat) = closed_loop(total / 2, CONCURRENCY, via_gateway.clone()).await;
    reset_hrd_counts();
    hrd_delay_ms.store(0, std::sync::atomic::Ordering::Relaxed);
    rows.push(Row(
        format!(
            "the same with HRD answering in {} ms (an assumption), {} wrong codes",
            HRD_LATENCY.as_millis(),
            total / 2
        ),
        format!(
            "direct {slow_direct:.0}/s, gateway {slow_gw:.0}/s, ratio {:.2} (gateway p99 {:.1} ms)",
            slow_gw / slow_direct,
            percentile(&slow_gw_lat, 0.99)
        ),
        "gateway/direct ≥ 0.8".into(),
    ));
    let direct_1k = open_loop(1000, 3, direct).await;
    reset_hrd_counts();
    let gw_1k = open_loop(1000, 3, via_gateway).await;
    let added = percentile(&gw_1k, 0.99) - percentile(&direct_1k, 0.99);
    rows.push(Row(
        "added p99 at 1,000 req/s (3 s)".into(),
        format!(
            "{added:.2} ms (direct p99 {:.2} ms, gateway p99 {:.2} ms)",
            percentile(&direct_1k, 0.99),
            percentile(&gw_1k, 0.99)
        ),
        "≤ 2 ms".into(),
    ));

    // 2. Memory with 2,000 trainees at once (each holds a connection and asks for its session).
    let mut peak = rss_kib(pid);
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..TRAINEES {
        let (gateway, token) = (gateway.clone(), tokens[t].clone());
        tasks.spawn(async move {
            // One client each: 2,000 distinct connections, as 2,000 browsers would open.
            let client = reqwest::Client::new();
            let res = client
                .get(format!("{gateway}/v1/session"))
                .bearer_auth(token)
                .send()
                .await;
            (
                client,
                res.map(|r| r.status().is_success()).unwrap_or(false),
            )
        });
    }
    let mut held = Vec::new();
    let mut ok = 0;
    while let Some(done) = tasks.join_next().await {
        let (client, success) = done?;
        ok += usize::from(success);
        held.push(client);
        peak = peak.max(rss_kib(pid));
    }
    peak = peak.max(rss_kib(pid));
    drop(held);
    rows.push(Row(
        format!("RSS with {TRAINEES} concurrent trainees ({ok} answered)"),
        format!(
            "{:.1} MB peak (idle {:.1} MB)",
            peak as f64 / 1024.0,
            rss_idle as f64 / 1024.0
        ),
        "≤ 60 MB".into(),
    ));
    server.start_kill()?;

    // 3. TOTP (from `cargo bench -p hrd-sandbox`, which make bench runs first).
    if let Ok(report) = std::fs::read_to_string("target/totp-bench.txt") {
        if let Some(line) = report.lines().find(|l| l.starts_with("window check")) {
            let rate = line
                .split_whitespace()
                .find(|w| w.chars().all(|c| c.is_ascii_digit()) && w.len() > 3)
                .unwrap_or("?");
            rows.push(Row(
                "TOTP verifications (window of 3 steps), one core".into(),
                format!("{rate} /s"),
                "≥ 1 M/s".into(),
            ));
        }
    }

    // 4. The widget: bytes and time from script load to an interactive form.
    // What browsers download: the `.gz` and `.br` files the build wrote and motp-server sends, and
    // the loader as it is (motp-server writes its origin into it, so it is sent uncompressed).
    let loader = std::fs::metadata("dist/motp-embed.js")?.len();
    let (mut gz_total, mut br_total) = (loader, loader);
    for f in ["motp-widget_bg.wasm", "motp-widget.js"] {
        gz_total += std::fs::metadata(format!("dist/{f}.gz"))?.len();
        br_total += std::fs::metadata(format!("dist/{f}.br"))?.len();
    }
    rows.push(Row(
        "widget size (wasm + js gzip -9, loader as served; the CSS is in the wasm)".into(),
        format!(
            "{gz_total} bytes ({:.1} KiB); as brotli, what HTTPS browsers get, {br_total} bytes ({:.1} KiB)",
            gz_total as f64 / 1024.0,
            br_total as f64 / 1024.0
        ),
        "≤ 80 KB".into(),
    ));
    let demo_port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let demo_listen = format!("127.0.0.1:{demo_port}");
    let demo_db = format!("sqlite://{}", dir.path().join("demo.db").display());
    let state_file = dir.path().join("sandbox.json");
    let (mut demo, _) = spawn_server(&[
        // The demo page is sandbox mode's, which is never implicit.
        "--sandbox",
        "--listen",
        &demo_listen,
        "--database-url",
        &demo_db,
        "--widget-dir",
        "dist",
        "--sandbox-state",
        state_file.to_str().unwrap(),
    ])
    .await?;
    let driver_port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut driver = Command::new("/usr/bin/chromedriver")
        .arg(format!("--port={driver_port}"))
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut lines = BufReader::new(driver.stdout.take().unwrap()).lines();
    while let Some(line) = lines.next_line().await? {
        if line.contains("started successfully") {
            break;
        }
    }
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({"binary": "/usr/bin/chromium", "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", format!("--user-data-dir={}", dir.path().join("chrome").display())]}),
    );
    let browser = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await?;
    let mut times = Vec::new();
    for _ in 0..7 {
        browser.goto(&format!("http://{demo_listen}/")).await?;
        browser.wait().for_element(Locator::Id("motp")).await?;
        let v = browser
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 const look = () => {
                   const s = performance.getEntriesByType('resource').find(e => e.name.endsWith('motp-embed.js'));
                   if (window.__motpReadyAt && s) done(window.__motpReadyAt - s.startTime); else requestAnimationFrame(look);
                 };
                 look();",
                vec![],
            )
            .await?;
        if let Some(ms) = v.as_f64() {
            times.push(ms);
        }
    }
    times.sort_by(|a, b| a.total_cmp(b));
    rows.push(Row(
        "widget: script load → interactive form (median of 7, warm cache after the 1st)".into(),
        format!(
            "{:.0} ms (min {:.0}, max {:.0})",
            percentile(&times, 0.5),
            times.first().unwrap_or(&f64::NAN),
            times.last().unwrap_or(&f64::NAN)
        ),
        "≤ 100 ms".into(),
    ));
    let _ = browser.close().await;

    // 5. Lighthouse on the demo page, as a trainee's phone gets it: its default mobile profile
    // with simulated throttling (slow 4G, 4x slower CPU). Median of 3 runs for each figure.
    let mut runs: Vec<serde_json::Value> = Vec::new();
    for i in 0..3 {
        let out = dir.path().join(format!("lighthouse-{i}.json"));
        let profile = dir.path().join(format!("lighthouse-chrome-{i}"));
        let status = Command::new("tools/lighthouse/node_modules/.bin/lighthouse")
            .arg(format!("http://{demo_listen}/"))
            .args([
                "--quiet",
                "--output=json",
                "--only-categories=performance,accessibility,best-practices",
            ])
            .arg(format!("--output-path={}", out.display()))
            .arg(format!(
                "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
                 --disable-background-networking --disable-component-update --disable-sync \
                 --no-first-run --user-data-dir={}",
                profile.display()
            ))
            .env("CHROME_PATH", "/usr/bin/chromium")
            .status()
            .await?;
        if !status.success() {
            return Err(format!(
                "lighthouse failed ({status}): is it installed (make bench does)?"
            )
            .into());
        }
        runs.push(serde_json::from_slice(&std::fs::read(&out)?)?);
    }
    // The median of one figure over the runs, and every run's value.
    let figure = |pointer: &str| -> (f64, Vec<f64>) {
        let each: Vec<f64> = runs
            .iter()
            .map(|r| {
                r.pointer(pointer)
                    .and_then(|v| v.as_f64())
                    .unwrap_or(f64::NAN)
            })
            .collect();
        let mut sorted = each.clone();
        sorted.sort_by(|a, b| a.total_cmp(b));
        (percentile(&sorted, 0.5), each)
    };
    let listed = |each: &[f64], digits: usize| {
        each.iter()
            .map(|v| format!("{v:.digits$}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (what, pointer, target) in [
        ("performance", "/categories/performance/score", "≥ 0.98"),
        ("accessibility", "/categories/accessibility/score", "1.0"),
        ("best practices", "/categories/best-practices/score", "1.0"),
    ] {
        let (median, each) = figure(pointer);
        rows.push(Row(
            format!("Lighthouse {what}, demo page, mobile, simulated throttling (median of 3)"),
            format!("{median:.2} (runs: {})", listed(&each, 2)),
            target.into(),
        ));
    }
    let (cls, each) = figure("/audits/cumulative-layout-shift/numericValue");
    rows.push(Row(
        "Lighthouse cumulative layout shift (median of 3)".into(),
        format!("{cls:.3} (runs: {})", listed(&each, 3)),
        "≤ 0.02".into(),
    ));
    let (tti, each) = figure("/audits/interactive/numericValue");
    let each: Vec<f64> = each.iter().map(|ms| ms / 1000.0).collect();
    rows.push(Row(
        "Lighthouse time to interactive (median of 3)".into(),
        format!("{:.2} s (runs: {})", tti / 1000.0, listed(&each, 2)),
        "≤ 2.5 s".into(),
    ));
    demo.start_kill()?;

    // Report.
    let machine = format!(
        "{} cores, {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(
                |s| s.lines().find(|l| l.starts_with("model name")).map(|l| l
                    .split(':')
                    .nth(1)
                    .unwrap_or("")
                    .trim()
                    .to_string())
            )
            .unwrap_or_default()
    );
    let date = motp_protocol::kst::format_unix(SystemClock.now_unix());
    let mut md = format!(
        "# Benchmarks\n\nMeasured by `make bench` on {date} KST, {machine}. Loopback only: the HRD sandbox in the\nbenchmark process, `motp-server` (release build, SQLite) as a child process.\n\n| what | measured | target |\n|---|---|---|\n"
    );
    for Row(what, measured, target) in &rows {
        md.push_str(&format!("| {what} | {measured} | {target} |\n"));
    }
    println!("{md}");
    std::fs::create_dir_all("docs")?;
    std::fs::write("docs/benchmarks.md", md)?;
    Ok(())
}
