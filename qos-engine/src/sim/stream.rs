//! A seeded byte-stream link (delay, cuts at random points) for MQTT over TCP.
//!
//! [`Link`] models one TCP connection between side [`Side::A`] (the client)
//! and side [`Side::B`] (the server) on virtual time. While the connection is
//! up it is what TCP promises — ordered and lossless — but bytes arrive late
//! (a random delay per write, never reordering), split at random points (so
//! the receiver sees partial frames), and the connection can be *cut*: with a
//! configured probability a write is cut at a random byte, the prefix before
//! the cut is delivered and everything after it, in both directions, is lost.
//! Once the receiving side has read every byte that made it, [`Link::poll`]
//! reports [`Delivery::Down`]; a new connection is made with [`Link::connect`].
//!
//! Everything is a function of the seed and of the `now` values the caller
//! passes, so a failing run is replayed exactly from its seed. Memory is
//! bounded by [`LinkConfig::capacity`]: a write into a full pipe blocks (the
//! writer is told how many bytes were taken), as a TCP send buffer would.
//!
//! ```
//! use qos_engine::sim::stream::{Delivery, Link, LinkConfig, Side};
//! use qos_engine::{Duration, Instant};
//!
//! let mut link = Link::new(LinkConfig::default(), 7);
//! link.connect(Instant::ZERO);
//! assert_eq!(link.send(Instant::ZERO, Side::A, b"hello"), 5);
//! let mut got = Vec::new();
//! let mut buf = [0u8; 64];
//! let mut now = Instant::ZERO;
//! while got.len() < 5 {
//!     now = link.next_delivery().unwrap();
//!     while let Some(d) = link.poll(now, Side::B, &mut buf) {
//!         if let Delivery::Bytes(n) = d {
//!             got.extend_from_slice(&buf[..n]);
//!         }
//!     }
//! }
//! assert_eq!(got, b"hello");
//! assert!(now <= Instant::ZERO + LinkConfig::default().max_delay);
//! ```

use alloc::collections::VecDeque;

use crate::rng::Rng;
use crate::time::{Duration, Instant};

/// One end of the link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The connecting side (the MQTT client).
    A,
    /// The accepting side (the MQTT server).
    B,
}

impl Side {
    /// The other end.
    pub const fn peer(self) -> Side {
        match self {
            Side::A => Side::B,
            Side::B => Side::A,
        }
    }
    const fn index(self) -> usize {
        match self {
            Side::A => 0,
            Side::B => 1,
        }
    }
}

/// What the link does to bytes; every field is a knob of the simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkConfig {
    /// Smallest one-way delay of a write.
    pub min_delay: Duration,
    /// Largest one-way delay of a write (delays are uniform in between; the
    /// stream never reorders, a write arrives no earlier than the previous one).
    pub max_delay: Duration,
    /// Probability, per million, that a write is cut at a random byte.
    pub cut_per_million: u32,
    /// Probability, per million, that a write is delivered in several pieces
    /// split at random points.
    pub split_per_million: u32,
    /// Probability, per million, that a write makes the connection go
    /// *silent*: from that byte on everything written in either direction
    /// vanishes and neither side is told (a half-open connection, a peer
    /// that froze). Only keep-alive can notice; [`Link::cut`] ends it.
    pub silent_per_million: u32,
    /// Bytes a direction can hold in flight; writes beyond it are refused.
    pub capacity: usize,
}

impl Default for LinkConfig {
    /// 1–20 ms delays, no cuts, half the writes split, 64 KiB per direction.
    fn default() -> Self {
        LinkConfig {
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(20),
            cut_per_million: 0,
            split_per_million: 500_000,
            silent_per_million: 0,
            capacity: 64 * 1024,
        }
    }
}

/// What [`Link::poll`] hands to a side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// This many bytes were written into the caller's buffer.
    Bytes(usize),
    /// The connection is gone: everything that made it has been delivered.
    Down,
}

#[derive(Clone, Debug)]
struct Segment {
    at: Instant,
    bytes: VecDeque<u8>,
}

#[derive(Clone, Debug, Default)]
struct Pipe {
    segments: VecDeque<Segment>,
    queued: usize,
    last_at: Instant,
    /// The connection was cut: report `Down` once the segments are drained,
    /// at this instant at the earliest.
    down_at: Option<Instant>,
}

/// Counters of what the link did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Bytes accepted by [`Link::send`].
    pub bytes_sent: u64,
    /// Bytes handed to a receiver.
    pub bytes_delivered: u64,
    /// Bytes lost to cuts.
    pub bytes_lost: u64,
    /// Connections made.
    pub connects: u64,
    /// Connections cut (by chance or by [`Link::cut`]).
    pub cuts: u64,
    /// Connections that went silent.
    pub silences: u64,
}

/// A simulated TCP connection: see the [module docs](self).
#[derive(Clone, Debug)]
pub struct Link {
    cfg: LinkConfig,
    rng: Rng,
    up: bool,
    silent_since: Option<Instant>,
    pipes: [Pipe; 2],
    stats: LinkStats,
}

impl Link {
    /// A link with no connection yet, its randomness drawn from `seed`.
    pub fn new(cfg: LinkConfig, seed: u64) -> Self {
        Link {
            cfg,
            rng: Rng::new(seed),
            up: false,
            silent_since: None,
            pipes: [Pipe::default(), Pipe::default()],
            stats: LinkStats::default(),
        }
    }

    /// Whether a connection is up (bytes written now can arrive).
    pub fn is_up(&self) -> bool {
        self.up
    }

    /// What the link has done so far.
    pub fn stats(&self) -> LinkStats {
        self.stats
    }

    /// When the connection went silent, if it is silent now.
    pub fn silent_since(&self) -> Option<Instant> {
        self.silent_since
    }

    /// Makes a new connection; anything left of the old one is discarded.
    pub fn connect(&mut self, now: Instant) {
        self.silent_since = None;
        for p in &mut self.pipes {
            self.stats.bytes_lost += p.queued as u64;
            *p = Pipe {
                last_at: now,
                ..Pipe::default()
            };
        }
        self.up = true;
        self.stats.connects += 1;
    }

    /// Cuts the connection now: nothing more is delivered; each side sees
    /// [`Delivery::Down`] on its next poll at or after `now`.
    pub fn cut(&mut self, now: Instant) {
        if self.silent_since.take().is_some() {
            // A silent connection ends: both sides are told now.
            for p in &mut self.pipes {
                p.down_at = Some(now);
            }
            return;
        }
        if !self.up {
            return;
        }
        self.up = false;
        self.stats.cuts += 1;
        for p in &mut self.pipes {
            self.stats.bytes_lost += p.queued as u64;
            p.segments.clear();
            p.queued = 0;
            p.down_at = Some(now);
        }
    }

    /// Writes `bytes` from side `from`; returns how many were taken (fewer
    /// than offered when the pipe is full; none when the connection is down).
    pub fn send(&mut self, now: Instant, from: Side, bytes: &[u8]) -> usize {
        if self.silent_since.is_some() {
            // Taken, as a TCP send buffer would, and never delivered.
            self.stats.bytes_lost += bytes.len() as u64;
            return bytes.len();
        }
        if !self.up {
            return 0;
        }
        if self.rng.chance(self.cfg.silent_per_million) {
            self.up = false;
            self.silent_since = Some(now);
            self.stats.silences += 1;
            for p in &mut self.pipes {
                self.stats.bytes_lost += p.queued as u64;
                p.segments.clear();
                p.queued = 0;
            }
            self.stats.bytes_lost += bytes.len() as u64;
            return bytes.len();
        }
        let pipe_idx = from.peer().index();
        let room = self
            .cfg
            .capacity
            .saturating_sub(self.pipes[pipe_idx].queued);
        let take = bytes.len().min(room);
        if take == 0 {
            return 0;
        }
        let bytes = &bytes[..take];
        self.stats.bytes_sent += take as u64;
        let cut_at = if self.rng.chance(self.cfg.cut_per_million) {
            Some(self.rng.below(take as u64) as usize)
        } else {
            None
        };
        let keep = &bytes[..cut_at.unwrap_or(take)];
        let span = self
            .cfg
            .max_delay
            .saturating_sub(self.cfg.min_delay)
            .as_micros() as u64;
        let delay = self.cfg.min_delay + Duration::from_micros(self.rng.below(span + 1));
        let split = self.rng.chance(self.cfg.split_per_million);
        let mut at = (now + delay).max(self.pipes[pipe_idx].last_at);
        let mut rest = keep;
        while !rest.is_empty() {
            let n = if split && rest.len() > 1 {
                1 + self.rng.below(rest.len() as u64) as usize
            } else {
                rest.len()
            };
            let pipe = &mut self.pipes[pipe_idx];
            pipe.segments.push_back(Segment {
                at,
                bytes: rest[..n].iter().copied().collect(),
            });
            pipe.queued += n;
            pipe.last_at = at;
            rest = &rest[n..];
            if split {
                at = at + Duration::from_micros(self.rng.below(span / 4 + 1));
            }
        }
        if let Some(c) = cut_at {
            self.stats.bytes_lost += (take - c) as u64;
            self.up = false;
            self.stats.cuts += 1;
            // Each direction goes down after what it already carries.
            for p in &mut self.pipes {
                p.down_at = Some(p.last_at.max(now));
            }
        }
        take
    }

    /// The earliest instant at which [`Link::poll`] has something for a side.
    pub fn next_delivery(&self) -> Option<Instant> {
        self.pipes
            .iter()
            .filter_map(|p| match p.segments.front() {
                Some(s) => Some(s.at),
                None => p.down_at,
            })
            .min()
    }

    /// Bytes (into `buf`) or the end of the connection for side `to`, when
    /// due at `now`; `None` when nothing is due.
    pub fn poll(&mut self, now: Instant, to: Side, buf: &mut [u8]) -> Option<Delivery> {
        let pipe = &mut self.pipes[to.index()];
        if let Some(seg) = pipe.segments.front_mut() {
            if seg.at > now || buf.is_empty() {
                return None;
            }
            let n = seg.bytes.len().min(buf.len());
            for (dst, src) in buf.iter_mut().zip(seg.bytes.drain(..n)) {
                *dst = src;
            }
            if seg.bytes.is_empty() {
                pipe.segments.pop_front();
            }
            pipe.queued -= n;
            self.stats.bytes_delivered += n as u64;
            return Some(Delivery::Bytes(n));
        }
        match pipe.down_at {
            Some(at) if at <= now => {
                pipe.down_at = None;
                Some(Delivery::Down)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn drain(link: &mut Link, to: Side, until: Instant) -> (Vec<u8>, bool) {
        let mut out = Vec::new();
        let mut down = false;
        let mut buf = [0u8; 7];
        while let Some(d) = link.poll(until, to, &mut buf) {
            match d {
                Delivery::Bytes(n) => out.extend_from_slice(&buf[..n]),
                Delivery::Down => down = true,
            }
        }
        (out, down)
    }

    #[test]
    fn stream_is_ordered_and_lossless_while_up() {
        let mut link = Link::new(LinkConfig::default(), 1);
        link.connect(Instant::ZERO);
        let mut sent = Vec::new();
        for i in 0..200u32 {
            let chunk = i.to_be_bytes();
            assert_eq!(
                link.send(Instant::from_millis(i as u64), Side::A, &chunk),
                4
            );
            sent.extend_from_slice(&chunk);
        }
        let (got, down) = drain(&mut link, Side::B, Instant::from_secs(10));
        assert_eq!(got, sent);
        assert!(!down);
        assert!(link.next_delivery().is_none());
    }

    #[test]
    fn nothing_arrives_before_min_delay() {
        let cfg = LinkConfig {
            min_delay: Duration::from_millis(5),
            ..LinkConfig::default()
        };
        let mut link = Link::new(cfg, 2);
        link.connect(Instant::ZERO);
        link.send(Instant::ZERO, Side::B, b"abc");
        assert!(drain(&mut link, Side::A, Instant::from_millis(4))
            .0
            .is_empty());
        assert_eq!(drain(&mut link, Side::A, Instant::from_secs(1)).0, b"abc");
    }

    #[test]
    fn a_cut_delivers_a_prefix_then_down_to_both_sides() {
        let cfg = LinkConfig {
            cut_per_million: 1_000_000,
            ..LinkConfig::default()
        };
        let mut link = Link::new(cfg, 3);
        link.connect(Instant::ZERO);
        let msg = b"0123456789abcdef";
        assert_eq!(link.send(Instant::ZERO, Side::A, msg), msg.len());
        assert!(!link.is_up());
        assert_eq!(link.send(Instant::ZERO, Side::A, b"more"), 0);
        let (got, down) = drain(&mut link, Side::B, Instant::from_secs(1));
        assert!(got.len() < msg.len());
        assert_eq!(&msg[..got.len()], &got[..]);
        assert!(down);
        let (got_a, down_a) = drain(&mut link, Side::A, Instant::from_secs(1));
        assert!(got_a.is_empty() && down_a);
        assert_eq!(link.stats().cuts, 1);
    }

    #[test]
    fn a_silent_connection_swallows_bytes_and_tells_no_one_until_cut() {
        let cfg = LinkConfig {
            silent_per_million: 1_000_000,
            ..LinkConfig::default()
        };
        let mut link = Link::new(cfg, 5);
        link.connect(Instant::ZERO);
        assert_eq!(link.send(Instant::ZERO, Side::A, b"gone"), 4);
        assert_eq!(link.silent_since(), Some(Instant::ZERO));
        assert_eq!(
            drain(&mut link, Side::B, Instant::from_secs(60)),
            (Vec::new(), false)
        );
        link.cut(Instant::from_secs(60));
        assert_eq!(
            drain(&mut link, Side::B, Instant::from_secs(60)),
            (Vec::new(), true)
        );
        assert_eq!(
            drain(&mut link, Side::A, Instant::from_secs(60)),
            (Vec::new(), true)
        );
    }

    #[test]
    fn capacity_bounds_bytes_in_flight() {
        let cfg = LinkConfig {
            capacity: 10,
            ..LinkConfig::default()
        };
        let mut link = Link::new(cfg, 4);
        link.connect(Instant::ZERO);
        assert_eq!(link.send(Instant::ZERO, Side::A, &[1; 8]), 8);
        assert_eq!(link.send(Instant::ZERO, Side::A, &[2; 8]), 2);
        assert_eq!(link.send(Instant::ZERO, Side::A, &[3; 8]), 0);
    }

    #[test]
    fn same_seed_same_run() {
        let cfg = LinkConfig {
            cut_per_million: 100_000,
            ..LinkConfig::default()
        };
        let run = |seed| {
            let mut link = Link::new(cfg, seed);
            link.connect(Instant::ZERO);
            for i in 0..50u64 {
                link.send(Instant::from_millis(i), Side::A, &[i as u8; 9]);
            }
            drain(&mut link, Side::B, Instant::from_secs(5))
        };
        assert_eq!(run(9), run(9));
    }
}
