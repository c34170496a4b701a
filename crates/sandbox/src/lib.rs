//! An offline emulator of HRD Korea's mOTP and e-mon servers, and of the trainee's phone app.
//!
//! Tests, `make demo` and institutions' own development talk to this instead of HRD. It speaks HRD's
//! wire format ([`api`], [`emon`]) and adds a control API under `/sandbox/…` ([`control`]) to
//! register virtual phones, read their codes, move the clock, inject faults and read what arrived.
//! See the crate README for the assumptions made where HRD's behaviour is not documented.

pub mod api;
pub mod control;
pub mod emon;
pub mod faults;
pub mod form;
pub mod nice;
pub mod registry;
pub mod totp;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use motp_protocol::clock::AdjustableClock;
use motp_protocol::kst;
use registry::Registry;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Requests larger than this are refused before they are read (HRD's forms are a few hundred bytes).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// How the sandbox behaves where HRD's limits are configurable or unknown.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// WE005 after this many API calls by one USRID within a clock minute.
    pub per_user_per_minute: u32,
    /// WE005 after this many API calls by one AGTID within a clock minute.
    pub per_agtid_per_minute: u32,
    /// e-mon `phone_auth_hist` keys: `X-TQIAPI-HEADER` value → the `X-TQIAPI-USER` it belongs to.
    pub emon_api_keys: HashMap<String, String>,
    /// How long a `timeout` fault holds a request before answering.
    pub timeout_hold: Duration,
    /// Where to keep registrations across restarts; in memory only when `None`.
    pub state_file: Option<PathBuf>,
    /// The emulated institution's NICE contract (see [`nice`]).
    pub nice: nice::NiceConfig,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            per_user_per_minute: 60,
            per_agtid_per_minute: 6000,
            emon_api_keys: HashMap::from([(
                "sandbox-emon-key".to_string(),
                "SANDBOXAGT".to_string(),
            )]),
            timeout_hold: Duration::from_secs(60),
            state_file: None,
            nice: nice::NiceConfig::default(),
        }
    }
}

/// One request as it arrived, kept so tests can assert what HRD received, in order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogRecord {
    pub seq: u64,
    /// `otp_accredit`, `reset`, `pAuthLog`, `pSubOtpLog` or `phone_auth_hist`.
    pub kind: String,
    pub received_unix: i64,
    pub received_kst: String,
    /// What the sandbox answered (`200`, `AP001`, `101`, …).
    pub answer: String,
    pub fields: BTreeMap<String, String>,
}

#[derive(Default)]
struct RateWindow {
    minute: i64,
    counts: HashMap<String, u32>,
}

/// The running sandbox: shared by its HTTP handlers and by whoever embeds it.
pub struct Sandbox {
    pub config: SandboxConfig,
    pub clock: Arc<AdjustableClock>,
    registry: Mutex<Registry>,
    logs: Mutex<Vec<LogRecord>>,
    rate: Mutex<RateWindow>,
    pub faults: faults::Faults,
    nice: Arc<nice::NiceEmulator>,
}

impl Sandbox {
    /// A sandbox reading time from `clock`, with registrations loaded from the state file if any.
    pub fn new(
        config: SandboxConfig,
        clock: Arc<AdjustableClock>,
    ) -> std::io::Result<Arc<Sandbox>> {
        let registry = match &config.state_file {
            Some(path) if path.exists() => serde_json::from_slice(&std::fs::read(path)?)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?,
            _ => Registry::default(),
        };
        let nice = nice::NiceEmulator::new(config.nice.clone(), clock.clone());
        Ok(Arc::new(Sandbox {
            config,
            clock,
            nice,
            registry: Mutex::new(registry),
            logs: Mutex::new(Vec::new()),
            rate: Mutex::new(RateWindow::default()),
            faults: faults::Faults::default(),
        }))
    }

    /// The NICE emulator, on this sandbox's clock: mount it with [`nice::nice_router`].
    pub fn nice(&self) -> Arc<nice::NiceEmulator> {
        self.nice.clone()
    }

    pub fn now(&self) -> i64 {
        use motp_protocol::clock::Clock;
        self.clock.now_unix()
    }

    /// Reads or changes the registry; changes are written to the state file before returning.
    pub fn with_registry<T>(&self, f: impl FnOnce(&mut Registry) -> T) -> T {
        let mut registry = self.registry.lock().expect("registry lock");
        let out = f(&mut registry);
        if let Some(path) = &self.config.state_file {
            if let Err(e) = save_atomically(path, &registry) {
                tracing::error!(error = %e, path = %path.display(), "could not save sandbox state");
            }
        }
        out
    }

    /// Registers a virtual phone with a fresh random secret (the app's "register").
    pub fn register_device(
        &self,
        name: &str,
        tel: &str,
        pin: &str,
    ) -> Result<String, registry::RegisterError> {
        let mut secret = [0u8; 20];
        getrandom::fill(&mut secret).expect("the OS provides randomness");
        let now = self.now();
        self.with_registry(|r| r.register(name, tel, pin, secret, now))
    }

    /// What device `device_id` shows at `at` (default: now) for app password `pin`.
    pub fn device_code(&self, device_id: &str, pin: &str, at: Option<i64>) -> Option<String> {
        let at = at.unwrap_or_else(|| self.now());
        let registry = self.registry.lock().expect("registry lock");
        registry.devices.get(device_id).map(|d| d.code_at(pin, at))
    }

    fn record(&self, kind: &str, answer: &str, fields: BTreeMap<String, String>) {
        let now = self.now();
        let mut logs = self.logs.lock().expect("logs lock");
        let seq = logs.len() as u64 + 1;
        logs.push(LogRecord {
            seq,
            kind: kind.to_string(),
            received_unix: now,
            received_kst: kst::format_unix(now),
            answer: answer.to_string(),
            fields,
        });
    }

    /// What arrived, oldest first; all kinds when `kind` is `None`.
    pub fn logs(&self, kind: Option<&str>) -> Vec<LogRecord> {
        let logs = self.logs.lock().expect("logs lock");
        logs.iter()
            .filter(|r| kind.is_none_or(|k| r.kind == k))
            .cloned()
            .collect()
    }

    /// Counts one API call against the per-user and per-institution limits; `false` means WE005.
    fn within_rate(&self, agtid: &str, usrid: &str) -> bool {
        let minute = self.now().div_euclid(60);
        let mut w = self.rate.lock().expect("rate lock");
        if w.minute != minute {
            w.minute = minute;
            w.counts.clear();
        }
        let user = w.counts.entry(format!("u\t{agtid}\t{usrid}")).or_insert(0);
        *user += 1;
        let user_ok = *user <= self.config.per_user_per_minute;
        let agt = w.counts.entry(format!("a\t{agtid}")).or_insert(0);
        *agt += 1;
        user_ok && *agt <= self.config.per_agtid_per_minute
    }
}

fn save_atomically(path: &std::path::Path, registry: &Registry) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(registry)?)?;
    std::fs::rename(tmp, path)
}

/// The standalone binary's routes: HRD's at the root and NICE's under `/nice`, NICE's control API
/// also at `/sandbox/nice` (the path issue #15 names).
pub fn standalone_router(sandbox: Arc<Sandbox>) -> Router {
    let nice = nice::nice_router(sandbox.nice());
    let nice_control = nice::nice_control_router(sandbox.nice());
    router(sandbox)
        .nest("/nice", nice)
        .nest("/sandbox/nice", nice_control)
}

/// All of the sandbox's routes: HRD's mOTP API, e-mon, and the `/sandbox` control API.
pub fn router(sandbox: Arc<Sandbox>) -> Router {
    Router::new()
        .merge(api::routes())
        .merge(emon::routes())
        .nest("/sandbox", control::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(sandbox)
}
