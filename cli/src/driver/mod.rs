//! Blocking drivers: a socket with a read timeout set from the engine's
//! `poll_timeout()`, and a monotonic clock.

pub mod coap;
pub mod mqtt;

/// The engines' clock: microseconds since the moment the `Clock` was made,
/// from the monotonic `std::time::Instant`. Copy it into every driver of a
/// session so that time keeps running across reconnections.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    epoch: std::time::Instant,
}

impl Clock {
    /// A clock whose epoch is now.
    pub fn new() -> Clock {
        Clock {
            epoch: std::time::Instant::now(),
        }
    }

    /// The current time as an engine [`qos_engine::Instant`].
    pub fn now(&self) -> qos_engine::Instant {
        let us = self.epoch.elapsed().as_micros();
        qos_engine::Instant::from_micros(u64::try_from(us).unwrap_or(u64::MAX))
    }

    /// How long from now until `deadline` (zero if it has passed).
    pub fn until(&self, deadline: qos_engine::Instant) -> std::time::Duration {
        deadline.saturating_duration_since(self.now())
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

/// Whether an I/O error from a socket with a read timeout is that timeout
/// (Unix reports `WouldBlock`, Windows `TimedOut`).
pub(crate) fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}
