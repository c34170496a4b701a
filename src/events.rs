//! Events for the host page: `CustomEvent`s on the mount element, named `motp:<name>`, bubbling and
//! composed. Names and `detail` shapes are a stable API, documented in README.

use wasm_bindgen::JsValue;

#[derive(Debug, Clone, PartialEq)]
pub enum WidgetEvent {
    Ready {
        failures: u32,
        remaining: u32,
        locked: bool,
    },
    Verified {
        receipt: String,
    },
    AttemptFailed {
        failures: u32,
        remaining: u32,
    },
    Locked,
    Unlocked,
    SubstituteOffered,
    Error {
        code: String,
        message: String,
    },
}

impl WidgetEvent {
    /// The event's type, as passed to `addEventListener`.
    pub fn name(&self) -> &'static str {
        match self {
            WidgetEvent::Ready { .. } => "motp:ready",
            WidgetEvent::Verified { .. } => "motp:verified",
            WidgetEvent::AttemptFailed { .. } => "motp:attempt-failed",
            WidgetEvent::Locked => "motp:locked",
            WidgetEvent::Unlocked => "motp:unlocked",
            WidgetEvent::SubstituteOffered => "motp:substitute-offered",
            WidgetEvent::Error { .. } => "motp:error",
        }
    }

    /// The event's `detail`, as `(name, value)` pairs.
    pub fn detail(&self) -> Vec<(&'static str, Detail)> {
        use Detail::{Flag, Number, Text};
        match self {
            WidgetEvent::Ready {
                failures,
                remaining,
                locked,
            } => vec![
                ("failures", Number(*failures)),
                ("remaining", Number(*remaining)),
                ("locked", Flag(*locked)),
            ],
            WidgetEvent::Verified { receipt } => vec![("receipt", Text(receipt.clone()))],
            WidgetEvent::AttemptFailed {
                failures,
                remaining,
            } => {
                vec![
                    ("failures", Number(*failures)),
                    ("remaining", Number(*remaining)),
                ]
            }
            WidgetEvent::Locked | WidgetEvent::Unlocked | WidgetEvent::SubstituteOffered => vec![],
            WidgetEvent::Error { code, message } => {
                vec![
                    ("code", Text(code.clone())),
                    ("message", Text(message.clone())),
                ]
            }
        }
    }
}

/// One value in an event's `detail` (built as a plain JS object, without a JSON library).
#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    Number(u32),
    Flag(bool),
    Text(String),
}

impl From<&Detail> for JsValue {
    fn from(d: &Detail) -> JsValue {
        match d {
            Detail::Number(n) => JsValue::from(*n),
            Detail::Flag(b) => JsValue::from(*b),
            Detail::Text(s) => JsValue::from_str(s),
        }
    }
}

/// Dispatches `event` on `target` (the element the widget was mounted on).
pub fn dispatch(target: &web_sys::EventTarget, event: &WidgetEvent) {
    let init = web_sys::CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    let detail = js_sys::Object::new();
    for (name, value) in event.detail() {
        let _ = js_sys::Reflect::set(&detail, &JsValue::from_str(name), &JsValue::from(&value));
    }
    init.set_detail(&detail);
    if let Ok(e) = web_sys::CustomEvent::new_with_event_init_dict(event.name(), &init) {
        let _ = target.dispatch_event(&e);
    }
}
