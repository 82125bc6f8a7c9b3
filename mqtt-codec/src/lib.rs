//! Strict, zero-copy, allocation-free MQTT codec for protocol levels 3 (3.1),
//! 4 (3.1.1) and 5 (5.0).
//!
//! * [`Packet::decode`] reads one frame from the front of a byte slice and
//!   returns a [`Packet`] that borrows from it plus the number of bytes the
//!   frame took, or [`Status::Partial`] with the number of bytes still
//!   missing. It never allocates and never copies or scans a PUBLISH payload.
//!   A frame larger than [`DecodeOptions::max_packet_size`] is rejected from
//!   its fixed header alone.
//! * [`Packet::encoded_len`] + [`Packet::encode`] write a frame into a
//!   caller-supplied `&mut [u8]`; on error nothing is written.
//!   [`Publish::encode_header`] writes everything but the payload, for
//!   vectored writes of large payloads.
//! * Every rejection is a [`DecodeError`] naming the normative statement it
//!   enforces ([`DecodeError::spec`]) and the reason code the peer should be
//!   sent ([`DecodeError::reason_code`]: 0x81 Malformed Packet, 0x82 Protocol
//!   Error, …).
//! * [`topic`] validates topic names and filters, matches them, and parses
//!   `$share/{group}/{filter}`. A [`TopicName`] or [`TopicFilter`] built
//!   with `new` (or `from_static`, at compile time) is checked once and not
//!   scanned again by the encoder; one made from a `&str` with `into()` is
//!   checked on every encode.
//!
//! ```
//! use mqtt_codec::{DecodeOptions, Packet, ProtocolLevel, Publish, QoS, Status, Properties, TopicName};
//!
//! let publish = Publish {
//!     dup: false,
//!     qos: QoS::AtLeastOnce,
//!     retain: false,
//!     topic: TopicName::from_static("sensors/1/temp"),
//!     packet_id: Some(7),
//!     properties: Properties::EMPTY,
//!     payload: b"21.5",
//! };
//! let packet = Packet::Publish(publish);
//! let mut buf = [0u8; 64];
//! let n = packet.encode(ProtocolLevel::V5, &mut buf).unwrap();
//!
//! let opts = DecodeOptions::new(ProtocolLevel::V5);
//! // Half a frame: the decoder says exactly how much is missing.
//! assert_eq!(Packet::decode(&buf[..n - 3], &opts), Ok(Status::Partial(3)));
//! match Packet::decode(&buf[..n], &opts).unwrap() {
//!     Status::Complete((Packet::Publish(p), used)) => {
//!         assert_eq!(used, n);
//!         assert_eq!(p.topic, "sensors/1/temp");
//!         assert_eq!(p.payload, b"21.5");
//!     }
//!     other => panic!("{other:?}"),
//! }
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod error;
#[cfg(all(feature = "arbitrary", feature = "alloc"))]
pub mod fuzzing;
mod packet;
mod property;
mod reason;
mod string;
pub mod topic;
mod varint;

pub use error::{DecodeError, EncodeError};
pub use packet::{
    Auth, ConnAck, Connect, DecodeOptions, Disconnect, Packet, PacketType, PubResponse, Publish,
    ReasonCodes, ReasonCodesIter, RetainHandling, SubAck, Subscribe, SubscribeFilters,
    SubscribeFiltersIter, Subscription, SubscriptionOptions, TopicFilters, TopicFiltersIter,
    UnsubAck, Unsubscribe, Will,
};
pub use property::{Properties, PropertiesIter, Property, PropertyId};
pub use reason::ReasonCode;
pub use topic::{TopicFilter, TopicName};
pub use varint::{MAX_REMAINING_LENGTH, MAX_VARINT};

/// The result of an incremental decode: a complete item, or how many more
/// bytes are needed before another attempt can succeed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status<T> {
    /// The item and whatever else the operation returns.
    Complete(T),
    /// More input is needed. Once the fixed header (type byte and Remaining
    /// Length) is complete this is the exact number of bytes missing from the
    /// frame; before that it is a lower bound (2 for empty input, else 1).
    Partial(usize),
}

/// MQTT protocol level, the "Protocol Version" byte of CONNECT.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum ProtocolLevel {
    /// MQTT 3.1, protocol name "MQIsdp", level byte 3.
    V3 = 3,
    /// MQTT 3.1.1, protocol name "MQTT", level byte 4.
    V4 = 4,
    /// MQTT 5.0, protocol name "MQTT", level byte 5.
    V5 = 5,
}

impl ProtocolLevel {
    /// The level for a Protocol Version byte, if it is 3, 4 or 5.
    pub const fn from_u8(level: u8) -> Option<ProtocolLevel> {
        match level {
            3 => Some(ProtocolLevel::V3),
            4 => Some(ProtocolLevel::V4),
            5 => Some(ProtocolLevel::V5),
            _ => None,
        }
    }

    /// The Protocol Version byte.
    pub const fn as_u8(self) -> u8 {
        self as u8
    }

    /// The Protocol Name CONNECT carries at this level: "MQIsdp" or "MQTT".
    pub const fn protocol_name(self) -> &'static str {
        match self {
            ProtocolLevel::V3 => "MQIsdp",
            _ => "MQTT",
        }
    }

    /// Whether packets at this level carry properties and reason codes (5.0).
    pub const fn has_properties(self) -> bool {
        matches!(self, ProtocolLevel::V5)
    }
}

/// Quality of service level. QoS 3 does not exist and is always rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum QoS {
    /// QoS 0, at most once.
    AtMostOnce = 0,
    /// QoS 1, at least once.
    AtLeastOnce = 1,
    /// QoS 2, exactly once.
    ExactlyOnce = 2,
}

impl QoS {
    /// The QoS for 0, 1 or 2.
    pub const fn from_u8(qos: u8) -> Option<QoS> {
        match qos {
            0 => Some(QoS::AtMostOnce),
            1 => Some(QoS::AtLeastOnce),
            2 => Some(QoS::ExactlyOnce),
            _ => None,
        }
    }

    /// 0, 1 or 2.
    pub const fn as_u8(self) -> u8 {
        self as u8
    }
}
