//! The baselines `motp-server` is measured beside: Debian's nginx proxying to the sandbox (the
//! floor of one HTTP hop) and Debian's php-fpm behind that nginx running `bench/peers/otp_check.php`
//! (what an LMS runs today). Each is started by the bench in the foreground, with a config it
//! writes into a temporary folder, on a free loopback port, and ended when it is dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A process the bench started, killed (with its children: nginx's and php-fpm's workers) on drop.
pub struct Started {
    child: Child,
}

impl Started {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        // SIGTERM to the master alone: both masters stop their own workers.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// nginx on `port` proxying `/api/` to the sandbox at `hrd` (kept-alive connections, as a
/// production proxy has) and `/peer/` to the PHP peer's php-fpm socket.
pub fn nginx(dir: &Path, port: u16, hrd: &str, fpm_socket: &Path) -> Result<Started, BoxError> {
    let conf = dir.join("nginx.conf");
    let hrd = hrd.trim_start_matches("http://");
    // As root the workers run as nobody, like a packaged nginx's; the bench's temp folders are
    // world-readable for that.
    let user = if is_root() {
        "user nobody nogroup;"
    } else {
        ""
    };
    let d = dir.display();
    std::fs::write(
        &conf,
        format!(
            "{user}
worker_processes 2;
daemon off;
pid {d}/nginx.pid;
error_log {d}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {d}/client_body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  keepalive_requests 100000;
  upstream sandbox {{ server {hrd}; keepalive 128; }}
  server {{
    listen 127.0.0.1:{port};
    location /api/ {{
      proxy_pass http://sandbox;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
    }}
    location = /peer/otp_check.php {{
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME {peer};
      fastcgi_pass unix:{sock};
    }}
  }}
}}
",
            peer = peer_script()?.display(),
            sock = fpm_socket.display(),
        ),
    )?;
    let child = Command::new(find_binary(&["/usr/sbin/nginx"])?)
        .args(["-p", &d.to_string(), "-c"])
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let started = Started { child };
    wait_for_port(port)?;
    Ok(started)
}

/// php-fpm serving the PHP peer on a Unix socket in `dir`, with `children` workers (static: as
/// many as the load's concurrency, so the pool is not what queues), logging to SQLite in `dir`.
pub fn php_fpm(dir: &Path, hrd: &str, children: usize) -> Result<(Started, PathBuf), BoxError> {
    let socket = dir.join("php-fpm.sock");
    let log_db = dir.join("peer-log.db");
    // The log table, made by php-cli with the same PDO SQLite (WAL is a property of the file).
    let status = Command::new("php")
        .args([
            "-r",
            "$db = new PDO('sqlite:' . $argv[1]); $db->exec(file_get_contents($argv[2]));",
        ])
        .arg(&log_db)
        .arg(peer_script()?.with_file_name("schema.sql"))
        .status()?;
    if !status.success() {
        return Err("php-cli could not create the PHP peer's log (php-sqlite3 installed?)".into());
    }
    let user = if is_root() {
        "user = nobody\ngroup = nogroup\n"
    } else {
        ""
    };
    if is_root() {
        // nobody writes the log database and its WAL beside it.
        Command::new("chown")
            .args(["-R", "nobody:nogroup"])
            .arg(dir)
            .status()?;
    }
    let conf = dir.join("php-fpm.conf");
    std::fs::write(
        &conf,
        format!(
            "[global]
pid = {d}/php-fpm.pid
error_log = {d}/php-fpm.log
daemonize = no
[peer]
{user}listen = {sock}
listen.mode = 0666
pm = static
pm.max_children = {children}
env[HRD_URL] = {hrd}
env[AGTID] = BENCH01
env[LOG_DB] = {db}
",
            d = dir.display(),
            sock = socket.display(),
            db = log_db.display(),
        ),
    )?;
    let fpm = find_binary(&glob_php_fpm())?;
    let child = Command::new(fpm)
        .arg("--nodaemonize")
        .arg("--fpm-config")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let started = Started { child };
    let deadline = Instant::now() + Duration::from_secs(10);
    while !socket.exists() {
        if Instant::now() > deadline {
            return Err(
                format!("php-fpm did not start (see {}/php-fpm.log)", dir.display()).into(),
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok((started, socket))
}

/// `pid` and its direct children (the workers of nginx and php-fpm).
pub fn with_children(pid: u32) -> Vec<u32> {
    let mut pids = vec![pid];
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Some(child) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            let parent = std::fs::read_to_string(format!("/proc/{child}/stat"))
                .ok()
                .and_then(|s| {
                    let rest = s[s.rfind(')')? + 2..].to_string();
                    rest.split_whitespace().nth(1)?.parse::<u32>().ok()
                });
            if parent == Some(pid) {
                pids.push(child);
            }
        }
    }
    pids
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

fn peer_script() -> Result<PathBuf, BoxError> {
    let path = std::fs::canonicalize("bench/peers/otp_check.php")
        .map_err(|e| format!("bench/peers/otp_check.php: {e} (run from the repository root)"))?;
    Ok(path)
}

fn glob_php_fpm() -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir("/usr/sbin")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|n| n.starts_with("php-fpm"))
                .map(|n| format!("/usr/sbin/{n}"))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

fn find_binary(candidates: &[impl AsRef<str>]) -> Result<String, BoxError> {
    candidates
        .iter()
        .map(|c| c.as_ref().to_string())
        .find(|c| Path::new(c).exists())
        .ok_or_else(|| "nginx or php-fpm not installed: `bash scripts/bootstrap.sh --bench`".into())
}

fn wait_for_port(port: u16) -> Result<(), BoxError> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return Err(format!("nginx did not listen on {port}").into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}
