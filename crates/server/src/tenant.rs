//! Tenants: the institutions one deployment serves, each with its HRD id (AGTID), the LMS origins
//! allowed to embed the widget, and two credentials that each do one job: the signing secret (the
//! LMS signs launch tokens and attestations with it) and the API key (the LMS server's HTTP Basic
//! password for redeeming receipts and the admin endpoints). Receipts are signed by the gateway's
//! own keys, with neither.

pub use crate::model::ProviderKind;
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use subtle::ConstantTimeEq;

/// The demo tenant's signing secret. Public on purpose: it exists only in sandbox mode.
pub const SANDBOX_DEMO_SECRET: &str = "sandbox-demo-secret-not-for-production";
/// The demo tenant's API key. Public on purpose: it exists only in sandbox mode.
pub const SANDBOX_DEMO_API_KEY: &str = "sandbox-demo-api-key-not-for-production";
/// Sandbox mode's demo staff account for the console (`make demo`): public on purpose, created in
/// sandbox mode only, for the demo tenant.
pub const SANDBOX_DEMO_STAFF_LOGIN: &str = "demo-staff";
pub const SANDBOX_DEMO_STAFF_PASSWORD: &str = "sandbox-demo-staff-password";
/// What every credential of sandbox mode starts with, and no real one may: sandbox mode refuses
/// any other, so an institution's real secret never meets the emulator.
pub const SANDBOX_CREDENTIAL_PREFIX: &str = "sandbox-";

#[derive(Clone, Deserialize)]
pub struct Tenant {
    pub id: String,
    /// The institution's e-mon login id, sent to HRD as AGTID.
    pub agtid: String,
    /// LMS origins (`https://lms.example.ac.kr`) allowed to call the API from a browser.
    #[serde(default)]
    pub origins: Vec<String>,
    /// HMAC secret the LMS signs launch tokens and attestations with (never a password here). In
    /// the file, or in the environment variable named by `secret_env`.
    #[serde(default)]
    pub secret: String,
    #[serde(default)]
    pub secret_env: Option<String>,
    /// The LMS server's password (HTTP Basic `tenant_id:api_key`) for redeeming receipts and the
    /// admin endpoints; signs nothing. In the file, or in the variable named by `api_key_env`.
    #[serde(default)]
    pub api_key: String,
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// Whether the phone identity check may stand in for the code while HRD is down (대체인증).
    #[serde(default = "yes")]
    pub substitute_allowed: bool,
    /// Who runs the phone identity check that lifts a lock.
    #[serde(default)]
    pub identity_provider: ProviderKind,
    /// `lms-attested`: the LMS page that runs NICE/KCB/PASS; the popup opens it with `?state=…`.
    #[serde(default)]
    pub attest_url: Option<String>,
    /// e-mon's server-to-server API key (`X-TQIAPI-HEADER`). When set, substitute checks are logged
    /// through `phone_auth_hist` instead of the pAuthLog/pSubOtpLog pages. In the file, or in the
    /// environment variable named by `emon_api_key_env`.
    #[serde(default)]
    pub emon_api_key: String,
    #[serde(default)]
    pub emon_api_key_env: Option<String>,
    /// The institution's agent pk for `X-TQIAPI-USER`.
    #[serde(default)]
    pub emon_api_user: String,
    /// `nice`: the institution's own NICE 본인확인 (통합형) contract.
    #[serde(default, flatten)]
    pub nice: NiceSettings,
}

/// A tenant's NICE contract (`identity_provider = "nice"`): what NICE's API portal gives the
/// institution, and where NICE is (its production hosts unless a test or the demo says otherwise).
#[derive(Clone, Deserialize)]
pub struct NiceSettings {
    #[serde(default)]
    pub nice_client_id: String,
    /// In the file, or in the environment variable named by `nice_client_secret_env`.
    #[serde(default)]
    pub nice_client_secret: String,
    #[serde(default)]
    pub nice_client_secret_env: Option<String>,
    #[serde(default = "nice_product_id")]
    pub nice_product_id: String,
    /// A pre-issued access token (NICE's last about 50 years), in the environment variable this
    /// names; otherwise the gateway asks for one.
    #[serde(default)]
    pub nice_access_token_env: Option<String>,
    #[serde(skip)]
    pub nice_access_token: Option<String>,
    /// NICE's API (token endpoints).
    #[serde(default = "nice_api_url")]
    pub nice_api_url: String,
    /// NICE's standard window, where the trainee's browser is sent.
    #[serde(default = "nice_window_url")]
    pub nice_window_url: String,
}

fn nice_product_id() -> String {
    nice_identity::PRODUCT_ID.into()
}
fn nice_api_url() -> String {
    "https://svc.niceapi.co.kr:22001".into()
}
fn nice_window_url() -> String {
    "https://nice.checkplus.co.kr/CheckPlusSafeModel/service.cb".into()
}

impl Default for NiceSettings {
    fn default() -> Self {
        NiceSettings {
            nice_client_id: String::new(),
            nice_client_secret: String::new(),
            nice_client_secret_env: None,
            nice_product_id: nice_product_id(),
            nice_access_token_env: None,
            nice_access_token: None,
            nice_api_url: nice_api_url(),
            nice_window_url: nice_window_url(),
        }
    }
}

impl NiceSettings {
    /// Whether both NICE addresses are this machine's (the sandbox's emulator).
    pub fn is_loopback(&self) -> bool {
        [&self.nice_api_url, &self.nice_window_url]
            .iter()
            .all(|u| url::Url::parse(u).is_ok_and(|u| crate::urls::is_loopback(&u)))
    }
}

fn yes() -> bool {
    true
}

// Hand-written so a secret never reaches a log.
impl fmt::Debug for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tenant")
            .field("id", &self.id)
            .field("agtid", &self.agtid)
            .field("origins", &self.origins)
            .field("secret", &"<redacted>")
            .field("api_key", &"<redacted>")
            .field(
                "emon_api_key",
                &if self.emon_api_key.is_empty() {
                    ""
                } else {
                    "<redacted>"
                },
            )
            .finish()
    }
}

impl Tenant {
    /// Whether a browser at `origin` may call the API for this tenant.
    pub fn allows_origin(&self, origin: &str) -> bool {
        // Exact: a lookalike (`https://lms.example.evil.example`, `https://lms.example:443`, a
        // userinfo form) is another string; `null` is refused even from a misconfigured list.
        origin != "null" && self.origins.iter().any(|o| o == origin)
    }

    /// Whether both credentials are sandbox ones (see [`SANDBOX_CREDENTIAL_PREFIX`]).
    pub fn has_sandbox_credentials(&self) -> bool {
        self.secret.starts_with(SANDBOX_CREDENTIAL_PREFIX)
            && self.api_key.starts_with(SANDBOX_CREDENTIAL_PREFIX)
    }
}

#[derive(Deserialize)]
struct TenantFile {
    tenants: Vec<Tenant>,
}

/// The tenants, by id.
#[derive(Debug, Clone)]
pub struct Tenants(HashMap<String, Tenant>);

impl Tenants {
    pub fn new(list: Vec<Tenant>) -> Result<Tenants, String> {
        let mut map = HashMap::new();
        for t in list {
            if t.id.is_empty() || t.agtid.is_empty() {
                return Err("every tenant needs an id and an agtid".into());
            }
            if !t.agtid.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(format!("tenant {}: agtid must be letters and digits", t.id));
            }
            if t.secret.len() < 32 {
                return Err(format!("tenant {}: secret must be at least 32 bytes", t.id));
            }
            if t.api_key.len() < 32 {
                return Err(format!(
                    "tenant {}: api_key (or api_key_env) must be at least 32 bytes",
                    t.id
                ));
            }
            if t.api_key == t.secret {
                return Err(format!(
                    "tenant {}: api_key must differ from the signing secret (each does one job)",
                    t.id
                ));
            }
            for o in &t.origins {
                // Compared exactly with the `Origin` header, so written exactly as browsers send it.
                if o.ends_with('/') {
                    return Err(format!(
                        "tenant {}: origins are exact scheme://host[:port], without a trailing /",
                        t.id
                    ));
                }
                crate::urls::origin(o).map_err(|e| format!("tenant {}: origins: {e}", t.id))?;
            }
            if t.identity_provider == ProviderKind::LmsAttested {
                let url = t.attest_url.as_deref().unwrap_or("");
                crate::urls::upstream("attest_url", url).map_err(|e| {
                    format!(
                        "tenant {}: identity_provider lms-attested needs an https {e}",
                        t.id
                    )
                })?;
            }
            if t.identity_provider == ProviderKind::Nice {
                let n = &t.nice;
                if n.nice_client_id.is_empty() || n.nice_client_secret.is_empty() {
                    return Err(format!(
                        "tenant {}: identity_provider nice needs nice_client_id and nice_client_secret (or nice_client_secret_env)",
                        t.id
                    ));
                }
                for (what, url) in [
                    ("nice_api_url", &n.nice_api_url),
                    ("nice_window_url", &n.nice_window_url),
                ] {
                    crate::urls::upstream(what, url)
                        .map_err(|e| format!("tenant {}: {e}", t.id))?;
                }
            }
            if map.insert(t.id.clone(), t).is_some() {
                return Err("tenant ids must be unique".into());
            }
        }
        Ok(Tenants(map))
    }

    /// Reads the TOML file, taking each `secret_env` from the environment.
    pub fn load(path: &Path) -> Result<Tenants, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let file: TenantFile =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut list = file.tenants;
        for t in &mut list {
            if let Some(var) = &t.emon_api_key_env {
                t.emon_api_key = std::env::var(var).map_err(|_| {
                    format!("tenant {}: environment variable {var} is not set", t.id)
                })?;
            }
            if let Some(var) = &t.secret_env {
                t.secret = std::env::var(var).map_err(|_| {
                    format!("tenant {}: environment variable {var} is not set", t.id)
                })?;
            }
            if let Some(var) = &t.nice.nice_client_secret_env {
                t.nice.nice_client_secret = std::env::var(var).map_err(|_| {
                    format!("tenant {}: environment variable {var} is not set", t.id)
                })?;
            }
            if let Some(var) = &t.nice.nice_access_token_env {
                t.nice.nice_access_token = Some(std::env::var(var).map_err(|_| {
                    format!("tenant {}: environment variable {var} is not set", t.id)
                })?);
            }
            if let Some(var) = &t.api_key_env {
                t.api_key = std::env::var(var).map_err(|_| {
                    format!("tenant {}: environment variable {var} is not set", t.id)
                })?;
            }
        }
        Tenants::new(list)
    }

    /// The one demo tenant of sandbox mode, allowed from the demo page's own origin. Its phone
    /// identity check is NICE's, as emulated by the sandbox under `/nice` (its credentials are
    /// the emulator's public ones).
    pub fn sandbox_demo(listen: std::net::SocketAddr) -> Tenants {
        let port = listen.port();
        let nice = format!("http://127.0.0.1:{port}/nice");
        let emulator = hrd_sandbox::nice::NiceConfig::default();
        Tenants::new(vec![Tenant {
            id: "demo".into(),
            agtid: "DEMOAGT01".into(),
            origins: vec![
                format!("http://127.0.0.1:{port}"),
                format!("http://localhost:{port}"),
            ],
            secret: SANDBOX_DEMO_SECRET.into(),
            secret_env: None,
            api_key: SANDBOX_DEMO_API_KEY.into(),
            api_key_env: None,
            substitute_allowed: true,
            identity_provider: ProviderKind::Nice,
            attest_url: None,
            emon_api_key: String::new(),
            emon_api_key_env: None,
            emon_api_user: String::new(),
            nice: NiceSettings {
                nice_client_id: emulator.client_id,
                nice_client_secret: emulator.client_secret,
                nice_window_url: format!("{nice}{}", nice_identity::STANDARD_WINDOW_PATHS[0]),
                nice_api_url: nice,
                ..NiceSettings::default()
            },
        }])
        .expect("the demo tenant is valid")
    }

    pub fn get(&self, id: &str) -> Option<&Tenant> {
        self.0.get(id)
    }

    /// The tenant whose id and API key these are (an LMS server's HTTP Basic credentials). The
    /// signing secret is not a password: it never authenticates.
    pub fn authenticate(&self, id: &str, api_key: &str) -> Option<&Tenant> {
        let tenant = self.get(id);
        let expected = tenant.map_or("", |t| t.api_key.as_str());
        // Compared as SHA-256 digests with `subtle`: the time taken says nothing about the key,
        // not even its length (a comparison of the keys themselves would stop at a length
        // mismatch). An unknown tenant costs the same.
        let digest = |s: &str| ring::digest::digest(&ring::digest::SHA256, s.as_bytes());
        let same: bool = digest(expected)
            .as_ref()
            .ct_eq(digest(api_key).as_ref())
            .into();
        tenant.filter(|_| same && !expected.is_empty())
    }

    /// The only tenant, when there is exactly one.
    pub fn only(&self) -> Option<&Tenant> {
        (self.0.len() == 1)
            .then(|| self.0.values().next())
            .flatten()
    }

    pub fn all(&self) -> impl Iterator<Item = &Tenant> {
        self.0.values()
    }

    /// Whether any tenant allows `origin` (for CORS preflights, which carry no token).
    pub fn any_allows_origin(&self, origin: &str) -> bool {
        self.0.values().any(|t| t.allows_origin(origin))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant(origins: &[&str], secret: &str) -> Tenant {
        Tenant {
            id: "t".into(),
            agtid: "AGT1".into(),
            origins: origins.iter().map(|s| s.to_string()).collect(),
            secret: secret.into(),
            secret_env: None,
            api_key: "an-api-key-of-thirty-two-bytes-or-more".into(),
            api_key_env: None,
            substitute_allowed: true,
            identity_provider: ProviderKind::Sandbox,
            attest_url: None,
            emon_api_key: String::new(),
            emon_api_key_env: None,
            emon_api_user: String::new(),
            nice: NiceSettings::default(),
        }
    }

    #[test]
    fn wildcards_and_short_secrets_are_refused() {
        let long = "x".repeat(32);
        assert!(Tenants::new(vec![tenant(&["*"], &long)]).is_err());
        assert!(Tenants::new(vec![tenant(&["https://lms.example"], "short")]).is_err());
        assert!(Tenants::new(vec![tenant(&["https://lms.example"], &long)]).is_ok());
    }

    #[test]
    fn lms_attested_needs_an_https_attest_url() {
        let long = "x".repeat(32);
        let mut t = tenant(&["https://lms.example"], &long);
        t.identity_provider = ProviderKind::LmsAttested;
        assert!(Tenants::new(vec![t.clone()]).is_err());
        t.attest_url = Some("http://lms.example/id".into());
        assert!(Tenants::new(vec![t.clone()]).is_err());
        t.attest_url = Some("http://127.0.0.1.evil.example/id".into());
        assert!(Tenants::new(vec![t.clone()]).is_err());
        t.attest_url = Some("http://localhost.evil.example/id".into());
        assert!(Tenants::new(vec![t.clone()]).is_err());
        t.attest_url = Some("http://127.0.0.1:9000/id".into());
        assert!(Tenants::new(vec![t.clone()]).is_ok());
        t.attest_url = Some("https://lms.example/id".into());
        assert!(Tenants::new(vec![t]).is_ok());
    }

    #[test]
    fn origins_are_written_as_browsers_send_them_and_null_is_none() {
        let long = "x".repeat(32);
        for bad in [
            "null",
            "*",
            "https://lms.example/",
            "https://user@lms.example",
            "https://LMS.example",
            "https://lms.example:443",
            "https://lms.example/path",
        ] {
            assert!(Tenants::new(vec![tenant(&[bad], &long)]).is_err(), "{bad}");
        }
        let t = tenant(&["https://lms.example"], &long);
        for lookalike in [
            "null",
            "https://lms.example.evil.example",
            "https://lms.example:443",
            "https://user@lms.example",
            "https://LMS.EXAMPLE",
            "http://lms.example",
        ] {
            assert!(!t.allows_origin(lookalike), "{lookalike}");
        }
        assert!(t.allows_origin("https://lms.example"));
    }

    #[test]
    fn nice_needs_its_credentials_and_https() {
        let long = "x".repeat(32);
        let mut t = tenant(&["https://lms.example"], &long);
        t.identity_provider = ProviderKind::Nice;
        assert!(Tenants::new(vec![t.clone()]).is_err(), "no client id");
        t.nice.nice_client_id = "client".into();
        t.nice.nice_client_secret = "secret".into();
        assert!(Tenants::new(vec![t.clone()]).is_ok(), "NICE's own hosts");
        assert!(!t.nice.is_loopback());
        t.nice.nice_api_url = "http://svc.niceapi.example".into();
        assert!(
            Tenants::new(vec![t.clone()]).is_err(),
            "plain http elsewhere"
        );
        t.nice.nice_api_url = "http://127.0.0.1.evil.example/nice".into();
        assert!(
            Tenants::new(vec![t.clone()]).is_err(),
            "a lookalike of loopback"
        );
        t.nice.nice_api_url = "http://127.0.0.1:8080/nice".into();
        assert!(!t.nice.is_loopback(), "the window is still NICE's");
        t.nice.nice_window_url = "http://127.0.0.1:8080/nice/CheckPlusSafeModel/service.cb".into();
        assert!(Tenants::new(vec![t.clone()]).is_ok());
        assert!(t.nice.is_loopback());
    }

    #[test]
    fn nice_settings_read_from_toml_and_environment() {
        let text = r#"
[[tenants]]
id = "kosa"
agtid = "KOSA01"
origins = ["https://lms.kosa.example"]
secret = "a-signing-secret-of-thirty-two-bytes-long"
api_key = "an-api-key-of-thirty-two-bytes-or-more-x"
identity_provider = "nice"
nice_client_id = "kosa-client"
nice_client_secret_env = "MOTP_TEST_NICE_SECRET_KOSA"
"#;
        let dir = std::env::temp_dir().join(format!("motp-nice-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("tenants.toml");
        std::fs::write(&path, text).unwrap();
        assert!(
            Tenants::load(&path).is_err(),
            "the secret's variable is missing"
        );
        std::env::set_var("MOTP_TEST_NICE_SECRET_KOSA", "from-the-environment");
        let tenants = Tenants::load(&path).unwrap();
        let nice = &tenants.get("kosa").unwrap().nice;
        assert_eq!(nice.nice_client_secret, "from-the-environment");
        assert_eq!(nice.nice_product_id, "2101979031");
        assert_eq!(nice.nice_api_url, "https://svc.niceapi.co.kr:22001");
        assert!(!format!("{:?}", tenants.get("kosa").unwrap()).contains("from-the-environment"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_api_key_is_long_and_not_the_signing_secret() {
        let long = "x".repeat(32);
        let mut t = tenant(&["https://lms.example"], &long);
        t.api_key = "short".into();
        assert!(Tenants::new(vec![t.clone()]).is_err());
        t.api_key = long.clone();
        assert!(Tenants::new(vec![t]).is_err(), "the same as the secret");
    }

    #[test]
    fn only_the_api_key_authenticates() {
        let tenants = Tenants::sandbox_demo("127.0.0.1:8080".parse().unwrap());
        assert!(tenants.authenticate("demo", SANDBOX_DEMO_API_KEY).is_some());
        assert!(tenants.authenticate("demo", SANDBOX_DEMO_SECRET).is_none());
        let prefix = &SANDBOX_DEMO_API_KEY[..10];
        assert!(tenants.authenticate("demo", prefix).is_none());
        let longer = format!("{SANDBOX_DEMO_API_KEY}x");
        assert!(tenants.authenticate("demo", &longer).is_none());
        assert!(tenants.authenticate("demo", "").is_none());
        assert!(tenants.authenticate("", "").is_none());
        assert!(tenants
            .authenticate("other", SANDBOX_DEMO_API_KEY)
            .is_none());
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let t = tenant(&[], "super-secret-value-that-is-long-enough");
        assert!(!format!("{t:?}").contains("super-secret"));
    }

    #[test]
    fn toml_with_secret_from_environment() {
        let dir = std::env::temp_dir().join(format!("motp-tenant-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("tenants.toml");
        std::fs::write(
            &path,
            r#"
[[tenants]]
id = "kosa"
agtid = "KOSA01"
origins = ["https://lms.kosa.example"]
secret_env = "MOTP_TEST_TENANT_SECRET_KOSA"
api_key_env = "MOTP_TEST_TENANT_API_KEY_KOSA"
attest_url = "https://lms.kosa.example/motp/identity"
"#,
        )
        .unwrap();
        assert!(
            Tenants::load(&path).is_err(),
            "missing variable is an error"
        );
        std::env::set_var("MOTP_TEST_TENANT_SECRET_KOSA", "k".repeat(40));
        assert!(Tenants::load(&path).is_err(), "the API key is required too");
        std::env::set_var("MOTP_TEST_TENANT_API_KEY_KOSA", "a".repeat(40));
        let tenants = Tenants::load(&path).unwrap();
        let t = tenants.get("kosa").unwrap();
        assert!(t.allows_origin("https://lms.kosa.example"));
        assert!(!t.allows_origin("https://evil.example"));
        assert!(t.substitute_allowed);
        assert_eq!(t.identity_provider, ProviderKind::LmsAttested);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
