//! Deterministic simulation of an MQTT client and server session over a
//! simulated TCP connection ([`Link`]) on virtual time.
//!
//! [`Pair`] drives both sessions with the documented driver loop, while the
//! link delays bytes, splits them at random points and cuts the connection
//! at random bytes; either side may also be "power-cycled": its state is
//! written with [`Session::snapshot`], the session dropped, and a new one
//! made with [`Session::restore`]. The client reconnects without Clean
//! Start after every cut. Each side publishes numbered messages to the
//! other; the run checks, as it goes, what the protocol promises:
//!
//! * QoS 2: every message delivered exactly once;
//! * QoS 1: every message delivered at least once;
//! * per QoS, messages first delivered in the order they were published
//!   (§4.6);
//! * a packet identifier is never handed out while it is still in use;
//! * every QoS > 0 message is acknowledged to its publisher in the end —
//!   or, with [`PairConfig::message_expiry`], reported expired, and then
//!   never delivered ([MQTT-3.3.2-5]); a delivered message carries at most
//!   the interval it was published with, less no more than the time since
//!   ([MQTT-3.3.2-6]);
//! * a connection gone silent ([`LinkConfig::silent_per_million`]) is
//!   detected by the client's keep-alive no later than 1.5 × Keep Alive
//!   after the last bytes that made it ([MQTT-3.1.2-22]'s bound).
//!
//! Anything else is a [`Report::violations`] entry naming the message.
//!
//! ```
//! use qos_engine::mqtt::sim::{Pair, PairConfig};
//!
//! let report = Pair::new(PairConfig::default(), 42).run();
//! assert!(report.violations.is_empty(), "{:?}", report.violations);
//! assert!(report.completed);
//! assert_eq!(report.delivered_qos2, report.sent_qos2);
//! ```

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use mqtt_codec::{Properties, Property, ProtocolLevel, QoS, ReasonCode};

use super::{AcceptOptions, CommandError, Config, ConnectOptions, Event, PublishOptions, Session};
use crate::rng::Rng;
use crate::sim::stream::{Delivery, Link, LinkConfig, LinkStats, Side};
use crate::time::{Duration, Instant};

/// The session type the simulation runs (default capacities).
pub type SimSession = Session<16, 4096, 1024>;

/// What to simulate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PairConfig {
    /// Protocol level of the client.
    pub protocol: ProtocolLevel,
    /// The link's delays, splits and cuts.
    pub link: LinkConfig,
    /// Messages the client publishes to the server.
    pub client_messages: u32,
    /// Messages the server publishes to the client.
    pub server_messages: u32,
    /// QoS of every message, or `None` for a random mix of 0, 1 and 2.
    pub qos: Option<QoS>,
    /// Payload bytes per message (at least 5: sequence number and QoS).
    pub payload_len: usize,
    /// Keep Alive the client asks for, in seconds.
    pub keep_alive: u16,
    /// Chance per million, per step of the simulation, that one side is
    /// power-cycled (restored from its snapshot).
    pub restart_per_million: u32,
    /// Longest pause before the client reconnects after a cut.
    pub max_reconnect_delay: Duration,
    /// Give up after this much virtual time.
    pub time_limit: Duration,
    /// Message Expiry Interval (seconds) on every message, at 5.0.
    pub message_expiry: Option<u32>,
}

impl Default for PairConfig {
    /// MQTT 5.0, 40 messages each way with mixed QoS, cuts on 2 % of
    /// writes, restarts now and then.
    fn default() -> Self {
        PairConfig {
            protocol: ProtocolLevel::V5,
            link: LinkConfig {
                cut_per_million: 20_000,
                ..LinkConfig::default()
            },
            client_messages: 40,
            server_messages: 40,
            qos: None,
            payload_len: 16,
            keep_alive: 30,
            restart_per_million: 5_000,
            max_reconnect_delay: Duration::from_millis(500),
            time_limit: Duration::from_secs(3_600),
            message_expiry: None,
        }
    }
}

/// What a run did and found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Every message published and every QoS > 0 one acknowledged.
    pub completed: bool,
    /// Messages published (both directions).
    pub sent: u64,
    /// QoS 2 messages published.
    pub sent_qos2: u64,
    /// Distinct messages delivered to an application.
    pub delivered: u64,
    /// Distinct QoS 2 messages delivered.
    pub delivered_qos2: u64,
    /// QoS 1 messages delivered again (allowed: at least once).
    pub redelivered_qos1: u64,
    /// QoS 2 PUBLISH packets received again and not delivered again.
    pub duplicates_suppressed: u64,
    /// PUBLISH (DUP) and PUBREL packets resent on resumed sessions.
    pub retransmissions: u64,
    /// Connections established after the first.
    pub reconnects: u64,
    /// Sessions restored from a snapshot.
    pub restarts: u64,
    /// Messages dropped unsent because their Message Expiry Interval
    /// passed.
    pub expired: u64,
    /// Silent connections the client's keep-alive detected.
    pub silences_detected: u64,
    /// Virtual time the run took.
    pub virtual_time: Duration,
    /// What the link did.
    pub link: LinkStats,
    /// Largest number of outgoing messages a session held at once.
    pub max_inflight: usize,
    /// Broken promises; empty in a correct run.
    pub violations: Vec<String>,
}

impl core::fmt::Display for Report {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "sent {} delivered {} (qos2 {}/{}) qos1-redelivered {} duplicates-suppressed {} \
             retransmissions {} reconnects {} restarts {} cuts {} silences-detected {} \
             expired {} virtual-time {:.3}s violations {}",
            self.sent,
            self.delivered,
            self.delivered_qos2,
            self.sent_qos2,
            self.redelivered_qos1,
            self.duplicates_suppressed,
            self.retransmissions,
            self.reconnects,
            self.restarts,
            self.link.cuts,
            self.silences_detected,
            self.expired,
            self.virtual_time.as_secs_f64(),
            self.violations.len()
        )
    }
}

/// One side's application: what it published and what it received.
#[derive(Debug)]
struct App {
    side: Side,
    to_publish: u32,
    next_seq: u32,
    /// QoS of each published message, by sequence number.
    qos_of: Vec<u8>,
    /// Acknowledged to the publisher (QoS > 0), or expired unsent.
    acked: Vec<bool>,
    /// Reported expired unsent (QoS > 0; a QoS 0 message's report names
    /// no identifier).
    expired: Vec<bool>,
    /// When each message was published.
    published_at: Vec<Instant>,
    /// Packet identifiers in flight, mapped to sequence numbers.
    in_flight: Vec<(u16, u32)>,
    /// Times each of the peer's messages was delivered here.
    received: Vec<u32>,
    /// Highest sequence number first delivered, per QoS.
    last_first: [Option<u32>; 3],
}

impl App {
    fn new(side: Side, to_publish: u32, peer_publishes: u32) -> App {
        App {
            side,
            to_publish,
            next_seq: 0,
            qos_of: Vec::new(),
            acked: Vec::new(),
            expired: Vec::new(),
            published_at: Vec::new(),
            in_flight: Vec::new(),
            received: vec![0; peer_publishes as usize],
            last_first: [None; 3],
        }
    }

    fn done_publishing(&self) -> bool {
        self.next_seq == self.to_publish
            && self
                .qos_of
                .iter()
                .zip(&self.acked)
                .all(|(q, a)| *q == 0 || *a)
    }
}

/// A client and a server session on one simulated link: see the
/// [module docs](self).
pub struct Pair {
    cfg: PairConfig,
    rng: Rng,
    now: Instant,
    link: Link,
    client: SimSession,
    server: SimSession,
    apps: [App; 2],
    reconnect_at: Option<Instant>,
    connected_once: bool,
    report: Report,
    /// Whether client and server were connected when the link went silent.
    silence: Option<[bool; 2]>,
    steps: u64,
    done: bool,
    buf: Vec<u8>,
    snapshot: Vec<u8>,
}

impl Pair {
    /// A pair whose every random choice follows from `seed`.
    pub fn new(cfg: PairConfig, seed: u64) -> Pair {
        let now = Instant::ZERO;
        let mut rng = Rng::new(seed);
        let link = Link::new(cfg.link, rng.next_u64());
        Pair {
            client: Session::new(Config::client(cfg.protocol), now),
            server: Session::new(Config::server(), now),
            apps: [
                App::new(Side::A, cfg.client_messages, cfg.server_messages),
                App::new(Side::B, cfg.server_messages, cfg.client_messages),
            ],
            cfg,
            rng,
            now,
            link,
            reconnect_at: Some(now),
            connected_once: false,
            report: Report::default(),
            silence: None,
            steps: 0,
            done: false,
            buf: vec![0; SimSession::TRANSMIT_BUF],
            snapshot: vec![0; 8 * 1024],
        }
    }

    /// Runs until every message is delivered and acknowledged, or the time
    /// limit; returns what happened. The same as
    /// `while pair.step() {}; pair.finish()`.
    pub fn run(mut self) -> Report {
        while self.step() {}
        self.finish()
    }

    /// The counters so far, sessions and link included (the final ones,
    /// with the end-of-run checks, come from [`Pair::finish`]).
    pub fn report(&self) -> Report {
        let mut r = self.report.clone();
        for s in [&self.client, &self.server] {
            let stats = s.stats();
            r.duplicates_suppressed += stats.duplicates_suppressed;
            r.retransmissions += stats.retransmissions();
        }
        r.link = self.link.stats();
        r
    }

    /// One iteration of the run: publish what fits, drain both sessions,
    /// then advance virtual time to the next event (link delivery, timer,
    /// reconnection) and handle it — or power-cycle a side. `false` once
    /// every message is delivered and acknowledged, or the run is stuck or
    /// past its time limit.
    pub fn step(&mut self) -> bool {
        if self.done {
            return false;
        }
        self.steps += 1;
        self.publish_more(Side::A);
        self.publish_more(Side::B);
        self.drain(Side::A);
        self.drain(Side::B);
        self.report.virtual_time = self.now.saturating_duration_since(Instant::ZERO);
        if self.apps.iter().all(App::done_publishing) && self.all_received() {
            self.report.completed = true;
            self.done = true;
            return false;
        }
        if self.rng.chance(self.cfg.restart_per_million) {
            let side = if self.rng.chance(500_000) {
                Side::A
            } else {
                Side::B
            };
            self.restart(side);
            return true;
        }
        let next = [
            self.link.next_delivery(),
            self.client.poll_timeout(),
            self.server.poll_timeout(),
            self.reconnect_at,
        ]
        .into_iter()
        .flatten()
        .min();
        let Some(next) = next else {
            self.report
                .violations
                .push(format!("stalled at {:?} with nothing scheduled", self.now));
            self.done = true;
            return false;
        };
        let limit = Instant::ZERO + self.cfg.time_limit;
        if next > limit || self.steps > 5_000_000 {
            self.report
                .violations
                .push(format!("not finished by {:?}", self.now));
            self.done = true;
            return false;
        }
        self.now = self.now.max(next);
        self.advance();
        true
    }

    fn session(&mut self, side: Side) -> &mut SimSession {
        match side {
            Side::A => &mut self.client,
            Side::B => &mut self.server,
        }
    }

    fn app(&mut self, side: Side) -> &mut App {
        match side {
            Side::A => &mut self.apps[0],
            Side::B => &mut self.apps[1],
        }
    }

    /// Link deliveries, timers and the reconnection due at `now`.
    fn advance(&mut self) {
        let now = self.now;
        if self.reconnect_at.is_some_and(|t| t <= now) {
            self.reconnect_at = None;
            self.reconnect();
        }
        for side in [Side::A, Side::B] {
            if self.session(side).poll_timeout().is_some_and(|t| t <= now) {
                self.session(side).handle_timeout(now);
                self.drain(side);
            }
            let mut chunk = [0u8; 512];
            while let Some(d) = self.link.poll(now, side, &mut chunk) {
                match d {
                    Delivery::Bytes(n) => {
                        let mut input = &chunk[..n];
                        while !input.is_empty() {
                            let taken = self.session(side).handle_bytes(now, input);
                            input = &input[taken..];
                            self.drain(side);
                        }
                    }
                    Delivery::Down => self.transport_down(side),
                }
            }
        }
    }

    fn transport_down(&mut self, side: Side) {
        let now = self.now;
        if self.session(side).has_transport() {
            self.session(side).handle_transport_down(now);
            self.drain(side);
        }
        if side == Side::A && self.reconnect_at.is_none() {
            let span = self.cfg.max_reconnect_delay.as_micros() as u64;
            self.reconnect_at = Some(now + Duration::from_micros(self.rng.below(span + 1)));
        }
    }

    fn reconnect(&mut self) {
        let now = self.now;
        for side in [Side::A, Side::B] {
            if self.session(side).has_transport() {
                self.session(side).handle_transport_down(now);
                self.drain(side);
            }
        }
        self.link.connect(now);
        self.silence = None;
        if self.connected_once {
            self.report.reconnects += 1;
        }
        self.connected_once = true;
        self.server.handle_transport_up(now);
        self.client.handle_transport_up(now);
        let opts = ConnectOptions {
            clean_start: false,
            keep_alive: self.cfg.keep_alive,
            session_expiry: u32::MAX,
            ..ConnectOptions::new("sim-client")
        };
        if let Err(e) = self.client.connect(now, &opts) {
            self.report
                .violations
                .push(format!("connect refused: {e:?}"));
        }
        self.drain(Side::A);
        self.drain(Side::B);
    }

    /// Power-cycles `side`: snapshot, drop, restore; the connection dies.
    fn restart(&mut self, side: Side) {
        let now = self.now;
        self.report.restarts += 1;
        let cfg = *self.session(side).config();
        let snap = match side {
            Side::A => self.client.snapshot(&mut self.snapshot),
            Side::B => self.server.snapshot(&mut self.snapshot),
        };
        let n = match snap {
            Ok(n) => n,
            Err(e) => {
                self.report
                    .violations
                    .push(format!("snapshot failed: {e:?}"));
                return;
            }
        };
        match Session::restore(cfg, now, &self.snapshot[..n]) {
            Ok(s) => {
                let stats = self.session(side).stats();
                self.report.duplicates_suppressed += stats.duplicates_suppressed;
                self.report.retransmissions += stats.retransmissions();
                *self.session(side) = s;
            }
            Err(e) => {
                self.report
                    .violations
                    .push(format!("restore failed: {e:?}"));
                return;
            }
        }
        self.link.cut(now);
        // Packet identifiers held before the restart are still held.
        self.transport_down(side.peer());
        if side == Side::A && self.reconnect_at.is_none() {
            self.reconnect_at = Some(now + Duration::from_millis(10));
        }
    }

    fn publish_more(&mut self, side: Side) {
        let now = self.now;
        let payload_len = self.cfg.payload_len.max(5);
        loop {
            let app = self.app(side);
            if app.next_seq >= app.to_publish {
                return;
            }
            let seq = app.next_seq;
            let qos = match self.cfg.qos {
                Some(q) => q,
                None => QoS::from_u8(self.rng.below(3) as u8).unwrap_or(QoS::AtMostOnce),
            };
            let mut payload = vec![b'.'; payload_len];
            payload[..4].copy_from_slice(&seq.to_be_bytes());
            payload[4] = qos.as_u8();
            let topic = if side == Side::A {
                "sim/up"
            } else {
                "sim/down"
            };
            let expiry = self
                .cfg
                .message_expiry
                .filter(|_| self.cfg.protocol == ProtocolLevel::V5)
                .map(Property::MessageExpiryInterval);
            let msg = PublishOptions {
                properties: Properties::from_list(expiry.as_slice()),
                ..PublishOptions::new(topic, &payload, qos)
            };
            match self.session(side).publish(now, &msg) {
                Ok(pid) => {
                    let app = self.app(side);
                    if let Some(pid) = pid {
                        if app.in_flight.iter().any(|(p, _)| *p == pid.get()) {
                            let v = format!("{:?}: packet id {} reused while in flight", side, pid);
                            self.report.violations.push(v);
                        }
                        let app = self.app(side);
                        app.in_flight.push((pid.get(), seq));
                    }
                    let app = self.app(side);
                    app.qos_of.push(qos.as_u8());
                    app.acked.push(false);
                    app.expired.push(false);
                    app.published_at.push(now);
                    app.next_seq += 1;
                    self.report.sent += 1;
                    if qos == QoS::ExactlyOnce {
                        self.report.sent_qos2 += 1;
                    }
                }
                Err(CommandError::InflightFull) | Err(CommandError::BufferFull) => return,
                Err(e) => {
                    self.report
                        .violations
                        .push(format!("{side:?}: publish failed: {e:?}"));
                    return;
                }
            }
        }
    }

    fn all_received(&self) -> bool {
        self.apps.iter().all(|app| {
            let peer = match app.side {
                Side::A => &self.apps[1],
                Side::B => &self.apps[0],
            };
            peer.qos_of
                .iter()
                .enumerate()
                .all(|(seq, q)| *q == 0 || peer.expired[seq] || app.received[seq] > 0)
        })
    }

    /// The driver loop for one side: transmits to the link, events to the
    /// application, until both polls are empty.
    fn drain(&mut self, side: Side) {
        let now = self.now;
        loop {
            let mut progress = false;
            loop {
                let mut buf = core::mem::take(&mut self.buf);
                let t = self.session(side).poll_transmit(now, &mut buf);
                if let Some(t) = t {
                    progress = true;
                    if t.len > 0 && self.link.send(now, side, &buf[..t.len]) < t.len {
                        // A send buffer overflow or a cut: the connection is gone.
                        self.link.cut(now);
                    }
                    if self.link.silent_since().is_some() && self.silence.is_none() {
                        // Which timer will have to notice: keep-alive once
                        // connected, the connect timeout before.
                        self.silence =
                            Some([self.client.is_connected(), self.server.is_connected()]);
                    }
                    if t.close {
                        if let Some(since) = self.link.silent_since() {
                            self.silence_detected(side, since);
                        }
                        self.link.cut(now);
                    }
                }
                self.buf = buf;
                if t.is_none() {
                    break;
                }
            }
            loop {
                let action = match self.session(side).poll_event() {
                    None => break,
                    Some(ev) => classify(ev),
                };
                progress = true;
                self.on_event(side, action);
            }
            if !progress {
                break;
            }
        }
        let inflight = self.session(side).inflight();
        self.report.max_inflight = self.report.max_inflight.max(inflight);
    }

    /// `side` closed a connection that went silent at `since`: only its
    /// keep-alive can have noticed, within 1.5 × Keep Alive of the last
    /// bytes that arrived ([MQTT-3.1.2-22]).
    fn silence_detected(&mut self, side: Side, since: Instant) {
        self.report.silences_detected += 1;
        let connected = self.silence.take().unwrap_or([true, true]);
        let ka = Duration::from_secs(self.cfg.keep_alive.into());
        let wait = if connected[usize::from(side == Side::B)] {
            ka + ka / 2
        } else {
            self.session(side).config().connect_timeout
        };
        let bound = since + self.cfg.link.max_delay + wait;
        if self.now > bound {
            let v = format!(
                "{side:?}: silent since {since:?}, detected only at {:?} (bound {bound:?})",
                self.now
            );
            self.report.violations.push(v);
        }
    }

    fn on_event(&mut self, side: Side, action: Action) {
        let now = self.now;
        match action {
            Action::Accept => {
                if let Err(e) = self.server.accept(now, &AcceptOptions::default()) {
                    self.report.violations.push(format!("accept failed: {e:?}"));
                }
            }
            Action::Delivered { seq, qos, expiry } => {
                let peer = match side {
                    Side::A => &self.apps[1],
                    Side::B => &self.apps[0],
                };
                let peer_qos = peer.qos_of.get(seq as usize).copied();
                if peer.expired.get(seq as usize) == Some(&true) {
                    let v = format!("{side:?}: message {seq} delivered after it expired unsent");
                    self.report.violations.push(v);
                }
                if let (Some(set), Some(at)) = (
                    self.cfg.message_expiry,
                    peer.published_at.get(seq as usize).copied(),
                ) {
                    // [MQTT-3.3.2-6]: the interval less the whole seconds
                    // it waited before it was written — at most the time
                    // since publishing. (Bytes may queue in the link, so the
                    // time since does not bound the wait from below; the
                    // scripted tests pin exact values.)
                    let since = now.saturating_duration_since(at);
                    let waited_max = since.as_secs() + u64::from(since.subsec_nanos() > 0);
                    let ok = expiry.is_some_and(|v| v <= set && u64::from(set - v) <= waited_max);
                    if self.cfg.protocol == ProtocolLevel::V5 && !ok {
                        let v = format!(
                            "{side:?}: message {seq} carried expiry {expiry:?} \
                             (set {set}, {since:?} after publishing)"
                        );
                        self.report.violations.push(v);
                    }
                }
                let app = match side {
                    Side::A => &mut self.apps[0],
                    Side::B => &mut self.apps[1],
                };
                let Some(count) = app.received.get_mut(seq as usize) else {
                    let v = format!("{side:?}: delivered unknown message {seq}");
                    self.report.violations.push(v);
                    return;
                };
                *count += 1;
                let count = *count;
                if peer_qos != Some(qos) {
                    let v = format!(
                        "{side:?}: message {seq} arrived at QoS {qos}, sent at {peer_qos:?}"
                    );
                    self.report.violations.push(v);
                }
                if count == 1 {
                    let last = &mut app.last_first[qos as usize];
                    if last.is_some_and(|l| l > seq) {
                        let v = format!(
                            "{side:?}: QoS {qos} message {seq} first delivered after {last:?}"
                        );
                        *last = Some(seq);
                        self.report.violations.push(v);
                    } else {
                        *last = Some(seq);
                    }
                    self.report.delivered += 1;
                    if qos == 2 {
                        self.report.delivered_qos2 += 1;
                    }
                } else {
                    match qos {
                        1 => self.report.redelivered_qos1 += 1,
                        _ => {
                            let v = format!(
                                "{side:?}: QoS {qos} message {seq} delivered {count} times"
                            );
                            self.report.violations.push(v);
                        }
                    }
                }
            }
            Action::Acked { pid, reason } => {
                let app = self.app(side);
                match app.in_flight.iter().position(|(p, _)| *p == pid) {
                    Some(i) => {
                        let (_, seq) = app.in_flight.remove(i);
                        app.acked[seq as usize] = true;
                        // PUBCOMP 0x92 answers a PUBREL resent after the
                        // peer had completed the exchange: delivered.
                        if reason.is_error() && reason != ReasonCode::PacketIdentifierNotFound {
                            let v = format!("{side:?}: message {seq} refused with {reason:?}");
                            self.report.violations.push(v);
                        }
                    }
                    None => {
                        let v =
                            format!("{side:?}: acknowledgement for packet id {pid} not in flight");
                        self.report.violations.push(v);
                    }
                }
            }
            Action::Expired(pid) => {
                self.report.expired += 1;
                let Some(pid) = pid else {
                    return;
                };
                let app = self.app(side);
                match app.in_flight.iter().position(|(p, _)| *p == pid) {
                    Some(i) => {
                        let (_, seq) = app.in_flight.remove(i);
                        app.acked[seq as usize] = true;
                        app.expired[seq as usize] = true;
                    }
                    None => {
                        let v =
                            format!("{side:?}: expiry report for packet id {pid} not in flight");
                        self.report.violations.push(v);
                    }
                }
            }
            Action::Discarded(n) => {
                let v = format!("{side:?}: session state discarded ({n} messages)");
                self.report.violations.push(v);
            }
            Action::Other => {}
        }
    }

    /// The final checks and counters: every QoS 2 message delivered exactly
    /// once and every QoS 1 message at least once (when the run completed).
    pub fn finish(mut self) -> Report {
        for s in [&self.client, &self.server] {
            let stats = s.stats();
            self.report.duplicates_suppressed += stats.duplicates_suppressed;
            self.report.retransmissions += stats.retransmissions();
        }
        self.report.virtual_time = self.now.saturating_duration_since(Instant::ZERO);
        self.report.link = self.link.stats();
        if self.report.completed {
            for app in &self.apps {
                let peer = match app.side {
                    Side::A => &self.apps[1],
                    Side::B => &self.apps[0],
                };
                for (seq, q) in peer.qos_of.iter().enumerate() {
                    let got = app.received[seq];
                    if peer.expired[seq] {
                        if got != 0 {
                            let v = format!(
                                "{:?}: message {seq} expired unsent and was delivered",
                                app.side
                            );
                            self.report.violations.push(v);
                        }
                        continue;
                    }
                    if *q == 2 && got != 1 || *q == 1 && got == 0 {
                        let v = format!(
                            "{:?}: QoS {q} message {seq} delivered {got} times",
                            app.side
                        );
                        self.report.violations.push(v);
                    }
                }
            }
        }
        self.report
    }
}

/// An event reduced to what the simulated applications act on.
enum Action {
    Accept,
    Delivered {
        seq: u32,
        qos: u8,
        expiry: Option<u32>,
    },
    Expired(Option<u16>),
    Acked {
        pid: u16,
        reason: ReasonCode,
    },
    Discarded(usize),
    Other,
}

fn classify(ev: Event<'_>) -> Action {
    match ev {
        Event::ConnectReceived { .. } => Action::Accept,
        Event::Message {
            payload,
            qos,
            properties,
            ..
        } if payload.len() >= 5 => Action::Delivered {
            seq: u32::from_be_bytes([payload[0], payload[1], payload[2], payload[3]]),
            qos: qos.as_u8(),
            expiry: properties.message_expiry_interval(),
        },
        Event::MessageExpired { packet_id } => Action::Expired(packet_id.map(|p| p.get())),
        Event::Published { packet_id, reason } => Action::Acked {
            pid: packet_id.get(),
            reason,
        },
        Event::SessionDiscarded { dropped } => Action::Discarded(dropped),
        _ => Action::Other,
    }
}
