//! Confirmable-message retransmission (RFC 7252 §4.2) and Message ID /
//! token generation (§4.4, §5.3.1).

use super::config::TransmissionParameters;
use crate::rng::Rng;
use crate::time::{Duration, Instant};

/// What a retransmission timer asks for when it fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetransmitAction {
    /// Send the message again; the timer is re-armed.
    Retransmit,
    /// "If the retransmission counter reaches MAX_RETRANSMIT on a timeout
    /// [...] the attempt to transmit the message is canceled and the
    /// application process informed of failure" (RFC 7252 §4.2).
    GiveUp,
}

/// The per-message state RFC 7252 §4.2 says an endpoint "MUST keep track of
/// for each Confirmable message it sends while waiting for an
/// acknowledgement (or reset): a timeout and a retransmission counter".
///
/// The timer of the k-th retransmission fires at `first + T × (2^k − 1)`,
/// where `T` is the random initial timeout, so every instant is within the
/// RFC's envelope and the give-up instant is at most MAX_TRANSMIT_WAIT after
/// the first transmission.
///
/// ```
/// use qos_engine::coap::{Retransmission, RetransmitAction, TransmissionParameters};
/// use qos_engine::{Duration, Instant, Rng};
/// let p = TransmissionParameters::default();
/// let mut r = Retransmission::start(Instant::ZERO, &p, &mut Rng::new(1));
/// let t = r.deadline();
/// assert!(t >= Instant::from_secs(2) && t <= Instant::from_secs(3));
/// assert_eq!(r.on_timeout(t, &p), RetransmitAction::Retransmit);
/// assert_eq!(r.counter(), 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retransmission {
    first: Instant,
    deadline: Instant,
    timeout: Duration,
    counter: u8,
}

impl Retransmission {
    /// Starts tracking a Confirmable message first sent at `now`: "the initial
    /// timeout is set to a random duration [...] between ACK_TIMEOUT and
    /// (ACK_TIMEOUT * ACK_RANDOM_FACTOR), and the retransmission counter is set
    /// to 0" (§4.2).
    pub fn start(now: Instant, params: &TransmissionParameters, rng: &mut Rng) -> Self {
        let lo = u64::try_from(params.ack_timeout.as_micros()).unwrap_or(u64::MAX);
        let hi = u64::try_from(params.max_initial_timeout().as_micros()).unwrap_or(u64::MAX);
        let jitter = rng.below(hi.saturating_sub(lo).saturating_add(1));
        let timeout = Duration::from_micros(lo.saturating_add(jitter));
        Retransmission {
            first: now,
            deadline: now + timeout,
            timeout,
            counter: 0,
        }
    }

    /// When the timer fires next.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// When the message was first sent.
    pub fn first_sent(&self) -> Instant {
        self.first
    }

    /// Retransmissions so far.
    pub fn counter(&self) -> u8 {
        self.counter
    }

    /// The timer fired (the caller checked `now >= deadline()`): "When the
    /// timeout is triggered and the retransmission counter is less than
    /// MAX_RETRANSMIT, the message is retransmitted, the retransmission counter
    /// is incremented, and the timeout is doubled" (§4.2).
    ///
    /// Deadlines count from the schedule, not from a late `now`, so the
    /// envelope never stretches. A caller that wakes up late "may catch up on
    /// the next one. However, the minimum spacing before another
    /// retransmission is ACK_TIMEOUT, and the entire sequence of
    /// (re-)transmissions MUST stay in the envelope of MAX_TRANSMIT_SPAN [...]
    /// even if that means a sender may miss an opportunity to transmit"
    /// (§4.2): missed opportunities are skipped, and the give-up instant, if
    /// already past, wins over a last retransmission. After this call the
    /// deadline is always later than `now`.
    pub fn on_timeout(
        &mut self,
        now: Instant,
        params: &TransmissionParameters,
    ) -> RetransmitAction {
        let max = params.max_retransmit;
        if self.counter >= max {
            return RetransmitAction::GiveUp;
        }
        // Advance over every scheduled instant that is already past.
        let mut due = 0u8;
        while self.counter < max && self.deadline <= now {
            self.counter += 1;
            self.timeout = self.timeout.saturating_mul(2);
            self.deadline = self.deadline + self.timeout;
            due += 1;
        }
        if self.counter >= max && self.deadline <= now {
            // Even the give-up instant has passed.
            return RetransmitAction::GiveUp;
        }
        // This is the retransmission; keep ACK_TIMEOUT before the next one.
        while self.counter < max && self.deadline < now + params.ack_timeout {
            self.counter += 1;
            self.timeout = self.timeout.saturating_mul(2);
            self.deadline = self.deadline + self.timeout;
        }
        debug_assert!(due > 0);
        RetransmitAction::Retransmit
    }
}

/// Message IDs: "The same Message ID MUST NOT be reused (in the communication
/// with the same endpoint) within the EXCHANGE_LIFETIME" (§4.4). A 16-bit
/// counter started at a random value and incremented per message satisfies
/// this up to 65536 messages per EXCHANGE_LIFETIME (≈ 265 per second).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageIds {
    next: u16,
}

impl MessageIds {
    /// A generator starting at a random Message ID.
    pub fn new(rng: &mut Rng) -> Self {
        MessageIds {
            next: rng.next_u32() as u16,
        }
    }
    /// The Message ID [`next_id`](Self::next_id) returns next.
    pub fn peek(&self) -> u16 {
        self.next
    }
    /// The next Message ID.
    pub fn next_id(&mut self) -> u16 {
        let id = self.next;
        self.next = self.next.wrapping_add(1);
        id
    }
}

/// A token: 0 to 8 bytes (RFC 7252 §3; extended tokens of RFC 8974 are not
/// generated by this endpoint and are rejected on input by the codec limit).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Token {
    len: u8,
    bytes: [u8; 8],
}

impl Token {
    /// The empty token.
    pub const EMPTY: Token = Token {
        len: 0,
        bytes: [0; 8],
    };

    /// A token with these bytes, or `None` if longer than 8 bytes.
    ///
    /// ```
    /// use qos_engine::coap::Token;
    /// assert_eq!(Token::new(&[1, 2]).unwrap().as_bytes(), &[1, 2]);
    /// assert!(Token::new(&[0; 9]).is_none());
    /// ```
    pub fn new(bytes: &[u8]) -> Option<Token> {
        if bytes.len() > 8 {
            return None;
        }
        let mut t = Token {
            len: bytes.len() as u8,
            bytes: [0; 8],
        };
        t.bytes[..bytes.len()].copy_from_slice(bytes);
        Some(t)
    }

    /// A random token of `len` bytes (clamped to 8) drawn from `rng`.
    pub fn random(rng: &mut Rng, len: usize) -> Token {
        let len = len.min(8);
        let mut t = Token {
            len: len as u8,
            bytes: [0; 8],
        };
        rng.fill(&mut t.bytes[..len]);
        t
    }

    /// The token's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The token's length.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Whether this is the empty (zero-length) token.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retransmission_schedule_doubles_and_gives_up_within_max_transmit_wait() {
        let p = TransmissionParameters::default();
        for seed in 0..200 {
            let mut rng = Rng::new(seed);
            let t0 = Instant::from_secs(10);
            let mut r = Retransmission::start(t0, &p, &mut rng);
            let initial = r.deadline().saturating_duration_since(t0);
            assert!(initial >= p.ack_timeout && initial <= p.max_initial_timeout());
            let mut sends = 1;
            loop {
                let now = r.deadline();
                match r.on_timeout(now, &p) {
                    RetransmitAction::Retransmit => {
                        sends += 1;
                        // k-th retransmission at t0 + T*(2^k - 1)
                        let k = u32::from(r.counter());
                        let expect = initial * ((1u32 << k) - 1);
                        assert_eq!(now.saturating_duration_since(t0), expect);
                        assert!(now.saturating_duration_since(t0) <= p.max_transmit_span());
                    }
                    RetransmitAction::GiveUp => {
                        assert!(now.saturating_duration_since(t0) <= p.max_transmit_wait());
                        assert_eq!(now.saturating_duration_since(t0), initial * 31);
                        break;
                    }
                }
            }
            assert_eq!(sends, 1 + usize::from(p.max_retransmit));
        }
    }

    #[test]
    fn late_timer_skips_missed_retransmissions_and_keeps_the_envelope() {
        let p = TransmissionParameters::default();
        let mut r = Retransmission::start(Instant::ZERO, &p, &mut Rng::new(9));
        let t = r.deadline().saturating_duration_since(Instant::ZERO);
        // The caller wakes 10 s late: one retransmission now, the schedule
        // moves to the first instant at least ACK_TIMEOUT later.
        let late = r.deadline() + Duration::from_secs(10);
        assert_eq!(r.on_timeout(late, &p), RetransmitAction::Retransmit);
        assert!(r.deadline() >= late + p.ack_timeout);
        let k = u32::from(r.counter()) + 1;
        assert_eq!(r.deadline(), Instant::ZERO + t * ((1 << k) - 1));
        // Waking after the give-up instant gives up without sending.
        let mut r = Retransmission::start(Instant::ZERO, &p, &mut Rng::new(9));
        assert_eq!(
            r.on_timeout(Instant::from_secs(1000), &p),
            RetransmitAction::GiveUp
        );
    }

    #[test]
    fn message_ids_wrap_around() {
        let mut ids = MessageIds { next: u16::MAX };
        assert_eq!(ids.next_id(), u16::MAX);
        assert_eq!(ids.next_id(), 0);
    }
}
