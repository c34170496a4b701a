//! The one error type of the widget's API client.

use crate::events::WidgetEvent;

#[derive(Debug, Clone, PartialEq)]
pub enum ClientError {
    /// The request did not complete (offline, server down, CORS refused).
    Network,
    /// The launch token or the page's origin was refused (401/403): the server's own `error` code
    /// and `message`, which tell the LMS developer what to fix.
    Refused { error: String, message: String },
    /// Any other non-success answer.
    Http { status: u16, error: String },
    /// The answer was not the expected JSON.
    Decode,
}

impl ClientError {
    /// Refused only because the launch token ran out: a reload mints a new one. Any other refusal
    /// is the page's configuration, which a reload does not fix.
    pub fn is_expired_token(&self) -> bool {
        matches!(self, ClientError::Refused { error, .. } if error == "token_expired")
    }

    /// The `motp:error` event the host page receives for this error.
    pub fn event(&self) -> WidgetEvent {
        let (code, message) = match self {
            ClientError::Network => (
                "network".to_string(),
                "the server could not be reached".to_string(),
            ),
            ClientError::Refused { error, message } => (error.clone(), message.clone()),
            ClientError::Http { status, error } => (error.clone(), format!("HTTP {status}")),
            ClientError::Decode => (
                "bad_response".to_string(),
                "unexpected answer from the server".to_string(),
            ),
        };
        WidgetEvent::Error { code, message }
    }
}
