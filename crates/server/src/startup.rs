//! Starting the server from its configuration: the one path used by `main`, the integration tests and
//! the end-to-end tests, so what is tested is what runs.

use crate::config::ServeArgs;
use crate::domain::limits::Limits;
use crate::domain::{outbox, Gateway};
use crate::http::sandbox::SandboxMode;
use crate::http::{app, AppState, Inner};
use crate::store::{Checkpoints, Store};
use crate::tenant::{ProviderKind, Tenants, SANDBOX_DEMO_SECRET};
use crate::upstream::emon::EmonClient;
use crate::upstream::hrd::HrdClient;
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

/// The tenants the arguments name: the TOML file, or the sandbox demo tenant.
pub fn tenants(args: &ServeArgs, addr: SocketAddr) -> Result<Tenants, BoxError> {
    match &args.config {
        Some(path) => Ok(Tenants::load(path)?),
        None => Ok(Tenants::sandbox_demo(addr)),
    }
}

/// Binds, builds and starts serving; returns once the socket accepts connections.
pub async fn start(
    args: &ServeArgs,
    clock: Arc<AdjustableClock>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<Running, BoxError> {
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;
    let tenants = tenants(args, addr)?;

    let (hrd_url, emon_url, sandbox) = match &args.hrd_url {
        Some(url) => {
            if tenants.all().any(|t| t.secret == SANDBOX_DEMO_SECRET) {
                return Err("the sandbox demo secret may not be used with a real HRD".into());
            }
            if tenants
                .all()
                .any(|t| t.identity_provider == ProviderKind::Sandbox)
                && !args.allow_sandbox_identity
            {
                return Err(
                    "identity_provider \"sandbox\" fakes the phone check: sandbox mode only".into(),
                );
            }
            let emon = args
                .emon_url
                .clone()
                .ok_or("--emon-url is required with --hrd-url")?;
            (url.clone(), emon, None)
        }
        None => {
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
        tenants,
        clock,
        limits: Limits::new(args.per_trainee_per_minute, args.per_ip_per_minute),
        outbox_wakeup: tokio::sync::Notify::new(),
    });
    // A restart is the moment to retry: everything still queued is due at once.
    let resumed = gateway.store.outbox_resume(gateway.now()).await?;
    if resumed > 0 {
        tracing::info!(resumed, "outbox: resuming queued sends");
    }
    let state = AppState::new(Inner {
        gateway: gateway.clone(),
        trusted_proxies: args.trusted_proxies.clone(),
        widget_dir: args.widget_dir.clone(),
        sandbox,
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
