//! Starting the server from its configuration: the one path used by `main`, the integration tests and
//! the end-to-end tests, so what is tested is what runs.

use crate::config::{OperationsArgs, ServeArgs, DEFAULT_METRICS_LISTEN};
use crate::domain::limits::Limits;
use crate::domain::receipt_keys::{self, ReceiptKeys};
use crate::domain::{housekeeping, outbox, Gateway};
use crate::http::sandbox::SandboxMode;
use crate::http::{app, operations, transport, AppState, Inner};
use crate::store::{Checkpoints, Store};
use crate::tenant::{ProviderKind, Tenants, SANDBOX_CREDENTIAL_PREFIX};
use crate::upstream::emon::EmonClient;
use crate::upstream::hrd::HrdClient;
use crate::upstream::nice::NiceClient;
use hrd_sandbox::{Sandbox, SandboxConfig};
use motp_protocol::clock::AdjustableClock;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A server accepting connections.
pub struct Running {
    pub addr: SocketAddr,
    /// The operations listener: `/metrics` and the detailed `/readyz`.
    pub metrics_addr: SocketAddr,
    pub state: AppState,
    pub task: JoinHandle<std::io::Result<()>>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn metrics_url(&self) -> String {
        format!("http://{}", self.metrics_addr)
    }
}

/// What the arguments ask for. Sandbox mode is never implied: it takes `--sandbox`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A real HRD and e-mon, the institutions' own tenants.
    Production,
    /// The offline emulator (embedded, or `--hrd-url` on loopback), sandbox credentials only.
    Sandbox,
}

/// The mode the arguments ask for, or what is missing or not allowed in it: checked before
/// anything starts, so a production server missing a flag never runs as a sandbox.
pub fn mode(args: &ServeArgs) -> Result<Mode, String> {
    let urls = [
        ("--hrd-url", &args.hrd_url),
        ("--emon-url", &args.emon_url),
        ("--emon-api-url", &args.emon_api_url),
    ];
    if args.sandbox {
        if !args.listen.ip().is_loopback() {
            return Err(format!(
                "sandbox mode listens on loopback only, not {} (--listen 127.0.0.1:PORT)",
                args.listen
            ));
        }
        for (flag, url) in urls {
            if let Some(url) = url.as_deref().filter(|u| !is_loopback_url(u)) {
                return Err(format!(
                    "sandbox mode talks to an emulator on loopback only, not {flag} {url}"
                ));
            }
        }
        return Ok(Mode::Sandbox);
    }
    let missing: Vec<&str> = [
        ("--config", args.config.is_none()),
        ("--hrd-url", args.hrd_url.is_none()),
        ("--emon-url", args.emon_url.is_none()),
    ]
    .into_iter()
    .filter_map(|(flag, absent)| absent.then_some(flag))
    .collect();
    if !missing.is_empty() {
        return Err(format!(
            "missing {}: a production server needs --config, --hrd-url and --emon-url \
             (or --sandbox, for the offline emulator)",
            missing.join(", ")
        ));
    }
    // Names, mobiles, codes and e-mon's API key travel to these: never in clear over a network.
    for (flag, url) in urls {
        if let Some(url) = url {
            crate::urls::upstream(flag, url)?;
        }
    }
    Ok(Mode::Production)
}

fn is_loopback_url(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| crate::urls::is_loopback(&u))
}

/// The tenants of `mode`: the TOML file, or in sandbox mode without one the demo tenant; each
/// checked against the mode (sandbox credentials in sandbox mode only, and only there).
pub fn tenants(args: &ServeArgs, mode: Mode, addr: SocketAddr) -> Result<Tenants, String> {
    let tenants = match &args.config {
        Some(path) => Tenants::load(path)?,
        None if mode == Mode::Sandbox => Tenants::sandbox_demo(addr),
        None => return Err("missing --config (or --sandbox, for the demo tenant)".into()),
    };
    for t in tenants.all() {
        match mode {
            Mode::Sandbox if !t.has_sandbox_credentials() => {
                return Err(format!(
                    "tenant {}: sandbox mode takes only sandbox credentials (a secret and an \
                     api_key starting with \"{SANDBOX_CREDENTIAL_PREFIX}\"), never an \
                     institution's real ones",
                    t.id
                ))
            }
            Mode::Sandbox if t.identity_provider == ProviderKind::Nice && !t.nice.is_loopback() => {
                return Err(format!(
                    "tenant {}: sandbox mode calls no real NICE host: nice_api_url and \
                     nice_window_url must be this machine's (the emulator, under /nice)",
                    t.id
                ))
            }
            Mode::Production if t.identity_provider == ProviderKind::Sandbox => {
                return Err(format!(
                    "tenant {}: identity_provider \"sandbox\" fakes the phone check: sandbox \
                     mode only",
                    t.id
                ))
            }
            Mode::Production
                if t.secret.starts_with(SANDBOX_CREDENTIAL_PREFIX)
                    || t.api_key.starts_with(SANDBOX_CREDENTIAL_PREFIX) =>
            {
                return Err(format!(
                    "tenant {}: sandbox credentials are public; never in production",
                    t.id
                ))
            }
            _ => {}
        }
    }
    Ok(tenants)
}

/// The origin the widget's loader names: `--public-url`, else the address listened on.
fn public_origin(args: &ServeArgs, mode: Mode, addr: SocketAddr) -> String {
    args.public_url.clone().unwrap_or_else(|| {
        if mode == Mode::Production {
            tracing::warn!(%addr, "no --public-url: the widget's loader names http://{addr}");
        }
        format!("http://{addr}")
    })
}

/// [`start_with`] the default transport settings.
pub async fn start(
    args: &ServeArgs,
    clock: Arc<AdjustableClock>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<Running, BoxError> {
    start_with(args, &OperationsArgs::default(), clock, shutdown).await
}

/// Binds, builds and starts serving; returns once the sockets accept connections.
pub async fn start_with(
    args: &ServeArgs,
    ops: &OperationsArgs,
    clock: Arc<AdjustableClock>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<Running, BoxError> {
    let mode = mode(args)?;
    if ops.request_timeout_secs <= args.hrd_timeout_secs {
        return Err(format!(
            "--request-timeout-secs ({}) must exceed --hrd-timeout-secs ({}): a request waits for HRD",
            ops.request_timeout_secs, args.hrd_timeout_secs
        )
        .into());
    }
    let metrics_listen = match (ops.metrics_listen, mode) {
        (Some(addr), _) => addr,
        (None, Mode::Sandbox) => "127.0.0.1:0".parse()?,
        (None, Mode::Production) => DEFAULT_METRICS_LISTEN.parse()?,
    };
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;
    let metrics_listener = tokio::net::TcpListener::bind(metrics_listen)
        .await
        .map_err(|e| format!("--metrics-listen {metrics_listen}: {e}"))?;
    let metrics_addr = metrics_listener.local_addr()?;
    if !metrics_addr.ip().is_loopback() {
        tracing::warn!(%metrics_addr, "metrics served off loopback: keep the port private");
    }
    let limits = transport::Limits {
        header_timeout: Duration::from_secs(ops.header_timeout_secs),
        request_timeout: Duration::from_secs(ops.request_timeout_secs),
        max_in_flight: ops.max_in_flight as usize,
    };
    let tenants = tenants(args, mode, addr)?;

    let (hrd_url, emon_url, embedded) = match (mode, &args.hrd_url) {
        (Mode::Production, Some(url)) => {
            let emon = args.emon_url.clone().ok_or("missing --emon-url")?;
            (url.clone(), emon, None)
        }
        (Mode::Sandbox, Some(url)) => {
            let emon = args.emon_url.clone().unwrap_or_else(|| url.clone());
            (url.clone(), emon, None)
        }
        (Mode::Sandbox, None) => {
            clock.set_offset(args.sandbox_clock_offset);
            let sandbox = Sandbox::new(
                SandboxConfig {
                    state_file: Some(args.sandbox_state.clone()),
                    ..SandboxConfig::default()
                },
                clock.clone(),
            )?;
            let sandbox = SandboxMode::new(sandbox)?;
            let embedded = format!("http://{addr}/hrd");
            (embedded.clone(), embedded, Some(sandbox))
        }
        (Mode::Production, None) => return Err("missing --hrd-url".into()),
    };
    if !args.widget_dir.join("motp-embed.js").exists() {
        tracing::warn!(dir = %args.widget_dir.display(), "no built widget here: run `make widget` (or `make demo`)");
    }
    let hrd_timeout = Duration::from_secs(args.hrd_timeout_secs);
    let emon_api_url = args
        .emon_api_url
        .clone()
        .unwrap_or_else(|| emon_url.clone());
    let gateway = Arc::new(Gateway {
        store: Store::open(&args.database_url).await?,
        hrd: HrdClient::new(&hrd_url, hrd_timeout),
        emon: EmonClient::new(&emon_url, &emon_api_url, hrd_timeout),
        nice: NiceClient::new(hrd_timeout),
        tenants,
        clock,
        limits: Limits::new(args.per_trainee_per_minute, args.per_ip_per_minute),
        outbox_wakeup: tokio::sync::Notify::new(),
        receipt_keys: ReceiptKeys::default(),
    });
    // The demo's help-desk account (README "For institution staff"): sandbox mode's demo tenant
    // only, never with a configuration of real tenants.
    if mode == Mode::Sandbox && args.config.is_none() {
        if let Some(demo) = gateway.tenants.only() {
            crate::domain::staff::ensure_demo(&gateway.store, &demo.id, gateway.now()).await?;
        }
    }
    // Receipts need a key from the first request on; every instance shares the same ones.
    receipt_keys::ensure(&gateway.store, gateway.now()).await?;
    // A restart is the moment to retry: everything still queued is due at once.
    let resumed = gateway.store.outbox_resume(gateway.now()).await?;
    if resumed > 0 {
        tracing::info!(resumed, "outbox: resuming queued sends");
    }
    let state = AppState::new(Inner {
        gateway: gateway.clone(),
        trusted_proxies: args.trusted_proxies.clone(),
        widget_dir: args.widget_dir.clone(),
        public_origin: public_origin(args, mode, addr),
        sandbox_mode: mode == Mode::Sandbox,
        sandbox: embedded,
        transport: limits,
    });
    let router = app(state.clone());
    let operations_router = operations(state.clone());
    // One shutdown for all: the HTTP server drains its requests, the outbox worker finishes the
    // send in progress, the checkpointer checkpoints once more.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let shutdown = async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    };
    let mut stopped = stop_rx.clone();
    let housekeeper = housekeeping::spawn_worker(
        gateway.clone(),
        housekeeping::INTERVAL,
        ops.audit_retention_days,
        stop_rx.clone(),
    );
    let checkpointer = gateway
        .store
        .spawn_checkpointer(Checkpoints::default(), stop_rx.clone());
    let worker = (args.outbox_interval_secs > 0).then(|| {
        outbox::spawn_worker(
            gateway.clone(),
            Duration::from_secs(args.outbox_interval_secs),
            stop_rx,
        )
    });
    let operations_task = tokio::spawn(transport::serve(
        metrics_listener,
        operations_router,
        limits,
        async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        },
    ));
    let task = tokio::spawn(async move {
        transport::serve(listener, router, limits, shutdown).await?;
        for task in [worker, checkpointer, Some(housekeeper)]
            .into_iter()
            .flatten()
        {
            let _ = task.await;
        }
        let _ = operations_task.await;
        Ok(())
    });
    tracing::info!(%metrics_addr, "metrics and detailed readiness on their own listener");
    Ok(Running {
        addr,
        metrics_addr,
        state,
        task,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn args(extra: &[&str]) -> ServeArgs {
        let base = ["motp-server", "--config", "tenants.toml"];
        let cli = crate::config::Cli::parse_from(base.iter().chain(extra));
        cli.serve
    }

    #[test]
    fn production_talks_to_hrd_and_e_mon_over_https_only() {
        let ok = args(&[
            "--hrd-url",
            "https://hrd.example",
            "--emon-url",
            "https://emon.example",
        ]);
        assert_eq!(mode(&ok), Ok(Mode::Production));
        let local = args(&[
            "--hrd-url",
            "http://127.0.0.1:9",
            "--emon-url",
            "http://localhost:9",
        ]);
        assert_eq!(mode(&local), Ok(Mode::Production));
        for (flag, extra) in [
            (
                "--hrd-url",
                [
                    "--hrd-url",
                    "http://hrd.example",
                    "--emon-url",
                    "https://e.example",
                ],
            ),
            (
                "--hrd-url",
                [
                    "--hrd-url",
                    "http://127.0.0.1.evil.example",
                    "--emon-url",
                    "https://e.example",
                ],
            ),
            (
                "--emon-url",
                [
                    "--hrd-url",
                    "https://hrd.example",
                    "--emon-url",
                    "http://e.example",
                ],
            ),
        ] {
            let err = mode(&args(&extra)).expect_err("refused");
            assert!(err.starts_with(flag), "{err}");
        }
        let api = args(&[
            "--hrd-url",
            "https://hrd.example",
            "--emon-url",
            "https://emon.example",
            "--emon-api-url",
            "http://emonapi.example",
        ]);
        assert!(mode(&api).unwrap_err().starts_with("--emon-api-url"));
    }

    #[test]
    fn sandbox_mode_reads_loopback_from_the_parsed_host() {
        let sandbox = |hrd: &str| args(&["--sandbox", "--hrd-url", hrd]);
        assert_eq!(mode(&sandbox("http://127.0.0.1:9")), Ok(Mode::Sandbox));
        assert!(mode(&sandbox("http://127.0.0.1.evil.example")).is_err());
        assert!(mode(&sandbox("http://localhost.evil.example")).is_err());
    }
}
