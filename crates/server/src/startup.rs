//! Starting the server from its configuration: the one path used by `main`, the integration tests and
//! the end-to-end tests, so what is tested is what runs.

use crate::config::ServeArgs;
use crate::domain::limits::Limits;
use crate::domain::receipt_keys::{self, ReceiptKeys};
use crate::domain::{outbox, Gateway};
use crate::http::sandbox::SandboxMode;
use crate::http::{app, AppState, Inner};
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
    pub state: AppState,
    pub task: JoinHandle<std::io::Result<()>>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
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
    Ok(Mode::Production)
}

fn is_loopback_url(url: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(url) else {
        return false;
    };
    match url.host_str() {
        Some("localhost") => true,
        Some(host) => host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
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

/// Binds, builds and starts serving; returns once the socket accepts connections.
pub async fn start(
    args: &ServeArgs,
    clock: Arc<AdjustableClock>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<Running, BoxError> {
    let mode = mode(args)?;
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;
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
    });
    let router = app(state.clone());
    // One shutdown for all: the HTTP server drains its requests, the outbox worker finishes the
    // send in progress, the checkpointer checkpoints once more.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let shutdown = async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    };
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
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        for task in [worker, checkpointer].into_iter().flatten() {
            let _ = task.await;
        }
        Ok(())
    });
    Ok(Running { addr, state, task })
}
