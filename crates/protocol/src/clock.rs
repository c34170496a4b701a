//! The one way the gateway and the sandbox read the time, so tests set it instead of sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Seconds since the Unix epoch, from whatever source the process was given.
pub trait Clock: Send + Sync + 'static {
    fn now_unix(&self) -> i64;
}

pub type SharedClock = Arc<dyn Clock>;

/// The machine's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }
}

/// A clock that reads another clock plus an offset, or a fixed instant; both adjustable at run time
/// (the sandbox's `POST /sandbox/clock`, and tests).
pub struct AdjustableClock {
    base: SharedClock,
    offset: AtomicI64,
    /// `i64::MIN` means "not fixed".
    fixed: AtomicI64,
}

impl AdjustableClock {
    pub fn new(base: SharedClock) -> Self {
        AdjustableClock {
            base,
            offset: AtomicI64::new(0),
            fixed: AtomicI64::new(i64::MIN),
        }
    }

    /// A clock standing still at `unix` until moved.
    pub fn fixed(unix: i64) -> Arc<Self> {
        let c = AdjustableClock::new(Arc::new(SystemClock));
        c.set_fixed(unix);
        Arc::new(c)
    }

    pub fn set_offset(&self, seconds: i64) {
        self.fixed.store(i64::MIN, Ordering::SeqCst);
        self.offset.store(seconds, Ordering::SeqCst);
    }

    pub fn set_fixed(&self, unix: i64) {
        self.offset.store(0, Ordering::SeqCst);
        self.fixed.store(unix, Ordering::SeqCst);
    }

    /// Moves the clock forward (or back, with a negative value), whichever mode it is in.
    pub fn advance(&self, seconds: i64) {
        let fixed = self.fixed.load(Ordering::SeqCst);
        if fixed == i64::MIN {
            self.offset.fetch_add(seconds, Ordering::SeqCst);
        } else {
            self.fixed.store(fixed + seconds, Ordering::SeqCst);
        }
    }
}

impl Clock for AdjustableClock {
    fn now_unix(&self) -> i64 {
        match self.fixed.load(Ordering::SeqCst) {
            i64::MIN => self.base.now_unix() + self.offset.load(Ordering::SeqCst),
            fixed => fixed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct At(i64);
    impl Clock for At {
        fn now_unix(&self) -> i64 {
            self.0
        }
    }

    #[test]
    fn offset_fixed_and_advance() {
        let c = AdjustableClock::new(Arc::new(At(1000)));
        assert_eq!(c.now_unix(), 1000);
        c.set_offset(-60);
        assert_eq!(c.now_unix(), 940);
        c.advance(5);
        assert_eq!(c.now_unix(), 945);
        c.set_fixed(42);
        assert_eq!(c.now_unix(), 42);
        c.advance(60);
        assert_eq!(c.now_unix(), 102);
        c.set_offset(0);
        assert_eq!(c.now_unix(), 1000);
    }
}
