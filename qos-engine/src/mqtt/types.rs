//! The session's public vocabulary: configuration, command options, events,
//! errors and the transmit descriptor.

use core::num::NonZeroU16;

use mqtt_codec::{DecodeError, EncodeError, Properties, ProtocolLevel, QoS, ReasonCode};

use crate::time::Duration;

/// Which end of the connection the session is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Role {
    /// Opens the connection and sends CONNECT.
    Client,
    /// Accepts the connection and answers CONNECT with CONNACK; one session
    /// per client identifier, kept across that client's connections.
    Server,
}

/// How the session behaves; fixed for its lifetime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Client or server.
    pub role: Role,
    /// Client: the protocol level to connect with. Server: ignored (the
    /// level is the one the client's CONNECT names).
    pub protocol: ProtocolLevel,
    /// When `false` (the default) an incoming QoS 1 / QoS 2 message is
    /// acknowledged as soon as its [`Event::Message`] has been polled. When
    /// `true` the application acknowledges each with
    /// [`Session::ack`](crate::mqtt::Session::ack); acknowledgements still go
    /// out in the order the messages arrived ([MQTT-4.6.0-2], [MQTT-4.6.0-3]).
    pub manual_ack: bool,
    /// Receive Maximum announced to the peer (clamped to `1..=INFLIGHT`):
    /// how many QoS 1 / QoS 2 messages the peer may have unacknowledged
    /// towards us. A peer that sends more is disconnected with 0x93.
    pub receive_maximum: u16,
    /// Maximum Packet Size announced to the peer (clamped to `RX`, the
    /// receive buffer): larger frames are refused from their fixed header
    /// with 0x95 Packet too large.
    pub maximum_packet_size: u32,
    /// Topic Alias Maximum announced to the peer (clamped to
    /// [`ALIASES`](crate::mqtt::ALIASES)); 0 disables incoming aliases.
    pub topic_alias_maximum: u16,
    /// Whether outgoing PUBLISH packets use topic aliases when the peer
    /// allows them.
    pub use_topic_aliases: bool,
    /// Server: how long to wait for CONNECT after the transport comes up;
    /// client: how long to wait for CONNACK after sending CONNECT.
    pub connect_timeout: Duration,
    /// Server only: the Server Keep Alive to impose on clients (overrides
    /// the client's value, [MQTT-3.2.2-21]); `None` keeps the client's.
    pub server_keep_alive: Option<u16>,
}

impl Config {
    /// A client speaking `protocol`, with the defaults below.
    pub const fn client(protocol: ProtocolLevel) -> Config {
        Config {
            role: Role::Client,
            protocol,
            manual_ack: false,
            receive_maximum: u16::MAX,
            maximum_packet_size: u32::MAX,
            topic_alias_maximum: u16::MAX,
            use_topic_aliases: true,
            connect_timeout: Duration::from_secs(10),
            server_keep_alive: None,
        }
    }

    /// A server (the level follows the client's CONNECT).
    pub const fn server() -> Config {
        Config {
            role: Role::Server,
            ..Config::client(ProtocolLevel::V5)
        }
    }
}

/// A Will Message for [`ConnectOptions::will`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WillOptions<'a> {
    /// Will Topic.
    pub topic: &'a str,
    /// Will Payload.
    pub payload: &'a [u8],
    /// Will QoS.
    pub qos: QoS,
    /// Will Retain.
    pub retain: bool,
    /// Will Properties (5.0 only).
    pub properties: Properties<'a>,
}

/// What a client's CONNECT says; see [`Session::connect`](crate::mqtt::Session::connect).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectOptions<'a> {
    /// Client Identifier (may be empty at 3.1.1 / 5.0 to have one assigned).
    pub client_id: &'a str,
    /// Clean Start (Clean Session below 5.0): discard any session state.
    pub clean_start: bool,
    /// Keep Alive in seconds; 0 switches keep-alive off.
    pub keep_alive: u16,
    /// Session Expiry Interval in seconds (5.0; `u32::MAX` = never). At 3.x
    /// a session without Clean Session never expires and one with it ends
    /// with the connection, whatever this says.
    pub session_expiry: u32,
    /// User Name.
    pub username: Option<&'a str>,
    /// Password.
    pub password: Option<&'a [u8]>,
    /// Will Message.
    pub will: Option<WillOptions<'a>>,
    /// Authentication Method for enhanced authentication (5.0, §4.12).
    pub auth_method: Option<&'a str>,
    /// Authentication Data sent with CONNECT (5.0).
    pub auth_data: Option<&'a [u8]>,
}

impl<'a> ConnectOptions<'a> {
    /// Clean start, 60 s keep-alive, no expiry, no credentials.
    pub const fn new(client_id: &'a str) -> Self {
        ConnectOptions {
            client_id,
            clean_start: true,
            keep_alive: 60,
            session_expiry: 0,
            username: None,
            password: None,
            will: None,
            auth_method: None,
            auth_data: None,
        }
    }
}

/// A message to publish; see [`Session::publish`](crate::mqtt::Session::publish).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublishOptions<'a> {
    /// Topic Name (no wildcards).
    pub topic: &'a str,
    /// Application Message.
    pub payload: &'a [u8],
    /// QoS.
    pub qos: QoS,
    /// RETAIN flag.
    pub retain: bool,
    /// PUBLISH properties (5.0): payload format, message expiry, content
    /// type, response topic, correlation data, user properties. A Topic
    /// Alias is the session's business and is refused here.
    pub properties: Properties<'a>,
}

impl<'a> PublishOptions<'a> {
    /// A message with no properties and no RETAIN.
    pub const fn new(topic: &'a str, payload: &'a [u8], qos: QoS) -> Self {
        PublishOptions {
            topic,
            payload,
            qos,
            retain: false,
            properties: Properties::EMPTY,
        }
    }
}

/// Server: how to answer a CONNECT; see [`Session::accept`](crate::mqtt::Session::accept).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AcceptOptions<'a> {
    /// Assigned Client Identifier, when the client sent an empty one (5.0).
    pub assigned_client_id: Option<&'a str>,
    /// Authentication Data for the CONNACK of an enhanced authentication.
    pub auth_data: Option<&'a [u8]>,
}

/// Counters of what a session has done (for logs, the simulation and tests).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// PUBLISH packets written for the first time.
    pub publishes_sent: u64,
    /// PUBLISH packets written again (DUP) on a resumed session.
    pub publishes_resent: u64,
    /// PUBREL packets written again on a resumed session.
    pub pubrels_resent: u64,
    /// Messages handed to the application.
    pub messages_delivered: u64,
    /// QoS 2 PUBLISH packets received again and not handed over again.
    pub duplicates_suppressed: u64,
    /// Incoming QoS 2 exchanges already answered with PUBREC whose
    /// identifier was let go (before the PUBREL) to make room for a PUBLISH
    /// beyond our Receive Maximum: a peer that frees its send quota at PUBREC
    /// (mosquitto 2.0 does) or a 3.1.1 peer, which has no Receive Maximum.
    pub pubrec_exchanges_released: u64,
    /// Connections that reached CONNACK.
    pub connections: u64,
    /// Bytes written by [`Session::poll_transmit`](crate::mqtt::Session::poll_transmit).
    pub bytes_sent: u64,
    /// Bytes taken by [`Session::handle_bytes`](crate::mqtt::Session::handle_bytes).
    pub bytes_received: u64,
    /// Events dropped because the caller did not drain
    /// [`Session::poll_event`](crate::mqtt::Session::poll_event) (0 when the
    /// driver loop follows the contract).
    pub events_overflowed: u64,
}

impl Stats {
    /// PUBLISH (DUP) and PUBREL packets written again on resumed sessions.
    pub fn retransmissions(&self) -> u64 {
        self.publishes_resent + self.pubrels_resent
    }
}

/// Bytes to write to the transport, placed at the start of the caller's
/// buffer by [`Session::poll_transmit`](crate::mqtt::Session::poll_transmit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// How many bytes of the buffer to write (whole frames, possibly several).
    pub len: usize,
    /// After writing them, close the network connection (a DISCONNECT was
    /// sent or received, the peer broke the protocol or went silent).
    pub close: bool,
}

/// Why a connection ended, in [`Event::Disconnected`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisconnectCause {
    /// The application called [`Session::disconnect`](crate::mqtt::Session::disconnect).
    Local(ReasonCode),
    /// The peer sent DISCONNECT with this reason code.
    Peer(ReasonCode),
    /// The peer broke the protocol; the session answered with this reason
    /// code (in DISCONNECT at 5.0; 3.x just closes). See [`PeerError`].
    ProtocolViolation(ReasonCode),
    /// Nothing received within 1.5 × Keep Alive ([MQTT-3.1.2-22]) or no
    /// CONNECT / CONNACK within the connect timeout.
    Timeout,
    /// The transport went down without a DISCONNECT.
    TransportClosed,
    /// Client: the server refused the connection in CONNACK.
    Refused(ReasonCode),
}

/// How the peer broke the protocol, in [`Event::PeerError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerError {
    /// A frame the codec rejected; its reason code (0x81, 0x82, 0x95, …)
    /// is the one sent back.
    Decode(DecodeError),
    /// A packet that is not allowed in the connection's current state (a
    /// second CONNECT [MQTT-3.1.0-2], anything before CONNECT
    /// [MQTT-3.1.0-1], a server-only packet at a client, …).
    UnexpectedPacket,
    /// More unacknowledged QoS > 0 PUBLISH packets than our Receive Maximum
    /// ([MQTT-3.3.4-9], [MQTT-3.3.4-7]): 0x93.
    ReceiveMaximumExceeded,
    /// A Topic Alias above our Topic Alias Maximum ([MQTT-3.3.2-10],
    /// [MQTT-3.3.2-12]): 0x94.
    TopicAliasInvalid,
    /// A Topic Alias with no topic that was never mapped (§3.3.2.3.4):
    /// Protocol Error 0x82.
    TopicAliasUnknown,
    /// A PUBREL for a QoS 2 message whose PUBREC was not sent yet.
    PubRelBeforePubRec,
    /// Session Present 1 in answer to Clean Start 1 ([MQTT-3.2.2-4]'s case:
    /// the client has no session state to resume).
    SessionPresentUnexpected,
    /// AUTH without an Authentication Method in CONNECT ([MQTT-4.12.0-6],
    /// [MQTT-4.12.0-7]) or with a different one ([MQTT-4.12.0-5]).
    AuthUnexpected,
    /// A DISCONNECT raising the Session Expiry Interval from 0 in CONNECT
    /// (§3.14.2.2.2): Protocol Error 0x82.
    SessionExpiryRaised,
    /// A limit of this implementation (a topic alias whose topic does not fit
    /// the alias table): 0x83 Implementation specific error.
    ImplementationLimit,
}

impl PeerError {
    /// The reason code the session answers with.
    pub fn reason_code(self) -> ReasonCode {
        match self {
            PeerError::Decode(e) => e.reason_code(),
            PeerError::ReceiveMaximumExceeded => ReasonCode::ReceiveMaximumExceeded,
            PeerError::TopicAliasInvalid => ReasonCode::TopicAliasInvalid,
            PeerError::ImplementationLimit => ReasonCode::ImplementationSpecificError,
            _ => ReasonCode::ProtocolError,
        }
    }
}

/// Which acknowledgement named an identifier we have no exchange for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AckKind {
    /// PUBACK.
    PubAck,
    /// PUBREC (answered with PUBREL 0x92 Packet Identifier not found).
    PubRec,
    /// PUBCOMP.
    PubComp,
    /// SUBACK.
    SubAck,
    /// UNSUBACK.
    UnsubAck,
}

/// Something the application should know, from [`Session::poll_event`](crate::mqtt::Session::poll_event).
///
/// Borrowed variants point into the session's receive buffer and stay valid
/// until the next call on the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event<'a> {
    /// Client: CONNACK with Success. Queued and resumed messages go out now.
    Connected {
        /// Session Present: the server resumed the session.
        session_present: bool,
        /// The CONNACK's properties (Assigned Client Identifier, limits, …).
        properties: Properties<'a>,
    },
    /// Server: a client's CONNECT. Answer with
    /// [`Session::accept`](crate::mqtt::Session::accept),
    /// [`Session::reject`](crate::mqtt::Session::reject) or
    /// [`Session::auth`](crate::mqtt::Session::auth).
    ConnectReceived {
        /// The CONNECT as received.
        connect: mqtt_codec::Connect<'a>,
        /// Whether this session has state the client will resume
        /// (what Session Present will say if accepted).
        session_present: bool,
    },
    /// AUTH from the peer (5.0 enhanced authentication, §4.12); answer with
    /// [`Session::auth`](crate::mqtt::Session::auth) (or, at a server,
    /// [`Session::accept`](crate::mqtt::Session::accept)).
    Auth {
        /// 0x18 Continue authentication, 0x19 Re-authenticate, or 0x00.
        reason: ReasonCode,
        /// Authentication Data.
        data: Option<&'a [u8]>,
    },
    /// An application message from the peer (once per QoS 2 message, even
    /// across reconnections and restores).
    Message {
        /// Topic Name (resolved from a Topic Alias when the PUBLISH had one).
        topic: &'a str,
        /// Payload.
        payload: &'a [u8],
        /// QoS of the PUBLISH.
        qos: QoS,
        /// RETAIN flag.
        retain: bool,
        /// DUP flag (a QoS 1 message may be a redelivery).
        dup: bool,
        /// Packet Identifier (QoS > 0): what
        /// [`Session::ack`](crate::mqtt::Session::ack) takes in manual mode.
        packet_id: Option<NonZeroU16>,
        /// PUBLISH properties (Topic Alias included as received).
        properties: Properties<'a>,
    },
    /// One of our QoS 1 / QoS 2 messages is done: PUBACK or PUBCOMP, or a
    /// PUBREC with an error code ([MQTT-4.4.0-2]).
    Published {
        /// Its Packet Identifier (free for reuse now).
        packet_id: NonZeroU16,
        /// The reason code of the final acknowledgement. A PUBCOMP with
        /// 0x92 (Packet Identifier not found) answers a PUBREL resent on a
        /// resumed session after the peer had already completed the
        /// exchange: the message was delivered.
        reason: ReasonCode,
    },
    /// A queued message was dropped unsent: its frame exceeds the peer's
    /// Maximum Packet Size ([MQTT-3.1.2-25], [MQTT-3.2.2-15]) or Maximum QoS.
    PublishDropped {
        /// Its Packet Identifier (`None` at QoS 0).
        packet_id: Option<NonZeroU16>,
    },
    /// A queued message was dropped unsent because its Message Expiry
    /// Interval passed while it waited — for Receive Maximum quota, or for
    /// a connection ([MQTT-3.3.2-5]). Its Packet Identifier is free again.
    /// A message already written once is never dropped for this: its
    /// exchange finishes, and a resend carries what is left of the
    /// interval ([MQTT-3.3.2-6]).
    MessageExpired {
        /// Its Packet Identifier (`None` at QoS 0).
        packet_id: Option<NonZeroU16>,
    },
    /// SUBACK for one of our SUBSCRIBE packets.
    Subscribed {
        /// The SUBSCRIBE's Packet Identifier.
        packet_id: NonZeroU16,
        /// One reason code (or granted QoS) per topic filter, in order.
        reason_codes: mqtt_codec::ReasonCodes<'a>,
    },
    /// UNSUBACK for one of our UNSUBSCRIBE packets.
    Unsubscribed {
        /// The UNSUBSCRIBE's Packet Identifier.
        packet_id: NonZeroU16,
        /// One reason code per topic filter (empty below 5.0).
        reason_codes: mqtt_codec::ReasonCodes<'a>,
    },
    /// A SUBSCRIBE or UNSUBSCRIBE of ours was lost with its connection
    /// (they are not resent, [MQTT-4.4.0-1]); its identifier is free again.
    RequestLost {
        /// Its Packet Identifier.
        packet_id: NonZeroU16,
    },
    /// Server: a SUBSCRIBE; answer with [`Session::suback`](crate::mqtt::Session::suback).
    SubscribeReceived {
        /// Packet Identifier to answer.
        packet_id: NonZeroU16,
        /// The filters and their options.
        subscribe: mqtt_codec::Subscribe<'a>,
    },
    /// Server: an UNSUBSCRIBE; answer with [`Session::unsuback`](crate::mqtt::Session::unsuback).
    UnsubscribeReceived {
        /// Packet Identifier to answer.
        packet_id: NonZeroU16,
        /// The filters.
        unsubscribe: mqtt_codec::Unsubscribe<'a>,
    },
    /// An acknowledgement for an identifier we have no exchange for; ignored
    /// (a PUBREC is answered with PUBREL 0x92).
    UnknownPacketId {
        /// Which acknowledgement.
        kind: AckKind,
        /// The identifier it named.
        packet_id: u16,
    },
    /// The peer broke the protocol; the session answers (DISCONNECT with
    /// [`PeerError::reason_code`] at 5.0) and closes. A
    /// [`Event::Disconnected`] follows.
    PeerError(PeerError),
    /// The connection is over (the caller closes the transport when
    /// [`Transmit::close`] says so, then calls
    /// [`Session::handle_transport_down`](crate::mqtt::Session::handle_transport_down)).
    Disconnected(DisconnectCause),
    /// The session state was discarded — Clean Start, Session Present 0
    /// ([MQTT-3.2.2-5]), or the Session Expiry Interval passed
    /// ([MQTT-4.1.0-2]) — together with this many outgoing messages that
    /// had been written but not completed; their packet identifiers are free
    /// again. Messages queued but never written stay queued.
    SessionDiscarded {
        /// Outgoing messages dropped unacknowledged.
        dropped: usize,
    },
}

/// Why a command was refused. The session is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommandError {
    /// The command needs a state the session is not in (e.g. `publish` on a
    /// server before it accepted a client, `connect` twice, `accept` without
    /// a CONNECT).
    InvalidState,
    /// The command belongs to the other role.
    WrongRole,
    /// All `INFLIGHT` slots hold unfinished messages or requests.
    InflightFull,
    /// The `BUF`-byte store (or the control-frame queue) has no room for
    /// the frame.
    BufferFull,
    /// Every one of the 65 535 packet identifiers is in use.
    PacketIdsExhausted,
    /// The frame is larger than the peer's Maximum Packet Size
    /// ([MQTT-3.2.2-15], [MQTT-3.1.2-24]).
    PacketTooLarge,
    /// The QoS is above the server's Maximum QoS ([MQTT-3.2.2-11]).
    QoSNotSupported,
    /// RETAIN while the server said Retain Available 0 ([MQTT-3.2.2-14]).
    RetainNotSupported,
    /// The packet identifier names no message awaiting the application's
    /// acknowledgement.
    NotAwaitingAck,
    /// The codec refused the packet (bad topic, property not allowed here,
    /// field too long …).
    Encode(EncodeError),
}

impl From<EncodeError> for CommandError {
    fn from(e: EncodeError) -> Self {
        CommandError::Encode(e)
    }
}

impl core::fmt::Display for CommandError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(self, f)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for CommandError {}
