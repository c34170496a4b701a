//! A full-widget message with a heading, body and the one way forward (every screen has one).
//!
//! A view function, not a component: it has no state or effects of its own, and each Yew component
//! is its own monomorphised lifecycle in the wasm (see [`views`](super) and the size budget in
//! README).

use yew::prelude::*;

pub struct PanelProps {
    /// `success`, `warning`, `danger` or `info`.
    pub tone: &'static str,
    pub title: &'static str,
    /// Receives focus when the panel appears, so screen readers start here.
    pub heading_ref: NodeRef,
    /// `alert` for the lock; otherwise `region`.
    pub role: &'static str,
    pub action: Option<(&'static str, Callback<()>)>,
    /// A second, less prominent way forward, after the action.
    pub secondary: Option<(&'static str, Callback<()>)>,
    pub children: Html,
}

impl PanelProps {
    /// A panel with a body and no buttons yet.
    pub fn new(
        tone: &'static str,
        title: &'static str,
        heading_ref: &NodeRef,
        children: Html,
    ) -> Self {
        PanelProps {
            tone,
            title,
            heading_ref: heading_ref.clone(),
            role: "region",
            action: None,
            secondary: None,
            children,
        }
    }

    pub fn action(mut self, label: &'static str, onclick: Callback<()>) -> Self {
        self.action = Some((label, onclick));
        self
    }
}

pub fn panel(props: PanelProps) -> Html {
    // The class is a literal in each: an expression would pull yew's `Classes` into the wasm.
    let onclick = |cb: Callback<()>| Callback::from(move |_| cb.emit(()));
    let action = props.action.map(|(label, cb)| {
        html! { <button type="button" class="primary" onclick={onclick(cb)}>{ label }</button> }
    });
    let secondary = props.secondary.map(|(label, cb)| {
        html! { <button type="button" class="secondary" onclick={onclick(cb)}>{ label }</button> }
    });
    html! {
        <section class="panel" data-tone={props.tone} role={props.role} aria-labelledby="motp-panel-title">
            <h2 id="motp-panel-title" tabindex="-1" ref={props.heading_ref}>{ props.title }</h2>
            { props.children }
            { for action }
            { for secondary }
        </section>
    }
}
