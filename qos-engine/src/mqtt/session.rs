//! [`Session`]: one MQTT session, client or server side, as a sans-IO state
//! machine. See the [module docs](crate::mqtt) for the driver loop and the
//! contract.

use core::num::NonZeroU16;

use mqtt_codec::{
    Auth, ConnAck, Connect, DecodeError, DecodeOptions, Disconnect, EncodeError, Packet,
    PacketType, Properties, Property, ProtocolLevel, PubResponse, Publish, QoS, ReasonCode,
    ReasonCodes, Status, SubAck, Subscribe, Subscription, TopicFilter, TopicFilters, UnsubAck,
    Unsubscribe, Will,
};

use super::alias::{AliasTable, ALIASES};
use super::frames::FrameQueue;
use super::inbound::{InSlot, InState, Inbound};
use super::packet_id::PacketIds;
use super::ring::Ring;
use super::store::{Full, Kind, Slot, State, Store};
use super::timer::{Timer, Timers};
use super::types::*;
use crate::time::{Duration, Instant, Monotonic};

/// Small frames the session writes on its own (no payload to keep). The
/// final DISCONNECT is kept apart (`final_disconnect`): it always goes last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ctrl {
    PingReq,
    PingResp,
    PubRel(u16, ReasonCode),
    PubComp(u16, ReasonCode),
    Disconnect(ReasonCode),
}

const CTRL_CAP: usize = 8;
const EVENT_CAP: usize = 16;
/// Room a frame's processing may need in the queues.
const CTRL_RESERVE: usize = 2;
const EVENT_RESERVE: usize = 3;
const AUTH_METHOD_CAP: usize = 64;

/// Where the network connection is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Conn {
    /// No transport.
    Down,
    /// Transport up; client: `connect` not called yet; server: waiting for
    /// CONNECT.
    Up,
    /// Client: CONNECT written or queued, waiting for CONNACK (AUTH may go
    /// back and forth).
    Connecting,
    /// Server: CONNECT received, waiting for the application's answer.
    Accepting,
    /// CONNACK exchanged.
    Connected,
    /// The session decided to end the connection: queued frames (the
    /// DISCONNECT) go out, then `Transmit::close`; input is ignored.
    Closing,
    /// The connection is over; waiting for `handle_transport_down`.
    Closed,
}

/// A frame kept at the front of the receive buffer for an event that
/// borrows from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Held {
    None,
    /// A whole PUBLISH on a live connection: `poll_event` decodes it,
    /// applies it and hands the message out straight from that decode (its
    /// topic checked once, by the codec). Frames behind it wait.
    Publish,
    /// A frame whose event is not handed out yet.
    Pending {
        len: usize,
        kind: HeldKind,
    },
    /// Handed out; the frame goes at the next call.
    Returned {
        len: usize,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HeldKind {
    Connected,
    ConnectReceived { session_present: bool },
    Auth,
    SubAck,
    UnsubAck,
    SubscribeReceived,
    UnsubscribeReceived,
}

/// What became of the PUBLISH `poll_event` took from the receive buffer.
enum Taken<'r> {
    /// Hand this out (with the topic of this incoming Topic Alias when the
    /// frame's own topic is empty).
    Message(Publish<'r>, Option<u16>),
    /// Nothing to hand out (a duplicate, or a protocol error now queued
    /// as events): go on with the frames behind it.
    Nothing,
    /// The frame stays where it is: it is not whole yet, or it waits for a
    /// free incoming slot (3.1.1).
    Stays,
}

/// Whether an incoming QoS > 0 PUBLISH goes to the application.
enum Incoming {
    Deliver,
    Duplicate,
    /// No free slot (3.1.1 back-pressure): the frame waits.
    Blocked,
}

/// What the peer allows us.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct PeerLimits {
    receive_maximum: u16,
    maximum_packet_size: u32,
    topic_alias_maximum: u16,
    maximum_qos: u8,
    retain_available: bool,
}

impl PeerLimits {
    const DEFAULT: PeerLimits = PeerLimits {
        receive_maximum: u16::MAX,
        maximum_packet_size: u32::MAX,
        topic_alias_maximum: 0,
        maximum_qos: 2,
        retain_available: true,
    };
}

/// One MQTT session (client or server side), generic over its capacities:
///
/// * `INFLIGHT` — outgoing messages and requests holding a packet
///   identifier (and the Receive Maximum we announce);
/// * `BUF` — bytes for the frames of those outgoing messages, kept until
///   acknowledged so that they can be resent;
/// * `RX` — the receive buffer: our Maximum Packet Size, and the largest
///   control frame (CONNECT, SUBACK …) a command can queue.
///
/// Everything is inline: `core::mem::size_of::<Session>()` is all the memory
/// a session ever uses. Methods fall in four groups: `&self` getters,
/// `handle_*` inputs, commands (`connect`, `publish`, …) and `poll_*`
/// outputs.
#[derive(Clone, Debug)]
pub struct Session<const INFLIGHT: usize = 16, const BUF: usize = 4096, const RX: usize = 1024> {
    /// The receive buffer, apart from the rest of the state so that a
    /// message event can hand out the topic and payload of the frame just
    /// decoded (and checked) while that frame's effects are applied.
    rx: [u8; RX],
    pub(super) core: Core<INFLIGHT, BUF, RX>,
}

/// Everything but the receive buffer.
#[derive(Clone, Debug)]
pub(super) struct Core<const INFLIGHT: usize, const BUF: usize, const RX: usize> {
    cfg: Config,
    clock: Monotonic,
    level: ProtocolLevel,
    /// The level of the PUBLISH frames in the store: the client's level, or
    /// 5.0 at a server (which learns its client's level from CONNECT).
    store_level: ProtocolLevel,
    conn: Conn,

    // Session state (kept across connections, written by `snapshot`).
    pub(super) store: Store<INFLIGHT, BUF>,
    pub(super) inbound: Inbound<INFLIGHT>,
    pub(super) ids: PacketIds,
    pub(super) rel_seq: u32,
    pub(super) has_state: bool,
    pub(super) session_expiry: u32,

    // Connection state.
    clean_start: bool,
    /// This connection carried a CONNECT: its end applies the session
    /// expiry (a connection cut before CONNECT leaves the session alone).
    bound: bool,
    /// The buffered received bytes are `rx[rx_at..rx_end]` of
    /// `Session::rx`: frames taken from the front advance `rx_at`, and the
    /// buffer is compacted once per `handle_bytes`, not once per frame.
    rx_at: usize,
    rx_end: usize,
    held: Held,
    frames: FrameQueue<RX>,
    ctrl: Ring<Ctrl, CTRL_CAP>,
    events: Ring<Owned, EVENT_CAP>,
    events_before_held: usize,
    timers: Timers,
    keep_alive: u16,
    last_rx: Instant,
    last_tx: Instant,
    ping_queued: bool,
    pinged_since_rx: bool,
    peer: PeerLimits,
    out_alias: AliasTable,
    in_alias: AliasTable,
    auth_method: heapless::Vec<u8, AUTH_METHOD_CAP>,
    close_pending: bool,
    /// Requests marked `State::Lost` not reported yet.
    lost_requests: usize,
    /// The DISCONNECT to write last before closing.
    final_disconnect: Option<ReasonCode>,
    /// The Session Expiry Interval that DISCONNECT carries (client, 5.0).
    disconnect_expiry: Option<u32>,
    /// A local disconnect: ready PUBACK/PUBREC go out before the DISCONNECT.
    flush_acks: bool,
    pending_session_present: bool,
    /// Server: Clean Start and Session Expiry Interval of the CONNECT
    /// awaiting `accept`.
    pending_connect: (bool, u32),
    stats: Stats,
    /// `poll_transmit` found nothing to write with a buffer of at least
    /// `TRANSMIT_BUF` bytes, and nothing has happened since that could give
    /// it something: every command, timeout and transport change clears
    /// it, and so does every received frame except a QoS 0 PUBLISH.
    tx_idle: bool,
}

impl<const INFLIGHT: usize, const BUF: usize, const RX: usize> Session<INFLIGHT, BUF, RX> {
    /// The smallest `buf` [`Session::poll_transmit`] needs to make progress
    /// with every frame the session can hold: the largest stored frame plus
    /// what a Topic Alias can add.
    pub const TRANSMIT_BUF: usize = if BUF > RX { BUF + 8 } else { RX + 8 };

    // ------------------------------------------------------------------
    // Construction and getters
    // ------------------------------------------------------------------

    /// A session with no connection and no state.
    ///
    /// ```
    /// use qos_engine::mqtt::{Config, Session};
    /// use qos_engine::Instant;
    /// use mqtt_codec::ProtocolLevel;
    ///
    /// let s: Session = Session::new(Config::client(ProtocolLevel::V5), Instant::ZERO);
    /// assert!(!s.is_connected());
    /// assert_eq!(s.poll_timeout(), None);
    /// ```
    pub fn new(cfg: Config, now: Instant) -> Self {
        Session {
            rx: [0; RX],
            core: Core {
                level: cfg.protocol,
                store_level: match cfg.role {
                    Role::Client => cfg.protocol,
                    Role::Server => ProtocolLevel::V5,
                },
                cfg,
                clock: Monotonic::new(now),
                conn: Conn::Down,
                store: Store::new(),
                inbound: Inbound::new(),
                ids: PacketIds::new(),
                rel_seq: 0,
                has_state: false,
                session_expiry: 0,
                clean_start: true,
                bound: false,
                rx_at: 0,
                rx_end: 0,
                held: Held::None,
                frames: FrameQueue::new(),
                ctrl: Ring::new(),
                events: Ring::new(),
                events_before_held: 0,
                timers: Timers::default(),
                keep_alive: 0,
                last_rx: now,
                last_tx: now,
                ping_queued: false,
                pinged_since_rx: false,
                peer: PeerLimits::DEFAULT,
                out_alias: AliasTable::new(),
                in_alias: AliasTable::new(),
                auth_method: heapless::Vec::new(),
                close_pending: false,
                lost_requests: 0,
                final_disconnect: None,
                disconnect_expiry: None,
                flush_acks: false,
                pending_session_present: false,
                pending_connect: (true, 0),
                stats: Stats::default(),
                tx_idle: false,
            },
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.core.cfg
    }

    /// The protocol level of the current (or last) connection.
    pub fn protocol(&self) -> ProtocolLevel {
        self.core.level
    }

    /// Whether CONNECT / CONNACK have been exchanged on a live connection.
    pub fn is_connected(&self) -> bool {
        self.core.conn == Conn::Connected
    }

    /// Whether a transport is attached (from `handle_transport_up` to
    /// `handle_transport_down`).
    pub fn has_transport(&self) -> bool {
        self.core.conn != Conn::Down
    }

    /// Counters of what the session has done.
    pub fn stats(&self) -> Stats {
        self.core.stats
    }

    /// Outgoing messages and requests holding a packet identifier (or
    /// queued at QoS 0), out of `INFLIGHT`.
    pub fn inflight(&self) -> usize {
        self.core.store.slots().len()
    }

    /// Bytes of the outgoing store in use, out of `BUF`.
    pub fn store_bytes(&self) -> usize {
        self.core.store.bytes_used()
    }

    /// Incoming QoS 1 / QoS 2 exchanges not finished yet.
    pub fn inbound_inflight(&self) -> usize {
        self.core.inbound.len()
    }

    /// Whether the packet identifier is held by an unfinished outgoing
    /// message or request.
    pub fn packet_id_in_use(&self, packet_id: u16) -> bool {
        self.core.store.pid_in_use(packet_id)
    }

    /// Packet identifiers of outgoing messages still awaiting
    /// acknowledgement, in the order they were published.
    pub fn unacknowledged(&self) -> impl Iterator<Item = NonZeroU16> + '_ {
        self.core
            .store
            .slots()
            .iter()
            .filter(|s| s.kind == Kind::Publish)
            .filter_map(|s| NonZeroU16::new(s.pid))
    }
}

impl<const INFLIGHT: usize, const BUF: usize, const RX: usize> Core<INFLIGHT, BUF, RX> {
    fn receive_maximum(&self) -> u16 {
        let cap = u16::try_from(INFLIGHT).unwrap_or(u16::MAX).max(1);
        self.cfg.receive_maximum.clamp(1, cap)
    }

    fn maximum_packet_size(&self) -> u32 {
        let cap = u32::try_from(RX).unwrap_or(u32::MAX);
        self.cfg.maximum_packet_size.clamp(16, cap.max(16))
    }

    fn topic_alias_maximum(&self) -> u16 {
        if self.level == ProtocolLevel::V5 {
            self.cfg.topic_alias_maximum.min(ALIASES as u16)
        } else {
            0
        }
    }

    fn is_client(&self) -> bool {
        self.cfg.role == Role::Client
    }

    /// Every input and command: time moves on, and there may be something
    /// to write now.
    #[inline]
    fn input(&mut self, now: Instant) -> Instant {
        self.tx_idle = false;
        self.clock.observe(now)
    }
}

impl<const INFLIGHT: usize, const BUF: usize, const RX: usize> Session<INFLIGHT, BUF, RX> {
    // ------------------------------------------------------------------
    // Inputs
    // ------------------------------------------------------------------

    /// A network connection is up. Client: call [`Session::connect`] next.
    /// Server: CONNECT is awaited for [`Config::connect_timeout`].
    /// Resumable messages (unacknowledged PUBLISH, PUBREL) are marked for
    /// resending once CONNACK is exchanged ([MQTT-4.4.0-1]). Ignored if a
    /// transport is already attached.
    pub fn handle_transport_up(&mut self, now: Instant) {
        let now = self.core.input(now);
        if self.core.conn != Conn::Down {
            return;
        }
        self.core.reset_connection(now);
        self.core.conn = Conn::Up;
        self.core.timers.stop(Timer::SessionExpiry);
        if !self.core.is_client() {
            self.core
                .timers
                .set(Timer::Dead, now + self.core.cfg.connect_timeout);
        }
    }

    /// The network connection is gone (closed by either side or broken).
    /// Unfinished SUBSCRIBE / UNSUBSCRIBE requests are reported lost; the
    /// session state is kept until the Session Expiry Interval passes
    /// ([MQTT-4.1.0-2]), or dropped now when it is 0 (or Clean Session at 3.x).
    pub fn handle_transport_down(&mut self, now: Instant) {
        let now = self.core.input(now);
        if self.core.conn == Conn::Down {
            return;
        }
        let was = self.core.conn;
        self.core.conn = Conn::Down;
        if !matches!(was, Conn::Closed | Conn::Closing) {
            self.core
                .push_event(Event::Disconnected(DisconnectCause::TransportClosed));
        }
        self.core.drop_connection_state();
        self.core.timers.stop_all();
        // Queued messages keep expiring while no connection is up.
        self.core.arm_message_expiry();
        if !self.core.bound {
            return;
        }
        if !self.core.has_state
            && self
                .core
                .store
                .slots()
                .iter()
                .all(|s| s.kind != Kind::Publish)
        {
            return;
        }
        let expiry = if self.core.level == ProtocolLevel::V5 {
            self.core.session_expiry
        } else if self.core.clean_start {
            0
        } else {
            u32::MAX
        };
        match expiry {
            0 => self.core.discard_state(),
            u32::MAX => {}
            secs => self
                .core
                .timers
                .set(Timer::SessionExpiry, now + Duration::from_secs(secs.into())),
        }
    }

    /// Bytes received from the peer. Returns how many were taken: at most
    /// the free room of the `RX`-byte receive buffer. Offer the rest again
    /// after draining the polls (which frees the room); nothing taken is
    /// ever dropped. Bytes arriving while no connection is up, or after the
    /// session decided to close, are taken and ignored.
    pub fn handle_bytes(&mut self, now: Instant, bytes: &[u8]) -> usize {
        // (Processing a frame says itself whether it gives `poll_transmit`
        // something; a QoS 0 message does not.)
        let now = self.core.clock.observe(now);
        match self.core.conn {
            Conn::Down | Conn::Closing | Conn::Closed => {
                self.core.stats.bytes_received += bytes.len() as u64;
                return bytes.len();
            }
            _ => {}
        }
        let c = &mut self.core;
        c.release_held();
        if c.rx_at > 0 {
            // The frames taken since the last call leave the front: one
            // move per call, however many frames were taken.
            self.rx.copy_within(c.rx_at..c.rx_end, 0);
            c.rx_end -= c.rx_at;
            c.rx_at = 0;
        }
        let n = bytes.len().min(RX - c.rx_end);
        self.rx[c.rx_end..c.rx_end + n].copy_from_slice(&bytes[..n]);
        c.rx_end += n;
        c.stats.bytes_received += n as u64;
        c.process(&self.rx, now);
        n
    }

    /// Time passed. Acts on every timer due at `now` (keep-alive PINGREQ,
    /// dead peer, connect timeout, session expiry); called early it does
    /// nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.core.input(now);
        while let Some(t) = self.core.timers.expired(now) {
            match t {
                Timer::Ping => {
                    if self.core.conn == Conn::Connected && !self.core.ping_queued {
                        self.core.ping_queued = true;
                        let _ = self.core.ctrl.push_back(Ctrl::PingReq);
                    }
                }
                Timer::Dead => match self.core.conn {
                    Conn::Connected | Conn::Connecting | Conn::Up | Conn::Accepting => {
                        let v5_server = !self.core.is_client()
                            && self.core.level == ProtocolLevel::V5
                            && self.core.conn == Conn::Connected;
                        self.core
                            .push_event(Event::Disconnected(DisconnectCause::Timeout));
                        if v5_server {
                            // "the Server … uses DISCONNECT with Reason Code
                            // 0x8D (Keep Alive timeout)" (§3.1.2.10).
                            self.core.close_with(Some(ReasonCode::KeepAliveTimeout));
                        } else {
                            self.core.close_with(None);
                        }
                    }
                    _ => {}
                },
                Timer::SessionExpiry => {
                    if self.core.conn == Conn::Down {
                        self.core.discard_state();
                    }
                }
                Timer::MessageExpiry => self.core.expire_messages(now),
            }
        }
        self.core.arm_keepalive();
    }

    // ------------------------------------------------------------------
    // Commands
    // ------------------------------------------------------------------

    /// Client: sends CONNECT on the transport that just came up. With
    /// `clean_start` any session state is discarded first (reported by
    /// [`Event::SessionDiscarded`]); without it, unacknowledged messages are
    /// resent once the server confirms Session Present.
    pub fn connect(&mut self, now: Instant, opts: &ConnectOptions<'_>) -> Result<(), CommandError> {
        let now = self.core.input(now);
        if !self.core.is_client() {
            return Err(CommandError::WrongRole);
        }
        if self.core.conn != Conn::Up {
            return Err(CommandError::InvalidState);
        }
        let v5 = self.core.level == ProtocolLevel::V5;
        let mut props: heapless::Vec<Property<'_>, 6> = heapless::Vec::new();
        if v5 {
            if opts.session_expiry != 0 {
                let _ = props.push(Property::SessionExpiryInterval(opts.session_expiry));
            }
            if self.core.receive_maximum() != u16::MAX {
                let _ = props.push(Property::ReceiveMaximum(self.core.receive_maximum()));
            }
            let _ = props.push(Property::MaximumPacketSize(self.core.maximum_packet_size()));
            if self.core.topic_alias_maximum() > 0 {
                let _ = props.push(Property::TopicAliasMaximum(self.core.topic_alias_maximum()));
            }
            if let Some(m) = opts.auth_method {
                let _ = props.push(Property::AuthenticationMethod(m));
                if let Some(d) = opts.auth_data {
                    let _ = props.push(Property::AuthenticationData(d));
                }
            }
        }
        let method = opts.auth_method.unwrap_or("").as_bytes();
        if !v5 && opts.auth_method.is_some() || method.len() > AUTH_METHOD_CAP {
            return Err(CommandError::Encode(EncodeError::NotAtThisLevel));
        }
        let will = opts.will.map(|w| Will {
            topic: w.topic.into(),
            payload: w.payload,
            qos: w.qos,
            retain: w.retain,
            properties: w.properties,
        });
        let packet = Packet::Connect(Connect {
            level: self.core.level,
            clean_start: opts.clean_start,
            keep_alive: opts.keep_alive,
            client_id: opts.client_id,
            username: opts.username,
            password: opts.password,
            will,
            properties: Properties::from_list(&props),
        });
        self.core.frames.push(&packet, self.core.level)?;
        // Committed from here on.
        self.core.auth_method.clear();
        let _ = self.core.auth_method.extend_from_slice(method);
        if opts.clean_start {
            self.core.discard_state();
        }
        self.core.clean_start = opts.clean_start;
        self.core.bound = true;
        self.core.session_expiry = if v5 { opts.session_expiry } else { 0 };
        self.core.keep_alive = opts.keep_alive;
        self.core.conn = Conn::Connecting;
        self.core
            .timers
            .set(Timer::Dead, now + self.core.cfg.connect_timeout);
        Ok(())
    }

    /// Server: accepts the CONNECT announced by [`Event::ConnectReceived`]
    /// with CONNACK Success, announcing this session's limits (Receive
    /// Maximum, Maximum Packet Size, Topic Alias Maximum, Server Keep Alive).
    /// Resumed messages go out after it.
    pub fn accept(&mut self, now: Instant, opts: &AcceptOptions<'_>) -> Result<(), CommandError> {
        let now = self.core.input(now);
        if self.core.is_client() {
            return Err(CommandError::WrongRole);
        }
        if self.core.conn != Conn::Accepting {
            return Err(CommandError::InvalidState);
        }
        let v5 = self.core.level == ProtocolLevel::V5;
        self.core.push_connack(opts)?;
        (self.core.clean_start, self.core.session_expiry) = self.core.pending_connect;
        self.core.bound = true;
        if self.core.clean_start {
            // [MQTT-3.1.4-4]: "The Server MUST perform the processing of
            // Clean Start".
            self.core.discard_state();
        }
        if let Some(ka) = self.core.cfg.server_keep_alive.filter(|_| v5) {
            // [MQTT-3.2.2-21]: the client uses the Server Keep Alive.
            self.core.keep_alive = ka;
        }
        self.core.on_connected(now);
        Ok(())
    }
}

impl<const INFLIGHT: usize, const BUF: usize, const RX: usize> Core<INFLIGHT, BUF, RX> {
    fn push_connack(&mut self, opts: &AcceptOptions<'_>) -> Result<(), CommandError> {
        let v5 = self.level == ProtocolLevel::V5;
        let mut props: heapless::Vec<Property<'_>, 8> = heapless::Vec::new();
        let method = core::str::from_utf8(&self.auth_method).unwrap_or("");
        if v5 {
            if self.receive_maximum() != u16::MAX {
                let _ = props.push(Property::ReceiveMaximum(self.receive_maximum()));
            }
            let _ = props.push(Property::MaximumPacketSize(self.maximum_packet_size()));
            if self.topic_alias_maximum() > 0 {
                let _ = props.push(Property::TopicAliasMaximum(self.topic_alias_maximum()));
            }
            if let Some(ka) = self.cfg.server_keep_alive {
                let _ = props.push(Property::ServerKeepAlive(ka));
            }
            if let Some(id) = opts.assigned_client_id {
                let _ = props.push(Property::AssignedClientIdentifier(id));
            }
            if !method.is_empty() {
                // [MQTT-4.12.0-5]: a successful CONNACK carries the method.
                let _ = props.push(Property::AuthenticationMethod(method));
                if let Some(d) = opts.auth_data {
                    let _ = props.push(Property::AuthenticationData(d));
                }
            }
        }
        let packet = Packet::ConnAck(ConnAck {
            session_present: self.pending_session_present,
            reason_code: ReasonCode::Success,
            properties: Properties::from_list(&props),
        });
        self.frames.push(&packet, self.level)
    }
}

impl<const INFLIGHT: usize, const BUF: usize, const RX: usize> Session<INFLIGHT, BUF, RX> {
    /// Server: refuses the CONNECT with `reason` (≥ 0x80; at 3.x mapped to
    /// the 3.1.1 return code) and closes ([MQTT-3.2.2-7]). The session
    /// state is untouched.
    pub fn reject(&mut self, now: Instant, reason: ReasonCode) -> Result<(), CommandError> {
        self.core.input(now);
        if self.core.is_client() {
            return Err(CommandError::WrongRole);
        }
        if self.core.conn != Conn::Accepting || !reason.is_error() {
            return Err(CommandError::InvalidState);
        }
        let packet = Packet::ConnAck(ConnAck {
            session_present: false,
            reason_code: reason,
            properties: Properties::EMPTY,
        });
        self.core.frames.push(&packet, self.core.level)?;
        self.core
            .push_event(Event::Disconnected(DisconnectCause::Local(reason)));
        self.core.conn = Conn::Closing;
        self.core.close_pending = true;
        Ok(())
    }

    /// Queues an application message. QoS 0 is written once; QoS 1 and 2
    /// get a packet identifier (returned) and are kept — frame and payload —
    /// until acknowledged, resent with DUP after a reconnection that resumes
    /// the session. Allowed while disconnected (the message waits). A full
    /// store or identifier space is an `Err` and changes nothing.
    ///
    /// A Message Expiry Interval in `msg.properties` (5.0) runs from `now`:
    /// a message still waiting when it passes is dropped unsent and
    /// reported by [`Event::MessageExpired`] ([MQTT-3.3.2-5]); when written
    /// later, the interval on the wire is the one given minus the whole
    /// seconds it waited ([MQTT-3.3.2-6]).
    ///
    /// ```
    /// use qos_engine::mqtt::{Config, Event, PublishOptions, Session};
    /// use qos_engine::{Duration, Instant};
    /// use mqtt_codec::{Properties, Property, ProtocolLevel, QoS};
    ///
    /// let mut s: Session = Session::new(Config::client(ProtocolLevel::V5), Instant::ZERO);
    /// let expiry = [Property::MessageExpiryInterval(10)];
    /// let msg = PublishOptions {
    ///     properties: Properties::from_list(&expiry),
    ///     ..PublishOptions::new("t", b"x", QoS::AtLeastOnce)
    /// };
    /// let id = s.publish(Instant::ZERO, &msg).unwrap();
    /// // Not connected: the message waits, and its lifetime runs out.
    /// let at = s.poll_timeout().unwrap();
    /// assert!(at > Instant::ZERO + Duration::from_secs(10));
    /// s.handle_timeout(at);
    /// assert!(matches!(s.poll_event(), Some(Event::MessageExpired { packet_id }) if packet_id == id));
    /// assert_eq!(s.inflight(), 0);
    /// ```
    pub fn publish(
        &mut self,
        now: Instant,
        msg: &PublishOptions<'_>,
    ) -> Result<Option<NonZeroU16>, CommandError> {
        let now = self.core.input(now);
        self.core.expire_due(now);
        let expiry = msg.properties.message_expiry_interval();
        if self.core.store_level != ProtocolLevel::V5 && !msg.properties.is_empty() {
            return Err(CommandError::Encode(EncodeError::NotAtThisLevel));
        }
        // The session assigns Topic Aliases itself; and [MQTT-3.3.4-6]: "A
        // PUBLISH packet sent from a Client to a Server MUST NOT contain a
        // Subscription Identifier".
        if msg.properties.topic_alias().is_some()
            || self.core.is_client() && msg.properties.subscription_identifiers().next().is_some()
        {
            return Err(CommandError::Encode(EncodeError::Invalid(
                DecodeError::PropertyNotAllowed,
            )));
        }
        if self.core.conn == Conn::Connected {
            if msg.qos.as_u8() > self.core.peer.maximum_qos {
                return Err(CommandError::QoSNotSupported);
            }
            if msg.retain && !self.core.peer.retain_available {
                return Err(CommandError::RetainNotSupported);
            }
        }
        self.core.store.check(0).map_err(full)?;
        let mut ids = self.core.ids;
        let pid = if msg.qos == QoS::AtMostOnce {
            None
        } else {
            let store = &self.core.store;
            Some(
                ids.allocate(|id| store.pid_in_use(id.get()))
                    .map_err(|_| CommandError::PacketIdsExhausted)?,
            )
        };
        let packet = Packet::Publish(Publish {
            dup: false,
            qos: msg.qos,
            retain: msg.retain,
            topic: msg.topic.into(),
            packet_id: pid.map(NonZeroU16::get),
            properties: msg.properties,
            payload: msg.payload,
        });
        let level = self.core.store_level;
        // The peer's limit applies once it is known ([MQTT-3.2.2-15]); a
        // message queued before is checked again when written.
        let max = if self.core.conn == Conn::Connected {
            self.core.peer.maximum_packet_size as usize
        } else {
            usize::MAX
        };
        let slot = Slot {
            kind: Kind::Publish,
            state: State::Pending,
            pid: pid.map_or(0, NonZeroU16::get),
            qos: msg.qos.as_u8(),
            retain: msg.retain,
            dup: false,
            rel_seq: 0,
            off: 0,
            len: 0,
            queued_at: now,
            expiry: expiry.unwrap_or(0),
            expiry_at: 0,
        };
        let i = self
            .core
            .store
            .push_tail(slot, |free| match packet.encode(level, free) {
                Ok(n) if n > max => Err(CommandError::PacketTooLarge),
                Ok(n) => Ok(n),
                Err(EncodeError::BufferTooSmall { needed }) if needed > max => {
                    Err(CommandError::PacketTooLarge)
                }
                Err(EncodeError::BufferTooSmall { .. }) => Err(CommandError::BufferFull),
                Err(e) => Err(e.into()),
            })
            .map_err(full)??;
        self.core.ids = ids;
        if expiry.is_some() {
            let at = expiry_offset(self.core.store.bytes(i), level);
            self.core.store.slot_mut(i).expiry_at = at;
            self.core.arm_message_expiry();
        }
        Ok(pid)
    }

    /// Client: SUBSCRIBE to `filters` (with their options). Returns the
    /// packet identifier that [`Event::Subscribed`] will carry. Needs a
    /// connection (requests are not resumed, [MQTT-4.4.0-1]).
    pub fn subscribe(
        &mut self,
        now: Instant,
        filters: &[Subscription<'_>],
        properties: Properties<'_>,
    ) -> Result<NonZeroU16, CommandError> {
        self.core.input(now);
        if !self.core.is_client() {
            return Err(CommandError::WrongRole);
        }
        self.core.push_request(Kind::Subscribe, |pid| {
            Packet::Subscribe(Subscribe {
                packet_id: pid,
                properties,
                filters: mqtt_codec::SubscribeFilters::from_list(filters),
            })
        })
    }

    /// Client: UNSUBSCRIBE from `filters`. Returns the packet identifier that
    /// [`Event::Unsubscribed`] will carry.
    pub fn unsubscribe(
        &mut self,
        now: Instant,
        filters: &[TopicFilter<'_>],
        properties: Properties<'_>,
    ) -> Result<NonZeroU16, CommandError> {
        self.core.input(now);
        if !self.core.is_client() {
            return Err(CommandError::WrongRole);
        }
        self.core.push_request(Kind::Unsubscribe, |pid| {
            Packet::Unsubscribe(Unsubscribe {
                packet_id: pid,
                properties,
                filters: TopicFilters::from_list(filters),
            })
        })
    }
}

impl<const INFLIGHT: usize, const BUF: usize, const RX: usize> Core<INFLIGHT, BUF, RX> {
    fn push_request<'p>(
        &mut self,
        kind: Kind,
        make: impl Fn(u16) -> Packet<'p>,
    ) -> Result<NonZeroU16, CommandError> {
        if !matches!(self.conn, Conn::Connected | Conn::Connecting) {
            return Err(CommandError::InvalidState);
        }
        self.store.check(0).map_err(full)?;
        let mut ids = self.ids;
        let store = &self.store;
        let pid = ids
            .allocate(|id| store.pid_in_use(id.get()))
            .map_err(|_| CommandError::PacketIdsExhausted)?;
        let packet = make(pid.get());
        let level = self.level;
        let len = packet.encoded_len(level)?;
        if len > self.peer.maximum_packet_size as usize {
            return Err(CommandError::PacketTooLarge);
        }
        let slot = Slot {
            kind,
            state: State::Pending,
            pid: pid.get(),
            qos: 1,
            retain: false,
            dup: false,
            rel_seq: 0,
            off: 0,
            len: len as u32,
            queued_at: Instant::ZERO,
            expiry: 0,
            expiry_at: 0,
        };
        self.store
            .push_with(len, |buf| {
                packet.encode(level, buf)?;
                Ok::<_, EncodeError>(slot)
            })
            .map_err(full)??;
        self.ids = ids;
        Ok(pid)
    }
}

impl<const INFLIGHT: usize, const BUF: usize, const RX: usize> Session<INFLIGHT, BUF, RX> {
    /// Server: answers the SUBSCRIBE `packet_id` with one reason code (or
    /// granted QoS) per filter, in order ([MQTT-3.8.4-2], [MQTT-3.9.3-1]).
    pub fn suback(
        &mut self,
        now: Instant,
        packet_id: NonZeroU16,
        reason_codes: &[ReasonCode],
    ) -> Result<(), CommandError> {
        self.core.input(now);
        self.core.server_frame(Packet::SubAck(SubAck {
            packet_id: packet_id.get(),
            properties: Properties::EMPTY,
            reason_codes: ReasonCodes::from_list(reason_codes),
        }))
    }

    /// Server: answers the UNSUBSCRIBE `packet_id` (reason codes are
    /// ignored below 5.0).
    pub fn unsuback(
        &mut self,
        now: Instant,
        packet_id: NonZeroU16,
        reason_codes: &[ReasonCode],
    ) -> Result<(), CommandError> {
        self.core.input(now);
        let codes = if self.core.level == ProtocolLevel::V5 {
            reason_codes
        } else {
            &[]
        };
        self.core.server_frame(Packet::UnsubAck(UnsubAck {
            packet_id: packet_id.get(),
            properties: Properties::EMPTY,
            reason_codes: ReasonCodes::from_list(codes),
        }))
    }
}

impl<const INFLIGHT: usize, const BUF: usize, const RX: usize> Core<INFLIGHT, BUF, RX> {
    fn server_frame(&mut self, packet: Packet<'_>) -> Result<(), CommandError> {
        if self.is_client() {
            return Err(CommandError::WrongRole);
        }
        if self.conn != Conn::Connected {
            return Err(CommandError::InvalidState);
        }
        self.frames.push(&packet, self.level)
    }
}

impl<const INFLIGHT: usize, const BUF: usize, const RX: usize> Session<INFLIGHT, BUF, RX> {
    /// Manual acknowledgement (with [`Config::manual_ack`]): the application
    /// has taken ownership of the message `packet_id`; its PUBACK (QoS 1) or
    /// PUBREC (QoS 2) goes out with `reason` — after those of earlier
    /// messages ([MQTT-4.6.0-2], [MQTT-4.6.0-3]). A QoS 2 message is not
    /// handed over again even if the peer resends it.
    pub fn ack(
        &mut self,
        now: Instant,
        packet_id: NonZeroU16,
        reason: ReasonCode,
    ) -> Result<(), CommandError> {
        self.core.input(now);
        let i = self
            .core
            .inbound
            .find_awaiting_app(packet_id.get())
            .ok_or(CommandError::NotAwaitingAck)?;
        let rc = if self.core.level == ProtocolLevel::V5 {
            reason
        } else {
            ReasonCode::Success
        };
        let ty = match self.core.inbound.slots()[i].qos {
            1 => PacketType::PubAck,
            _ => PacketType::PubRec,
        };
        if !rc.allowed_in(ty) {
            // A code the acknowledgement cannot carry (§3.4.2.1, §3.5.2.1)
            // could never be written: refused here rather than left to
            // block every later acknowledgement.
            return Err(CommandError::Encode(EncodeError::Invalid(
                DecodeError::InvalidReasonCode,
            )));
        }
        self.core.inbound.get_mut(i).state = InState::AckReady(rc.as_u8());
        Ok(())
    }

    /// Enhanced authentication (5.0, §4.12): sends AUTH with `reason` (0x18
    /// Continue authentication, or 0x19 Re-authenticate from a connected
    /// client) and `data`, under the Authentication Method of the CONNECT
    /// ([MQTT-4.12.0-5]).
    pub fn auth(
        &mut self,
        now: Instant,
        reason: ReasonCode,
        data: Option<&[u8]>,
    ) -> Result<(), CommandError> {
        self.core.input(now);
        if self.core.level != ProtocolLevel::V5 || self.core.auth_method.is_empty() {
            // [MQTT-4.12.0-7]: no AUTH without an Authentication Method.
            return Err(CommandError::InvalidState);
        }
        let ok_state = match reason {
            ReasonCode::ContinueAuthentication => matches!(
                self.core.conn,
                Conn::Connecting | Conn::Accepting | Conn::Connected
            ),
            ReasonCode::ReAuthenticate => {
                self.core.is_client() && self.core.conn == Conn::Connected
            }
            ReasonCode::Success => !self.core.is_client() && self.core.conn == Conn::Connected,
            _ => false,
        };
        if !ok_state {
            return Err(CommandError::InvalidState);
        }
        let method = core::str::from_utf8(&self.core.auth_method).unwrap_or("");
        let mut props: heapless::Vec<Property<'_>, 2> = heapless::Vec::new();
        let _ = props.push(Property::AuthenticationMethod(method));
        if let Some(d) = data {
            let _ = props.push(Property::AuthenticationData(d));
        }
        let packet = Packet::Auth(Auth {
            reason_code: reason,
            properties: Properties::from_list(&props),
        });
        let level = self.core.level;
        self.core.frames.push(&packet, level)
    }

    /// Ends the connection with DISCONNECT `reason` (0x00 normal, 0x04 with
    /// Will Message, …; below 5.0 the reason is not sent). A client may
    /// change the Session Expiry Interval here (5.0). The transport is closed
    /// after the frame ([MQTT-3.14.4-1], [MQTT-3.14.4-2]).
    pub fn disconnect(
        &mut self,
        now: Instant,
        reason: ReasonCode,
        session_expiry: Option<u32>,
    ) -> Result<(), CommandError> {
        self.core.input(now);
        if !matches!(
            self.core.conn,
            Conn::Connected | Conn::Connecting | Conn::Accepting
        ) {
            return Err(CommandError::InvalidState);
        }
        let expiry = session_expiry
            .filter(|_| self.core.is_client() && self.core.level == ProtocolLevel::V5);
        if let Some(e) = expiry {
            // §3.14.2.2.2: "If the Session Expiry Interval in the CONNECT
            // packet was zero, then it is a Protocol Error to set a non-zero
            // Session Expiry Interval in the DISCONNECT packet".
            if self.core.session_expiry == 0 && e != 0 {
                return Err(CommandError::InvalidState);
            }
        }
        self.core
            .push_event(Event::Disconnected(DisconnectCause::Local(reason)));
        if let Some(e) = expiry {
            self.core.session_expiry = e;
        }
        let (frames, ctrl) = (self.core.frames.clone(), self.core.ctrl.clone());
        self.core.close_local(reason);
        self.core.disconnect_expiry = expiry;
        if self.core.flush_acks {
            self.core.frames = frames;
            self.core.ctrl = ctrl;
        }
        Ok(())
    }

    // ------------------------------------------------------------------
    // Outputs
    // ------------------------------------------------------------------

    /// The next deadline: call [`Session::handle_timeout`] then. `None` when
    /// no timer runs.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.core.timers.next()
    }

    /// Writes whole frames to send into `buf` (as many as fit) and says how
    /// many bytes, and whether to close the transport after them. `None`
    /// when there is nothing to send. `buf` should be at least
    /// [`Session::TRANSMIT_BUF`] bytes; a frame that does not fit an
    /// empty `buf` stays queued.
    #[inline(always)]
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        if self.core.tx_idle {
            self.core.clock.observe(now);
            return None;
        }
        self.core.transmit(&self.rx, now, buf)
    }
}

impl<const INFLIGHT: usize, const BUF: usize, const RX: usize> Core<INFLIGHT, BUF, RX> {
    #[inline(never)]
    fn transmit(&mut self, rx: &[u8], now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        let now = self.clock.observe(now);
        self.expire_due(now);
        self.release_held();
        self.process(rx, now);
        let mut pos = 0;
        loop {
            let n = self.next_frame(&mut buf[pos..], now);
            if n == 0 {
                break;
            }
            pos += n;
            // Writing freed room in the queues: more input may be processed.
            self.process(rx, now);
        }
        let close = self.close_pending
            && self.frames.is_empty()
            && self.ctrl.is_empty()
            && self.final_disconnect.is_none();
        if pos > 0 {
            self.stats.bytes_sent += pos as u64;
            self.last_tx = now;
            self.arm_keepalive();
        }
        if close {
            self.close_pending = false;
            self.conn = Conn::Closed;
            self.timers.stop(Timer::Ping);
            self.timers.stop(Timer::Dead);
        }
        // Every frame fits `TRANSMIT_BUF` bytes: when the last try left at
        // least that much room, there is nothing more to write until
        // something happens.
        self.tx_idle = buf.len() - pos >= Session::<INFLIGHT, BUF, RX>::TRANSMIT_BUF;
        if pos == 0 && !close {
            return None;
        }
        Some(Transmit { len: pos, close })
    }
}

impl<const INFLIGHT: usize, const BUF: usize, const RX: usize> Session<INFLIGHT, BUF, RX> {
    /// The next event, if any. A borrowed event ([`Event::Message`] …) points
    /// into the receive buffer and stays valid until the next call on the
    /// session.
    #[inline(always)]
    pub fn poll_event(&mut self) -> Option<Event<'_>> {
        let c = &self.core;
        if matches!(c.held, Held::None)
            && c.rx_at == c.rx_end
            && c.events.is_empty()
            && c.lost_requests == 0
        {
            // Nothing received, nothing queued.
            return None;
        }
        self.core.next_event(&self.rx)
    }
}

impl<const INFLIGHT: usize, const BUF: usize, const RX: usize> Core<INFLIGHT, BUF, RX> {
    #[inline(never)]
    fn next_event<'a>(&'a mut self, rx: &'a [u8]) -> Option<Event<'a>> {
        let now = self.clock.get();
        self.release_held();
        self.process(rx, now);
        loop {
            match self.held {
                Held::Publish | Held::Pending { .. } if self.events_before_held > 0 => {
                    // Events produced before the held frame come first.
                    self.events_before_held -= 1;
                    return self.events.pop_front().map(Owned::into_event);
                }
                Held::Publish => match self.take_publish(rx) {
                    Taken::Message(p, alias) => {
                        let topic = match alias {
                            Some(a) => self.in_alias.topic(a).unwrap_or(""),
                            None => p.topic.as_str(),
                        };
                        return Some(Event::Message {
                            topic,
                            payload: p.payload,
                            qos: p.qos,
                            retain: p.retain,
                            dup: p.dup,
                            packet_id: p.packet_id.and_then(NonZeroU16::new),
                            properties: p.properties,
                        });
                    }
                    Taken::Nothing => self.process(rx, now),
                    Taken::Stays => break,
                },
                Held::Pending { len, kind } => {
                    self.held = Held::Returned { len };
                    return self.held_event(rx, len, kind);
                }
                Held::None | Held::Returned { .. } => break,
            }
        }
        if let Some(ev) = self.events.pop_front() {
            return Some(ev.into_event());
        }
        // Requests lost with their connection.
        if self.lost_requests == 0 {
            return None;
        }
        self.lost_requests -= 1;
        let i = self
            .store
            .slots()
            .iter()
            .position(|s| s.state == State::Lost)?;
        let s = self.store.remove(i);
        NonZeroU16::new(s.pid).map(|packet_id| Event::RequestLost { packet_id })
    }

    // ------------------------------------------------------------------
    // Internals: connection lifecycle
    // ------------------------------------------------------------------

    fn reset_connection(&mut self, now: Instant) {
        self.bound = false;
        self.rx_at = 0;
        self.rx_end = 0;
        self.drop_held();
        self.frames.clear();
        self.ctrl.clear();
        self.events_before_held = 0;
        self.last_rx = now;
        self.last_tx = now;
        self.ping_queued = false;
        self.pinged_since_rx = false;
        self.peer = PeerLimits::DEFAULT;
        self.out_alias.clear();
        self.in_alias.clear();
        self.close_pending = false;
        self.final_disconnect = None;
        self.flush_acks = false;
        self.keep_alive = 0;
        // [MQTT-4.4.0-1]: unacknowledged PUBLISH and PUBREL are resent, with
        // their original identifiers, once the session is resumed.
        for i in 0..self.store.slots().len() {
            let s = self.store.slot_mut(i);
            match (s.kind, s.state) {
                (Kind::Publish, State::Sent) => s.state = State::Pending,
                (Kind::Publish, State::RelSent) => s.state = State::RelPending,
                _ => {}
            }
        }
        self.inbound.on_new_connection();
    }

    /// The end of a connection: requests are lost, frames dropped.
    fn drop_connection_state(&mut self) {
        self.rx_at = 0;
        self.rx_end = 0;
        self.drop_held();
        self.events_before_held = 0;
        self.frames.clear();
        self.ctrl.clear();
        self.close_pending = false;
        self.final_disconnect = None;
        self.flush_acks = false;
        // SUBSCRIBE / UNSUBSCRIBE are not resumed: mark them lost, to be
        // reported by `poll_event`.
        for i in 0..self.store.slots().len() {
            let s = self.store.slot_mut(i);
            if s.kind != Kind::Publish && s.state != State::Lost {
                s.state = State::Lost;
                self.lost_requests += 1;
            }
        }
        for i in 0..self.store.slots().len() {
            if self.store.slots()[i].kind != Kind::Publish {
                self.store.free_bytes(i);
            }
        }
    }

    /// Discards the session state: the exchanges already started (messages
    /// written at least once, incoming QoS 2 awaiting PUBREL). Messages the
    /// application queued that were never written stay queued: no peer
    /// knows of them, so sending them on the new session is safe.
    fn discard_state(&mut self) {
        let dropped = self
            .store
            .retain(|s| s.kind == Kind::Publish && (s.dup || s.state != State::Pending));
        let had = dropped > 0 || self.inbound.len() > 0 || self.has_state;
        self.inbound.clear();
        self.has_state = false;
        self.timers.stop(Timer::SessionExpiry);
        if had {
            self.push_event(Event::SessionDiscarded { dropped });
        }
    }

    fn on_connected(&mut self, now: Instant) {
        self.conn = Conn::Connected;
        self.has_state = true;
        self.stats.connections += 1;
        self.last_rx = now;
        self.timers.stop(Timer::Dead);
        self.arm_keepalive();
    }

    /// Ends the connection: DISCONNECT `reason` first at 5.0 (when a reason
    /// is given and CONNACK was exchanged), then close. Everything queued is
    /// dropped: the peer broke the protocol or is gone.
    fn close_with(&mut self, reason: Option<ReasonCode>) {
        self.tx_idle = false;
        self.frames.clear();
        self.ctrl.clear();
        self.flush_acks = false;
        self.final_disconnect = None;
        self.disconnect_expiry = None;
        if let Some(rc) = reason {
            if self.level == ProtocolLevel::V5 && self.conn == Conn::Connected
                || (self.level != ProtocolLevel::V5 && self.is_client())
            {
                self.final_disconnect = Some(rc);
            }
        }
        self.conn = Conn::Closing;
        self.close_pending = true;
        self.rx_at = 0;
        self.rx_end = 0;
        self.drop_held();
        self.events_before_held = 0;
        self.timers.stop(Timer::Ping);
        self.timers.stop(Timer::Dead);
    }

    /// The application ends the connection: what is already queued —
    /// frames, PUBCOMP/PINGRESP, and the acknowledgements of messages the
    /// application already took — goes out before the DISCONNECT.
    fn close_local(&mut self, reason: ReasonCode) {
        let connected = self.conn == Conn::Connected;
        self.close_with(Some(reason));
        self.flush_acks = connected;
        if !connected {
            self.frames.clear();
        }
    }

    fn peer_error(&mut self, err: PeerError) {
        let rc = err.reason_code();
        self.push_event(Event::PeerError(err));
        self.push_event(Event::Disconnected(DisconnectCause::ProtocolViolation(rc)));
        if self.conn == Conn::Up {
            // Before a CONNECT was understood the peer's level is unknown:
            // "If the Server does not receive a CONNECT packet … or the
            // CONNECT packet is malformed, it MUST close the Network
            // Connection" (§3.1.4) — with no reply.
            self.close_with(None);
        } else {
            self.close_with(Some(rc));
        }
    }

    fn arm_keepalive(&mut self) {
        if self.conn != Conn::Connected || self.keep_alive == 0 {
            if self.conn == Conn::Connected {
                self.timers.stop(Timer::Ping);
                self.timers.stop(Timer::Dead);
            }
            return;
        }
        let ka = Duration::from_secs(self.keep_alive.into());
        // [MQTT-3.1.2-22]: "If the Keep Alive value is non-zero and the
        // Server does not receive an MQTT Control Packet from the Client
        // within one and a half times the Keep Alive time period, it MUST
        // disconnect". The client applies the same bound to the server.
        self.timers.set(Timer::Dead, self.last_rx + ka + ka / 2);
        if self.is_client() && !self.ping_queued {
            // [MQTT-3.1.2-20]: a PINGREQ when nothing was sent for Keep
            // Alive; and once when nothing was received for as long, so
            // that a quiet server is probed before it is declared dead.
            let mut at = self.last_tx + ka;
            if !self.pinged_since_rx {
                at = at.min(self.last_rx + ka);
            }
            self.timers.set(Timer::Ping, at);
        } else {
            self.timers.stop(Timer::Ping);
        }
    }

    fn push_event(&mut self, ev: Event<'static>) {
        let ev = Owned::from_event(ev);
        if self.events.push_back(ev).is_err() {
            // Only when the caller stopped draining the polls: the oldest
            // event makes room, and the loss is counted.
            self.events.pop_front();
            let _ = self.events.push_back(ev);
            self.stats.events_overflowed += 1;
        }
    }

    /// Drops the held frame with the connection. (A PUBLISH not taken by
    /// `poll_event` yet has no incoming slot: the peer's redelivery is a new
    /// message to us, as it must be.)
    fn drop_held(&mut self) {
        self.held = Held::None;
    }

    fn release_held(&mut self) {
        if let Held::Returned { len } = self.held {
            self.consume(len);
            self.held = Held::None;
        }
    }

    /// The front frame, `len` bytes, is done with. Its bytes leave the
    /// buffer at the next `handle_bytes` (or at once when none follow).
    fn consume(&mut self, len: usize) {
        self.rx_at = (self.rx_at + len).min(self.rx_end);
        if self.rx_at == self.rx_end {
            self.rx_at = 0;
            self.rx_end = 0;
        }
    }

    // ------------------------------------------------------------------
    // Internals: input
    // ------------------------------------------------------------------

    fn decode_options(&self) -> DecodeOptions {
        DecodeOptions::new(self.level).with_max_packet_size(self.maximum_packet_size())
    }

    /// Processes buffered frames until one is held for its event, the
    /// queues need draining, or the buffer holds no complete frame.
    #[inline]
    fn process(&mut self, rx: &[u8], now: Instant) {
        if self.rx_at != self.rx_end && self.held == Held::None {
            self.process_frames(rx, now);
        }
    }

    fn process_frames(&mut self, rx: &[u8], now: Instant) {
        loop {
            if self.held != Held::None || self.rx_at == self.rx_end {
                return;
            }
            if !matches!(
                self.conn,
                Conn::Up | Conn::Connecting | Conn::Accepting | Conn::Connected
            ) {
                self.rx_at = 0;
                self.rx_end = 0;
                return;
            }
            if CTRL_CAP - self.ctrl.len() < CTRL_RESERVE
                || EVENT_CAP - self.events.len() < EVENT_RESERVE
                || self.frames.is_full()
            {
                return;
            }
            let front = &rx[self.rx_at..self.rx_end];
            if self.conn == Conn::Accepting && !matches!(front[0] >> 4, 14 | 15) {
                // [MQTT-3.1.4-6]: nothing after CONNECT but AUTH is processed
                // until the application accepts; the frames wait.
                return;
            }
            let opts = self.decode_options();
            if self.conn == Conn::Connected && front[0] >> 4 == PacketType::Publish as u8 {
                // A PUBLISH is decoded by `poll_event`, which hands the
                // message out from that one decode. Here only whether it is
                // whole (the codec says when that is not plain).
                if !whole_frame(front) {
                    match Packet::decode(front, &opts) {
                        Ok(Status::Partial(_)) => return,
                        Err(e) => {
                            self.peer_error(PeerError::Decode(e));
                            return;
                        }
                        Ok(Status::Complete(_)) => {}
                    }
                }
                self.held = Held::Publish;
                self.events_before_held = self.events.len();
                self.last_rx = now;
                self.pinged_since_rx = false;
                self.arm_keepalive();
                return;
            }
            let step = match short_ack(front) {
                Some(ack) => Ok((ack, 4)),
                None => match Packet::decode(front, &opts) {
                    Ok(Status::Partial(_)) => return,
                    Err(e) => Err(PeerError::Decode(e)),
                    Ok(Status::Complete((packet, used))) => {
                        let summary = summarize(packet, &mut self.auth_method);
                        Ok((summary, used))
                    }
                },
            };
            match step {
                Err(e) => {
                    self.peer_error(e);
                    return;
                }
                Ok((summary, used)) => {
                    self.last_rx = now;
                    self.pinged_since_rx = false;
                    // Acknowledgements free quota or ask for PUBREL /
                    // PUBCOMP, CONNACK resumes messages …: `poll_transmit`
                    // may have something.
                    self.tx_idle = false;
                    match self.on_packet(now, summary) {
                        Ok(Some(kind)) => {
                            self.held = Held::Pending { len: used, kind };
                            self.events_before_held = self.events.len();
                        }
                        Ok(None) => self.consume(used),
                        Err(e) => {
                            self.peer_error(e);
                            return;
                        }
                    }
                    self.arm_keepalive();
                }
            }
        }
    }

    /// Decodes the PUBLISH held at the front of the receive buffer, applies
    /// it, and gives the message to hand out — borrowing topic and payload
    /// from `rx`, not from the session, so that the state can change
    /// meanwhile.
    fn take_publish<'r>(&mut self, rx: &'r [u8]) -> Taken<'r> {
        let opts = self.decode_options();
        self.held = Held::None;
        let (p, used) = match Packet::decode(&rx[self.rx_at..self.rx_end], &opts) {
            Ok(Status::Complete((Packet::Publish(p), used))) => (p, used),
            Ok(Status::Partial(_)) => {
                // Not whole after all: `process` looks again when more
                // bytes come.
                return Taken::Stays;
            }
            Ok(Status::Complete(_)) => {
                self.peer_error(PeerError::UnexpectedPacket);
                return Taken::Nothing;
            }
            Err(e) => {
                self.peer_error(PeerError::Decode(e));
                return Taken::Nothing;
            }
        };
        let mut alias = None;
        let mut error = None;
        if let Some(a) = p.properties.topic_alias() {
            if a > self.topic_alias_maximum() {
                // [MQTT-3.3.2-10] / [MQTT-3.3.2-12] bound what we accept;
                // §3.3.2.3.4: a larger value is a Topic Alias invalid.
                error = Some(PeerError::TopicAliasInvalid);
            } else if p.topic.is_empty() {
                if self.in_alias.topic(a).is_none() {
                    error = Some(PeerError::TopicAliasUnknown);
                }
                alias = Some(a);
            } else if self.in_alias.insert(a, p.topic.as_str()).is_err() {
                error = Some(PeerError::ImplementationLimit);
            }
        }
        let pid = p.packet_id.unwrap_or(0);
        let incoming = match error {
            Some(e) => Err(e),
            None => self.on_publish(p.qos, pid),
        };
        if !(matches!(incoming, Ok(Incoming::Deliver)) && p.qos == QoS::AtMostOnce) {
            // A PUBACK / PUBREC to write (or a DISCONNECT); a QoS 0
            // message asks for nothing.
            self.tx_idle = false;
        }
        if let Ok(Incoming::Blocked) = incoming {
            // Back-pressure: the frame stays until a slot is free (an
            // acknowledgement written); bytes behind it wait, so
            // `handle_bytes` takes fewer.
            self.held = Held::Publish;
            return Taken::Stays;
        }
        self.consume(used);
        match incoming {
            Ok(Incoming::Deliver) => Taken::Message(p, alias),
            Ok(Incoming::Duplicate | Incoming::Blocked) => Taken::Nothing,
            Err(e) => {
                self.peer_error(e);
                Taken::Nothing
            }
        }
    }

    /// Applies one received packet to the state. `Ok(Some(kind))` holds the
    /// frame for a borrowed event.
    fn on_packet(&mut self, now: Instant, p: In) -> Result<Option<HeldKind>, PeerError> {
        let v5 = self.level == ProtocolLevel::V5;
        let client = self.is_client();
        match (self.conn, p) {
            // ---- handshake, server side
            (Conn::Up, In::Connect(c)) if !client => {
                // "After a Network Connection is established by a Client to
                // a Server, the first packet sent from the Client to the
                // Server MUST be a CONNECT packet" [MQTT-3.1.0-1].
                self.level = c.level;
                self.keep_alive = c.keep_alive;
                // Applied by `accept` (a rejected CONNECT changes nothing).
                self.pending_connect = (
                    c.clean_start,
                    if c.level == ProtocolLevel::V5 {
                        c.session_expiry
                    } else {
                        0
                    },
                );
                self.peer.receive_maximum = c.receive_maximum;
                self.peer.maximum_packet_size = c.maximum_packet_size;
                self.peer.topic_alias_maximum = c.topic_alias_maximum;
                // `summarize` copied the Authentication Method already.
                // Clean Start is applied by `accept` ([MQTT-3.1.4-4]); a
                // rejected CONNECT leaves the session alone.
                let session_present = self.has_state && !c.clean_start;
                self.pending_session_present = session_present;
                self.conn = Conn::Accepting;
                self.timers.set(Timer::Dead, now + self.cfg.connect_timeout);
                Ok(Some(HeldKind::ConnectReceived { session_present }))
            }
            (_, In::Connect(_)) => {
                // "The Server MUST process a second CONNECT packet sent from
                // a Client as a Protocol Error and close the Network
                // Connection" [MQTT-3.1.0-2].
                Err(PeerError::UnexpectedPacket)
            }
            (Conn::Up, _) => Err(PeerError::UnexpectedPacket),
            (Conn::Accepting, In::Auth { reason, method_ok }) if v5 => {
                if !method_ok || reason != ReasonCode::ContinueAuthentication {
                    return Err(PeerError::AuthUnexpected);
                }
                Ok(Some(HeldKind::Auth))
            }
            (Conn::Accepting, In::Disconnect { reason, .. }) => {
                self.peer_disconnect(reason);
                Ok(None)
            }
            (Conn::Accepting, _) => Err(PeerError::UnexpectedPacket),

            // ---- handshake, client side
            (Conn::Connecting, In::ConnAck(a)) if client => {
                if a.reason.is_error() {
                    self.push_event(Event::Disconnected(DisconnectCause::Refused(a.reason)));
                    self.close_with(None);
                    return Ok(None);
                }
                if a.session_present && self.clean_start {
                    // [MQTT-3.2.2-4]: no session state to resume.
                    return Err(PeerError::SessionPresentUnexpected);
                }
                if v5 && !a.method_ok {
                    // [MQTT-4.12.0-5]: "any successful CONNACK packet MUST
                    // include an Authentication Method Property with the
                    // same value as in the CONNECT packet"; [MQTT-4.12.0-6]:
                    // none at all when CONNECT had none.
                    return Err(PeerError::AuthUnexpected);
                }
                if !a.session_present {
                    // [MQTT-3.2.2-5]: "If the Client does have Session State
                    // and receives Session Present set to 0 it MUST discard
                    // its Session State if it is to continue".
                    self.discard_state();
                }
                self.peer.receive_maximum = a.receive_maximum;
                self.peer.maximum_packet_size = a.maximum_packet_size;
                self.peer.topic_alias_maximum = a.topic_alias_maximum;
                self.peer.maximum_qos = a.maximum_qos;
                self.peer.retain_available = a.retain_available;
                if let Some(ka) = a.server_keep_alive {
                    // [MQTT-3.2.2-21]: "the Client MUST use this value
                    // instead of the Keep Alive value the Client sent".
                    self.keep_alive = ka;
                }
                if let Some(e) = a.session_expiry {
                    self.session_expiry = e;
                }
                self.on_connected(now);
                Ok(Some(HeldKind::Connected))
            }
            (Conn::Connecting, In::Auth { reason, method_ok }) if client && v5 => {
                if !method_ok || reason != ReasonCode::ContinueAuthentication {
                    return Err(PeerError::AuthUnexpected);
                }
                Ok(Some(HeldKind::Auth))
            }
            (Conn::Connecting, In::Disconnect { reason, .. }) => {
                self.peer_disconnect(reason);
                Ok(None)
            }
            (Conn::Connecting, _) => Err(PeerError::UnexpectedPacket),

            // ---- connected
            // (A PUBLISH on a live connection is taken by `poll_event`.)
            (Conn::Connected, In::PubAck(pid, rc)) => {
                match self.store.find(Kind::Publish, pid) {
                    Some(i)
                        if self.store.slots()[i].qos == 1
                            && self.store.slots()[i].state == State::Sent =>
                    {
                        self.store.remove(i);
                        self.published(pid, rc);
                    }
                    _ => self.unknown(AckKind::PubAck, pid),
                }
                Ok(None)
            }
            (Conn::Connected, In::PubRec(pid, rc)) => {
                let found = self.store.find(Kind::Publish, pid).filter(|&i| {
                    self.store.slots()[i].qos == 2 && self.store.slots()[i].state != State::Pending
                });
                match found {
                    Some(i) if rc.is_error() => {
                        // [MQTT-4.4.0-2]: treated as acknowledged, never resent.
                        self.store.remove(i);
                        self.published(pid, rc);
                    }
                    Some(i) => {
                        // [MQTT-4.3.3-4]: PUBREL with the same identifier;
                        // the PUBLISH is not sent again [MQTT-4.3.3-6] and
                        // its frame is no longer needed.
                        self.rel_seq = self.rel_seq.wrapping_add(1);
                        let seq = self.rel_seq;
                        let s = self.store.slot_mut(i);
                        s.state = State::RelPending;
                        s.rel_seq = seq;
                        // From here `dup` says whether the PUBREL was written.
                        s.dup = false;
                        self.store.free_bytes(i);
                    }
                    None => {
                        self.unknown(AckKind::PubRec, pid);
                        let rc = if v5 {
                            ReasonCode::PacketIdentifierNotFound
                        } else {
                            ReasonCode::Success
                        };
                        let _ = self.ctrl.push_back(Ctrl::PubRel(pid, rc));
                    }
                }
                Ok(None)
            }
            (Conn::Connected, In::PubRel(pid)) => {
                match self.inbound.find_qos2(pid) {
                    Some(i)
                        if matches!(
                            self.inbound.slots()[i].state,
                            InState::RecSent | InState::CompPending
                        ) =>
                    {
                        // [MQTT-4.3.3-11]: PUBCOMP with the same identifier;
                        // after it the identifier is new again [MQTT-4.3.3-12]
                        // — after it is written: until then a resent
                        // PUBLISH is still the same message.
                        self.inbound.get_mut(i).state = InState::CompPending;
                        let _ = self.ctrl.push_back(Ctrl::PubComp(pid, ReasonCode::Success));
                    }
                    Some(_) => return Err(PeerError::PubRelBeforePubRec),
                    None => {
                        // A PUBREL resent after a reconnection whose PUBCOMP
                        // was lost: answer, the exchange is over.
                        let rc = if v5 {
                            ReasonCode::PacketIdentifierNotFound
                        } else {
                            ReasonCode::Success
                        };
                        let _ = self.ctrl.push_back(Ctrl::PubComp(pid, rc));
                    }
                }
                Ok(None)
            }
            (Conn::Connected, In::PubComp(pid, rc)) => {
                match self.store.find(Kind::Publish, pid) {
                    Some(i)
                        if self.store.slots()[i].qos == 2
                            && matches!(
                                self.store.slots()[i].state,
                                State::RelSent | State::RelPending
                            ) =>
                    {
                        self.store.remove(i);
                        self.published(pid, rc);
                    }
                    _ => self.unknown(AckKind::PubComp, pid),
                }
                Ok(None)
            }
            (Conn::Connected, In::SubAck(pid)) if client => {
                self.request_done(Kind::Subscribe, AckKind::SubAck, pid, HeldKind::SubAck)
            }
            (Conn::Connected, In::UnsubAck(pid)) if client => self.request_done(
                Kind::Unsubscribe,
                AckKind::UnsubAck,
                pid,
                HeldKind::UnsubAck,
            ),
            (Conn::Connected, In::Subscribe) if !client => Ok(Some(HeldKind::SubscribeReceived)),
            (Conn::Connected, In::Unsubscribe) if !client => {
                Ok(Some(HeldKind::UnsubscribeReceived))
            }
            (Conn::Connected, In::PingReq) if !client => {
                let _ = self.ctrl.push_back(Ctrl::PingResp);
                Ok(None)
            }
            (Conn::Connected, In::PingResp) if client => Ok(None),
            (
                Conn::Connected,
                In::Disconnect {
                    reason,
                    session_expiry,
                },
            ) => {
                if let (Some(e), false) = (session_expiry, client) {
                    // §3.14.2.2.2: non-zero after zero in CONNECT is a
                    // Protocol Error.
                    if self.session_expiry == 0 && e != 0 {
                        return Err(PeerError::SessionExpiryRaised);
                    }
                    self.session_expiry = e;
                }
                self.peer_disconnect(reason);
                Ok(None)
            }
            (Conn::Connected, In::Auth { reason, method_ok }) if v5 => {
                let ok = method_ok
                    && match reason {
                        ReasonCode::ContinueAuthentication => true,
                        ReasonCode::ReAuthenticate => !client,
                        ReasonCode::Success => client,
                        _ => false,
                    };
                if !ok {
                    return Err(PeerError::AuthUnexpected);
                }
                Ok(Some(HeldKind::Auth))
            }
            (Conn::Connected, _) => Err(PeerError::UnexpectedPacket),
            _ => Ok(None),
        }
    }

    /// Applies a received PUBLISH of `qos` with identifier `pid` to the
    /// incoming exchanges.
    fn on_publish(&mut self, qos: QoS, pid: u16) -> Result<Incoming, PeerError> {
        match qos {
            QoS::AtMostOnce => {
                self.stats.messages_delivered += 1;
                Ok(Incoming::Deliver)
            }
            QoS::AtLeastOnce | QoS::ExactlyOnce => {
                if qos == QoS::ExactlyOnce {
                    if let Some(i) = self.inbound.find_qos2(pid) {
                        // [MQTT-4.3.3-10]: "until it has received the
                        // corresponding PUBREL packet, the receiver MUST
                        // acknowledge any subsequent PUBLISH packet with the
                        // same Packet Identifier by sending a PUBREC. It MUST
                        // NOT cause duplicate messages to be delivered".
                        self.stats.duplicates_suppressed += 1;
                        let s = self.inbound.get_mut(i);
                        if s.state == InState::RecSent {
                            s.state = InState::AckReady(ReasonCode::Success.as_u8());
                        }
                        return Ok(Incoming::Duplicate);
                    }
                }
                if self.inbound.len() >= usize::from(self.receive_maximum())
                    || self.inbound.is_full()
                {
                    if let Some(i) = self.inbound.oldest_answered() {
                        // The peer counts this PUBLISH against our Receive
                        // Maximum only "where it has not sent a PUBACK or
                        // PUBCOMP" (§3.3.4), so a peer may legitimately be
                        // here only if it frees its quota earlier than
                        // [MQTT-4.9.0-2] allows (mosquitto 2.0 does at our
                        // PUBREC) or has no Receive Maximum (3.1.1). The
                        // oldest exchange already answered with PUBREC
                        // needs nothing from us but a PUBCOMP to its PUBREL,
                        // which an unknown identifier gets as well; let its
                        // identifier go rather than break the connection.
                        self.inbound.remove(i);
                        self.stats.pubrec_exchanges_released += 1;
                    } else if self.level == ProtocolLevel::V5 {
                        // [MQTT-3.3.4-9]: "If it receives more than Receive
                        // Maximum QoS 1 and QoS 2 PUBLISH packets where it
                        // has not sent a PUBACK or PUBCOMP in response, the
                        // Client uses DISCONNECT with Reason Code 0x93".
                        return Err(PeerError::ReceiveMaximumExceeded);
                    } else {
                        // 3.1.1 has no Receive Maximum: not an error.
                        // Back-pressure instead: the frame waits until an
                        // acknowledgement is written and frees a slot.
                        return Ok(Incoming::Blocked);
                    }
                }
                let state = if self.cfg.manual_ack {
                    InState::AwaitApp
                } else {
                    InState::AckReady(ReasonCode::Success.as_u8())
                };
                let _ = self.inbound.push(InSlot {
                    pid,
                    qos: qos.as_u8(),
                    state,
                });
                self.stats.messages_delivered += 1;
                Ok(Incoming::Deliver)
            }
        }
    }

    fn request_done(
        &mut self,
        kind: Kind,
        ack: AckKind,
        pid: u16,
        held: HeldKind,
    ) -> Result<Option<HeldKind>, PeerError> {
        match self.store.find(kind, pid) {
            Some(i) if self.store.slots()[i].state == State::Sent => {
                self.store.remove(i);
                Ok(Some(held))
            }
            _ => {
                self.unknown(ack, pid);
                Ok(None)
            }
        }
    }

    fn peer_disconnect(&mut self, reason: ReasonCode) {
        self.push_event(Event::Disconnected(DisconnectCause::Peer(reason)));
        self.close_with(None);
    }

    fn published(&mut self, pid: u16, reason: ReasonCode) {
        if let Some(packet_id) = NonZeroU16::new(pid) {
            self.push_event(Event::Published { packet_id, reason });
        }
    }

    fn unknown(&mut self, kind: AckKind, packet_id: u16) {
        self.push_event(Event::UnknownPacketId { kind, packet_id });
    }

    /// Re-reads the held frame to build its borrowed event.
    fn held_event<'a>(&'a self, rx: &'a [u8], len: usize, kind: HeldKind) -> Option<Event<'a>> {
        let opts = self.decode_options();
        let packet = match Packet::decode(rx.get(self.rx_at..self.rx_at + len)?, &opts) {
            Ok(Status::Complete((p, _))) => p,
            _ => return None,
        };
        Some(match (kind, packet) {
            (HeldKind::Connected, Packet::ConnAck(a)) => Event::Connected {
                session_present: a.session_present,
                properties: a.properties,
            },
            (HeldKind::ConnectReceived { session_present }, Packet::Connect(c)) => {
                Event::ConnectReceived {
                    connect: c,
                    session_present,
                }
            }
            (HeldKind::Auth, Packet::Auth(a)) => Event::Auth {
                reason: a.reason_code,
                data: a.properties.authentication_data(),
            },
            (HeldKind::SubAck, Packet::SubAck(a)) => Event::Subscribed {
                packet_id: NonZeroU16::new(a.packet_id)?,
                reason_codes: a.reason_codes,
            },
            (HeldKind::UnsubAck, Packet::UnsubAck(a)) => Event::Unsubscribed {
                packet_id: NonZeroU16::new(a.packet_id)?,
                reason_codes: a.reason_codes,
            },
            (HeldKind::SubscribeReceived, Packet::Subscribe(s)) => Event::SubscribeReceived {
                packet_id: NonZeroU16::new(s.packet_id)?,
                subscribe: s,
            },
            (HeldKind::UnsubscribeReceived, Packet::Unsubscribe(u)) => Event::UnsubscribeReceived {
                packet_id: NonZeroU16::new(u.packet_id)?,
                unsubscribe: u,
            },
            _ => return None,
        })
    }

    // ------------------------------------------------------------------
    // Internals: output
    // ------------------------------------------------------------------

    /// Writes the next frame into `buf`; 0 when there is none or it does not
    /// fit.
    fn next_frame(&mut self, buf: &mut [u8], now: Instant) -> usize {
        if matches!(self.conn, Conn::Down | Conn::Closed) {
            return 0;
        }
        // 1. Frames queued by commands (CONNECT, CONNACK, AUTH, SUBACK …).
        if !self.frames.is_empty() {
            return self.frames.pop_into(buf);
        }
        // 2. Frames the session writes on its own.
        if let Some(c) = self.ctrl.front().copied() {
            let n = self.write_ctrl(c, buf);
            if n > 0 {
                self.ctrl.pop_front();
                if let Ctrl::PubComp(pid, _) = c {
                    self.inbound.pubcomp_written(pid);
                }
                if c == Ctrl::PingReq {
                    self.ping_queued = false;
                    self.pinged_since_rx = true;
                }
            }
            return n;
        }
        let acks_allowed = self.conn == Conn::Connected || self.flush_acks;
        if !acks_allowed || (self.conn == Conn::Closing && self.inbound.next_ack().is_none()) {
            // Closing: the DISCONNECT is the last frame [MQTT-3.14.4-1].
            if let Some(rc) = self.final_disconnect {
                let n = self.write_ctrl(Ctrl::Disconnect(rc), buf);
                if n > 0 {
                    self.final_disconnect = None;
                    self.flush_acks = false;
                }
                return n;
            }
            return 0;
        }
        // 3. PUBACK / PUBREC, in the order the PUBLISH packets arrived.
        // (A message has its slot once the application has it: a
        // connection lost before then leaves it to be delivered again.)
        if let Some(i) = self.inbound.next_ack() {
            let s = self.inbound.slots()[i];
            let InState::AckReady(rc) = s.state else {
                return 0;
            };
            let rc = ReasonCode::from_u8(rc).unwrap_or(ReasonCode::Success);
            let first = if s.qos == 1 { PUBACK } else { PUBREC };
            let n = if rc == ReasonCode::Success {
                write_short_ack(first, s.pid, buf)
            } else {
                self.encode_pub_response(first, s.pid, rc, buf)
            };
            if n == 0 {
                return 0;
            }
            if s.qos == 1 || rc.is_error() {
                // [MQTT-4.3.2-5] / [MQTT-4.3.3-9]: the identifier is new again.
                self.inbound.remove(i);
            } else {
                self.inbound.get_mut(i).state = InState::RecSent;
            }
            return n;
        }
        if self.conn != Conn::Connected {
            return 0;
        }
        // 4. PUBREL, in the order the PUBREC packets arrived [MQTT-4.6.0-4].
        // The same pass counts the quota in use and sees whether anything
        // else waits.
        let mut rel: Option<(usize, u32)> = None;
        let mut in_flight = 0;
        let mut pending = false;
        for (i, s) in self.store.slots().iter().enumerate() {
            match s.state {
                State::RelPending
                    if s.kind == Kind::Publish && rel.is_none_or(|(_, seq)| s.rel_seq < seq) =>
                {
                    rel = Some((i, s.rel_seq));
                }
                State::Pending => pending = true,
                _ => {}
            }
            in_flight += usize::from(s.uses_quota());
        }
        if let Some((i, _)) = rel {
            let s = self.store.slots()[i];
            let n = write_short_ack(PUBREL, s.pid, buf);
            if n == 0 {
                return 0;
            }
            if s.dup {
                self.stats.pubrels_resent += 1;
            }
            let slot = self.store.slot_mut(i);
            slot.state = State::RelSent;
            slot.dup = true;
            return n;
        }
        if !pending {
            return 0;
        }
        // 5. SUBSCRIBE / UNSUBSCRIBE and PUBLISH, in command order; QoS > 0
        //    PUBLISH only within the peer's Receive Maximum [MQTT-4.9.0-2].
        let mut quota_left = usize::from(self.peer.receive_maximum).saturating_sub(in_flight);
        let mut i = 0;
        while i < self.store.slots().len() {
            let s = self.store.slots()[i];
            if s.state != State::Pending {
                i += 1;
                continue;
            }
            if s.kind != Kind::Publish {
                let bytes = self.store.bytes(i);
                if bytes.len() > buf.len() {
                    return 0;
                }
                buf[..bytes.len()].copy_from_slice(bytes);
                let n = bytes.len();
                self.store.slot_mut(i).state = State::Sent;
                self.store.free_bytes(i);
                return n;
            }
            if s.qos > 0 {
                if quota_left == 0 {
                    // Later QoS > 0 messages wait too, to keep their order;
                    // QoS 0 ones may go ([MQTT-4.9.0-2] allows it).
                    i += 1;
                    continue;
                }
                quota_left -= 1;
            }
            if s.qos > self.peer.maximum_qos {
                self.drop_publish(i);
                continue;
            }
            return match self.write_publish(i, buf, now) {
                Ok(n) => n,
                Err(true) => {
                    self.drop_publish(i);
                    continue;
                }
                Err(false) => 0,
            };
        }
        0
    }

    /// Drops every queued message whose Message Expiry Interval has passed
    /// and reports each: "If the Message Expiry Interval has passed and the
    /// Server has not managed to start onward delivery to a matching
    /// subscriber, then it MUST delete the copy of the message for that
    /// subscriber" [MQTT-3.3.2-5] — a client's queue is treated alike.
    fn expire_messages(&mut self, now: Instant) {
        let mut i = 0;
        while i < self.store.slots().len() {
            let s = self.store.slots()[i];
            if s.expires_at().is_some_and(|at| at <= now) {
                self.store.remove(i);
                self.push_event(Event::MessageExpired {
                    packet_id: NonZeroU16::new(s.pid),
                });
                self.tx_idle = false;
            } else {
                i += 1;
            }
        }
        self.arm_message_expiry();
    }

    /// [`Core::expire_messages`] if one is due (before the queue is used).
    #[inline]
    fn expire_due(&mut self, now: Instant) {
        if self
            .timers
            .get(Timer::MessageExpiry)
            .is_some_and(|at| at <= now)
        {
            self.expire_messages(now);
        }
    }

    /// The timer for the first queued message to expire.
    pub(super) fn arm_message_expiry(&mut self) {
        match self.store.slots().iter().filter_map(Slot::expires_at).min() {
            Some(at) => self.timers.set(Timer::MessageExpiry, at),
            None => self.timers.stop(Timer::MessageExpiry),
        }
    }

    /// Drops the message in slot `i` unsent ([MQTT-3.1.2-25]).
    fn drop_publish(&mut self, i: usize) {
        let s = self.store.remove(i);
        self.push_event(Event::PublishDropped {
            packet_id: NonZeroU16::new(s.pid),
        });
        if s.expires_at().is_some() {
            self.arm_message_expiry();
        }
    }

    /// Writes the PUBLISH in slot `i`: as stored (DUP set on a resend,
    /// [MQTT-3.3.1-1]), or re-encoded — with a Topic Alias on a first send,
    /// or at the connection's level when the store holds another (a server's
    /// messages are stored at 5.0 until it knows its client's level).
    /// `Err(true)`: too large for the peer, drop it; `Err(false)`: does not
    /// fit `buf`.
    fn write_publish(&mut self, i: usize, buf: &mut [u8], now: Instant) -> Result<usize, bool> {
        let s = self.store.slots()[i];
        let max = self.peer.maximum_packet_size as usize;
        let v5 = self.level == ProtocolLevel::V5;
        let alias_max = self.peer.topic_alias_maximum.min(ALIASES as u16);
        let use_alias = v5 && self.cfg.use_topic_aliases && alias_max > 0 && !s.dup;
        let reencode = use_alias || self.level != self.store_level;
        let n = if reencode {
            let stored = self.store.bytes(i);
            let opts = DecodeOptions::new(self.store_level);
            let Ok(Status::Complete((Packet::Publish(p), _))) = Packet::decode(stored, &opts)
            else {
                return Err(true);
            };
            let mut props: heapless::Vec<Property<'_>, 16> = heapless::Vec::new();
            let mut topic = p.topic;
            let mut alias = None;
            if use_alias {
                alias = match self.out_alias.alias(p.topic.as_str()) {
                    Some(a) => Some((a, true)),
                    None if (self.out_alias.len() as u16) < alias_max => {
                        Some((self.out_alias.len() as u16 + 1, false))
                    }
                    None => None,
                };
            }
            let mut with_alias = false;
            if let Some((a, known)) = alias {
                // At most 15 properties of the message's own fit beside the
                // alias; a message with more goes without one.
                if p.properties.iter().count() < 16 {
                    props.extend(p.properties.iter());
                    let _ = props.push(Property::TopicAlias(a));
                    with_alias = known || self.out_alias.insert(a, p.topic.as_str()).is_ok();
                    if !with_alias {
                        props.clear();
                    } else if known {
                        topic = "".into();
                    }
                }
            }
            let properties = if with_alias {
                Properties::from_list(&props)
            } else if v5 {
                p.properties
            } else {
                Properties::EMPTY
            };
            let packet = Packet::Publish(Publish {
                dup: s.dup && s.qos > 0,
                topic,
                properties,
                ..p
            });
            match packet.encoded_len(self.level) {
                Ok(len) if len <= max => {}
                _ => return Err(true),
            }
            match packet.encode(self.level, buf) {
                Ok(n) => n,
                Err(_) => return Err(false),
            }
        } else {
            let stored = self.store.bytes(i);
            if stored.len() > max {
                return Err(true);
            }
            if stored.len() > buf.len() {
                return Err(false);
            }
            buf[..stored.len()].copy_from_slice(stored);
            if s.dup && s.qos > 0 {
                buf[0] |= 0x08;
            }
            stored.len()
        };
        if s.expiry_at != 0 {
            // "The PUBLISH packet sent to a Client by the Server MUST contain
            // a Message Expiry Interval set to the received value minus the
            // time that the message has been waiting in the Server"
            // [MQTT-3.3.2-6] (a client's queue alike); a resend too.
            let at = if reencode {
                expiry_offset(&buf[..n], self.level)
            } else {
                s.expiry_at
            } as usize;
            if let Some(b) = buf.get_mut(at..at + 4).filter(|_| at != 0) {
                b.copy_from_slice(&s.expiry_left(now).to_be_bytes());
            }
        }
        if s.dup {
            self.stats.publishes_resent += 1;
        } else {
            self.stats.publishes_sent += 1;
        }
        if s.qos == 0 {
            self.store.remove(i);
        } else {
            let slot = self.store.slot_mut(i);
            slot.state = State::Sent;
            slot.dup = true;
        }
        if s.expires_at().is_some() {
            // Written: its onward delivery has started, it no longer expires.
            self.arm_message_expiry();
        }
        Ok(n)
    }

    fn write_ctrl(&self, c: Ctrl, buf: &mut [u8]) -> usize {
        let v5 = self.level == ProtocolLevel::V5;
        let rc_at_level = |rc: ReasonCode| if v5 { rc } else { ReasonCode::Success };
        let expiry = self.disconnect_expiry.map(Property::SessionExpiryInterval);
        let packet = match c {
            Ctrl::PingReq => Packet::PingReq,
            Ctrl::PingResp => Packet::PingResp,
            Ctrl::PubRel(pid, rc) | Ctrl::PubComp(pid, rc) => {
                let first = if matches!(c, Ctrl::PubRel(..)) {
                    PUBREL
                } else {
                    PUBCOMP
                };
                return match rc_at_level(rc) {
                    ReasonCode::Success => write_short_ack(first, pid, buf),
                    rc => self.encode_pub_response(first, pid, rc, buf),
                };
            }
            Ctrl::Disconnect(rc) => Packet::Disconnect(Disconnect {
                reason_code: rc_at_level(rc),
                properties: if v5 {
                    Properties::from_list(expiry.as_slice())
                } else {
                    Properties::EMPTY
                },
            }),
        };
        packet.encode(self.level, buf).unwrap_or(0)
    }

    /// PUBACK … PUBCOMP (`first` byte) with a reason code other than
    /// Success, through the codec (which checks the code is allowed in the
    /// packet); 0 if it is not or `buf` is too small.
    #[cold]
    fn encode_pub_response(&self, first: u8, pid: u16, rc: ReasonCode, buf: &mut [u8]) -> usize {
        let resp = PubResponse {
            packet_id: pid,
            reason_code: rc,
            properties: Properties::EMPTY,
        };
        let packet = match first {
            PUBACK => Packet::PubAck(resp),
            PUBREC => Packet::PubRec(resp),
            PUBREL => Packet::PubRel(resp),
            _ => Packet::PubComp(resp),
        };
        packet.encode(self.level, buf).unwrap_or(0)
    }
}

// First bytes of the acknowledgements (§3.4.1, §3.5.1, §3.6.1 — PUBREL's
// reserved flags are 0010 —, §3.7.1).
const PUBACK: u8 = 0x40;
const PUBREC: u8 = 0x50;
const PUBREL: u8 = 0x62;
const PUBCOMP: u8 = 0x70;

/// Writes PUBACK, PUBREC, PUBREL or PUBCOMP (`first`) for `pid` with
/// Reason Code 0x00 and no properties: "The Reason Code and Property Length
/// can be omitted if the Reason Code is 0x00 (Success) and there are no
/// Properties. In this case the PUBACK has a Remaining Length of 2"
/// (§3.4.2.1, likewise §3.5.2.1, §3.6.2.1, §3.7.2.1), which is also the
/// whole packet at 3.x. The bytes the codec writes for it (a test compares),
/// without its general planning: every acknowledgement at QoS 1 and 2 is
/// one of these. 0 if `buf` is too small.
#[inline]
fn write_short_ack(first: u8, pid: u16, buf: &mut [u8]) -> usize {
    let Some(out) = buf.get_mut(..4) else {
        return 0;
    };
    let [hi, lo] = pid.to_be_bytes();
    out.copy_from_slice(&[first, 2, hi, lo]);
    4
}

/// Whether `buf` starts with a whole frame by its Remaining Length
/// (§2.1.4), read as the codec reads it when it is well-formed; `false`
/// for a length not (yet) readable, which the codec then judges.
#[inline]
fn whole_frame(buf: &[u8]) -> bool {
    let mut len = 0usize;
    for i in 1..5 {
        let Some(&b) = buf.get(i) else {
            return false;
        };
        len |= usize::from(b & 0x7F) << (7 * (i - 1));
        if b & 0x80 == 0 {
            return buf.len() - (i + 1) >= len;
        }
    }
    false
}

/// Where the four bytes of the Message Expiry Interval sit in `frame`, a
/// PUBLISH the session encoded at `level`; 0 when it has none.
pub(super) fn expiry_offset(frame: &[u8], level: ProtocolLevel) -> u32 {
    if level != ProtocolLevel::V5 {
        return 0;
    }
    let opts = DecodeOptions::new(level);
    let Ok(Status::Complete((Packet::Publish(p), _))) = Packet::decode(frame, &opts) else {
        return 0;
    };
    let Some(wire) = p.properties.wire_bytes() else {
        return 0;
    };
    // The properties are a slice of `frame`: their distance from its start
    // is where they begin.
    let mut at = (wire.as_ptr() as usize).wrapping_sub(frame.as_ptr() as usize);
    for prop in p.properties.iter() {
        if let Property::MessageExpiryInterval(_) = prop {
            return u32::try_from(at + 1).unwrap_or(0);
        }
        let Ok(len) = prop.encoded_len() else {
            return 0;
        };
        at += len;
    }
    0
}

/// Reads an acknowledgement of the shape [`write_short_ack`] writes —
/// Remaining Length 2, a non-zero Packet Identifier ([MQTT-2.2.1-3]), the
/// reserved flags as listed ([MQTT-2.1.3-1]) — without the general decoder.
/// The codec accepts exactly these bytes with the same result at every
/// level (a test compares); every other frame, including a malformed
/// variant of these, goes through the codec and its checks.
#[inline]
fn short_ack(b: &[u8]) -> Option<In> {
    let [first, 2, hi, lo, ..] = *b else {
        return None;
    };
    let pid = u16::from_be_bytes([hi, lo]);
    if pid == 0 {
        return None;
    }
    Some(match first {
        PUBACK => In::PubAck(pid, ReasonCode::Success),
        PUBREC => In::PubRec(pid, ReasonCode::Success),
        PUBREL => In::PubRel(pid),
        PUBCOMP => In::PubComp(pid, ReasonCode::Success),
        _ => return None,
    })
}

/// The events that borrow nothing, stored compactly (a few bytes each
/// instead of the size of the largest [`Event`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owned {
    Published(NonZeroU16, ReasonCode),
    PublishDropped(Option<NonZeroU16>),
    MessageExpired(Option<NonZeroU16>),
    RequestLost(NonZeroU16),
    UnknownPacketId(AckKind, u16),
    PeerError(PeerError),
    Disconnected(DisconnectCause),
    SessionDiscarded(usize),
}

impl Owned {
    fn from_event(ev: Event<'static>) -> Owned {
        match ev {
            Event::Published { packet_id, reason } => Owned::Published(packet_id, reason),
            Event::PublishDropped { packet_id } => Owned::PublishDropped(packet_id),
            Event::MessageExpired { packet_id } => Owned::MessageExpired(packet_id),
            Event::RequestLost { packet_id } => Owned::RequestLost(packet_id),
            Event::UnknownPacketId { kind, packet_id } => Owned::UnknownPacketId(kind, packet_id),
            Event::PeerError(e) => Owned::PeerError(e),
            Event::SessionDiscarded { dropped } => Owned::SessionDiscarded(dropped),
            Event::Disconnected(c) => Owned::Disconnected(c),
            // Borrowing events are never queued (they are held frames).
            _ => Owned::Disconnected(DisconnectCause::TransportClosed),
        }
    }

    fn into_event(self) -> Event<'static> {
        match self {
            Owned::Published(packet_id, reason) => Event::Published { packet_id, reason },
            Owned::PublishDropped(packet_id) => Event::PublishDropped { packet_id },
            Owned::MessageExpired(packet_id) => Event::MessageExpired { packet_id },
            Owned::RequestLost(packet_id) => Event::RequestLost { packet_id },
            Owned::UnknownPacketId(kind, packet_id) => Event::UnknownPacketId { kind, packet_id },
            Owned::PeerError(e) => Event::PeerError(e),
            Owned::Disconnected(c) => Event::Disconnected(c),
            Owned::SessionDiscarded(dropped) => Event::SessionDiscarded { dropped },
        }
    }
}

fn full(f: Full) -> CommandError {
    match f {
        Full::Slots => CommandError::InflightFull,
        Full::Bytes => CommandError::BufferFull,
    }
}

// ----------------------------------------------------------------------
// Received packets, reduced to what the state machine needs (so that the
// receive buffer is no longer borrowed while the state changes).
// ----------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
struct InConnect {
    level: ProtocolLevel,
    clean_start: bool,
    keep_alive: u16,
    session_expiry: u32,
    receive_maximum: u16,
    maximum_packet_size: u32,
    topic_alias_maximum: u16,
}

#[derive(Clone, Copy, Debug)]
struct InConnAck {
    session_present: bool,
    reason: ReasonCode,
    receive_maximum: u16,
    maximum_packet_size: u32,
    topic_alias_maximum: u16,
    maximum_qos: u8,
    retain_available: bool,
    server_keep_alive: Option<u16>,
    session_expiry: Option<u32>,
    /// The Authentication Method matches the CONNECT's: the same one, or
    /// none when CONNECT had none ([MQTT-4.12.0-5], [MQTT-4.12.0-6]).
    method_ok: bool,
}

#[derive(Clone, Copy, Debug)]
enum In {
    Connect(InConnect),
    ConnAck(InConnAck),
    Publish,
    PubAck(u16, ReasonCode),
    PubRec(u16, ReasonCode),
    PubRel(u16),
    PubComp(u16, ReasonCode),
    Subscribe,
    SubAck(u16),
    Unsubscribe,
    UnsubAck(u16),
    PingReq,
    PingResp,
    Disconnect {
        reason: ReasonCode,
        session_expiry: Option<u32>,
    },
    Auth {
        reason: ReasonCode,
        method_ok: bool,
    },
}

/// The packet, reduced to what [`Core::on_packet`] needs.
fn summarize(packet: Packet<'_>, auth_method: &mut heapless::Vec<u8, AUTH_METHOD_CAP>) -> In {
    match packet {
        Packet::Connect(c) => {
            let p = c.properties;
            // Kept for the AUTH exchange ([MQTT-4.12.0-5]); a longer method
            // than the session keeps never matches an AUTH.
            let m = p.authentication_method().unwrap_or("").as_bytes();
            auth_method.clear();
            let _ = auth_method.extend_from_slice(m);
            In::Connect(InConnect {
                level: c.level,
                clean_start: c.clean_start,
                keep_alive: c.keep_alive,
                session_expiry: p.session_expiry_interval().unwrap_or(0),
                receive_maximum: p.receive_maximum().unwrap_or(u16::MAX),
                maximum_packet_size: p.maximum_packet_size().unwrap_or(u32::MAX),
                topic_alias_maximum: p.topic_alias_maximum().unwrap_or(0),
            })
        }
        Packet::ConnAck(a) => {
            let p = a.properties;
            In::ConnAck(InConnAck {
                session_present: a.session_present,
                reason: a.reason_code,
                receive_maximum: p.receive_maximum().unwrap_or(u16::MAX),
                maximum_packet_size: p.maximum_packet_size().unwrap_or(u32::MAX),
                topic_alias_maximum: p.topic_alias_maximum().unwrap_or(0),
                maximum_qos: p.maximum_qos().unwrap_or(2),
                retain_available: p.retain_available().unwrap_or(1) == 1,
                server_keep_alive: p.server_keep_alive(),
                session_expiry: p.session_expiry_interval(),
                method_ok: p.authentication_method().map(str::as_bytes)
                    == (!auth_method.is_empty()).then_some(auth_method.as_slice()),
            })
        }
        // Only before CONNACK (an error then): on a live connection
        // `poll_event` takes PUBLISH frames itself.
        Packet::Publish(_) => In::Publish,
        Packet::PubAck(r) => In::PubAck(r.packet_id, r.reason_code),
        Packet::PubRec(r) => In::PubRec(r.packet_id, r.reason_code),
        Packet::PubRel(r) => In::PubRel(r.packet_id),
        Packet::PubComp(r) => In::PubComp(r.packet_id, r.reason_code),
        Packet::Subscribe(_) => In::Subscribe,
        Packet::SubAck(a) => In::SubAck(a.packet_id),
        Packet::Unsubscribe(_) => In::Unsubscribe,
        Packet::UnsubAck(a) => In::UnsubAck(a.packet_id),
        Packet::PingReq => In::PingReq,
        Packet::PingResp => In::PingResp,
        Packet::Disconnect(d) => In::Disconnect {
            reason: d.reason_code,
            session_expiry: d.properties.session_expiry_interval(),
        },
        Packet::Auth(a) => In::Auth {
            reason: a.reason_code,
            // [MQTT-4.12.0-5]: the same Authentication Method as CONNECT.
            method_ok: !auth_method.is_empty()
                && a.properties.authentication_method().map(str::as_bytes)
                    == Some(auth_method.as_slice()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEVELS: [ProtocolLevel; 3] = [ProtocolLevel::V3, ProtocolLevel::V4, ProtocolLevel::V5];

    /// (first byte, packet identifier) of an acknowledgement with Reason
    /// Code Success and no properties.
    fn plain_ack(p: &Packet<'_>) -> Option<(u8, u16)> {
        let (first, r) = match p {
            Packet::PubAck(r) => (PUBACK, r),
            Packet::PubRec(r) => (PUBREC, r),
            Packet::PubRel(r) => (PUBREL, r),
            Packet::PubComp(r) => (PUBCOMP, r),
            _ => return None,
        };
        (r.reason_code == ReasonCode::Success && r.properties.is_empty())
            .then_some((first, r.packet_id))
    }

    fn short(i: &In) -> (u8, u16) {
        match *i {
            In::PubAck(pid, ReasonCode::Success) => (PUBACK, pid),
            In::PubRec(pid, ReasonCode::Success) => (PUBREC, pid),
            In::PubRel(pid) => (PUBREL, pid),
            In::PubComp(pid, ReasonCode::Success) => (PUBCOMP, pid),
            ref other => panic!("not a short acknowledgement: {other:?}"),
        }
    }

    #[test]
    fn short_ack_reads_exactly_what_the_codec_reads_as_a_plain_acknowledgement() {
        let mut taken = 0;
        for level in LEVELS {
            let opts = DecodeOptions::new(level);
            for first in 0..=u8::MAX {
                for len in 0..=3u8 {
                    for pid in [0u16, 1, 0x1234, 0xFFFF] {
                        let [hi, lo] = pid.to_be_bytes();
                        let frame = [first, len, hi, lo, 0, 0, 0];
                        let codec = match Packet::decode(&frame, &opts) {
                            Ok(Status::Complete((p, 4))) => plain_ack(&p),
                            _ => None,
                        };
                        let ours = short_ack(&frame).map(|i| short(&i));
                        // Never reads a frame the codec rejects or reads
                        // otherwise, and misses no plain acknowledgement.
                        assert_eq!(ours, codec, "{level:?} {frame:02x?}");
                        taken += usize::from(ours.is_some());
                    }
                }
            }
        }
        // 4 packet types × 3 non-zero identifiers × 3 levels.
        assert_eq!(taken, 36);
        // Fewer than 4 bytes: left to the codec (which waits for more).
        assert!(short_ack(&[PUBACK, 2, 0]).is_none());
    }

    #[test]
    fn expiry_offset_finds_the_interval_behind_properties_of_every_shape() {
        let before: [&[Property<'_>]; 5] = [
            &[],
            &[Property::PayloadFormatIndicator(1)],
            &[
                Property::UserProperty("key", "value"),
                Property::ContentType("a/b"),
            ],
            &[
                Property::ResponseTopic("r"),
                Property::CorrelationData(b"\x00\x01"),
            ],
            &[
                Property::UserProperty("", ""),
                Property::PayloadFormatIndicator(0),
            ],
        ];
        for (qos, pid) in [(QoS::AtMostOnce, None), (QoS::ExactlyOnce, Some(7))] {
            for first in before {
                let mut list: heapless::Vec<Property<'_>, 4> = heapless::Vec::new();
                list.extend(first.iter().copied());
                list.push(Property::MessageExpiryInterval(0x0102_0304))
                    .unwrap();
                list.push(Property::UserProperty("after", "it")).unwrap();
                let mut frame = [0u8; 256];
                let n = Packet::Publish(Publish {
                    dup: false,
                    qos,
                    retain: false,
                    topic: "t/x".into(),
                    packet_id: pid,
                    properties: Properties::from_list(&list),
                    payload: b"p",
                })
                .encode(ProtocolLevel::V5, &mut frame)
                .unwrap();
                let at = expiry_offset(&frame[..n], ProtocolLevel::V5) as usize;
                assert_eq!(&frame[at - 1..at + 4], &[0x02, 1, 2, 3, 4], "{list:?}");
            }
        }
        let mut frame = [0u8; 64];
        let n = Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic: "t".into(),
            packet_id: None,
            properties: Properties::from_list(&[Property::ContentType("x")]),
            payload: b"",
        })
        .encode(ProtocolLevel::V5, &mut frame)
        .unwrap();
        assert_eq!(expiry_offset(&frame[..n], ProtocolLevel::V5), 0);
    }

    #[test]
    fn write_short_ack_writes_the_codec_bytes_at_every_level() {
        for level in LEVELS {
            for pid in [1u16, 0x1234, 0xFFFF] {
                let resp = PubResponse::new(pid);
                for (first, packet) in [
                    (PUBACK, Packet::PubAck(resp)),
                    (PUBREC, Packet::PubRec(resp)),
                    (PUBREL, Packet::PubRel(resp)),
                    (PUBCOMP, Packet::PubComp(resp)),
                ] {
                    let mut codec = [0u8; 8];
                    let n = packet.encode(level, &mut codec).unwrap();
                    let mut ours = [0u8; 8];
                    assert_eq!(write_short_ack(first, pid, &mut ours), 4);
                    assert_eq!(&ours[..4], &codec[..n], "{level:?} {packet:?}");
                }
            }
        }
        assert_eq!(write_short_ack(PUBACK, 7, &mut [0u8; 3]), 0);
    }
}
