//! The one error type of the widget's API client.

use crate::events::WidgetEvent;

#[derive(Debug, Clone, PartialEq)]
pub enum ClientError {
    /// The request did not complete (offline, server down, CORS refused).
    Network,
    /// The launch token was refused; `expired` when it merely ran out.
    Unauthorized { expired: bool },
    /// Any other non-success answer.
    Http { status: u16, error: String },
    /// The answer was not the expected JSON.
    Decode,
}

impl ClientError {
    /// The `motp:error` event the host page receives for this error.
    pub fn event(&self) -> WidgetEvent {
        let (code, message) = match self {
            ClientError::Network => (
                "network".to_string(),
                "the server could not be reached".to_string(),
            ),
            ClientError::Unauthorized { expired: true } => (
                "token_expired".to_string(),
                "the launch token expired; reload the page".to_string(),
            ),
            ClientError::Unauthorized { expired: false } => (
                "invalid_token".to_string(),
                "the launch token was refused".to_string(),
            ),
            ClientError::Http { status, error } => (error.clone(), format!("HTTP {status}")),
            ClientError::Decode => (
                "bad_response".to_string(),
                "unexpected answer from the server".to_string(),
            ),
        };
        WidgetEvent::Error { code, message }
    }
}
