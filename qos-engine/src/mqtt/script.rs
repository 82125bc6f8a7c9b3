//! Random scripts against one session: the body of the `mqtt_session` fuzz
//! target and of the property tests (str0m style: the fuzz target is a thin
//! wrapper, so this compiles and runs in ordinary CI).
//!
//! A script is a list of [`Op`]s — commands, transport events, raw or
//! well-formed peer packets, time steps, snapshot/restore — applied to a
//! [`Session`] with small capacities. After every step [`run`] checks:
//!
//! * nothing panics (the fuzzer's job) and the polls drain in bounded time;
//! * `poll_timeout` is exactly when `handle_timeout` acts: a moment earlier
//!   it changes nothing, at that instant the deadline is consumed;
//! * the stores never exceed their capacities, and no packet identifier is
//!   held twice.
//!
//! ```
//! use qos_engine::mqtt::script::{run, Op};
//! let ops = [Op::TransportUp, Op::Connect { clean: true, keep_alive: 5 }, Op::Advance { millis: 9_000 }];
//! run(false, true, &ops);
//! ```

use alloc::vec::Vec;

use mqtt_codec::{
    ConnAck, Connect, Disconnect, Packet, Properties, Property, ProtocolLevel, PubResponse,
    Publish, QoS, ReasonCode, SubAck, Subscribe, SubscribeFilters, Subscription,
    SubscriptionOptions,
};

use super::{AcceptOptions, Config, ConnectOptions, Event, PublishOptions, Role, Session};
use crate::time::{Duration, Instant};

/// The session under test: small, so that limits are reached.
pub type ScriptSession = Session<4, 512, 256>;

/// One step of a script.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Op {
    /// `handle_transport_up`.
    TransportUp,
    /// `handle_transport_down`.
    TransportDown,
    /// Client `connect`.
    Connect {
        /// Clean Start.
        clean: bool,
        /// Keep Alive seconds.
        keep_alive: u8,
    },
    /// Server `accept`.
    Accept,
    /// `publish` (QoS taken modulo 3).
    Publish {
        /// QoS.
        qos: u8,
        /// Payload bytes.
        len: u8,
    },
    /// Client `subscribe`.
    Subscribe,
    /// Manual `ack`.
    Ack {
        /// Packet identifier.
        packet_id: u16,
    },
    /// `disconnect`.
    Disconnect,
    /// Raw bytes from the peer.
    Bytes(Vec<u8>),
    /// A well-formed packet from the peer (`kind` picks the type).
    Packet {
        /// Which packet.
        kind: u8,
        /// Packet identifier it carries.
        packet_id: u16,
        /// QoS / flags.
        qos: u8,
    },
    /// Time passes; `handle_timeout` is called when a deadline is reached.
    Advance {
        /// Milliseconds.
        millis: u16,
    },
    /// Snapshot, drop, restore.
    Restart,
}

struct Runner {
    s: ScriptSession,
    now: Instant,
    level: ProtocolLevel,
    buf: Vec<u8>,
}

/// Runs `ops` against a server (`server`) or client session at 5.0 or
/// 3.1.1 (`v5`), panicking if an invariant breaks.
pub fn run(server: bool, v5: bool, ops: &[Op]) {
    let level = if v5 {
        ProtocolLevel::V5
    } else {
        ProtocolLevel::V4
    };
    let cfg = if server {
        Config::server()
    } else {
        Config {
            manual_ack: true,
            ..Config::client(level)
        }
    };
    let mut r = Runner {
        s: Session::new(cfg, Instant::ZERO),
        now: Instant::ZERO,
        level,
        buf: alloc::vec![0; ScriptSession::TRANSMIT_BUF],
    };
    for op in ops.iter().take(256) {
        r.apply(op);
        r.drain();
        r.check();
    }
}

impl Runner {
    fn apply(&mut self, op: &Op) {
        let now = self.now;
        match op {
            Op::TransportUp => self.s.handle_transport_up(now),
            Op::TransportDown => self.s.handle_transport_down(now),
            Op::Connect { clean, keep_alive } => {
                let opts = ConnectOptions {
                    clean_start: *clean,
                    keep_alive: u16::from(*keep_alive),
                    session_expiry: 60,
                    ..ConnectOptions::new("script")
                };
                let _ = self.s.connect(now, &opts);
            }
            Op::Accept => {
                let _ = self.s.accept(now, &AcceptOptions::default());
            }
            Op::Publish { qos, len } => {
                let payload = [0x5a; 255];
                let qos = QoS::from_u8(qos % 3).unwrap_or(QoS::AtMostOnce);
                // Some messages expire within the times scripts advance by
                // (0–6 s), exercising the Message Expiry timer.
                let expiry = [Property::MessageExpiryInterval(u32::from(*len % 7))];
                let props = if *len % 4 == 1
                    && (self.level == ProtocolLevel::V5 || self.s.config().role == Role::Server)
                {
                    Properties::from_list(&expiry)
                } else {
                    Properties::EMPTY
                };
                let msg = PublishOptions {
                    properties: props,
                    ..PublishOptions::new("s/t", &payload[..usize::from(*len)], qos)
                };
                let before = (self.s.inflight(), self.s.store_bytes());
                if self.s.publish(now, &msg).is_err() {
                    // An `Err` leaves the session unchanged.
                    assert_eq!(before, (self.s.inflight(), self.s.store_bytes()));
                }
            }
            Op::Subscribe => {
                let subs = [Subscription {
                    filter: "s/#".into(),
                    options: SubscriptionOptions::new(QoS::ExactlyOnce),
                }];
                let _ = self.s.subscribe(now, &subs, Properties::EMPTY);
            }
            Op::Ack { packet_id } => {
                if let Some(id) = core::num::NonZeroU16::new(*packet_id) {
                    let _ = self.s.ack(now, id, ReasonCode::Success);
                }
            }
            Op::Disconnect => {
                let _ = self.s.disconnect(now, ReasonCode::Success, None);
            }
            Op::Bytes(b) => self.feed(&b.clone()),
            Op::Packet {
                kind,
                packet_id,
                qos,
            } => {
                let mut frame = [0u8; 128];
                if let Some(n) = self.peer_packet(*kind, *packet_id, *qos, &mut frame) {
                    self.feed(&frame[..n]);
                }
            }
            Op::Advance { millis } => {
                self.now = now + Duration::from_millis(u64::from(*millis));
                self.timeout_invariant(now);
            }
            Op::Restart => {
                let mut snap = alloc::vec![0u8; self.s.snapshot_len()];
                let n = self.s.snapshot(&mut snap).expect("snapshot_len is enough");
                let cfg = *self.s.config();
                let restored =
                    ScriptSession::restore(cfg, now, &snap[..n]).expect("a snapshot restores");
                assert_eq!(
                    restored.unacknowledged().collect::<Vec<_>>(),
                    self.s.unacknowledged().collect::<Vec<_>>()
                );
                self.s = restored;
            }
        }
    }

    /// `poll_timeout` is the instant `handle_timeout` acts at. `seen` is
    /// the latest `now` the session was given: a deadline already behind it
    /// is overdue and acts on any call (time never runs backwards inside).
    fn timeout_invariant(&mut self, mut seen: Instant) {
        let target = self.now;
        while let Some(at) = self.s.poll_timeout() {
            if at > target {
                break;
            }
            if at > seen {
                let mut early = self.s.clone();
                early.handle_timeout(at - Duration::from_micros(1));
                assert_eq!(early.poll_timeout(), Some(at), "an early timeout acted");
                assert!(
                    early.poll_event().is_none(),
                    "an early timeout made an event"
                );
            }
            // Act, and answer, at the deadline itself.
            self.now = at.max(seen);
            seen = self.now;
            self.s.handle_timeout(at);
            assert_ne!(self.s.poll_timeout(), Some(at), "a due timer did not act");
            self.drain();
        }
        self.now = target;
        self.s.handle_timeout(target);
    }

    fn feed(&mut self, mut bytes: &[u8]) {
        let mut stalled = 0;
        while !bytes.is_empty() {
            let n = self.s.handle_bytes(self.now, bytes);
            bytes = &bytes[n..];
            self.drain();
            stalled = if n == 0 { stalled + 1 } else { 0 };
            if stalled == 2 {
                // The receive buffer is full of frames the session may not
                // process yet (a server waiting for `accept`, [MQTT-3.1.4-6]):
                // the rest stays with the peer, nothing taken is lost.
                break;
            }
        }
    }

    fn drain(&mut self) {
        for _ in 0..10_000 {
            let mut progress = false;
            if let Some(t) = self.s.poll_transmit(self.now, &mut self.buf) {
                progress = true;
                assert!(t.len <= self.buf.len());
            }
            if let Some(ev) = self.s.poll_event() {
                progress = true;
                if let Event::ConnectReceived { connect, .. } = ev {
                    self.level = connect.level;
                }
            }
            if !progress {
                return;
            }
        }
        panic!("the polls did not drain");
    }

    fn check(&self) {
        assert!(self.s.inflight() <= 4);
        assert!(self.s.store_bytes() <= 512);
        assert!(self.s.inbound_inflight() <= 4);
        let ids: Vec<_> = self.s.unacknowledged().collect();
        for (i, a) in ids.iter().enumerate() {
            assert!(!ids[i + 1..].contains(a), "packet id {a} held twice");
        }
    }

    fn peer_packet(&self, kind: u8, pid: u16, qos: u8, buf: &mut [u8]) -> Option<usize> {
        let pid = pid.max(1);
        let r = |packet_id| PubResponse {
            packet_id,
            reason_code: ReasonCode::Success,
            properties: Properties::EMPTY,
        };
        let alias = [Property::TopicAlias(u16::from(qos % 4) + 1)];
        let codes = [ReasonCode::GrantedQoS1];
        let subs = [Subscription {
            filter: "a/+".into(),
            options: SubscriptionOptions::new(QoS::AtLeastOnce),
        }];
        let packet = match kind % 12 {
            0 => Packet::Connect(Connect {
                level: self.level,
                clean_start: qos & 1 == 1,
                keep_alive: u16::from(qos),
                properties: Properties::EMPTY,
                client_id: "peer",
                will: None,
                username: None,
                password: None,
            }),
            1 => Packet::ConnAck(ConnAck {
                session_present: qos & 1 == 1,
                reason_code: ReasonCode::Success,
                properties: Properties::EMPTY,
            }),
            2 | 3 => {
                let q = QoS::from_u8(qos % 3).unwrap_or(QoS::AtMostOnce);
                let with_alias = self.level == ProtocolLevel::V5 && qos & 8 == 8;
                Packet::Publish(Publish {
                    dup: q != QoS::AtMostOnce && qos & 4 == 4,
                    qos: q,
                    retain: false,
                    topic: if with_alias && qos & 16 == 16 {
                        "".into()
                    } else {
                        "p/q".into()
                    },
                    packet_id: (q != QoS::AtMostOnce).then_some(pid),
                    properties: if with_alias {
                        Properties::from_list(&alias)
                    } else {
                        Properties::EMPTY
                    },
                    payload: b"payload",
                })
            }
            4 => Packet::PubAck(r(pid)),
            5 => Packet::PubRec(r(pid)),
            6 => Packet::PubRel(r(pid)),
            7 => Packet::PubComp(r(pid)),
            8 => Packet::SubAck(SubAck {
                packet_id: pid,
                properties: Properties::EMPTY,
                reason_codes: mqtt_codec::ReasonCodes::from_list(&codes),
            }),
            9 => Packet::Subscribe(Subscribe {
                packet_id: pid,
                properties: Properties::EMPTY,
                filters: SubscribeFilters::from_list(&subs),
            }),
            10 => {
                if qos & 1 == 1 {
                    Packet::PingReq
                } else {
                    Packet::PingResp
                }
            }
            _ => Packet::Disconnect(Disconnect::NORMAL),
        };
        packet.encode(self.level, buf).ok()
    }
}
