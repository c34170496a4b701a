//! Mounting: one element, one shadow root, one widget. Used by the embed script for every
//! `[data-motp-widget]` element and by `MotpWidget.mount(element, options)`.

use crate::api::Client;
use crate::components::{Widget, WidgetProps};
use crate::i18n::Lang;
use crate::state::Purpose;
use crate::STYLE;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};
use yew::AppHandle;

/// What `mount` returns to JavaScript.
#[wasm_bindgen]
pub struct WidgetHandle {
    host: HtmlElement,
    props: RefCell<Option<WidgetPropsSeed>>,
    app: RefCell<Option<AppHandle<Widget>>>,
}

#[derive(Clone)]
struct WidgetPropsSeed {
    client: Client,
    lang: Lang,
    /// The check this page came back from: taken up by the first render only.
    resume: Option<(String, Purpose)>,
}

#[wasm_bindgen]
impl WidgetHandle {
    /// Removes the widget; the element is left empty and can be mounted again.
    pub fn destroy(&self) {
        if let Some(app) = self.app.borrow_mut().take() {
            app.destroy();
        }
        self.props.borrow_mut().take();
        if let Some(root) = self.host.shadow_root() {
            root.set_inner_html("");
        }
        let _ = self.host.remove_attribute("data-motp-mounted");
    }

    /// Starts over: asks the server again and shows the first step.
    pub fn reset(&self) -> Result<(), JsValue> {
        let seed = self.props.borrow().clone();
        if let Some(seed) = seed {
            if let Some(app) = self.app.borrow_mut().take() {
                app.destroy();
            }
            *self.app.borrow_mut() = Some(render(&self.host, &seed)?);
        }
        Ok(())
    }
}

/// Mounts a widget on `element`, talking to `server`: the origin `motp-server` wrote into the loader
/// that calls this, the one it served the widget from. The page has no say in it: a `server` option
/// or `data-server` attribute naming another origin is ignored, with a warning (user HTML the LMS
/// shows may carry `data-` attributes). `options` (`{launchToken, lang}`) override the element's
/// `data-launch-token` and `data-lang`; without either, the page's `lang` decides ([`Lang::for_page`]).
#[wasm_bindgen]
pub fn mount(
    element: HtmlElement,
    options: JsValue,
    server: &str,
) -> Result<WidgetHandle, JsValue> {
    let option = |name: &str| {
        js_sys::Reflect::get(&options, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.as_string())
    };
    let attribute = |name: &str| element.get_attribute(name);
    let token = option("launchToken")
        .or_else(|| attribute("data-launch-token"))
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| {
            JsValue::from_str("motp-widget: a launch token is required (data-launch-token)")
        })?;
    let server = server.trim_end_matches('/').to_string();
    let named = option("server").or_else(|| attribute("data-server"));
    warn_if_elsewhere(named.as_deref().unwrap_or_default(), &server);
    let page_lang = element
        .closest("[lang]")
        .ok()
        .flatten()
        .and_then(|e| e.get_attribute("lang"));
    let lang = Lang::for_page(
        option("lang").or_else(|| attribute("data-lang")).as_deref(),
        page_lang.as_deref(),
    );
    let mut seed = WidgetPropsSeed {
        client: Client {
            server,
            launch_token: token.trim().to_string(),
        },
        lang,
        resume: web_sys::window().and_then(|w| returned_check(&w)),
    };
    let app = render(&element, &seed)?;
    seed.resume = None;
    element.set_attribute("data-motp-mounted", "")?;
    Ok(WidgetHandle {
        host: element,
        props: RefCell::new(Some(seed)),
        app: RefCell::new(Some(app)),
    })
}

/// This page's address without its fragment: where a check run in this window comes back to.
pub(crate) fn page_address(location: &web_sys::Location) -> String {
    let href = location.href().unwrap_or_default();
    href.split('#').next().unwrap_or_default().to_string()
}

/// The check this page came back from: `#motp-reset=<id>` or `#motp-substitute=<id>`, which the
/// check's last page puts there when it ran in this window (the id only: the result is asked of
/// the server, for this launch token's trainee). Taken off the address, so a reload does not take
/// it up again.
fn returned_check(window: &web_sys::Window) -> Option<(String, Purpose)> {
    let location = window.location();
    let hash = location.hash().ok()?;
    let (purpose, id) = hash.strip_prefix("#motp-")?.split_once('=')?;
    let purpose = match purpose {
        "reset" => Purpose::Reset,
        "substitute" => Purpose::Substitute,
        _ => return None,
    };
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&page_address(&location)));
    }
    Some((id.to_string(), purpose))
}

/// A `server` option or `data-server` naming another origin than the widget's is only warned of.
fn warn_if_elsewhere(named: &str, server: &str) {
    let named = named.trim().trim_end_matches('/');
    if !named.is_empty() && named != server {
        web_sys::console::warn_1(&JsValue::from_str(&format!(
            "motp-widget: ignoring server {named}: the widget's server is {server}"
        )));
    }
}

/// The element's shadow root (created once), emptied and given the stylesheet and a container.
fn shadow_root(host: &HtmlElement) -> Result<ShadowRoot, JsValue> {
    let root = match host.shadow_root() {
        Some(root) => root,
        None => host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?,
    };
    root.set_inner_html("");
    Ok(root)
}

/// Gives the shadow root the widget's stylesheet: a constructed stylesheet where the browser has
/// them (no inline `<style>`, so the LMS's Content-Security-Policy needs no `'unsafe-inline'`), else a
/// `<style>` element.
fn adopt_style(root: &ShadowRoot, document: &web_sys::Document) -> Result<(), JsValue> {
    let constructed = web_sys::CssStyleSheet::new().and_then(|sheet| {
        sheet.replace_sync(STYLE)?;
        root.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
        Ok(())
    });
    if constructed.is_err() {
        let style = document.create_element("style")?;
        style.set_text_content(Some(STYLE));
        root.append_child(&style)?;
    }
    Ok(())
}

fn render(host: &HtmlElement, seed: &WidgetPropsSeed) -> Result<AppHandle<Widget>, JsValue> {
    let root = shadow_root(host)?;
    let document = host
        .owner_document()
        .ok_or_else(|| JsValue::from_str("detached element"))?;
    adopt_style(&root, &document)?;
    let container = document.create_element("div")?;
    container.set_class_name("motp-root");
    root.append_child(&container)?;
    Ok(yew::Renderer::<Widget>::with_root_and_props(
        container,
        WidgetProps {
            client: seed.client.clone(),
            lang: seed.lang,
            host: host.clone(),
            resume: seed.resume.clone(),
        },
    )
    .render())
}
