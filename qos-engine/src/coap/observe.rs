//! Observe (RFC 7641): the client's notification freshness rule (§3.4) and
//! the server's sequence numbers (§4.4).

use crate::time::{Duration, Instant};

/// RFC 7641 §3.4: "the client [...] MUST consider a notification fresher
/// than a previous one if [...]
///
/// ```text
///    (V1 < V2 and V2 - V1 < 2^23) or
///    (V1 > V2 and V1 - V2 > 2^23) or
///    (T2 > T1 + 128 seconds)
/// ```
///
/// where V1 is the value of the Observe Option in the last notification
/// [...] T1 is a client-local timestamp for the last notification [...], V2
/// and T2 [...] for the newly received notification." Observe values are 24
/// bits; higher bits are ignored.
///
/// ```
/// use qos_engine::coap::is_fresher;
/// use qos_engine::Instant;
/// let t = Instant::from_secs(1);
/// assert!(is_fresher(5, t, 6, t));
/// assert!(!is_fresher(6, t, 5, t));
/// assert!(is_fresher(0xFF_FFFF, t, 0, t)); // wrapped around
/// assert!(is_fresher(6, t, 5, Instant::from_secs(130))); // 128-second rule
/// ```
pub fn is_fresher(v1: u32, t1: Instant, v2: u32, t2: Instant) -> bool {
    const HALF: u32 = 1 << 23;
    let (v1, v2) = (v1 & 0xFF_FFFF, v2 & 0xFF_FFFF);
    (v1 < v2 && v2 - v1 < HALF) || (v1 > v2 && v1 - v2 > HALF) || t2 > t1 + Duration::from_secs(128)
}

/// The client's memory of the freshest notification of one observation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Freshness {
    last: Option<(u32, Instant)>,
}

impl Freshness {
    /// Nothing received yet: the first notification is always accepted.
    pub const fn new() -> Self {
        Freshness { last: None }
    }

    /// Accepts a notification with Observe value `v` received at `now` if it
    /// is fresher than every one accepted before (and remembers it), or
    /// rejects it as stale: "the client MUST NOT use [an outdated
    /// notification] for updating the resource state" (RFC 7641 §3.4).
    pub fn accept(&mut self, v: u32, now: Instant) -> bool {
        let fresh = match self.last {
            None => true,
            Some((v1, t1)) => is_fresher(v1, t1, v, now),
        };
        if fresh {
            self.last = Some((v & 0xFF_FFFF, now));
        }
        fresh
    }

    /// Forgets the history (a re-registration that the server answered
    /// afresh still goes through the rule; this is for a new registration).
    pub fn reset(&mut self) {
        self.last = None;
    }
}

impl Default for Freshness {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7641_3_4_window_is_strictly_less_than_2_pow_23() {
        let t = Instant::from_secs(0);
        assert!(is_fresher(0, t, (1 << 23) - 1, t));
        assert!(!is_fresher(0, t, 1 << 23, t));
        assert!(!is_fresher(1 << 23, t, 0, t));
        assert!(is_fresher((1 << 23) + 1, t, 0, t));
        assert!(!is_fresher(7, t, 7, t));
    }

    #[test]
    fn rfc7641_3_4_after_128_seconds_anything_is_fresher() {
        let t1 = Instant::from_secs(10);
        assert!(!is_fresher(9, t1, 3, Instant::from_secs(138)));
        assert!(is_fresher(9, t1, 3, Instant::from_millis(138_001)));
    }

    #[test]
    fn freshness_drops_reordered_notifications() {
        let mut f = Freshness::new();
        let t = Instant::from_secs(1);
        assert!(f.accept(10, t));
        assert!(f.accept(12, t));
        assert!(!f.accept(11, t));
        assert!(f.accept(13, t));
    }
}
