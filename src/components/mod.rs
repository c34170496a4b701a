//! The one Yew component, [`Widget`]: it holds the [state machine](crate::state), has each
//! transition's [effects](crate::effects) run, and draws the current screen with the
//! [`views`](crate::views), using the [`hooks`](crate::hooks) for the countdown and the identity
//! check. One component on purpose (see [`views`](crate::views) for the size it saves).

pub mod widget;

pub use widget::{Widget, WidgetProps};
