//! All configuration: command-line flags, each with an environment variable, plus a TOML file of
//! tenants. Two modes, never implied: production (`--config`, `--hrd-url` and `--emon-url`
//! required) and sandbox (`--sandbox`: the offline HRD emulator, the demo LMS, sandbox secrets
//! only, loopback only).

use clap::{Args, Parser, Subcommand};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "motp-server",
    version,
    about = "mOTP gateway: verifies LMS launch tokens, forwards codes to HRD, tracks attempts, issues receipts"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeArgs,
    #[command(flatten)]
    pub operations: OperationsArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default when no subcommand is given).
    Serve,
    /// Mint a launch token as an LMS would (development and tests); prints it.
    Token(Box<TokenArgs>),
    /// Export the audit trail of a tenant (CSV or JSON Lines) to standard output.
    Audit(AuditArgs),
    /// The keys that sign receipts (kept in the database, shared by every instance).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Print the OpenAPI 3.1 document of the HTTP API (what `GET /openapi.json` serves).
    Openapi,
    /// The help desk's console accounts (`/console`), kept in the database.
    #[command(subcommand)]
    Staff(StaffCommand),
}

#[derive(Debug, Clone, Subcommand)]
pub enum StaffCommand {
    /// A new account of one tenant; its password is read from standard input (one line, at least
    /// 12 characters) and stored as an Argon2id hash.
    Add {
        /// Tenant id; defaults to the only tenant.
        #[arg(long)]
        tenant: Option<String>,
        /// The login (1-64 letters, digits and _-.@), unique across tenants.
        #[arg(long)]
        login: String,
    },
    /// The accounts, one per line: tenant, login, created (Korea time).
    List {
        /// Only this tenant's.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Removes an account and ends its sessions.
    Remove {
        #[arg(long)]
        login: String,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum KeysCommand {
    /// A new receipt-signing key: published at once, signing a minute later; the previous key
    /// stays published until its last receipt has expired. Prints the new key's id.
    Rotate,
}

#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    /// Tenant id; defaults to the only tenant.
    #[arg(long)]
    pub tenant: Option<String>,
    /// First day, YYYY-MM-DD (Korea time).
    #[arg(long)]
    pub from: String,
    /// Last day, YYYY-MM-DD (Korea time), inclusive.
    #[arg(long)]
    pub to: String,
    /// Only this trainee (USRID).
    #[arg(long)]
    pub usrid: Option<String>,
    #[arg(long, value_enum, default_value = "csv")]
    pub format: crate::domain::audit::Format,
}

/// How far sandbox mode's clock may be moved from the machine's, in seconds: a year.
pub const SANDBOX_CLOCK_RANGE: i64 = 366 * 24 * 3600;

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(
        long,
        env = "MOTP_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub listen: SocketAddr,
    /// Sandbox mode: HRD, e-mon and the phone identity check emulated offline (the embedded
    /// sandbox, or an `--hrd-url` on loopback), the demo LMS page, sandbox secrets only, loopback
    /// only. Never implied: without it `--config`, `--hrd-url` and `--emon-url` are required.
    #[arg(long, env = "MOTP_SANDBOX", global = true)]
    pub sandbox: bool,
    /// TOML file with the tenants (institutions). Required in production; in sandbox mode without
    /// it, one demo tenant.
    #[arg(long, env = "MOTP_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Database URL (`sqlite://path`); the file is created if missing.
    #[arg(
        long,
        env = "MOTP_DATABASE_URL",
        default_value = "sqlite://data/motp.db",
        global = true
    )]
    pub database_url: String,
    /// HRD mOTP base URL. Required in production; in sandbox mode without it the embedded
    /// sandbox is used (served under /hrd on this port).
    #[arg(long, env = "MOTP_HRD_URL", global = true)]
    pub hrd_url: Option<String>,
    /// e-mon base URL for identity-check logs. Required in production; in sandbox mode it defaults
    /// to the HRD URL (the sandbox emulates both).
    #[arg(long, env = "MOTP_EMON_URL", global = true)]
    pub emon_url: Option<String>,
    /// e-mon's server-to-server API base URL (`phone_auth_hist`); defaults to --emon-url.
    #[arg(long, env = "MOTP_EMON_API_URL", global = true)]
    pub emon_api_url: Option<String>,
    /// Seconds between the outbox worker's rounds (it also wakes on every new item); 0 disables it.
    #[arg(
        long,
        env = "MOTP_OUTBOX_INTERVAL_SECS",
        default_value_t = 5,
        global = true
    )]
    pub outbox_interval_secs: u64,
    /// Seconds to wait for HRD before answering "HRD unavailable".
    #[arg(
        long,
        env = "MOTP_HRD_TIMEOUT_SECS",
        default_value_t = 10,
        global = true
    )]
    pub hrd_timeout_secs: u64,
    /// Directory with the built widget (Trunk's `dist/`), served under /widget.
    #[arg(long, env = "MOTP_WIDGET_DIR", default_value = "dist", global = true)]
    pub widget_dir: PathBuf,
    /// The origin browsers reach this server at (`https://motp.example.ac.kr`, no path), written
    /// into the widget's loader: the widget loads its files and calls the API there only. Default:
    /// `http://` and the address listened on (sandbox mode, tests).
    #[arg(long, env = "MOTP_PUBLIC_URL", value_parser = public_origin, global = true)]
    pub public_url: Option<String>,
    /// Reverse proxies whose X-Forwarded-For is believed (comma-separated IPs). Others' is ignored.
    #[arg(
        long,
        env = "MOTP_TRUSTED_PROXIES",
        value_delimiter = ',',
        global = true
    )]
    pub trusted_proxies: Vec<IpAddr>,
    /// Verify attempts allowed per trainee per minute before 429 (HRD answers WE005 beyond its own).
    #[arg(
        long,
        env = "MOTP_PER_TRAINEE_PER_MINUTE",
        default_value_t = 10,
        global = true
    )]
    pub per_trainee_per_minute: u32,
    /// `/v1` requests allowed per client address (IPv6: per /64) per minute before 429, counted
    /// before anything is parsed. A trainee's widget makes up to ~40 a minute while an identity
    /// check is open (it polls every 2 s): size it for the trainees behind one NAT address.
    #[arg(
        long,
        env = "MOTP_PER_IP_PER_MINUTE",
        default_value_t = 600,
        global = true
    )]
    pub per_ip_per_minute: u32,
    /// Sandbox mode only: run the clock this many seconds off the machine's (demos), at most a
    /// year either way.
    #[arg(
        long,
        env = "MOTP_SANDBOX_CLOCK_OFFSET",
        default_value_t = 0,
        allow_negative_numbers = true,
        value_parser = clap::value_parser!(i64).range(-SANDBOX_CLOCK_RANGE..=SANDBOX_CLOCK_RANGE),
        global = true
    )]
    pub sandbox_clock_offset: i64,
    /// Sandbox mode only: where the virtual phones are kept across restarts.
    #[arg(
        long,
        env = "MOTP_SANDBOX_STATE",
        default_value = "data/sandbox-state.json",
        global = true
    )]
    pub sandbox_state: PathBuf,
    /// Log as JSON lines instead of human-readable text.
    #[arg(long, env = "MOTP_LOG_JSON", global = true)]
    pub log_json: bool,
}

/// How the server runs: the connection's limits, the operations listener and how long the audit is
/// kept. Apart from [`ServeArgs`] so a caller that builds those (tests, the end-to-end harness) gets
/// these defaults by `OperationsArgs::default()`.
#[derive(Debug, Clone, Args)]
pub struct OperationsArgs {
    /// Seconds a client has to send a request's headers before the connection is closed.
    #[arg(long, env = "MOTP_HEADER_TIMEOUT_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=30), global = true)]
    pub header_timeout_secs: u64,
    /// Seconds for a whole request, body and answer; beyond it 408. Must exceed --hrd-timeout-secs.
    #[arg(long, env = "MOTP_REQUEST_TIMEOUT_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=300), global = true)]
    pub request_timeout_secs: u64,
    /// Requests in progress at once; beyond it 503 `busy` with Retry-After.
    #[arg(long, env = "MOTP_MAX_IN_FLIGHT", default_value_t = 512,
          value_parser = clap::value_parser!(u64).range(1..=100_000), global = true)]
    pub max_in_flight: u64,
    /// Where `/metrics` and the detailed `/readyz` are served, apart from the public port.
    /// Default: 127.0.0.1:9464; in sandbox mode a free loopback port (logged at start).
    #[arg(long, env = "MOTP_METRICS_LISTEN", global = true)]
    pub metrics_listen: Option<SocketAddr>,
    /// Days the audit trail is kept; older lines are deleted once a day. Three years by default,
    /// as training records are kept; 0 keeps them for good.
    #[arg(long, env = "MOTP_AUDIT_RETENTION_DAYS", default_value_t = DEFAULT_AUDIT_RETENTION_DAYS,
          value_parser = clap::value_parser!(u64).range(0..=36_500), global = true)]
    pub audit_retention_days: u64,
}

/// `--audit-retention-days`' default: three years.
pub const DEFAULT_AUDIT_RETENTION_DAYS: u64 = 3 * 365;

impl Default for OperationsArgs {
    fn default() -> Self {
        OperationsArgs {
            header_timeout_secs: 10,
            request_timeout_secs: 30,
            max_in_flight: 512,
            metrics_listen: None,
            audit_retention_days: DEFAULT_AUDIT_RETENTION_DAYS,
        }
    }
}

/// `--metrics-listen`'s default outside sandbox mode (Prometheus exporters' customary port).
pub const DEFAULT_METRICS_LISTEN: &str = "127.0.0.1:9464";

/// `--public-url`: an http(s) origin, nothing more (a trailing `/` is allowed); as its origin.
fn public_origin(value: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(value).map_err(|e| e.to_string())?;
    let origin_only = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some_and(|h| {
            // A host, as DNS and IP addresses have them (URLs let `"` and others through).
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        && url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none();
    if !origin_only {
        return Err("an http(s) origin such as https://motp.example.ac.kr, without a path".into());
    }
    Ok(url.origin().ascii_serialization())
}

#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// The trainee's LMS user id (USRID).
    #[arg(long)]
    pub usrid: String,
    /// The trainee's real name, as in the LMS member record.
    #[arg(long)]
    pub name: String,
    /// The trainee's mobile number.
    #[arg(long)]
    pub tel: String,
    /// What is being unlocked: 00 입과, 01 진도, 02 시험, 03 과제, 04 진행평가, 99 기타.
    #[arg(long, default_value = "01")]
    pub eval_cd: String,
    /// Chapter or attempt number (CLASS_TME).
    #[arg(long, default_value = "01")]
    pub class_tme: String,
    /// Course code as reported to HRD (COURSE_AGENT_PK).
    #[arg(long, default_value = "DEMO-COURSE")]
    pub course: String,
    /// Class (cohort) key (CLASS_AGENT_PK).
    #[arg(long, default_value = "DEMO-COURSE,1")]
    pub class: String,
    /// The LMS session id (SESSIONID).
    #[arg(long, default_value = "demo-session")]
    pub session: String,
    /// Tenant id; defaults to the only tenant.
    #[arg(long)]
    pub tenant: Option<String>,
    /// Lifetime in seconds (at most 900).
    #[arg(long, default_value_t = 600)]
    pub ttl: i64,
}
