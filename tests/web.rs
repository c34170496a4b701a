//! The widget in headless Chromium (wasm-bindgen-test). The server is a test double in the page:
//! `window.fetch` answers from a table and records every call, so each test can assert both what the
//! trainee sees and what was (or was not) sent.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement, ShadowRoot};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export function install_fake_server(session, verify) {
  const calls = [];
  let held = null;
  window.__motpFake = { calls, verify };
  window.fetch = async (input, init) => {
    const request = new Request(input, init); // fetch(url, init) as the widget calls it, or fetch(request)
    const url = new URL(request.url);
    const body = request.method === "POST" ? await request.text() : "";
    calls.push({ path: url.pathname, origin: url.origin, method: request.method, body, auth: request.headers.get("Authorization") });
    const reply = (status, obj) => new Response(JSON.stringify(obj), { status, headers: { "Content-Type": "application/json" } });
    if (url.pathname === "/v1/session") return reply(session.status, session.body);
    if (url.pathname === "/v1/otp/verify") {
      const code = JSON.parse(body).code;
      const table = window.__motpFake.verify;
      const answer = table[code] || table["*"];
      if (answer.hold) return new Promise((resolve) => { window.__motpRelease = () => resolve(reply(answer.status, answer.body)); });
      return reply(answer.status, answer.body);
    }
    return reply(404, { error: "not_found", message: url.pathname });
  };
}
export function install_identity_double(blockPopup, reset) {
  const previous = window.fetch;
  window.__motpPopup = null;
  window.__motpPopupUrl = "/v1/identity/sandbox/st-1";
  window.open = (url, name, features) => {
    if (blockPopup) return null;
    window.__motpPopup = { location: { href: url }, closed: false, close() { this.closed = true; } };
    return window.__motpPopup;
  };
  window.fetch = async (input, init) => {
    const request = new Request(input, init); // fetch(url, init) as the widget calls it, or fetch(request)
    const url = new URL(request.url);
    const reply = (status, obj) => new Response(JSON.stringify(obj), { status, headers: { "Content-Type": "application/json" } });
    if (url.pathname === "/v1/identity/start") {
      window.__motpFake.calls.push({ path: url.pathname, method: request.method, body: url.search, auth: request.headers.get("Authorization") });
      return reply(200, { state: "st-1", popup_url: window.__motpPopupUrl, expires_in_seconds: 600 });
    }
    if (url.pathname.startsWith("/v1/identity/") && request.method === "GET") {
      window.__motpFake.calls.push({ path: url.pathname, method: request.method, body: "", auth: request.headers.get("Authorization") });
      return reply(200, { state: url.pathname.split("/").pop(), status: window.__motpCheckStatus || "pending" });
    }
    if (url.pathname === "/v1/substitute/complete") {
      window.__motpFake.calls.push({ path: url.pathname, method: request.method, body: await request.text(), auth: request.headers.get("Authorization") });
      return reply(200, { result: "verified", receipt: "phone.receipt", emon_log: "sent" });
    }
    if (url.pathname === "/v1/lock/reset") {
      window.__motpFake.calls.push({ path: url.pathname, method: request.method, body: await request.text(), auth: request.headers.get("Authorization") });
      return reply(reset.status, reset.body);
    }
    return previous(request);
  };
}
export function popup_href() { return window.__motpPopup ? window.__motpPopup.location.href : null; }
export function popup_closed() { return !!(window.__motpPopup && window.__motpPopup.closed); }
export function set_popup_url(url) { window.__motpPopupUrl = url; }
export function set_check_status(status) { window.__motpCheckStatus = status; }
// Resolves once the message has been dispatched (the widget's listener, added before, has run).
export function message_from_page(message) {
  window.postMessage(message, "*");
  return new Promise((resolve) => window.addEventListener("message", function seen(e) {
    if (e.source === window) { window.removeEventListener("message", seen); resolve(); }
  }));
}
// What the popup's `opener.postMessage(message, <this page's origin>)` delivers: a message from the
// server's origin whose `source` is the window `window.open` returned. That window is the fake
// above, and MessageEvent takes only real windows as its `source`, so it is set on the event.
export function message_from_popup(message) {
  const event = new MessageEvent("message", { data: message, origin: "http://motp.test" });
  Object.defineProperty(event, "source", { value: window.__motpPopup });
  window.dispatchEvent(event);
}
export function message_from_opaque_origin(message) {
  const frame = document.createElement("iframe");
  frame.src = "data:text/html,<script>parent.postMessage(" + encodeURIComponent(JSON.stringify(message)) + ", '*')<\/script>";
  document.body.appendChild(frame);
  return new Promise((resolve) => window.addEventListener("message", function seen(e) {
    if (e.source === frame.contentWindow) { window.removeEventListener("message", seen); frame.remove(); resolve(); }
  }));
}
export function answer_everything(status, body) {
  window.fetch = async () => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}
export function set_verify(verify) { window.__motpFake.verify = verify; }
export function calls(path) { return window.__motpFake.calls.filter((c) => c.path === path); }
export function release() { if (window.__motpRelease) window.__motpRelease(); }
"#)]
extern "C" {
    fn install_fake_server(session: JsValue, verify: JsValue);
    fn install_identity_double(block_popup: bool, reset: JsValue);
    fn set_check_status(status: &str);
    fn popup_href() -> Option<String>;
    fn popup_closed() -> bool;
    fn set_popup_url(url: &str);
    fn message_from_page(message: JsValue) -> js_sys::Promise;
    fn message_from_popup(message: JsValue);
    fn message_from_opaque_origin(message: JsValue) -> js_sys::Promise;
    /// From now on the fake `/v1/otp/verify` answers from this table (as `install_fake_server`'s).
    fn set_verify(verify: JsValue);
    /// Every request, whatever its path, gets this answer.
    fn answer_everything(status: u16, body: JsValue);
    fn calls(path: &str) -> js_sys::Array;
    fn release();
}

/// The server's origin, as `motp-server` writes it into the loader, which passes it to `mount`.
const SERVER: &str = "http://motp.test";

fn js(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap()
}

fn session(failures: u32, locked: bool) -> JsValue {
    js(&format!(
        r#"{{"status":200,"body":{{"server_time_unix":1795773600,"step_seconds":60,"failures":{failures},"remaining":{},"locked":{locked},"eval_cd":"01","eval_label":"진도","substitute_allowed":true}}}}"#,
        5 - failures
    ))
}

fn fake(failures: u32, verify: &str) {
    install_fake_server(session(failures, false), js(verify));
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A fresh host element for one test (the test runner's own page content is never touched).
fn host(attrs: &[(&str, &str)]) -> HtmlElement {
    let el: HtmlElement = document()
        .create_element("div")
        .unwrap()
        .dyn_into()
        .unwrap();
    for (k, v) in attrs {
        el.set_attribute(k, v).unwrap();
    }
    document().body().unwrap().append_child(&el).unwrap();
    el
}

fn auto_host(token: &str) -> HtmlElement {
    host(&[
        ("data-motp-widget", ""),
        ("data-server", "http://motp.test"),
        ("data-launch-token", token),
        ("data-lang", "ko"),
    ])
}

fn root(host: &HtmlElement) -> ShadowRoot {
    host.shadow_root()
        .expect("the widget renders in a shadow root")
}

fn find(host: &HtmlElement, selector: &str) -> Option<Element> {
    host.shadow_root()?.query_selector(selector).ok().flatten()
}

/// The id of the element that has the keyboard focus inside the widget.
fn focused(host: &HtmlElement) -> String {
    host.shadow_root()
        .and_then(|r| r.active_element())
        .map(|e| e.id())
        .unwrap_or_default()
}

fn text(host: &HtmlElement) -> String {
    root(host).text_content().unwrap_or_default()
}

/// Lets fetches, timers and Yew's scheduler run until `ready` holds (bounded: no open-ended wait).
async fn until(what: &str, ready: impl Fn() -> bool) {
    for _ in 0..300 {
        yew::scheduler::flush().await;
        if ready() {
            return;
        }
        gloo_timers::future::TimeoutFuture::new(0).await;
    }
    panic!("never happened: {what}");
}

async fn mounted(host: &HtmlElement) {
    until("code field shown", || find(host, "#motp-code").is_some()).await;
}

async fn type_and_submit(host: &HtmlElement, typed: &str) {
    let input: HtmlInputElement = find(host, "#motp-code").unwrap().dyn_into().unwrap();
    input.set_value(typed);
    input
        .dispatch_event(&web_sys::InputEvent::new("input").unwrap())
        .unwrap();
    yew::scheduler::flush().await;
    let button: HtmlElement = find(host, "button[type=submit]")
        .unwrap()
        .dyn_into()
        .unwrap();
    button.click();
    yew::scheduler::flush().await;
}

type Events = Rc<RefCell<Vec<(String, JsValue)>>>;

/// Records every `motp:*` event the host element receives.
fn record_events(host: &HtmlElement) -> Events {
    let seen: Events = Rc::default();
    for name in [
        "ready",
        "verified",
        "attempt-failed",
        "locked",
        "unlocked",
        "substitute-offered",
        "error",
    ] {
        let seen = seen.clone();
        let cb = Closure::<dyn Fn(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
            seen.borrow_mut().push((e.type_(), e.detail()));
        });
        host.add_event_listener_with_callback(&format!("motp:{name}"), cb.as_ref().unchecked_ref())
            .unwrap();
        cb.forget();
    }
    seen
}

fn event(events: &Events, name: &str) -> Option<JsValue> {
    events
        .borrow()
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, d)| d.clone())
}

fn field(detail: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(detail, &JsValue::from_str(name)).unwrap()
}

fn verify_bodies() -> Vec<String> {
    calls("/v1/otp/verify")
        .iter()
        .map(|c| field(&c, "body").as_string().unwrap())
        .collect()
}

const WRONG_4: &str =
    r#"{"*":{"status":200,"body":{"result":"wrong_code","failures":4,"remaining":1}}}"#;

#[wasm_bindgen_test]
async fn mounts_from_data_attributes_with_an_accessible_code_field() {
    fake(0, WRONG_4);
    let h = auto_host("launch-token-1");
    let events = record_events(&h);
    motp_widget::mount::mount(h.clone(), JsValue::UNDEFINED, SERVER).unwrap();
    mounted(&h).await;
    let input = find(&h, "#motp-code").unwrap();
    assert_eq!(input.get_attribute("inputmode").as_deref(), Some("numeric"));
    assert_eq!(
        input.get_attribute("autocomplete").as_deref(),
        Some("one-time-code")
    );
    // No maxlength: it would cut a pasted "123 456" to "123 45" before the widget sees it.
    assert_eq!(input.get_attribute("maxlength"), None);
    let label = find(&h, "label[for=motp-code]").unwrap();
    assert_eq!(label.text_content().unwrap(), "mOTP 인증번호 (6자리)");
    assert!(
        text(&h).contains("초 후 앱의 번호가 바뀝니다"),
        "countdown shown"
    );
    until("ready event", || event(&events, "motp:ready").is_some()).await;
    assert_eq!(
        field(&event(&events, "motp:ready").unwrap(), "remaining"),
        5
    );
    let session_calls = calls("/v1/session");
    assert_eq!(
        field(&session_calls.get(0), "auth").as_string().unwrap(),
        "Bearer launch-token-1"
    );
    h.remove();
}

#[wasm_bindgen_test]
async fn four_digits_are_the_app_password_and_never_sent() {
    fake(0, WRONG_4);
    let h = auto_host("t");
    motp_widget::mount::mount(h.clone(), JsValue::UNDEFINED, SERVER).unwrap();
    mounted(&h).await;
    type_and_submit(&h, "1234").await;
    until("app password hint", || {
        text(&h).contains("앱 비밀번호입니다")
    })
    .await;
    assert_eq!(
        find(&h, "#motp-code")
            .unwrap()
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("true")
    );
    // Selected, so the code the trainee types next replaces it instead of being appended.
    let input: HtmlInputElement = find(&h, "#motp-code").unwrap().dyn_into().unwrap();
    until("the refused entry selected", || {
        input.selection_start() == Ok(Some(0)) && input.selection_end() == Ok(Some(4))
    })
    .await;
    assert!(verify_bodies().is_empty(), "nothing reached the server");
    h.remove();
}

#[wasm_bindgen_test]
async fn full_width_digits_are_sent_as_ascii_and_the_receipt_is_handed_over() {
    fake(
        0,
        r#"{"*":{"status":200,"body":{"result":"verified","receipt":"receipt.jwt.here"}}}"#,
    );
    let h = auto_host("t");
    let events = record_events(&h);
    motp_widget::mount::mount(h.clone(), JsValue::UNDEFINED, SERVER).unwrap();
    mounted(&h).await;
    type_and_submit(&h, "１２３４５６").await;
    until("verified screen", || text(&h).contains("인증되었습니다")).await;
    assert_eq!(verify_bodies(), vec![r#"{"code":"123456"}"#.to_string()]);
    let verified = event(&events, "motp:verified").expect("verified event");
    assert_eq!(field(&verified, "receipt"), "receipt.jwt.here");
    h.remove();
}

/// A paste, an SMS/password-manager fill or typing with separators keeps the digits, all of them.
#[wasm_bindgen_test]
async fn separators_are_dropped_and_nothing_is_cut() {
    fake(
        0,
        r#"{"*":{"status":200,"body":{"result":"verified","receipt":"r"}}}"#,
    );
    let h = auto_host("t");
    motp_widget::mount::mount(h.clone(), JsValue::UNDEFINED, SERVER).unwrap();
    mounted(&h).await;
    let input: HtmlInputElement = find(&h, "#motp-code").unwrap().dyn_into().unwrap();
    for (typed, kept) in [
        ("123 456", "123456"),
        ("12-34 5", "12345"),
        ("1234567", "1234567"),
    ] {
        input.set_value(typed);
        input
            .dispatch_event(&web_sys::InputEvent::new("input").unwrap())
            .unwrap();
        yew::scheduler::flush().await;
        assert_eq!(input.value(), kept, "typed {typed:?}");
    }
    type_and_submit(&h, "987 654").await;
    until("verified screen", || text(&h).contains("인증되었습니다")).await;
    assert_eq!(verify_bodies(), vec![r#"{"code":"987654"}"#.to_string()]);
    h.remove();
}

/// Without `data-lang` or the `lang` option the page's language decides, Korean when it has none;
/// the EVAL_CD badge follows the widget's language.
#[wasm_bindgen_test]
async fn the_page_language_decides_and_the_badge_follows() {
    for (page_lang, label, badge) in [
        (Some("en"), "mOTP code (6 digits)", "Study"),
        (Some("ko-KR"), "mOTP 인증번호 (6자리)", "진도"),
        (None, "mOTP 인증번호 (6자리)", "진도"),
    ] {
        fake(0, WRONG_4);
        let section = host(&[]);
        if let Some(lang) = page_lang {
            section.set_attribute("lang", lang).unwrap();
        }
        let h: HtmlElement = document()
            .create_element("div")
            .unwrap()
            .dyn_into()
            .unwrap();
        section.append_child(&h).unwrap();
        let options = js(r#"{"launchToken":"t"}"#);
        let handle = motp_widget::mount::mount(h.clone(), options, SERVER).unwrap();
        mounted(&h).await;
        let shown = find(&h, "label").unwrap().text_content().unwrap();
        assert_eq!(shown, label, "page lang {page_lang:?}");
        until("badge", || find(&h, ".badge").is_some()).await;
        assert_eq!(find(&h, ".badge").unwrap().text_content().unwrap(), badge);
        handle.destroy();
        section.remove();
    }
}

#[wasm_bindgen_test]
async fn a_wrong_code_says_how_many_attempts_are_left() {
    fake(3, WRONG_4);
    let h = auto_host("t");
    let events = record_events(&h);
    motp_widget::mount::mount(h.clone(), JsValue::UNDEFINED, SERVER).unwrap();
    mounted(&h).await;
    // Earlier failures are shown straight after a reload.
    assert!(text(&h).contains("5회 중 3회 실패"), "{}", text(&h));
    type_and_submit(&h, "654321").await;
    until("4 of 5", || text(&h).contains("5회 중 4회 실패")).await;
    assert!(text(&h).contains("잠금까지 1회 남았습니다"));
    assert!(
        text(&h).contains("한 번 더 틀리면"),
        "stronger warning at 1 left"
    );
    assert!(find(&h, ".notice[data-tone=danger]").is_some());
    assert!(
        text(&h).contains("가장 최근에 등록한 휴대폰"),
        "the FAQ's reasons are shown"
    );
    let failed = event(&events, "motp:attempt-failed").unwrap();
    assert_eq!(field(&failed, "failures"), 4);
    assert_eq!(field(&failed, "remaining"), 1);
    h.remove();
}

#[wasm_bindgen_test]
async fn the_fifth_failure_shows_the_lock_screen() {
    fake(4, r#"{"*":{"status":200,"body":{"result":"locked"}}}"#);
    let h = auto_host("t");
    let events = record_events(&h);
    motp_widget::mount::mount(h.clone(), JsValue::UNDEFINED, SERVER).unwrap();
    mounted(&h).await;
    type_and_submit(&h, "654321").await;
    until("lock screen", || find(&h, "[role=alert]").is_some()).await;
    assert!(text(&h).contains("mOTP가 잠겼습니다"));
    assert!(text(&h).contains("휴대폰 본인인증"));
    assert!(
        text(&h).contains("AP011"),
        "re-registering while locked is explained"
    );
    assert!(event(&events, "motp:locked").is_some());
    h.remove();
}

#[wasm_bindgen_test]
async fn not_registered_explains_and_leads_back() {
    fake(
        0,
        r#"{"*":{"status":200,"body":{"result":"not_registered"}}}"#,
    );
    let h = auto_host("t");
    let events = record_events(&h);
    motp_widget::mount::mount(h.clone(), JsValue::UNDEFINED, SERVER).unwrap();
    mounted(&h).await;
    type_and_submit(&h, "654321").await;
    until("AP005 screen", || text(&h).contains("AP005")).await;
    assert!(text(&h).contains("mOTP 등록 초기화"));
    assert_eq!(
        field(&event(&events, "motp:error").unwrap(), "code"),
        "AP005"
    );
    let back: HtmlElement = find(&h, ".panel button").unwrap().dyn_into().unwrap();
    back.click();
    until("back at the code step", || find(&h, "#motp-code").is_some()).await;
    h.remove();
}

#[wasm_bindgen_test]
async fn hrd_down_offers_the_substitute_check() {
    fake(
        0,
        r#"{"*":{"status":200,"body":{"result":"hrd_unavailable","substitute_allowed":true,"hrd_code":"IE001"}}}"#,
    );
    let h = auto_host("t");
    let events = record_events(&h);
    motp_widget::mount::mount(h.clone(), JsValue::UNDEFINED, SERVER).unwrap();
    mounted(&h).await;
    type_and_submit(&h, "654321").await;
    until("HRD down screen", || text(&h).contains("응답하지 않습니다")).await;
    assert!(event(&events, "motp:substitute-offered").is_some());
    assert_eq!(
        field(&event(&events, "motp:error").unwrap(), "code"),
        "IE001"
    );
    h.remove();
}

#[wasm_bindgen_test]
async fn rate_limited_says_how_long_to_wait() {
    fake(
        0,
        r#"{"*":{"status":429,"body":{"result":"rate_limited","retry_after_seconds":37}}}"#,
    );
    let h = auto_host("t");
    motp_widget::mount::mount(h.clone(), JsValue::UNDEFINED, SERVER).unwrap();
    mounted(&h).await;
    type_and_submit(&h, "654321").await;
    until("wait message", || text(&h).contains("37초 후")).await;
    h.remove();
}

#[wasm_bindgen_test]
async fn an_expired_launch_token_asks_for_a_reload() {
    install_fake_server(
        js(r#"{"status":401,"body":{"error":"token_expired","message":"expired"}}"#),
        js(WRONG_4),
    );
    let h = auto_host("t");
    motp_widget::mount::mount(h.clone(), JsValue::UNDEFINED, SERVER).unwrap();
    until("expired screen", || text(&h).contains("새로고침")).await;
    h.remove();
}

#[wasm_bindgen_test]
async fn submit_is_disabled_while_a_request_is_in_flight() {
    fake(
        0,
        r#"{"*":{"hold":true,"status":200,"body":{"result":"wrong_code","failures":1,"remaining":4}}}"#,
    );
    let h = auto_host("t");
    motp_widget::mount::mount(h.clone(), JsValue::UNDEFINED, SERVER).unwrap();
    mounted(&h).await;
    type_and_submit(&h, "654321").await;
    until("request sent", || verify_bodies().len() == 1).await;
    let button: HtmlElement = find(&h, "button[type=submit]").unwrap().dyn_into().unwrap();
    assert!(button.has_attribute("disabled"));
    button.click();
    // Enter in the field submits the form too; neither may send a second request.
    let form: web_sys::HtmlFormElement = find(&h, "form").unwrap().dyn_into().unwrap();
    let _ = form.request_submit();
    for _ in 0..5 {
        gloo_timers::future::TimeoutFuture::new(0).await;
        yew::scheduler::flush().await;
    }
    assert_eq!(verify_bodies().len(), 1, "no double submit");
    release();
    until("answer shown", || text(&h).contains("5회 중 1회 실패")).await;
    assert!(!button.has_attribute("disabled"));
    h.remove();
}

#[wasm_bindgen_test]
async fn english_through_the_js_api_and_destroy() {
    fake(0, WRONG_4);
    let h = host(&[]);
    let options = js(r#"{"server":"http://motp.test","launchToken":"t-en","lang":"en"}"#);
    let handle = motp_widget::mount::mount(h.clone(), options, SERVER).unwrap();
    mounted(&h).await;
    assert_eq!(
        find(&h, "label").unwrap().text_content().unwrap(),
        "mOTP code (6 digits)"
    );
    type_and_submit(&h, "1234").await;
    until("english app password hint", || {
        text(&h).contains("app password")
    })
    .await;
    handle.destroy();
    assert_eq!(
        root(&h).child_element_count(),
        0,
        "destroy empties the widget"
    );
    assert!(!h.has_attribute("data-motp-mounted"));
    h.remove();
}

/// The widget talks to the server it was loaded from only: a `data-server` naming another origin
/// (user HTML the LMS shows may carry one) or a `server` option doing so is ignored. The same origin
/// (with a trailing slash, as README's snippet may be copied) is accepted as before.
#[wasm_bindgen_test]
async fn a_data_server_naming_another_origin_is_ignored() {
    fake(0, WRONG_4);
    let elsewhere = host(&[
        ("data-motp-widget", ""),
        ("data-server", "http://evil.test"),
        ("data-launch-token", "t-1"),
    ]);
    let same = host(&[
        ("data-motp-widget", ""),
        ("data-server", "http://motp.test/"),
        ("data-launch-token", "t-2"),
    ]);
    for h in [&elsewhere, &same] {
        motp_widget::mount::mount(h.clone(), JsValue::UNDEFINED, SERVER).unwrap();
    }
    let by_option = host(&[]);
    let options = js(r#"{"server":"https://evil.test:8443","launchToken":"t-3"}"#);
    let _handle = motp_widget::mount::mount(by_option.clone(), options, SERVER).unwrap();
    for h in [&elsewhere, &same, &by_option] {
        mounted(h).await;
    }
    let asked: Vec<String> = calls("/v1/session")
        .iter()
        .map(|c| field(&c, "origin").as_string().unwrap())
        .collect();
    assert_eq!(asked, vec![SERVER; 3], "every widget asked its own server");
    for h in [elsewhere, same, by_option] {
        h.remove();
    }
}

/// Where the popup may go: the server's pages (given as paths; the host stays the server's whatever
/// the path holds) and http(s) pages; nothing that runs script or shows content in the LMS's name.
#[wasm_bindgen_test]
fn the_popup_goes_to_http_pages_only() {
    let client = motp_widget::api::Client {
        server: SERVER.into(),
        launch_token: "t".into(),
    };
    let to = |url: &str| client.popup_url(url);
    assert_eq!(
        to("/v1/identity/sandbox/st-1").as_deref(),
        Some("http://motp.test/v1/identity/sandbox/st-1")
    );
    assert_eq!(
        to("//evil.test/x").as_deref(),
        Some("http://motp.test//evil.test/x")
    );
    assert_eq!(
        to("/\\evil.test/x").as_deref(),
        Some("http://motp.test//evil.test/x")
    );
    assert_eq!(
        to("https://lms.other.example/motp/identity?state=s1").as_deref(),
        Some("https://lms.other.example/motp/identity?state=s1")
    );
    assert_eq!(
        to("HTTP://lms.other.example/a").as_deref(),
        Some("http://lms.other.example/a")
    );
    for refused in [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "blob:http://motp.test/1",
        "file:///etc/passwd",
        "about:blank",
    ] {
        assert_eq!(to(refused), None, "{refused:?}");
    }
}

#[wasm_bindgen_test]
async fn two_widgets_on_one_page_are_independent() {
    fake(0, WRONG_4);
    let a = auto_host("token-a");
    let b = auto_host("token-b");
    for h in [&a, &b] {
        motp_widget::mount::mount(h.clone(), JsValue::UNDEFINED, SERVER).unwrap();
    }
    mounted(&a).await;
    mounted(&b).await;
    type_and_submit(&a, "654321").await;
    until("warning in a", || text(&a).contains("4회 실패")).await;
    assert!(!text(&b).contains("4회 실패"), "b is untouched");
    type_and_submit(&b, "12").await;
    until("b's own complaint", || text(&b).contains("숫자 6자리")).await;
    assert!(!text(&a).contains("숫자 6자리"));
    a.remove();
    b.remove();
}

#[wasm_bindgen_test]
async fn host_page_css_sabotage_does_not_change_the_layout() {
    fake(0, WRONG_4);
    let clean = auto_host("t");
    motp_widget::mount::mount(clean.clone(), JsValue::UNDEFINED, SERVER).unwrap();
    mounted(&clean).await;
    let measure = |h: &HtmlElement| {
        let r = find(h, "#motp-code").unwrap().get_bounding_client_rect();
        let b = find(h, "button[type=submit]")
            .unwrap()
            .get_bounding_client_rect();
        (r.width(), r.height(), b.height())
    };
    let before = measure(&clean);
    let style = document().create_element("style").unwrap();
    style.set_text_content(Some(
        "* { all: unset !important; } input { display: none !important; font-size: 40px !important; } \
         table, button { color: red !important; border: 9px solid red !important; } \
         div { line-height: 0.2 !important; font-family: serif !important; }",
    ));
    document().head().unwrap().append_child(&style).unwrap();
    yew::scheduler::flush().await;
    let after = measure(&clean);
    style.remove();
    assert_eq!(
        before, after,
        "the LMS's global CSS does not reach inside the widget"
    );
    assert!(before.0 > 50.0 && before.1 > 20.0);
    clean.remove();
}

async fn locked_widget(block_popup: bool, reset: &str) -> (HtmlElement, Events) {
    install_fake_server(session_locked(), js(WRONG_4));
    install_identity_double(block_popup, js(reset));
    let h = auto_host("t");
    let events = record_events(&h);
    motp_widget::mount::mount(h.clone(), JsValue::UNDEFINED, SERVER).unwrap();
    until("lock screen", || find(&h, "[role=alert]").is_some()).await;
    (h, events)
}

fn session_locked() -> JsValue {
    js(
        r#"{"status":200,"body":{"server_time_unix":1795773600,"step_seconds":60,"failures":5,"remaining":0,"locked":true,"eval_cd":"01","eval_label":"진도","substitute_allowed":true}}"#,
    )
}

fn click_panel_button(h: &HtmlElement) {
    let button: HtmlElement = find(h, ".panel button.primary")
        .unwrap()
        .dyn_into()
        .unwrap();
    button.click();
}

const UNLOCKED: &str = r#"{"status":200,"body":{"result":"unlocked"}}"#;

#[wasm_bindgen_test]
async fn lock_then_identity_check_in_the_popup_then_unlocked() {
    let (h, events) = locked_widget(false, UNLOCKED).await;
    assert!(
        event(&events, "motp:locked").is_some(),
        "a reload onto a locked account says so"
    );
    assert!(text(&h).contains("휴대폰 본인인증으로 잠금 풀기"));
    until("focus on the lock screen's heading", || {
        focused(&h) == "motp-panel-title"
    })
    .await;
    click_panel_button(&h);
    until("popup sent to the check page", || {
        popup_href().as_deref() == Some("http://motp.test/v1/identity/sandbox/st-1")
    })
    .await;
    assert!(text(&h).contains("새 창에서 휴대폰 본인인증을 진행하세요"));

    // A message from any other origin is ignored.
    let forged = js(r#"{"type":"motp:identity","state":"st-1","status":"succeeded"}"#);
    wasm_bindgen_futures::JsFuture::from(message_from_opaque_origin(forged))
        .await
        .unwrap();
    for _ in 0..5 {
        gloo_timers::future::TimeoutFuture::new(0).await;
        yew::scheduler::flush().await;
    }
    assert!(
        calls("/v1/lock/reset").length() == 0,
        "no reset from a foreign message"
    );

    // A message about another check is ignored; the right one triggers the reset.
    message_from_popup(js(
        r#"{"type":"motp:identity","state":"other","status":"succeeded"}"#,
    ));
    message_from_popup(js(
        r#"{"type":"motp:identity","state":"st-1","status":"succeeded"}"#,
    ));
    until("unlocked", || text(&h).contains("잠금이 풀렸습니다")).await;
    let resets = calls("/v1/lock/reset");
    assert_eq!(resets.length(), 1);
    assert_eq!(field(&resets.get(0), "body"), r#"{"state":"st-1"}"#);
    assert!(event(&events, "motp:unlocked").is_some());
    assert!(find(&h, "#motp-code").is_some(), "back at the code step");
    until("focus back in the code field", || {
        focused(&h) == "motp-code"
    })
    .await;
    h.remove();
}

const SUCCEEDED: &str = r#"{"type":"motp:identity","state":"st-1","status":"succeeded"}"#;

/// Lets the widget react to what just happened (a message, an answer), without waiting for anything
/// in particular.
async fn settle() {
    for _ in 0..5 {
        gloo_timers::future::TimeoutFuture::new(0).await;
        yew::scheduler::flush().await;
    }
}

/// Only the popup the widget opened is believed. A message right in every other way (this check's
/// state, from the page's own origin, which is trusted) but from another window, here the page
/// itself (any script or frame on it could send one), is ignored; the popup's own then unlocks.
#[wasm_bindgen_test]
async fn an_identity_message_from_another_window_than_the_popup_is_ignored() {
    let (h, _) = locked_widget(false, UNLOCKED).await;
    click_panel_button(&h);
    until("popup sent to the check page", || {
        popup_href().is_some_and(|u| u.ends_with("/v1/identity/sandbox/st-1"))
    })
    .await;
    wasm_bindgen_futures::JsFuture::from(message_from_page(js(SUCCEEDED)))
        .await
        .unwrap();
    settle().await;
    assert_eq!(
        calls("/v1/lock/reset").length(),
        0,
        "no reset from a window that is not the popup"
    );
    assert!(
        text(&h).contains("새 창에서"),
        "still waiting: {}",
        text(&h)
    );

    message_from_popup(js(SUCCEEDED));
    until("unlocked", || text(&h).contains("잠금이 풀렸습니다")).await;
    assert_eq!(calls("/v1/lock/reset").length(), 1);
    h.remove();
}

/// The popup is only ever sent to an http(s) page: a `javascript:` URL as the check's page (from a
/// server, or from whatever answers in its name) would run script on the LMS page. The popup is
/// not sent there but closed, and the check fails as when the server's answer is unusable.
#[wasm_bindgen_test]
async fn a_popup_url_that_is_not_http_is_never_opened() {
    let (h, events) = locked_widget(false, UNLOCKED).await;
    set_popup_url("javascript:alert(document.domain)");
    click_panel_button(&h);
    until("the check's answer acted on", || {
        calls("/v1/identity/start").length() == 1
            && (popup_closed() || popup_href().as_deref() != Some("about:blank"))
    })
    .await;
    settle().await;
    assert_eq!(
        popup_href().as_deref(),
        Some("about:blank"),
        "the popup is never sent to a javascript: URL"
    );
    assert!(popup_closed(), "the blank popup is closed");
    until("the failure shown", || {
        text(&h).contains("서버에 연결하지 못했습니다")
    })
    .await;
    assert_eq!(
        field(&event(&events, "motp:error").unwrap(), "code"),
        "bad_response"
    );
    assert!(
        text(&h).contains("휴대폰 본인인증으로 잠금 풀기"),
        "the check can be started again"
    );
    h.remove();
}

/// No popup: the check is started for this page to come back to, and runs in this window. (Its
/// page is refused here, so the test page stays: the end-to-end journeys follow it all the way.)
#[wasm_bindgen_test]
async fn a_blocked_popup_starts_the_check_in_this_window() {
    let (h, _) = locked_widget(true, UNLOCKED).await;
    set_popup_url("javascript:alert(1)");
    click_panel_button(&h);
    until("the check started", || {
        calls("/v1/identity/start").length() == 1
    })
    .await;
    let here = web_sys::window().unwrap().location().href().unwrap();
    let search = field(&calls("/v1/identity/start").get(0), "body")
        .as_string()
        .unwrap();
    let asked: String = js_sys::decode_uri_component(&search).unwrap().into();
    assert!(asked.contains(&format!("return_to={here}")), "{asked}");
    until("the refused page said so", || {
        text(&h).contains("서버에 연결하지 못했습니다")
    })
    .await;
    h.remove();
}

/// Back on the LMS page from a check run in this window (`#motp-reset=<id>` in the address): the
/// widget asks how the check went, lifts the lock with it, and takes the id off the address.
#[wasm_bindgen_test]
async fn back_from_a_check_in_this_window_the_lock_lifts() {
    let id = "0123456789abcdef0123456789abcdef";
    let location = web_sys::window().unwrap().location();
    location.set_hash(&format!("motp-reset={id}")).unwrap();
    set_check_status("succeeded");
    let (h, events) = locked_widget(false, UNLOCKED).await;
    until("unlocked", || event(&events, "motp:unlocked").is_some()).await;
    let reset = field(&calls("/v1/lock/reset").get(0), "body")
        .as_string()
        .unwrap();
    assert_eq!(reset, format!(r#"{{"state":"{id}"}}"#));
    assert_eq!(location.hash().unwrap(), "", "taken off the address");
    set_check_status("pending");
    h.remove();
}

#[wasm_bindgen_test]
async fn hrd_refusing_the_reset_offers_the_check_again() {
    let (h, events) = locked_widget(
        false,
        r#"{"status":409,"body":{"result":"reset_refused","hrd_code":"AP010"}}"#,
    )
    .await;
    click_panel_button(&h);
    until("waiting", || text(&h).contains("새 창에서")).await;
    message_from_popup(js(
        r#"{"type":"motp:identity","state":"st-1","status":"succeeded"}"#,
    ));
    until("refused message", || {
        text(&h).contains("잠금 해제를 거절했습니다")
    })
    .await;
    assert_eq!(
        field(&event(&events, "motp:error").unwrap(), "code"),
        "AP010"
    );
    assert!(popup_closed());
    assert!(
        text(&h).contains("휴대폰 본인인증으로 잠금 풀기"),
        "start again"
    );
    h.remove();
}

/// HRD has not answered the reset yet: the server queued it and says so with 202. The trainee is
/// told to try the code again shortly (not that the server is unreachable), goes back to the code
/// step and, once HRD has lifted the lock, the code verifies.
#[wasm_bindgen_test]
async fn a_queued_reset_leads_back_to_the_code_which_then_verifies() {
    let (h, events) =
        locked_widget(false, r#"{"status":202,"body":{"result":"reset_queued"}}"#).await;
    click_panel_button(&h);
    until("waiting", || text(&h).contains("새 창에서")).await;
    message_from_popup(js(
        r#"{"type":"motp:identity","state":"st-1","status":"succeeded"}"#,
    ));
    until("the reset answered", || {
        calls("/v1/lock/reset").length() == 1
    })
    .await;
    until("a message about the reset", || {
        text(&h).contains("잠금 해제 요청을 mOTP 서버에 보내는 중")
            || text(&h).contains("서버에 연결하지 못했습니다")
    })
    .await;
    assert!(
        text(&h).contains("잠금 해제 요청을 mOTP 서버에 보내는 중"),
        "the queued message is shown: {}",
        text(&h)
    );
    assert!(
        !text(&h).contains("서버에 연결하지 못했습니다"),
        "no failure message: {}",
        text(&h)
    );
    assert_eq!(
        field(&event(&events, "motp:error").unwrap(), "code"),
        "reset_queued"
    );
    assert!(popup_closed());

    // HRD lifts the lock meanwhile; the trainee goes back to the code and types it.
    set_verify(js(
        r#"{"123456":{"status":200,"body":{"result":"verified","receipt":"after.queued.reset"}},"*":{"status":200,"body":{"result":"locked"}}}"#,
    ));
    click_panel_button(&h);
    until("back at the code step", || find(&h, "#motp-code").is_some()).await;
    type_and_submit(&h, "123456").await;
    until("verified", || text(&h).contains("인증되었습니다")).await;
    assert_eq!(verify_bodies(), vec![r#"{"code":"123456"}"#.to_string()]);
    assert_eq!(
        field(&event(&events, "motp:verified").unwrap(), "receipt"),
        "after.queued.reset"
    );
    h.remove();
}

#[wasm_bindgen_test]
async fn hrd_down_then_the_phone_check_stands_in_for_the_code() {
    fake(
        0,
        r#"{"*":{"status":200,"body":{"result":"hrd_unavailable","substitute_allowed":true,"hrd_code":"IE001"}}}"#,
    );
    install_identity_double(false, js(UNLOCKED));
    let h = auto_host("t");
    let events = record_events(&h);
    motp_widget::mount::mount(h.clone(), JsValue::UNDEFINED, SERVER).unwrap();
    mounted(&h).await;
    type_and_submit(&h, "654321").await;
    until("substitute offered", || {
        text(&h).contains("휴대폰 본인인증으로 대신 인증")
    })
    .await;
    click_panel_button(&h);
    until("waiting", || text(&h).contains("새 창에서")).await;
    let start = calls("/v1/identity/start");
    let search = field(&start.get(0), "body").as_string().unwrap();
    assert!(
        search.starts_with("?purpose=substitute&return_to="),
        "{search}"
    );
    message_from_popup(js(
        r#"{"type":"motp:identity","state":"st-1","status":"succeeded"}"#,
    ));
    until("verified", || text(&h).contains("인증되었습니다")).await;
    assert_eq!(
        field(&calls("/v1/substitute/complete").get(0), "body"),
        r#"{"state":"st-1"}"#
    );
    assert_eq!(
        field(&event(&events, "motp:verified").unwrap(), "receipt"),
        "phone.receipt"
    );
    assert_eq!(calls("/v1/lock/reset").length(), 0);
    h.remove();
}

/// The widget's hand-written decoders read exactly what the server's serde writes, for every shape.
#[wasm_bindgen_test]
fn wire_decoders_match_the_servers_encoding() {
    use motp_protocol::api::*;
    use motp_widget::wire::{FromJs, StatusOnly};

    fn round_trip<T: serde::Serialize + FromJs + PartialEq + std::fmt::Debug>(value: T) {
        let text = serde_json::to_string(&value).unwrap();
        let parsed = js_sys::JSON::parse(&text).unwrap();
        assert_eq!(T::from_js(&parsed).as_ref(), Some(&value), "{text}");
    }
    round_trip(SessionInfo {
        server_time_unix: 1_795_773_600,
        step_seconds: 60,
        failures: 2,
        remaining: 3,
        locked: false,
        eval_cd: "02".into(),
        eval_label: "시험".into(),
        substitute_allowed: true,
    });
    // Every variant, as the protocol lists them (its own tests check the lists against serde).
    for outcome in VerifyOutcome::examples() {
        round_trip(outcome);
    }
    round_trip(IdentityStart {
        state: "s".into(),
        popup_url: "/p".into(),
        expires_in_seconds: 600,
    });
    for status in IdentityStatus::examples() {
        round_trip(IdentityMessage {
            kind: "motp:identity".into(),
            state: "s".into(),
            status,
        });
        // `GET /v1/identity/{state}`, as the server writes it (`json!`, there is no type for it).
        let text = serde_json::json!({ "state": "s", "status": status }).to_string();
        let parsed = js_sys::JSON::parse(&text).unwrap();
        assert_eq!(
            StatusOnly::from_js(&parsed).map(|s| s.0),
            Some(status),
            "{text}"
        );
    }
    for outcome in ResetOutcome::examples() {
        round_trip(outcome);
    }
    for outcome in SubstituteOutcome::examples() {
        round_trip(outcome);
    }
    // Garbage is refused, not guessed at.
    let garbage = js_sys::JSON::parse(r#"{"result":"verified"}"#).unwrap();
    assert_eq!(VerifyOutcome::from_js(&garbage), None);
}

/// The client reads every outcome at the HTTP status the server answers it with (the protocol's
/// `http_status`), and a body without `result` as the error it describes.
#[wasm_bindgen_test]
async fn every_outcome_is_read_whatever_its_status() {
    use motp_protocol::api::*;
    use motp_widget::api::{Call, Client};
    use motp_widget::error::ClientError;
    use motp_widget::state::Action;

    let client = Client {
        server: "http://motp.test".into(),
        launch_token: "t".into(),
    };
    let answer = |status: u16, body: &str| answer_everything(status, js(body));
    for o in VerifyOutcome::examples() {
        answer(o.http_status(), &serde_json::to_string(&o).unwrap());
        assert_eq!(
            client.call(Call::Verify("123456".into())).await,
            Action::Answered(Ok(o))
        );
    }
    for o in ResetOutcome::examples() {
        answer(o.http_status(), &serde_json::to_string(&o).unwrap());
        assert_eq!(
            client.call(Call::Reset("s".into())).await,
            Action::ResetAnswered(Ok(o))
        );
    }
    for o in SubstituteOutcome::examples() {
        answer(o.http_status(), &serde_json::to_string(&o).unwrap());
        assert_eq!(
            client.call(Call::Substitute("s".into())).await,
            Action::SubstituteAnswered(Ok(o))
        );
    }
    let errors = [
        (
            401,
            r#"{"error":"token_expired","message":"reload"}"#,
            ClientError::Refused {
                error: "token_expired".into(),
                message: "reload".into(),
            },
        ),
        (
            401,
            r#"{"error":"invalid_token","message":"bad signature"}"#,
            ClientError::Refused {
                error: "invalid_token".into(),
                message: "bad signature".into(),
            },
        ),
        (
            403,
            r#"{"error":"origin_not_allowed","message":""}"#,
            ClientError::Refused {
                error: "origin_not_allowed".into(),
                message: String::new(),
            },
        ),
        (
            503,
            r#"{"error":"overloaded","message":""}"#,
            ClientError::Http {
                status: 503,
                error: "overloaded".into(),
            },
        ),
        (200, r#"{"error":"odd"}"#, ClientError::Decode),
    ];
    for (status, body, error) in errors {
        answer(status, body);
        assert_eq!(
            client.call(Call::Reset("s".into())).await,
            Action::ResetAnswered(Err(error)),
            "{status} {body}"
        );
    }
}
