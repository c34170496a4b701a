//! The keys that sign receipts: Ed25519 (EdDSA), the gateway's alone. The LMS verifies receipts
//! with the public keys of `GET /.well-known/jwks.json`, never with a secret it shares with us, so
//! nothing an LMS holds (nor a launch token signed with its secret) can pass for a receipt.
//!
//! The keys live in the store, so every instance of a deployment signs with the same newest key and
//! publishes the same set. `motp-server keys rotate` adds a key, published at once and signing
//! [`PUBLISH_AHEAD_SECS`] later (so an LMS caching the key set for that long already has it);
//! instances pick it up within [`RELOAD_SECS`]; a previous key stays published until the last
//! receipt it may have signed has expired.

use super::error::{Error, Result};
use super::jwt::RECEIPT_LIFETIME_SECS;
use super::Gateway;
use crate::model::ReceiptKeyRecord;
use crate::store::Store;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::signature::{Ed25519KeyPair, KeyPair};
use std::sync::{Arc, RwLock};

/// How long an instance signs with the keys it loaded before it looks for a newer one.
pub const RELOAD_SECS: i64 = 60;
/// How long a new key is published before it signs; also how long LMSs may cache the key set.
pub const PUBLISH_AHEAD_SECS: i64 = 60;

/// One receipt key, ready to sign (its PKCS#8) and to publish (its `x`).
#[derive(Clone)]
pub struct ReceiptKey {
    pub kid: String,
    pub created_at: i64,
    /// PKCS#8 DER.
    pub pkcs8: Vec<u8>,
    /// The raw public key, base64url (the JWK's `x`).
    pub x: String,
}

// Hand-written so a private key never reaches a log.
impl std::fmt::Debug for ReceiptKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiptKey")
            .field("kid", &self.kid)
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// The keys an instance loaded, and when.
#[derive(Default)]
pub struct ReceiptKeys {
    loaded: RwLock<Option<(i64, Arc<Vec<ReceiptKey>>)>>,
}

impl ReceiptKeys {
    /// The keys, oldest first, loaded again when older than [`RELOAD_SECS`].
    async fn all(&self, store: &Store, now: i64) -> Result<Arc<Vec<ReceiptKey>>> {
        if let Some((at, keys)) = self.loaded.read().expect("keys lock").as_ref() {
            if now - at < RELOAD_SECS && now >= *at {
                return Ok(keys.clone());
            }
        }
        let keys = Arc::new(
            store
                .receipt_keys()
                .await?
                .into_iter()
                .map(ReceiptKey::try_from)
                .collect::<Result<Vec<_>>>()?,
        );
        *self.loaded.write().expect("keys lock") = Some((now, keys.clone()));
        Ok(keys)
    }
}

impl TryFrom<ReceiptKeyRecord> for ReceiptKey {
    type Error = Error;
    fn try_from(r: ReceiptKeyRecord) -> Result<ReceiptKey> {
        let pkcs8 = STANDARD
            .decode(&r.private_key)
            .map_err(|_| Error::Internal(format!("receipt key {}: not base64", r.kid)))?;
        Ok(ReceiptKey {
            kid: r.kid,
            created_at: r.created_at,
            pkcs8,
            x: r.public_key,
        })
    }
}

/// The key that signs receipts now: the newest one published for [`PUBLISH_AHEAD_SECS`] (the
/// first key of a deployment signs at once).
pub fn signing(keys: &[ReceiptKey], now: i64) -> Option<&ReceiptKey> {
    keys.iter()
        .rev()
        .find(|k| k.created_at + PUBLISH_AHEAD_SECS <= now)
        .or(keys.first())
}

/// [`signing`], from the keys this instance has loaded.
pub async fn signing_key(gw: &Gateway) -> Result<ReceiptKey> {
    let now = gw.now();
    let keys = gw.receipt_keys.all(&gw.store, now).await?;
    signing(&keys, now)
        .cloned()
        .ok_or_else(|| Error::Internal("no receipt key: the server makes one at start-up".into()))
}

/// The keys a receipt still in its lifetime may have been signed with: every key from the one
/// signing now on, and each older one until its successor has signed for a receipt's lifetime
/// (and every instance has noticed it).
pub fn in_use(keys: &[ReceiptKey], now: i64) -> Vec<ReceiptKey> {
    let window = PUBLISH_AHEAD_SECS + RELOAD_SECS + RECEIPT_LIFETIME_SECS;
    keys.iter()
        .enumerate()
        .filter(|(i, _)| match keys.get(i + 1) {
            None => true,
            Some(next) => now <= next.created_at + window,
        })
        .map(|(_, k)| k.clone())
        .collect()
}

/// The keys `GET /.well-known/jwks.json` publishes (see [`in_use`]).
pub async fn published(gw: &Gateway) -> Result<Vec<ReceiptKey>> {
    let now = gw.now();
    Ok(in_use(&gw.receipt_keys.all(&gw.store, now).await?, now))
}

/// The JWK Set of `keys`, as LMS JWT libraries read it.
pub fn jwks(keys: &[ReceiptKey]) -> serde_json::Value {
    let keys: Vec<_> = keys
        .iter()
        .map(|k| {
            serde_json::json!({
                "kty": "OKP", "crv": "Ed25519", "x": k.x,
                "kid": k.kid, "alg": "EdDSA", "use": "sig",
            })
        })
        .collect();
    serde_json::json!({ "keys": keys })
}

/// A new key record (not stored yet).
fn generate(now: i64) -> Result<ReceiptKeyRecord> {
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng)
        .map_err(|_| Error::Internal("cannot generate an Ed25519 key".into()))?;
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref())
        .map_err(|_| Error::Internal("cannot read the new Ed25519 key".into()))?;
    Ok(ReceiptKeyRecord {
        kid: super::jwt::random_id()[..16].to_string(),
        private_key: STANDARD.encode(pkcs8.as_ref()),
        public_key: URL_SAFE_NO_PAD.encode(pair.public_key().as_ref()),
        created_at: now,
    })
}

/// At start-up: a first key if the store has none.
pub async fn ensure(store: &Store, now: i64) -> Result<()> {
    if store.receipt_keys().await?.is_empty() {
        store.add_receipt_key(&generate(now)?).await?;
    }
    Ok(())
}

/// `motp-server keys rotate`: a new key signs from now on (every instance within
/// [`RELOAD_SECS`]); keys no receipt can need any more are dropped. Returns the new key's id.
pub async fn rotate(store: &Store, now: i64) -> Result<String> {
    // Strictly after every existing key, even within the same second: "newest" must not depend on
    // the order of two random key ids.
    let newest = store.receipt_keys().await?.last().map(|k| k.created_at);
    let created_at = newest.map_or(now, |t| now.max(t + 1));
    let key = generate(created_at)?;
    store.add_receipt_key(&key).await?;
    let all = store
        .receipt_keys()
        .await?
        .into_iter()
        .map(ReceiptKey::try_from)
        .collect::<Result<Vec<_>>>()?;
    let kept: Vec<String> = in_use(&all, now).into_iter().map(|k| k.kid).collect();
    let stale: Vec<String> = all
        .into_iter()
        .map(|k| k.kid)
        .filter(|kid| !kept.contains(kid))
        .collect();
    store.drop_receipt_keys(&stale).await?;
    Ok(key.kid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kid: &str, created_at: i64) -> ReceiptKey {
        ReceiptKey {
            kid: kid.into(),
            created_at,
            pkcs8: vec![],
            x: String::new(),
        }
    }

    #[test]
    fn a_previous_key_stays_published_until_its_last_receipt_expired() {
        let keys = [key("old", 0), key("new", 1_000)];
        let kids = |now| -> Vec<String> { in_use(&keys, now).into_iter().map(|k| k.kid).collect() };
        assert_eq!(kids(1_000), ["old", "new"]);
        // The new key signs from 1,060; an instance that had not noticed yet signs with the old one
        // until 1,120, and that receipt is valid until 1,720.
        let last = 1_000 + PUBLISH_AHEAD_SECS + RELOAD_SECS + RECEIPT_LIFETIME_SECS;
        assert_eq!(kids(last), ["old", "new"]);
        assert_eq!(kids(last + 1), ["new"]);
    }

    #[test]
    fn a_new_key_signs_once_it_has_been_published_for_a_while() {
        let keys = [key("old", 0), key("new", 1_000)];
        let signer = |now| signing(&keys, now).unwrap().kid.clone();
        assert_eq!(signer(1_000), "old");
        assert_eq!(signer(1_000 + PUBLISH_AHEAD_SECS), "new");
        assert_eq!(signing(&[key("first", 5)], 5).unwrap().kid, "first");
    }

    #[test]
    fn generated_keys_sign_and_their_jwk_verifies() {
        let record = generate(0).unwrap();
        let key = ReceiptKey::try_from(record).unwrap();
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
        header.kid = Some(key.kid.clone());
        let token = jsonwebtoken::encode(
            &header,
            &serde_json::json!({ "sub": "u", "exp": 10 }),
            &jsonwebtoken::EncodingKey::from_ed_der(&key.pkcs8),
        )
        .unwrap();
        let jwk = &jwks(std::slice::from_ref(&key))["keys"][0];
        assert_eq!(jwk["kid"], key.kid.as_str());
        let decoding =
            jsonwebtoken::DecodingKey::from_ed_components(jwk["x"].as_str().unwrap()).unwrap();
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
        v.validate_exp = false;
        assert!(jsonwebtoken::decode::<serde_json::Value>(&token, &decoding, &v).is_ok());
    }
}
