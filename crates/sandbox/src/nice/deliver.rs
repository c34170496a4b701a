//! §13.3 steps 6–7: the result sealed with the crypto token's keys (EUC-KR JSON, through
//! `nice-identity`) and sent to `returnurl` by redirect or auto-submitting form, as the knobs say.

use super::pages;
use super::window::{Person, WindowError};
use super::{responseno, Delivery, DeliveryMethod, Knobs, NiceEmulator};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use nice_identity::{Keys, Outcome, Request, Sealed};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha384, Sha512};

/// RFC 3986 unreserved characters stay; everything else in a query value is percent-encoded.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// §13.3 steps 6–7: the result sealed with the same token's keys and sent to `returnurl`, with
/// the knobs set for this delivery.
pub(super) fn deliver(
    emu: &NiceEmulator,
    token_version_id: &str,
    request: &Request,
    resultcode: &str,
    person: &Person,
) -> Response {
    let now = emu.now();
    let mut state = emu.state();
    let Some(token) = state.crypto.get(token_version_id) else {
        return pages::error(WindowError::UnknownToken);
    };
    let (keys, site_code) = (token.keys(), token.site_code.clone());
    let knobs = std::mem::take(&mut state.knobs);
    let identified = resultcode == "0000";
    let mut outcome = Outcome {
        resultcode: resultcode.into(),
        requestno: request.requestno.clone(),
        enctime: super::compact_kst(now),
        sitecode: site_code.clone(),
        responseno: (identified || !knobs.omit_responseno_on_failure).then(|| responseno(now)),
        authtype: "M".into(),
        receivedata: request.receivedata.clone(),
        ..Outcome::default()
    };
    // A failed check says who was asked about no more than NICE would: nothing.
    if identified {
        let who = format!("{}|{}|{}", person.name, person.birthdate, person.gender);
        outcome.name = person.name.clone();
        outcome.utf8_name = utf8_percent_encode(&person.name, NON_ALPHANUMERIC).to_string();
        outcome.birthdate = person.birthdate.clone();
        outcome.gender = person.gender.clone();
        outcome.nationalinfo = person.nationalinfo.clone();
        outcome.mobileco = person.mobileco.clone();
        outcome.mobileno = person.mobileno.clone();
        // Stand-ins of the right length: CI per person, DI per person and site.
        outcome.ci = BASE64.encode(Sha512::digest(format!("ci|{who}")));
        outcome.di = BASE64.encode(Sha384::digest(format!("di|{site_code}|{who}")));
    }
    let sealed = seal_result(&keys, &outcome, &knobs);
    let asked_get = request
        .methodtype
        .as_deref()
        .is_some_and(|m| m.eq_ignore_ascii_case("get"));
    let delivery = Delivery {
        seq: state.deliveries.len() as u64 + 1,
        delivered_unix: now,
        returnurl: request.returnurl.clone(),
        // POST when methodtype is absent (§16 unknown 2: the legacy default).
        method: if asked_get || knobs.force_get {
            DeliveryMethod::Get
        } else {
            DeliveryMethod::Post
        },
        requestno: request.requestno.clone(),
        resultcode: resultcode.into(),
        responseno: outcome.responseno.clone(),
        token_version_id: token_version_id.into(),
        enc_data: sealed.enc_data,
        integrity_value: sealed.integrity_value,
        knobs,
        replay: false,
    };
    state.deliveries.push(delivery.clone());
    drop(state);
    delivery_response(&delivery)
}

/// The result as NICE seals it (EUC-KR JSON, the token's keys), or as the knobs spoil it.
pub(super) fn seal_result(keys: &Keys, outcome: &Outcome, knobs: &Knobs) -> Sealed {
    let bytes = if knobs.mobile_co_spelling {
        let json = serde_json::to_string(outcome).expect("plain JSON");
        let json = json
            .replacen("\"mobileco\":", "\"mobile_co\":", 1)
            .replacen("\"mobileno\":", "\"mobile_no\":", 1);
        match knobs.utf8_result {
            true => json.into_bytes(),
            false => encoding_rs::EUC_KR.encode(&json).0.into_owned(),
        }
    } else if knobs.utf8_result {
        serde_json::to_vec(outcome).expect("plain JSON")
    } else {
        outcome.to_wire()
    };
    let mut sealed = keys.seal(&bytes);
    if knobs.tamper_integrity {
        let flipped = if sealed.integrity_value.starts_with('A') {
            'B'
        } else {
            'A'
        };
        sealed
            .integrity_value
            .replace_range(..1, &flipped.to_string());
    }
    sealed
}

/// The browser's way to `returnurl`: a 302 for GET, an auto-submitting form for POST.
pub(super) fn delivery_response(d: &Delivery) -> Response {
    let fields = [
        ("token_version_id", d.token_version_id.as_str()),
        ("enc_data", d.enc_data.as_str()),
        ("integrity_value", d.integrity_value.as_str()),
    ];
    match d.method {
        DeliveryMethod::Post => pages::auto_post(&d.returnurl, &fields),
        DeliveryMethod::Get => {
            let query: Vec<String> = fields
                .iter()
                .map(|(k, v)| match d.knobs.raw_plus {
                    true => format!("{k}={v}"),
                    false => format!("{k}={}", utf8_percent_encode(v, QUERY_VALUE)),
                })
                .collect();
            let (base, fragment) = match d.returnurl.split_once('#') {
                Some((b, f)) => (b, format!("#{f}")),
                None => (d.returnurl.as_str(), String::new()),
            };
            let joiner = match base.contains('?') {
                true if base.ends_with(['?', '&']) => "",
                true => "&",
                false => "?",
            };
            let location = format!("{base}{joiner}{}{fragment}", query.join("&"));
            match HeaderValue::from_str(&location) {
                Ok(v) => (
                    StatusCode::FOUND,
                    [
                        (header::LOCATION, v),
                        (header::CACHE_CONTROL, "no-store".parse().expect("ASCII")),
                    ],
                )
                    .into_response(),
                Err(_) => pages::error(WindowError::BadReturnurl),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::window::validate;
    use super::super::{CryptoTokenRecord, NiceConfig};
    use super::*;
    use motp_protocol::clock::AdjustableClock;

    use nice_identity::vector::*;

    /// The emulator reads the vector's request and seals the vector's result byte for byte.
    #[test]
    fn the_emulator_reproduces_the_specs_vector() {
        let emu = NiceEmulator::new(NiceConfig::default(), AdjustableClock::fixed(1_706_560_000));
        emu.state().crypto.insert(
            "v".into(),
            CryptoTokenRecord {
                req_dtim: REQ_DTIM.into(),
                req_no: REQ_NO.into(),
                token_val: TOKEN_VAL.into(),
                site_code: "AB123".into(),
                issued_at: emu.now(),
                period: 3600,
                used_requestnos: Default::default(),
            },
        );
        let fields = [
            ("m", "service"),
            ("token_version_id", "v"),
            ("enc_data", ENC_DATA),
            ("integrity_value", INTEGRITY),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let (id, request) = validate(&emu, &fields).unwrap();
        assert_eq!(id, "v");
        assert_eq!(request.requestno, REQ_NO);
        assert_eq!(request.returnurl, "https://lms.example/nice/return");
        assert_eq!(request.methodtype.as_deref(), Some("post"));
        assert_eq!(request.receivedata.as_deref(), Some("x"));

        let outcome = nice_identity::vector::outcome();
        let keys = Keys::derive(REQ_DTIM, REQ_NO, TOKEN_VAL);
        let sealed = seal_result(&keys, &outcome, &Knobs::default());
        assert_eq!(sealed.enc_data, RES_ENC);
        assert_eq!(sealed.integrity_value, RES_INTEG);
        let tampered = Knobs {
            tamper_integrity: true,
            ..Knobs::default()
        };
        let spoilt = seal_result(&keys, &outcome, &tampered);
        assert_eq!(spoilt.enc_data, RES_ENC);
        assert_ne!(spoilt.integrity_value, RES_INTEG);
    }
}
