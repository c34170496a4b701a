//! `motp-server`: see `motp-server --help`. Configuration lives in `config.rs`, start-up in
//! `startup.rs`.

use clap::Parser;
use motp_protocol::clock::{AdjustableClock, SystemClock};
use motp_server::config::{AuditArgs, Cli, Command, KeysCommand, StaffCommand, TokenArgs};
use motp_server::domain::jwt::{self as token, LaunchClaims, LAUNCH_AUDIENCE};
use motp_server::startup as launch;
use std::process::ExitCode;
use std::sync::Arc;

/// mimalloc rather than glibc's malloc: see Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's arenas committed as they are used rather than whole when reserved (its default on
/// Linux): the idle server held 24.5 MB instead of 15.5, and each of 2,000 waiting trainees 31 KB
/// instead of 18 (measured: 2,000 keep-alive connections after one request each). Set before the
/// first allocation reserves the first arena, so before `main` (setting it in `main` changed
/// nothing): a constructor, as `MIMALLOC_ARENA_EAGER_COMMIT=0` in the environment would.
#[used]
#[link_section = ".init_array"]
static MIMALLOC_OPTIONS: extern "C" fn() = mimalloc_options;

extern "C" fn mimalloc_options() {
    extern "C" {
        // mimalloc.h; in the library the `mimalloc` crate links.
        fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    }
    /// `mi_option_arena_eager_commit` in mimalloc.h's `mi_option_e` (libmimalloc-sys 0.1.49's
    /// `c_src/mimalloc/v3/include/mimalloc.h`; its Rust bindings do not name it). Recheck when
    /// upgrading: Cargo.toml pins both crates for this reason.
    const ARENA_EAGER_COMMIT: std::ffi::c_int = 4;
    // SAFETY: a setter of mimalloc's options, which takes any value.
    unsafe { mi_option_set(ARENA_EAGER_COMMIT, 0) };
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,tower_http=info,sqlx=warn".into());
    if cli.serve.log_json {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let result = match cli.command {
        Some(Command::Token(args)) => print_token(&cli.serve, &args),
        Some(Command::Audit(args)) => export_audit(&cli.serve, &args).await,
        Some(Command::Keys(KeysCommand::Rotate)) => rotate_keys(&cli.serve).await,
        Some(Command::Staff(command)) => staff(&cli.serve, &command).await,
        Some(Command::Openapi) => {
            print!("{}", motp_server::http::openapi::json());
            Ok(())
        }
        Some(Command::Serve) | None => serve(&cli.serve, &cli.operations).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The operator sees the detail that API clients never get.
            eprintln!("motp-server: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(
    args: &motp_server::config::ServeArgs,
    operations: &motp_server::config::OperationsArgs,
) -> Result<(), launch::BoxError> {
    let clock = Arc::new(AdjustableClock::new(Arc::new(SystemClock)));
    let running = launch::start_with(args, operations, clock, shutdown_signal()).await?;
    let url = running.url();
    if running.state.sandbox.is_some() {
        tracing::info!("sandbox mode (embedded HRD emulator, no real HRD is ever called)");
        println!("\n  Demo LMS page: {url}/");
        println!(
            "  Help desk console: {url}/console (login {}, password {})\n",
            motp_server::tenant::SANDBOX_DEMO_STAFF_LOGIN,
            motp_server::tenant::SANDBOX_DEMO_STAFF_PASSWORD
        );
    }
    tracing::info!("motp-server listening on {url}");
    running.task.await??;
    Ok(())
}

/// The tenants a command that does not serve works on: the configuration file's, or with
/// `--sandbox` the demo tenant.
fn command_tenants(
    serve: &motp_server::config::ServeArgs,
) -> Result<motp_server::tenant::Tenants, launch::BoxError> {
    match (&serve.config, serve.sandbox) {
        (Some(path), _) => Ok(motp_server::tenant::Tenants::load(path)?),
        (None, true) => Ok(motp_server::tenant::Tenants::sandbox_demo(serve.listen)),
        (None, false) => Err("missing --config (or --sandbox, for the demo tenant)".into()),
    }
}

/// `motp-server keys rotate`: a new receipt-signing key in the database every instance shares.
async fn rotate_keys(serve: &motp_server::config::ServeArgs) -> Result<(), launch::BoxError> {
    let store = motp_server::store::Store::open(&serve.database_url).await?;
    let now = motp_protocol::clock::Clock::now_unix(&SystemClock);
    let kid = motp_server::domain::receipt_keys::rotate(&store, now).await?;
    println!("{kid}");
    Ok(())
}

/// `motp-server staff …`: the console's accounts.
async fn staff(
    serve: &motp_server::config::ServeArgs,
    command: &StaffCommand,
) -> Result<(), launch::BoxError> {
    use motp_server::domain::staff;
    let store = motp_server::store::Store::open(&serve.database_url).await?;
    match command {
        StaffCommand::Add { tenant, login } => {
            let tenants = command_tenants(serve)?;
            let tenant = match tenant {
                Some(id) => tenants.get(id).ok_or_else(|| format!("no tenant {id}"))?,
                None => tenants.only().ok_or("several tenants: pass --tenant")?,
            };
            // One line from standard input, never an argument (which other users can read).
            let mut password = String::new();
            std::io::stdin().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            let now = motp_protocol::clock::Clock::now_unix(&SystemClock);
            staff::add(&store, &tenants, &tenant.id, login, password, now).await?;
            println!("{login} ({})", tenant.id);
        }
        StaffCommand::List { tenant } => {
            for account in staff::list(&store, tenant.as_deref()).await? {
                let created = motp_protocol::kst::format_unix(account.created_at);
                println!("{}\t{}\t{created}", account.tenant, account.login);
            }
        }
        StaffCommand::Remove { login } => staff::remove(&store, login).await?,
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn export_audit(
    serve: &motp_server::config::ServeArgs,
    args: &AuditArgs,
) -> Result<(), launch::BoxError> {
    let tenants = command_tenants(serve)?;
    let tenant = match &args.tenant {
        Some(id) => tenants.get(id).ok_or_else(|| format!("no tenant {id}"))?,
        None => tenants.only().ok_or("several tenants: pass --tenant")?,
    };
    let store = motp_server::store::Store::open(&serve.database_url).await?;
    let out = motp_server::domain::audit::export(
        &store,
        &tenant.id,
        &args.from,
        &args.to,
        args.usrid.as_deref(),
        args.format,
    )
    .await?;
    print!("{out}");
    Ok(())
}

fn print_token(
    serve: &motp_server::config::ServeArgs,
    args: &TokenArgs,
) -> Result<(), launch::BoxError> {
    let tenants = command_tenants(serve)?;
    let tenant = match &args.tenant {
        Some(id) => tenants.get(id).ok_or_else(|| format!("no tenant {id}"))?,
        None => tenants.only().ok_or("several tenants: pass --tenant")?,
    };
    if !(1..=token::MAX_LIFETIME_SECS).contains(&args.ttl) {
        return Err(format!("--ttl must be 1..={}", token::MAX_LIFETIME_SECS).into());
    }
    let now = motp_protocol::clock::Clock::now_unix(&SystemClock);
    let claims = LaunchClaims {
        iss: tenant.id.clone(),
        aud: LAUNCH_AUDIENCE.into(),
        sub: args.usrid.clone(),
        name: args.name.clone(),
        tel: args.tel.clone(),
        course: args.course.clone(),
        class: args.class.clone(),
        eval_cd: args.eval_cd.clone(),
        class_tme: args.class_tme.clone(),
        sid: args.session.clone(),
        iat: now,
        exp: now + args.ttl,
        jti: token::random_id(),
    };
    // Refuse to print a token the server would refuse.
    token::verify(&token::mint(&claims, &tenant.secret), &tenants, now)
        .map_err(|e| format!("these claims would be refused: {e}"))?;
    println!("{}", token::mint(&claims, &tenant.secret));
    Ok(())
}
