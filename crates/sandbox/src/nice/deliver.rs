//! §13.3 steps 6–7: the result sealed with the crypto token's keys (EUC-KR JSON, through
//! `nice-identity`) and sent to `returnurl` by redirect or auto-submitting form, as the knobs say.

use super::pages;
use super::window::{Person, WindowError};
use super::{responseno, Delivery, DeliveryMethod, NiceEmulator};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use nice_identity::{Outcome, Request};
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
    let bytes = if knobs.utf8_result {
        serde_json::to_vec(&outcome).expect("plain JSON")
    } else {
        outcome.to_wire()
    };
    let sealed = keys.seal(&bytes);
    let integrity_value = if knobs.tamper_integrity {
        let flipped = if sealed.integrity_value.starts_with('A') {
            "B"
        } else {
            "A"
        };
        format!("{flipped}{}", &sealed.integrity_value[1..])
    } else {
        sealed.integrity_value
    };
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
        integrity_value,
        knobs,
        replay: false,
    };
    state.deliveries.push(delivery.clone());
    drop(state);
    delivery_response(&delivery)
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
                Ok(v) => (StatusCode::FOUND, [(header::LOCATION, v)]).into_response(),
                Err(_) => pages::error(WindowError::BadReturnurl),
            }
        }
    }
}
