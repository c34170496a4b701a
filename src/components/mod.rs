//! The widget's components: [`widget::Widget`] runs the state machine and picks the screen.

pub mod check_panel;
pub mod code_form;
pub mod countdown;
pub mod identity_watch;
pub mod panel;
pub mod widget;

pub use widget::{Widget, WidgetProps};
