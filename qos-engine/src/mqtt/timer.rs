//! The session's timers: a fixed table keyed by [`Timer`] (quinn-proto style).

use crate::time::Instant;

/// Every deadline a session can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Timer {
    /// Client: write a PINGREQ ([MQTT-3.1.2-20]).
    Ping = 0,
    /// Nothing received for 1.5 × Keep Alive: the peer is gone
    /// ([MQTT-3.1.2-22]); also bounds the wait for CONNACK / CONNECT.
    Dead = 1,
    /// The network connection is closed and the Session Expiry Interval has
    /// passed: discard the session state ([MQTT-4.1.0-2]).
    SessionExpiry = 2,
    /// The Message Expiry Interval of a message still queued (never
    /// written) passes: drop it ([MQTT-3.3.2-5]).
    MessageExpiry = 3,
}

const COUNT: usize = 4;
const ALL: [Timer; COUNT] = [
    Timer::Ping,
    Timer::Dead,
    Timer::SessionExpiry,
    Timer::MessageExpiry,
];

/// Deadlines, one slot per [`Timer`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Timers {
    at: [Option<Instant>; COUNT],
}

impl Timers {
    pub(crate) fn set(&mut self, t: Timer, at: Instant) {
        self.at[t as usize] = Some(at);
    }
    pub(crate) fn stop(&mut self, t: Timer) {
        self.at[t as usize] = None;
    }
    pub(crate) fn get(&self, t: Timer) -> Option<Instant> {
        self.at[t as usize]
    }
    pub(crate) fn stop_all(&mut self) {
        self.at = [None; COUNT];
    }
    /// The earliest deadline.
    pub(crate) fn next(&self) -> Option<Instant> {
        self.at.iter().flatten().min().copied()
    }
    /// Removes and returns one expired timer (earliest first).
    pub(crate) fn expired(&mut self, now: Instant) -> Option<Timer> {
        let t = ALL
            .iter()
            .copied()
            .filter(|t| matches!(self.get(*t), Some(at) if at <= now))
            .min_by_key(|t| self.get(*t))?;
        self.stop(t);
        Some(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earliest_deadline_is_next_and_expires_first() {
        let mut t = Timers::default();
        t.set(Timer::Dead, Instant::from_secs(15));
        t.set(Timer::Ping, Instant::from_secs(10));
        assert_eq!(t.next(), Some(Instant::from_secs(10)));
        assert_eq!(t.expired(Instant::from_secs(9)), None);
        assert_eq!(t.expired(Instant::from_secs(20)), Some(Timer::Ping));
        assert_eq!(t.expired(Instant::from_secs(20)), Some(Timer::Dead));
        assert_eq!(t.expired(Instant::from_secs(20)), None);
        assert_eq!(t.next(), None);
    }
}
