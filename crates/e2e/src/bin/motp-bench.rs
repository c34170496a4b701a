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

#[path = "motp-bench/peers.rs"]
mod peers;

const SECRET: &str = "bench-tenant-secret-0123456789abcdef0123";
const ORIGIN: &str = "https://lms.bench.example";
const TRAINEES: usize = 2_000;
const CONCURRENCY: usize = 64;
/// Paired rounds of the throughput comparison.
const ROUNDS: usize = 5;
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
    // Beside this program, in the same target folder (CARGO_TARGET_DIR may move it).
    let server = std::env::current_exe()?.with_file_name("motp-server");
    let mut child = Command::new(&server)
        .args(args)
        .env("RUST_LOG", "warn,motp_server=info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("{}: {e} (run via `make bench`)", server.display()))?;
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
/// requests per second, the sorted latencies in milliseconds of those answered 200, and how many
/// were not.
async fn closed_loop(
    total: usize,
    concurrency: usize,
    request: Requests,
) -> (f64, Vec<f64>, usize) {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (request, next) = (request.clone(), next.clone());
        workers.spawn(async move {
            let (mut latencies, mut failed) = (Vec::new(), 0);
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= total {
                    return (latencies, failed);
                }
                let t = Instant::now();
                // The body is read: a proxy's answer is not done until it is.
                let ok = match request(i).send().await {
                    Ok(r) if r.status() == 200 => r.bytes().await.is_ok(),
                    _ => false,
                };
                if ok {
                    latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                } else {
                    failed += 1;
                }
            }
        });
    }
    let (mut all, mut failed) = (Vec::new(), 0);
    while let Some(l) = workers.join_next().await {
        let (l, f) = l.unwrap_or_default();
        all.extend(l);
        failed += f;
    }
    let rate = all.len() as f64 / started.elapsed().as_secs_f64();
    all.sort_by(|a, b| a.total_cmp(b));
    (rate, all, failed)
}

/// `rate` requests per second for `seconds`, each on its own task (open loop): latencies in ms.
async fn open_loop(rate: u64, seconds: u64, request: Requests) -> Vec<f64> {
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

/// One way a code check reaches the sandbox, measured side by side with the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    /// Straight to the sandbox: the load generator's and the sandbox's own cost.
    Direct,
    /// Through nginx's `proxy_pass`: the floor of one HTTP hop.
    Nginx,
    /// The PHP page LMSs run today (`bench/peers/`), php-fpm behind the same nginx.
    Php,
    /// `motp-server`, on SQLite unless said otherwise.
    Gateway,
}

impl Way {
    fn label(self) -> &'static str {
        match self {
            Way::Direct => "direct to the sandbox",
            Way::Nginx => "nginx proxy_pass → sandbox",
            Way::Php => "PHP-FPM page (curl + PDO SQLite) behind nginx",
            Way::Gateway => "motp-server (SQLite)",
        }
    }
}

type Requests = Arc<dyn Fn(usize) -> reqwest::RequestBuilder + Send + Sync>;

/// One way's load and the processes whose CPU it costs (beyond this process's).
struct Contender {
    way: Way,
    request: Requests,
    pids: Vec<u32>,
}

/// What one way measured over its rounds.
#[derive(Default)]
struct Tally {
    rates: Vec<f64>,
    latencies: Vec<f64>,
    /// CPU seconds of the way's own processes, and of this process (load generator + sandbox).
    server_cpu: f64,
    bench_cpu: f64,
    requests: usize,
    failed: usize,
}

/// Runs every contender `rounds` times, interleaved (the order turns each round, so none always
/// follows the same neighbour), `total` requests each, after one unmeasured warm-up pass.
async fn interleaved(
    contenders: &[Contender],
    rounds: usize,
    total: usize,
    reset: &dyn Fn(),
) -> Vec<Tally> {
    let me = std::process::id();
    let mut tallies: Vec<Tally> = contenders.iter().map(|_| Tally::default()).collect();
    for c in contenders {
        let _ = closed_loop(total / 10, CONCURRENCY, c.request.clone()).await;
        reset();
    }
    for round in 0..rounds {
        for k in 0..contenders.len() {
            let i = (round + k) % contenders.len();
            let c = &contenders[i];
            let (bench, server) = (cpu_seconds(me), cpu_of(&c.pids));
            let (rate, lat, failed) = closed_loop(total, CONCURRENCY, c.request.clone()).await;
            let t = &mut tallies[i];
            t.bench_cpu += cpu_seconds(me) - bench;
            t.server_cpu += cpu_of(&c.pids) - server;
            t.rates.push(rate);
            t.latencies.extend(lat);
            t.requests += total;
            t.failed += failed;
            reset();
        }
    }
    for t in &mut tallies {
        t.latencies.sort_by(|a, b| a.total_cmp(b));
    }
    tallies
}

/// Figures as a list, two decimals.
fn listed(v: &[f64]) -> String {
    v.iter()
        .map(|x| format!("{x:.2}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    percentile(&v, 0.5)
}

/// The side-by-side table of `tallies`, with each way's throughput against nginx's.
fn side_by_side(contenders: &[Contender], tallies: &[Tally]) -> String {
    let nginx = contenders.iter().position(|c| c.way == Way::Nginx);
    let mut md = String::from(
        "| way | checks/s (median of rounds; each round) | ×nginx (paired) | p50 / p99 ms | CPU µs per check: its processes + load generator & sandbox |\n|---|---|---|---|---|\n",
    );
    for (c, t) in contenders.iter().zip(tallies) {
        let vs_nginx = nginx
            .map(|n| {
                let paired: Vec<f64> = t
                    .rates
                    .iter()
                    .zip(&tallies[n].rates)
                    .map(|(a, b)| a / b)
                    .collect();
                format!("{:.2}", median(&paired))
            })
            .unwrap_or_else(|| "–".into());
        let per = |s: f64| s * 1e6 / t.requests.max(1) as f64;
        let each = t
            .rates
            .iter()
            .map(|r| format!("{r:.0}"))
            .collect::<Vec<_>>()
            .join(", ");
        let failed = if t.failed > 0 {
            format!(" ({} not answered 200)", t.failed)
        } else {
            String::new()
        };
        md.push_str(&format!(
            "| {} | {:.0} ({each}){failed} | {vs_nginx} | {:.2} / {:.2} | {} + {:.0} |\n",
            c.way_label(),
            median(&t.rates),
            percentile(&t.latencies, 0.5),
            percentile(&t.latencies, 0.99),
            if c.pids.is_empty() {
                "–".to_string()
            } else {
                format!("{:.0}", per(t.server_cpu))
            },
            per(t.bench_cpu),
        ));
    }
    md
}

impl Contender {
    fn way_label(&self) -> String {
        self.way.label().to_string()
    }
}

/// The paired ratio of two contenders' throughputs, median over rounds.
fn paired(a: &Tally, b: &Tally) -> f64 {
    let r: Vec<f64> = a.rates.iter().zip(&b.rates).map(|(a, b)| a / b).collect();
    median(&r)
}

/// CPU seconds used so far by `pids` together.
fn cpu_of(pids: &[u32]) -> f64 {
    pids.iter().map(|p| cpu_seconds(*p)).sum()
}

fn free_port() -> Result<u16, BoxError> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// `motp-server` on `db` against HRD at `hrd`, on a free port: the child, its pid and its URL.
async fn spawn_gateway(
    config: &std::path::Path,
    db: &str,
    hrd: &str,
) -> Result<(Child, u32, String), BoxError> {
    let listen = format!("127.0.0.1:{}", free_port()?);
    let (child, pid) = spawn_server(&[
        "--listen",
        &listen,
        "--config",
        config.to_str().unwrap(),
        "--database-url",
        db,
        "--hrd-url",
        hrd,
        "--emon-url",
        hrd,
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
    Ok((child, pid, format!("http://{listen}")))
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    // `motp-bench gateway`: the gateway's part alone (no widget build, Chromium or Lighthouse).
    let gateway_only = std::env::args().nth(1).as_deref() == Some("gateway");
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
    // Two trainee populations: one for the sandbox's direct callers (direct, nginx, PHP), one for
    // the gateway; at most 4 wrong codes each between two resets, so nobody locks and every call
    // does the full check.
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
    let db = format!("sqlite://{}", dir.path().join("bench.db").display());
    let (mut server, pid, gateway) = spawn_gateway(&config, &db, &hrd).await?;
    let rss_idle = rss_kib(pid);

    // The peers: php-fpm, and nginx in front of both the sandbox and php-fpm.
    let peers_dir = tempfile::tempdir()?;
    let (fpm, fpm_socket) = peers::php_fpm(peers_dir.path(), &hrd, CONCURRENCY)?;
    let nginx_port = free_port()?;
    let nginx = peers::nginx(peers_dir.path(), nginx_port, &hrd, &fpm_socket)?;
    let nginx_url = format!("http://127.0.0.1:{nginx_port}");

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

    // 1. Throughput, latency and CPU: the same load, the same sandbox, four ways, interleaved.
    let hrd_form = {
        let codes = codes.clone();
        move |http: &reqwest::Client, base: &str, i: usize| {
            let t = i % TRAINEES;
            let (usrid, name, tel) = trainee(t);
            http.post(format!("{base}/api/v2/otp_accredit")).form(&[
                ("USER_NM", name.as_str()),
                ("USER_TEL", tel.as_str()),
                ("OTPNO", codes[t].as_str()),
                ("AGTID", "BENCH01"),
                ("USRID", usrid.as_str()),
                ("EVAL_CD", "01"),
            ])
        }
    };
    let direct: Requests = {
        let (http, hrd, form) = (http.clone(), hrd.clone(), hrd_form.clone());
        Arc::new(move |i| form(&http, &hrd, i))
    };
    let via_nginx: Requests = {
        let (http, base, form) = (http.clone(), nginx_url.clone(), hrd_form.clone());
        Arc::new(move |i| form(&http, &base, i))
    };
    let via_php: Requests = {
        let (http, base, codes) = (http.clone(), nginx_url.clone(), codes.clone());
        Arc::new(move |i| {
            let t = i % TRAINEES;
            let (usrid, name, tel) = trainee(t);
            // What the LMS page's script posts: the code, and (mistake 2) who the trainee is.
            http.post(format!("{base}/peer/otp_check.php")).form(&[
                ("code", codes[t].as_str()),
                ("usrid", usrid.as_str()),
                ("name", name.as_str()),
                ("tel", tel.as_str()),
                ("eval_cd", "01"),
                ("class_tme", "01"),
            ])
        })
    };
    let via = |gateway: Vec<String>| -> Requests {
        let (http, codes, tokens) = (http.clone(), codes.clone(), tokens.clone());
        Arc::new(move |i| {
            let t = TRAINEES + i % TRAINEES;
            http.post(format!("{}/v1/otp/verify", gateway[i % gateway.len()]))
                .bearer_auth(&tokens[t])
                .header("Origin", ORIGIN)
                .json(&serde_json::json!({ "code": codes[t] }))
        })
    };
    let via_gateway = via(vec![gateway.clone()]);
    let contenders = vec![
        Contender {
            way: Way::Direct,
            request: direct.clone(),
            pids: vec![],
        },
        Contender {
            way: Way::Nginx,
            request: via_nginx,
            pids: peers::with_children(nginx.pid()),
        },
        Contender {
            way: Way::Php,
            request: via_php,
            pids: [
                peers::with_children(nginx.pid()),
                peers::with_children(fpm.pid()),
            ]
            .concat(),
        },
        Contender {
            way: Way::Gateway,
            request: via_gateway.clone(),
            pids: vec![pid],
        },
    ];
    let reset_hrd_counts =
        || sandbox.with_registry(|r| r.people.values_mut().for_each(|p| p.failures = 0));
    let total = 2 * TRAINEES; // 2 wrong codes per trainee a round
    let fast = interleaved(&contenders, ROUNDS, total, &reset_hrd_counts).await;
    let mut tables = format!(
        "### HRD answering at once (the sandbox, in microseconds)\n\n{CONCURRENCY} concurrent clients, {total} wrong codes a round, {ROUNDS} interleaved rounds; p50/p99 over all rounds.\n\n{}",
        side_by_side(&contenders, &fast)
    );
    let [_, f_nginx, f_php, f_gw] = &fast[..] else {
        unreachable!()
    };
    let gw_cpu = f_gw.server_cpu * 1e6 / f_gw.requests as f64;
    rows.push(Row(
        "gateway throughput / nginx proxy_pass of the same sandbox (paired, median of rounds)"
            .into(),
        format!("{:.2}", paired(f_gw, f_nginx)),
        "≥ 0.5".into(),
    ));
    rows.push(Row(
        "gateway throughput / the PHP peer (paired, median of rounds)".into(),
        format!("{:.2}", paired(f_gw, f_php)),
        "≥ 3".into(),
    ));
    rows.push(Row(
        "motp-server CPU per check at saturation (user + system)".into(),
        format!("{gw_cpu:.0} µs"),
        "≤ 120 µs".into(),
    ));

    // The same with HRD answering in HRD_LATENCY, as the gateway meets it in service.
    hrd_delay_ms.store(
        HRD_LATENCY.as_millis() as u64,
        std::sync::atomic::Ordering::Relaxed,
    );
    let slow = interleaved(&contenders, 2, total / 2, &reset_hrd_counts).await;
    hrd_delay_ms.store(0, std::sync::atomic::Ordering::Relaxed);
    tables.push_str(&format!(
        "\n### HRD answering in {} ms (an assumption: HRD publishes none)\n\n{CONCURRENCY} concurrent clients, {} wrong codes a round, 2 interleaved rounds.\n\n{}",
        HRD_LATENCY.as_millis(),
        total / 2,
        side_by_side(&contenders, &slow)
    ));

    // Added latency at a steady 1,000 checks/s: direct and gateway in turn, 5 s each (the
    // gateway's SQLite checkpoint, every 10 s, lands in about half of its rounds), 3 rounds, the
    // median of the paired differences (one burst of the shared machine's other work lands in one
    // round, not in the figure); p99.9 shows the checkpoint's stall.
    let (mut added, mut direct_p99, mut gw_p99, mut gw_p999) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..3 {
        let d = open_loop(1000, 5, direct.clone()).await;
        reset_hrd_counts();
        let g = open_loop(1000, 5, via_gateway.clone()).await;
        reset_hrd_counts();
        direct_p99.push(percentile(&d, 0.99));
        gw_p99.push(percentile(&g, 0.99));
        gw_p999.push(percentile(&g, 0.999));
        added.push(percentile(&g, 0.99) - percentile(&d, 0.99));
    }
    rows.push(Row(
        "added p99 at 1,000 checks/s (open loop, 3 paired rounds of 5 s)".into(),
        format!(
            "{:.2} ms, median (rounds: {}; direct p99 {}, gateway p99 {}, gateway p99.9 {} ms)",
            median(&added),
            listed(&added),
            listed(&direct_p99),
            listed(&gw_p99),
            listed(&gw_p999)
        ),
        "≤ 2 ms".into(),
    ));
    drop(nginx);
    drop(fpm);

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
        format!("motp-server RSS with {TRAINEES} concurrent trainees ({ok} answered)"),
        format!(
            "{:.1} MB peak (idle {:.1} MB)",
            peak as f64 / 1024.0,
            rss_idle as f64 / 1024.0
        ),
        "≤ 60 MB".into(),
    ));
    server.start_kill()?;
    let _ = server.wait().await;

    // 3. PostgreSQL (when make bench started one): one instance, then two sharing it, with the
    // load spread over both.
    if let Ok(pg) = std::env::var("MOTP_BENCH_POSTGRES_URL") {
        let (mut one, pid1, url1) = spawn_gateway(&config, &pg, &hrd).await?;
        let (mut two, pid2, url2) = spawn_gateway(&config, &pg, &hrd).await?;
        let pg_contenders = vec![
            Contender {
                way: Way::Gateway,
                request: via(vec![url1.clone()]),
                pids: vec![pid1],
            },
            Contender {
                way: Way::Gateway,
                request: via(vec![url1, url2]),
                pids: vec![pid1, pid2],
            },
        ];
        let pg_tallies = interleaved(&pg_contenders, ROUNDS, total, &reset_hrd_counts).await;
        let line = |what: &str, t: &Tally| {
            format!(
                "| {what} | {:.0} ({}) | {:.2} / {:.2} | {:.0} |\n",
                median(&t.rates),
                t.rates
                    .iter()
                    .map(|r| format!("{r:.0}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                percentile(&t.latencies, 0.5),
                percentile(&t.latencies, 0.99),
                t.server_cpu * 1e6 / t.requests as f64
            )
        };
        tables.push_str(&format!(
            "\n### motp-server on PostgreSQL (no target)\n\nThe same load as the first table, {ROUNDS} interleaved rounds; PostgreSQL {} on the same 2 cores.\n\n| instances | checks/s (median; each round) | p50 / p99 ms | motp-server CPU µs per check |\n|---|---|---|---|\n{}{}",
            std::env::var("MOTP_BENCH_POSTGRES_NOTE").unwrap_or_default(),
            line("one", &pg_tallies[0]),
            line("two, requests alternating", &pg_tallies[1]),
        ));
        one.start_kill()?;
        two.start_kill()?;
    }

    if gateway_only {
        return report(&tables, &rows, &[]);
    }
    let mut widget_rows: Vec<Row> = Vec::new();

    // 4. TOTP (from `cargo bench -p hrd-sandbox`, which make bench runs first).
    if let Ok(report) = std::fs::read_to_string("target/totp-bench.txt") {
        if let Some(line) = report.lines().find(|l| l.starts_with("window check")) {
            let rate = line
                .split_whitespace()
                .find(|w| w.chars().all(|c| c.is_ascii_digit()) && w.len() > 3)
                .unwrap_or("?");
            widget_rows.push(Row(
                "TOTP verifications (window of 3 steps), one core".into(),
                format!("{rate} /s"),
                "≥ 1 M/s".into(),
            ));
        }
    }

    // 4. The widget: bytes and time from script load to an interactive form.
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
    // What browsers download, asked of motp-server as a browser asks: the build's zopfli `.gz` and
    // brotli `.br` of the module and the wasm, and the loader as the server compresses it.
    let http = reqwest::Client::new();
    let (mut gz_total, mut br_total) = (0, 0);
    for f in ["motp-widget_bg.wasm", "motp-widget.js", "motp-embed.js"] {
        for (encoding, total) in [("gzip", &mut gz_total), ("br", &mut br_total)] {
            let res = http
                .get(format!("http://{demo_listen}/widget/{f}"))
                .header("Accept-Encoding", encoding)
                .send()
                .await?;
            assert_eq!(
                res.headers().get("content-encoding").map(|v| v.as_bytes()),
                Some(encoding.as_bytes()),
                "{f} sent {encoding}"
            );
            *total += res.bytes().await?.len();
        }
    }
    widget_rows.push(Row(
        "widget size (wasm + js + loader as motp-server sends them, gzip; the CSS is in the wasm)"
            .into(),
        format!(
            "{gz_total} bytes ({:.1} KiB); as brotli, what HTTPS browsers get, {br_total} bytes ({:.1} KiB)",
            gz_total as f64 / 1024.0,
            br_total as f64 / 1024.0
        ),
        "≤ 80,000 bytes".into(),
    ));
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
    widget_rows.push(Row(
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
        widget_rows.push(Row(
            format!("Lighthouse {what}, demo page, mobile, simulated throttling (median of 3)"),
            format!("{median:.2} (runs: {})", listed(&each, 2)),
            target.into(),
        ));
    }
    let (cls, each) = figure("/audits/cumulative-layout-shift/numericValue");
    widget_rows.push(Row(
        "Lighthouse cumulative layout shift (median of 3)".into(),
        format!("{cls:.3} (runs: {})", listed(&each, 3)),
        "≤ 0.02".into(),
    ));
    let (tti, each) = figure("/audits/interactive/numericValue");
    let each: Vec<f64> = each.iter().map(|ms| ms / 1000.0).collect();
    widget_rows.push(Row(
        "Lighthouse time to interactive (median of 3)".into(),
        format!("{:.2} s (runs: {})", tti / 1000.0, listed(&each, 2)),
        "≤ 2.5 s".into(),
    ));
    demo.start_kill()?;

    report(&tables, &rows, &widget_rows)
}

/// Prints the tables and writes them into `docs/benchmarks.md` between their markers, leaving
/// the rest of the file (the hand-written notes) as it is; `widget` empty (`motp-bench gateway`)
/// leaves the widget's part from its last run.
fn report(tables: &str, rows: &[Row], widget: &[Row]) -> Result<(), BoxError> {
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
    let table = |rows: &[Row]| {
        let mut md = String::from("| what | measured | target |\n|---|---|---|\n");
        for Row(what, measured, target) in rows {
            md.push_str(&format!("| {what} | {measured} | {target} |\n"));
        }
        md
    };
    let gateway = format!(
        "Measured by `make bench` (or `make bench-gateway`, this part alone) on {date} KST, {machine}. Loopback only: the HRD sandbox and the load generator in the benchmark process; `motp-server` (release build), nginx and php-fpm (Debian's) as child processes. The machine is shared: figures move by tens of per cent from one run to the next, so compare ratios within a run.\n\n{}\n{tables}",
        table(rows)
    );
    println!("{gateway}");
    let mut md = std::fs::read_to_string("docs/benchmarks.md").unwrap_or_default();
    md = between(&md, "gateway", &gateway);
    if !widget.is_empty() {
        let widget = format!(
            "Measured by `make bench` on {date} KST, {machine}.\n\n{}",
            table(widget)
        );
        println!("{widget}");
        md = between(&md, "widget", &widget);
    }
    std::fs::write("docs/benchmarks.md", md)?;
    Ok(())
}

/// `md` with what stands between `<!-- NAME:begin -->` and `<!-- NAME:end -->` replaced by
/// `content` (the pair appended when missing).
fn between(md: &str, name: &str, content: &str) -> String {
    let (begin, end) = (
        format!("<!-- {name}:begin -->"),
        format!("<!-- {name}:end -->"),
    );
    let block = format!("{begin}\n{content}{end}");
    match (md.find(&begin), md.find(&end)) {
        (Some(b), Some(e)) if b < e => format!("{}{block}{}", &md[..b], &md[e + end.len()..]),
        _ => format!("{md}\n{block}\n"),
    }
}
