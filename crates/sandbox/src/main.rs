//! `hrd-sandbox`: the HRD emulator on its own port, and the virtual phone from the command line.

use clap::{Parser, Subcommand};
use hrd_sandbox::{standalone_router, Sandbox, SandboxConfig};
use motp_protocol::clock::{AdjustableClock, SystemClock};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "hrd-sandbox",
    version,
    about = "Offline emulator of HRD Korea's mOTP and e-mon servers"
)]
struct Cli {
    /// Registrations are kept in this JSON file (in memory only when not given).
    #[arg(long, env = "HRD_SANDBOX_STATE", global = true)]
    state: Option<PathBuf>,
    /// Pretend it is this Unix time, standing still (demos and recordings).
    #[arg(long, global = true, conflicts_with = "offset_seconds")]
    fixed_unix: Option<i64>,
    /// Run the clock this many seconds ahead of (or behind, if negative) the machine's.
    #[arg(long, global = true, allow_negative_numbers = true)]
    offset_seconds: Option<i64>,
    #[command(subcommand)]
    command: Option<Command>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on.
    #[arg(long, default_value_t = 8090)]
    port: u16,
    /// WE005 after this many calls by one USRID per minute.
    #[arg(long, default_value_t = 60)]
    per_user_per_minute: u32,
    /// WE005 after this many calls by one AGTID per minute.
    #[arg(long, default_value_t = 6000)]
    per_agtid_per_minute: u32,
}

#[derive(Subcommand)]
enum Command {
    /// Register the app on a new virtual phone; prints the device id.
    Register {
        #[arg(long)]
        name: String,
        #[arg(long)]
        tel: String,
        /// The 4-digit app password.
        #[arg(long)]
        pin: String,
    },
    /// Print what a virtual phone shows now (or at --at) when --pin is typed as the app password.
    Code {
        #[arg(long)]
        device_id: String,
        #[arg(long)]
        pin: String,
        /// Unix time to show the code for.
        #[arg(long)]
        at: Option<i64>,
    },
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = Cli::parse();
    let clock = Arc::new(AdjustableClock::new(Arc::new(SystemClock)));
    if let Some(fixed) = cli.fixed_unix {
        clock.set_fixed(fixed);
    } else if let Some(offset) = cli.offset_seconds {
        clock.set_offset(offset);
    }
    let config = SandboxConfig {
        state_file: cli.state.clone(),
        per_user_per_minute: cli.per_user_per_minute,
        per_agtid_per_minute: cli.per_agtid_per_minute,
        ..SandboxConfig::default()
    };
    let needs_state = cli.command.is_some() && cli.state.is_none();
    if needs_state {
        return Err("register and code work on a state file: pass --state FILE".into());
    }
    let sandbox = Sandbox::new(config, clock)?;
    match cli.command {
        Some(Command::Register { name, tel, pin }) => {
            match sandbox.register_device(&name, &tel, &pin) {
                Ok(id) => println!("{id}"),
                Err(e) => return Err(format!("registration refused: {e:?}").into()),
            }
        }
        Some(Command::Code { device_id, pin, at }) => {
            match sandbox.device_code(&device_id, &pin, at) {
                Some(code) => println!("{code}"),
                None => return Err(format!("no device {device_id}").into()),
            }
        }
        None => {
            let addr = format!("{}:{}", cli.host, cli.port);
            let listener = tokio::net::TcpListener::bind(&addr).await?;
            tracing::info!(
                "hrd-sandbox listening on http://{0} (NICE emulator at http://{0}/nice)",
                listener.local_addr()?
            );
            axum::serve(listener, standalone_router(sandbox))
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
        }
    }
    Ok(())
}
