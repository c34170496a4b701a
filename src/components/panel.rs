//! A full-widget message with a heading, body and the one way forward (every screen has one).

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PanelProps {
    /// `success`, `warning`, `danger` or `info`.
    pub tone: AttrValue,
    pub title: AttrValue,
    /// Receives focus when the panel appears, so screen readers start here.
    pub heading_ref: NodeRef,
    /// `alert` for the lock; otherwise `region`.
    #[prop_or(AttrValue::Static("region"))]
    pub role: AttrValue,
    #[prop_or_default]
    pub action: Option<(AttrValue, Callback<()>)>,
    /// A second, less prominent way forward, after the action.
    #[prop_or_default]
    pub secondary: Option<(AttrValue, Callback<()>)>,
    #[prop_or_default]
    pub children: Html,
}

#[function_component]
pub fn Panel(props: &PanelProps) -> Html {
    let button = |class: &'static str, (label, cb): &(AttrValue, Callback<()>)| {
        let cb = cb.clone();
        html! {
            <button type="button" {class} onclick={Callback::from(move |_| cb.emit(()))}>{ label.clone() }</button>
        }
    };
    let action = props.action.as_ref().map(|a| button("primary", a));
    let secondary = props.secondary.as_ref().map(|a| button("secondary", a));
    html! {
        <section class={classes!("panel", props.tone.to_string())} role={props.role.clone()} aria-labelledby="motp-panel-title">
            <h2 id="motp-panel-title" tabindex="-1" ref={props.heading_ref.clone()}>{ props.title.clone() }</h2>
            { props.children.clone() }
            { for action }
            { for secondary }
        </section>
    }
}
