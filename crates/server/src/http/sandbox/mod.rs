//! Sandbox mode, and only sandbox mode: the embedded HRD emulator (`hrd-sandbox`, under `/hrd`),
//! the demo LMS page ([`demo`]) and the sandbox identity provider's carrier page
//! ([`identity_page`]). Mounted by [`super::app`] only when the server runs in sandbox mode (the
//! carrier page also for tests whose tenants use the sandbox provider).

pub mod demo;
pub mod identity_page;

use hrd_sandbox::Sandbox;
use std::sync::Arc;

/// What sandbox mode runs beside the gateway.
pub struct SandboxMode {
    /// The HRD emulator the gateway talks to, with the demo trainees' virtual phones.
    pub hrd: Arc<Sandbox>,
    /// The demo LMS's own sessions: session id → the USRID logged in, as an LMS keeps them.
    pub sessions: demo::Sessions,
}

impl SandboxMode {
    /// Registers each demo trainee's phone unless the sandbox state already has one.
    pub fn new(sandbox: Arc<Sandbox>) -> Result<SandboxMode, String> {
        for t in &demo::TRAINEES {
            let has_device = sandbox.with_registry(|r| {
                r.person(t.name, t.tel)
                    .is_some_and(|p| p.current_device.is_some())
            });
            if !has_device {
                sandbox
                    .register_device(t.name, t.tel, t.pin)
                    .map_err(|e| format!("cannot register the demo phone: {e:?}"))?;
            }
        }
        Ok(SandboxMode {
            hrd: sandbox,
            sessions: demo::Sessions::default(),
        })
    }
}
