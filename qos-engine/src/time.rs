//! Virtual time: the caller's clock, handed to the engines as an argument.
//!
//! [`Instant`] is a count of microseconds since an epoch the caller chooses
//! (boot, the Unix epoch, the start of a simulation). Engines never read a
//! clock; arithmetic saturates instead of overflowing, so no `now` value can
//! make an engine panic.

pub use core::time::Duration;

/// A point in time, in microseconds since a caller-chosen epoch.
///
/// ```
/// use qos_engine::{Duration, Instant};
/// let t = Instant::from_millis(1_500);
/// assert_eq!(t + Duration::from_millis(500), Instant::from_secs(2));
/// assert_eq!(Instant::ZERO.saturating_duration_since(t), Duration::ZERO);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Instant(u64);

impl Instant {
    /// The epoch.
    pub const ZERO: Instant = Instant(0);
    /// The latest representable instant; used as "never".
    pub const MAX: Instant = Instant(u64::MAX);

    /// An instant `us` microseconds after the epoch.
    pub const fn from_micros(us: u64) -> Self {
        Instant(us)
    }
    /// An instant `ms` milliseconds after the epoch (saturating).
    pub const fn from_millis(ms: u64) -> Self {
        Instant(ms.saturating_mul(1_000))
    }
    /// An instant `s` seconds after the epoch (saturating).
    pub const fn from_secs(s: u64) -> Self {
        Instant(s.saturating_mul(1_000_000))
    }
    /// Microseconds since the epoch.
    pub const fn as_micros(self) -> u64 {
        self.0
    }
    /// Whole milliseconds since the epoch.
    pub const fn as_millis(self) -> u64 {
        self.0 / 1_000
    }
    /// The time elapsed from `earlier` to `self`, or zero if `earlier` is later.
    pub fn saturating_duration_since(self, earlier: Instant) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0))
    }
    /// `self + d`, saturating at [`Instant::MAX`].
    pub fn saturating_add(self, d: Duration) -> Instant {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        Instant(self.0.saturating_add(us))
    }
    /// `self - d`, saturating at [`Instant::ZERO`].
    pub fn saturating_sub(self, d: Duration) -> Instant {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        Instant(self.0.saturating_sub(us))
    }
}

impl core::ops::Add<Duration> for Instant {
    type Output = Instant;
    /// Saturating addition.
    fn add(self, d: Duration) -> Instant {
        self.saturating_add(d)
    }
}

impl core::ops::Sub<Duration> for Instant {
    type Output = Instant;
    /// Saturating subtraction.
    fn sub(self, d: Duration) -> Instant {
        self.saturating_sub(d)
    }
}

/// A monotonic clamp: remembers the latest `now` seen so that a caller whose
/// clock steps backwards never makes an engine's time run backwards.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Monotonic {
    last: Instant,
}

impl Monotonic {
    /// Starts at `now`.
    pub const fn new(now: Instant) -> Self {
        Monotonic { last: now }
    }
    /// Returns `max(now, latest seen)` and remembers it.
    pub fn observe(&mut self, now: Instant) -> Instant {
        if now > self.last {
            self.last = now;
        }
        self.last
    }
    /// The latest instant observed.
    pub const fn get(&self) -> Instant {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates_at_both_ends() {
        assert_eq!(Instant::MAX + Duration::from_secs(1), Instant::MAX);
        assert_eq!(Instant::ZERO - Duration::from_secs(1), Instant::ZERO);
        assert_eq!(Instant::from_secs(u64::MAX), Instant::MAX);
        assert_eq!(Instant::ZERO + Duration::MAX, Instant::MAX);
    }

    #[test]
    fn monotonic_clamp_never_runs_backwards() {
        let mut m = Monotonic::new(Instant::from_secs(10));
        assert_eq!(m.observe(Instant::from_secs(5)), Instant::from_secs(10));
        assert_eq!(m.observe(Instant::from_secs(12)), Instant::from_secs(12));
        assert_eq!(m.get(), Instant::from_secs(12));
    }
}
