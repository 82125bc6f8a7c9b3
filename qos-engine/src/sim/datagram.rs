//! A seeded datagram link (loss, duplication, reordering, delay) for CoAP over UDP.
//!
//! Datagrams handed to [`Link::send`] come out of [`Link::poll_deliver`] at a
//! virtual instant chosen by the link's seeded generator — or never, or twice.
//! Reordering is the natural result of random per-datagram delay. Nothing here
//! reads a clock: the caller advances time, typically to
//! [`Link::next_delivery`].
//!
//! ```
//! use qos_engine::sim::datagram::{Link, LinkConfig};
//! use qos_engine::Instant;
//! let mut link = Link::new(LinkConfig::lossless(), 1);
//! link.send(Instant::ZERO, 1u8, 2u8, b"hi");
//! let t = link.next_delivery().unwrap();
//! let d = link.poll_deliver(t).unwrap();
//! assert_eq!((d.from, d.to, &d.bytes[..]), (1, 2, &b"hi"[..]));
//! ```

use alloc::collections::BinaryHeap;
use alloc::vec::Vec;
use core::cmp::{Ordering, Reverse};

use crate::rng::Rng;
use crate::time::{Duration, Instant};

/// How a [`Link`] mistreats datagrams. Probabilities are per million.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkConfig {
    /// Probability that a datagram is lost.
    pub loss_per_million: u32,
    /// Probability that a (not lost) datagram is delivered twice.
    pub duplicate_per_million: u32,
    /// Smallest one-way delay.
    pub min_delay: Duration,
    /// Largest one-way delay; delays are uniform in `[min_delay, max_delay]`,
    /// so datagrams sent less than `max_delay - min_delay` apart may be reordered.
    pub max_delay: Duration,
}

impl LinkConfig {
    /// No loss, no duplication, a fixed 1 ms delay.
    pub const fn lossless() -> Self {
        LinkConfig {
            loss_per_million: 0,
            duplicate_per_million: 0,
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
        }
    }
    /// A hostile link: `loss`% loss, `dup`% duplication, 1–500 ms delay.
    pub const fn lossy(loss_percent: u32, dup_percent: u32) -> Self {
        LinkConfig {
            loss_per_million: loss_percent * 10_000,
            duplicate_per_million: dup_percent * 10_000,
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(500),
        }
    }
}

/// A datagram in flight or delivered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Datagram<P> {
    /// Sender.
    pub from: P,
    /// Receiver.
    pub to: P,
    /// The bytes, exactly as sent.
    pub bytes: Vec<u8>,
    /// When the link delivers it.
    pub at: Instant,
}

struct Queued<P> {
    at: Instant,
    seq: u64,
    datagram: Datagram<P>,
}

impl<P> PartialEq for Queued<P> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl<P> Eq for Queued<P> {}
impl<P> PartialOrd for Queued<P> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<P> Ord for Queued<P> {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// What a [`Link`] did so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Datagrams handed to [`Link::send`].
    pub sent: u64,
    /// Datagrams the link dropped.
    pub lost: u64,
    /// Extra copies the link made.
    pub duplicated: u64,
    /// Datagrams returned by [`Link::poll_deliver`].
    pub delivered: u64,
}

/// One [`Link::send`] call, as recorded by [`Link::record`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent<P> {
    /// When it was sent.
    pub at: Instant,
    /// Sender.
    pub from: P,
    /// Receiver.
    pub to: P,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// How many copies the link delivers (0: lost, 2: duplicated).
    pub copies: u8,
}

/// A seeded, lossy, duplicating, reordering datagram link on virtual time.
pub struct Link<P> {
    config: LinkConfig,
    rng: Rng,
    queue: BinaryHeap<Reverse<Queued<P>>>,
    seq: u64,
    stats: LinkStats,
    log: Option<Vec<Sent<P>>>,
}

impl<P: Clone> Link<P> {
    /// A link whose every decision follows from `seed`.
    pub fn new(config: LinkConfig, seed: u64) -> Self {
        Link {
            config,
            rng: Rng::new(seed ^ 0x11AC_D47A_6A11_0000),
            queue: BinaryHeap::new(),
            seq: 0,
            stats: LinkStats::default(),
            log: None,
        }
    }

    /// Starts (or stops) keeping a record of every datagram sent, with its
    /// fate, for diagnosing a failing seed; see [`log`](Self::log).
    pub fn record(&mut self, on: bool) {
        self.log = on.then(Vec::new);
    }

    /// The datagrams sent since [`record`](Self::record)`(true)`, in order.
    pub fn log(&self) -> &[Sent<P>] {
        self.log.as_deref().unwrap_or(&[])
    }

    /// Changes how the link behaves from now on (datagrams in flight keep
    /// their delivery instants).
    pub fn set_config(&mut self, config: LinkConfig) {
        self.config = config;
    }

    /// The link's configuration.
    pub fn config(&self) -> LinkConfig {
        self.config
    }

    fn delay(&mut self) -> Duration {
        let lo = u64::try_from(self.config.min_delay.as_micros()).unwrap_or(u64::MAX);
        let hi = u64::try_from(self.config.max_delay.as_micros()).unwrap_or(u64::MAX);
        let span = hi.saturating_sub(lo);
        Duration::from_micros(lo.saturating_add(self.rng.below(span.saturating_add(1))))
    }

    fn enqueue(&mut self, now: Instant, from: P, to: P, bytes: &[u8]) {
        let at = now + self.delay();
        self.seq += 1;
        self.queue.push(Reverse(Queued {
            at,
            seq: self.seq,
            datagram: Datagram {
                from,
                to,
                bytes: bytes.to_vec(),
                at,
            },
        }));
    }

    /// Sends `bytes` from `from` to `to` at `now`: the link may lose it,
    /// deliver it once after a random delay, or deliver two copies.
    pub fn send(&mut self, now: Instant, from: P, to: P, bytes: &[u8]) {
        self.stats.sent += 1;
        let copies = if self.rng.chance(self.config.loss_per_million) {
            self.stats.lost += 1;
            0
        } else {
            self.enqueue(now, from.clone(), to.clone(), bytes);
            if self.rng.chance(self.config.duplicate_per_million) {
                self.stats.duplicated += 1;
                self.enqueue(now, from.clone(), to.clone(), bytes);
                2
            } else {
                1
            }
        };
        if let Some(log) = self.log.as_mut() {
            log.push(Sent {
                at: now,
                from,
                to,
                bytes: bytes.to_vec(),
                copies,
            });
        }
    }

    /// When the next datagram is due, if any is in flight.
    pub fn next_delivery(&self) -> Option<Instant> {
        self.queue.peek().map(|q| q.0.at)
    }

    /// The earliest datagram due at or before `now`.
    pub fn poll_deliver(&mut self, now: Instant) -> Option<Datagram<P>> {
        if self.next_delivery()? > now {
            return None;
        }
        let q = self.queue.pop()?.0;
        self.stats.delivered += 1;
        Some(q.datagram)
    }

    /// Datagrams still in flight.
    pub fn in_flight(&self) -> usize {
        self.queue.len()
    }

    /// Counters.
    pub fn stats(&self) -> LinkStats {
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_fate() {
        let run = |seed| {
            let mut l = Link::new(LinkConfig::lossy(30, 20), seed);
            let mut out = Vec::new();
            for i in 0..100u8 {
                l.send(Instant::from_millis(u64::from(i)), 0u8, 1u8, &[i]);
            }
            while let Some(d) = l.poll_deliver(Instant::MAX) {
                out.push((d.bytes[0], d.at));
            }
            out
        };
        assert_eq!(run(5), run(5));
        assert_ne!(run(5), run(6));
    }

    #[test]
    fn lossy_link_loses_duplicates_and_reorders() {
        let mut l = Link::new(LinkConfig::lossy(20, 20), 77);
        for i in 0..1000u32 {
            l.send(
                Instant::from_millis(u64::from(i)),
                0u8,
                1u8,
                &i.to_be_bytes(),
            );
        }
        let mut last = 0u32;
        let mut reordered = 0;
        let mut times = Vec::new();
        while let Some(d) = l.poll_deliver(Instant::MAX) {
            let v = u32::from_be_bytes(d.bytes[..4].try_into().unwrap());
            if v < last {
                reordered += 1;
            }
            last = v;
            times.push(d.at);
        }
        let s = l.stats();
        assert!(s.lost > 100 && s.lost < 300, "{s:?}");
        assert!(s.duplicated > 100, "{s:?}");
        assert_eq!(s.delivered, s.sent - s.lost + s.duplicated);
        assert!(reordered > 100);
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn record_logs_every_send_with_its_fate() {
        let mut l = Link::new(LinkConfig::lossy(30, 30), 9);
        l.send(Instant::ZERO, 0u8, 1u8, b"before");
        l.record(true);
        for i in 0..200u8 {
            l.send(Instant::from_millis(u64::from(i)), 0u8, 1u8, &[i]);
        }
        let log = l.log();
        assert_eq!(log.len(), 200);
        assert!(log.iter().enumerate().all(|(i, s)| s.bytes == [i as u8]));
        let copies: u64 = log.iter().map(|s| u64::from(s.copies)).sum();
        let mut delivered = 0;
        while l.poll_deliver(Instant::MAX).is_some() {
            delivered += 1;
        }
        assert_eq!(
            copies + 1,
            delivered,
            "the unrecorded first send arrives too"
        );
        l.record(false);
        assert!(l.log().is_empty());
    }

    #[test]
    fn nothing_is_delivered_early() {
        let mut l = Link::new(LinkConfig::lossless(), 1);
        l.send(Instant::from_secs(1), 0u8, 1u8, b"x");
        assert!(l.poll_deliver(Instant::from_secs(1)).is_none());
        assert!(l.poll_deliver(Instant::from_millis(1001)).is_some());
    }
}
