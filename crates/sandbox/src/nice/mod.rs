//! An offline emulator of NICE 본인확인 (통합형), per `../shared/spec/nice-identity.md` §13: the
//! access-token and crypto-token endpoints ([`api`]), the standard window where a person (or a
//! queued outcome) completes the check ([`window`], [`pages`]), the sealed result delivered to the
//! caller's `returnurl`, and a control API for tests ([`control`]). Every byte of crypto and JSON
//! goes through `nice-identity`, the crate the gateway's client uses too.
//!
//! It reads time from the HRD sandbox's clock, so `/sandbox/clock` moves crypto-token expiry and
//! request timestamps' skew as well. It never resolves or contacts any host: it only answers.

mod api;
mod control;
mod deliver;
mod pages;
mod window;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use motp_protocol::clock::{AdjustableClock, Clock};
use nice_identity::{Keys, Request, PRODUCT_ID};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

pub use control::{Knobs, QueuedOutcome};

/// How long a crypto token of a default emulator lives (NICE's fixture says 3600).
pub const DEFAULT_CRYPTO_PERIOD: i64 = 3600;
/// What a default emulator's E1 says an access token has left (about 50 years, as NICE's).
pub const DEFAULT_ACCESS_EXPIRES_IN: i64 = 1_576_800_000;
/// NICE refuses a request whose Authorization timestamp is this far from its clock (1800).
pub const MAX_TIMESTAMP_SKEW: u64 = 180;
/// Open standard windows kept at most; the oldest go first (each is a person mid-check).
const MAX_WINDOWS: usize = 10_000;

/// One emulated institution's contract with NICE (§13.1).
#[derive(Debug, Clone)]
pub struct NiceConfig {
    pub client_id: String,
    pub client_secret: String,
    pub product_id: String,
    /// What E3 answers as `site_code`, and what requests must carry as `sitecode`.
    pub site_code: String,
    /// Seconds a crypto token may be used for (E3's `period`).
    pub crypto_period: i64,
    /// E1's `expires_in` for a fresh access token.
    pub access_expires_in: i64,
    /// E3 answers 1702 to other peers when set (needs the server's connect info to know the peer).
    pub allowed_ips: Option<Vec<IpAddr>>,
    /// An access token valid from the start, as if issued once and kept in the institution's
    /// config (NICE's advice; the gateway's `nice_access_token_env`). E1 then answers it too.
    pub access_token: Option<String>,
}

impl Default for NiceConfig {
    fn default() -> Self {
        NiceConfig {
            client_id: "sandbox-nice-client".into(),
            client_secret: "sandbox-nice-secret".into(),
            product_id: PRODUCT_ID.into(),
            site_code: "SBX01".into(),
            crypto_period: DEFAULT_CRYPTO_PERIOD,
            access_expires_in: DEFAULT_ACCESS_EXPIRES_IN,
            allowed_ips: None,
            access_token: None,
        }
    }
}

/// A crypto token as E3 issued it: what the keys derive from, and the requestnos already used.
struct CryptoTokenRecord {
    req_dtim: String,
    req_no: String,
    token_val: String,
    site_code: String,
    issued_at: i64,
    period: i64,
    used_requestnos: HashSet<String>,
}

impl CryptoTokenRecord {
    fn keys(&self) -> Keys {
        Keys::derive(&self.req_dtim, &self.req_no, &self.token_val)
    }

    fn expired(&self, now: i64) -> bool {
        now > self.issued_at + self.period
    }
}

/// How a result went to `returnurl` (§8.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryMethod {
    /// A 302 redirect with the three fields in the query string.
    Get,
    /// An auto-submitting form.
    Post,
}

/// One result sent to a `returnurl`, as tests read it back from `GET /sandbox/deliveries`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Delivery {
    pub seq: u64,
    pub delivered_unix: i64,
    pub returnurl: String,
    pub method: DeliveryMethod,
    pub requestno: String,
    pub resultcode: String,
    pub responseno: Option<String>,
    /// The three fields as sent (`integrity_value` tampered with when that knob was set).
    pub token_version_id: String,
    pub enc_data: String,
    pub integrity_value: String,
    /// The knobs this delivery went out with.
    pub knobs: Knobs,
    /// Sent again by `/sandbox/replay-last`.
    pub replay: bool,
}

/// What happens next in an open window: the person identifies themselves, then types the code.
enum Stage {
    Identify,
    CodeSent { code: String, wrong: u8 },
}

/// A person mid-check in the standard window, keyed by an opaque id carried in its forms.
struct WindowSession {
    token_version_id: String,
    request: Request,
    stage: Stage,
    person: window::Person,
    opened_at: i64,
}

/// What a queued outcome turns the next standard-window request into.
#[derive(Debug, Clone)]
enum Scripted {
    Deliver(Box<QueuedOutcome>),
    /// The person closes the window: nothing is delivered.
    Close,
}

#[derive(Default)]
struct State {
    /// The one access token (E1 answers the same until E2 revokes it), with its issue time.
    access: Option<(String, i64)>,
    crypto: HashMap<String, CryptoTokenRecord>,
    windows: HashMap<String, WindowSession>,
    queue: VecDeque<Scripted>,
    knobs: Knobs,
    deliveries: Vec<Delivery>,
}

/// The running emulator: shared by its handlers and by whoever embeds it (the HRD sandbox).
pub struct NiceEmulator {
    pub config: NiceConfig,
    clock: Arc<AdjustableClock>,
    state: Mutex<State>,
}

impl NiceEmulator {
    pub fn new(config: NiceConfig, clock: Arc<AdjustableClock>) -> Arc<NiceEmulator> {
        let state = State {
            access: config
                .access_token
                .clone()
                .map(|token| (token, clock.now_unix())),
            ..State::default()
        };
        Arc::new(NiceEmulator {
            config,
            clock,
            state: Mutex::new(state),
        })
    }

    pub fn now(&self) -> i64 {
        self.clock.now_unix()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("nice emulator lock")
    }

    /// Queues the outcome of the next standard-window request: it then delivers at once.
    pub fn queue_outcome(&self, outcome: QueuedOutcome) {
        self.state()
            .queue
            .push_back(Scripted::Deliver(Box::new(outcome)));
    }

    /// The next standard-window request behaves as if the person closed the window.
    pub fn queue_close(&self) {
        self.state().queue.push_back(Scripted::Close);
    }

    /// Sets the knobs the next delivery goes out with (they apply once, then reset).
    pub fn set_knobs(&self, knobs: Knobs) {
        self.state().knobs = knobs;
    }

    pub fn knobs(&self) -> Knobs {
        self.state().knobs.clone()
    }

    /// Every crypto token issued so far expires now (as if its period had run out).
    pub fn expire_crypto_tokens(&self) {
        let now = self.now();
        for t in self.state().crypto.values_mut() {
            t.period = t.period.min(now - t.issued_at - 1);
        }
    }

    /// What was delivered, oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.state().deliveries.clone()
    }
}

/// A Unix time in Korea time as `YYYYMMDDHHMMSS` (`kst::format_compact`, re-exported for tests).
pub use motp_protocol::kst::format_compact as compact_kst;

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("the OS provides randomness");
    b
}

fn random_base64(len_bytes: usize) -> String {
    let mut b = vec![0u8; len_bytes];
    getrandom::fill(&mut b).expect("the OS provides randomness");
    BASE64.encode(b)
}

/// Random characters from `alphabet`.
fn random_from(alphabet: &[u8], n: usize) -> String {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).expect("the OS provides randomness");
    bytes
        .iter()
        .map(|b| alphabet[*b as usize % alphabet.len()] as char)
        .collect()
}

const DIGITS: &[u8] = b"0123456789";
const UPPER_HEX: &[u8] = b"0123456789ABCDEF";
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const UPPER_ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// §13.2: `YYYYMMDDHHMMSS` + 2 alnum + `-NC` + letter + `ACC` + 3 digits + `-` + 5 hex + `-` +
/// 10 hex, the 43-character shape seen in NICE's answers.
fn token_version_id(now: i64) -> String {
    format!(
        "{}{}-NC{}ACC{}-{}-{}",
        compact_kst(now),
        random_from(UPPER_ALNUM, 2),
        random_from(UPPER, 1),
        random_from(DIGITS, 3),
        random_from(UPPER_HEX, 5),
        random_from(UPPER_HEX, 10)
    )
}

/// A random UUID v4 (the shape of NICE's access tokens).
fn uuid_v4() -> String {
    let mut b: [u8; 16] = random_bytes();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// `responseno`: 2 uppercase letters and 22 digits, like the legacy RES_SEQ (§13.3 step 6).
fn responseno(now: i64) -> String {
    format!("MC{}{}", compact_kst(now), random_from(DIGITS, 8))
}

/// Everything the emulator answers, under NICE's own paths and `/sandbox/…` for tests. The gateway
/// nests it at `/nice` in sandbox mode; the standalone `hrd-sandbox` binary does too.
pub fn nice_router(emulator: Arc<NiceEmulator>) -> Router {
    Router::new()
        .merge(api::routes())
        .merge(window::routes())
        .nest("/sandbox", control::routes())
        .layer(DefaultBodyLimit::max(crate::MAX_BODY_BYTES))
        .with_state(emulator)
}

/// The control API alone, for mounting where the issue names it too (`/sandbox/nice/…`).
pub fn nice_control_router(emulator: Arc<NiceEmulator>) -> Router {
    control::routes()
        .layer(DefaultBodyLimit::max(crate::MAX_BODY_BYTES))
        .with_state(emulator)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_have_nice_shapes() {
        let t = 1_795_773_600; // 2026-11-27 19:00:00 KST
        let id = token_version_id(t);
        assert_eq!(id.len(), 43, "{id}");
        assert!(id.starts_with("20261127190000"), "{id}");
        assert_eq!(&id[16..19], "-NC");
        assert_eq!(&id[20..23], "ACC");
        let r = responseno(t);
        assert_eq!(r.len(), 24);
        assert!(r[..2].bytes().all(|b| b.is_ascii_uppercase()));
        assert!(r[2..].bytes().all(|b| b.is_ascii_digit()));
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_eq!(BASE64.decode(random_base64(32)).unwrap().len(), 32);
    }

    #[test]
    fn expiry_follows_the_clock() {
        let clock = AdjustableClock::fixed(1_795_773_600);
        let emu = NiceEmulator::new(NiceConfig::default(), clock.clone());
        let record = CryptoTokenRecord {
            req_dtim: String::new(),
            req_no: String::new(),
            token_val: String::new(),
            site_code: String::new(),
            issued_at: emu.now(),
            period: 3600,
            used_requestnos: HashSet::new(),
        };
        assert!(!record.expired(emu.now() + 3600));
        assert!(record.expired(emu.now() + 3601));
        emu.state().crypto.insert("t".into(), record);
        emu.expire_crypto_tokens();
        assert!(emu.state().crypto["t"].expired(emu.now()));
        clock.advance(-10);
        assert!(!emu.state().crypto["t"].expired(emu.now()));
    }
}
