//! Reason codes (§2.4) — and the MQTT 3.x CONNACK return codes mapped onto
//! them.

macro_rules! reason_codes {
    ($( $(#[$doc:meta])* $name:ident = $value:literal, $text:literal; )*) => {
        /// An MQTT 5.0 reason code (§2.4, Table 2-6).
        ///
        /// One variant per distinct value; where the specification gives one
        /// value several names (0x00 is "Success", "Normal disconnection" and
        /// "Granted QoS 0"), the associated constants provide the others and
        /// [`ReasonCode::name_in`] picks the name a packet uses.
        ///
        /// Conversion from a byte is checked ([`ReasonCode::from_u8`] /
        /// `TryFrom<u8>`); a decoded packet only ever holds a code that the
        /// specification allows on that packet type.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        #[repr(u8)]
        pub enum ReasonCode {
            $( $(#[$doc])* $name = $value, )*
        }

        impl ReasonCode {
            /// Every reason code, in value order.
            pub const ALL: &'static [ReasonCode] = &[$(ReasonCode::$name,)*];

            /// The code for a byte, if the specification defines it.
            pub const fn from_u8(value: u8) -> Option<ReasonCode> {
                match value {
                    $( $value => Some(ReasonCode::$name), )*
                    _ => None,
                }
            }

            /// The specification's name for the value (Table 2-6, first name
            /// where it has several).
            pub const fn name(self) -> &'static str {
                match self {
                    $( ReasonCode::$name => $text, )*
                }
            }
        }
    };
}

reason_codes! {
    /// 0x00 Success / Normal disconnection / Granted QoS 0.
    Success = 0x00, "Success";
    /// 0x01 Granted QoS 1 (SUBACK).
    GrantedQoS1 = 0x01, "Granted QoS 1";
    /// 0x02 Granted QoS 2 (SUBACK).
    GrantedQoS2 = 0x02, "Granted QoS 2";
    /// 0x04 Disconnect with Will Message (DISCONNECT).
    DisconnectWithWillMessage = 0x04, "Disconnect with Will Message";
    /// 0x10 No matching subscribers (PUBACK, PUBREC).
    NoMatchingSubscribers = 0x10, "No matching subscribers";
    /// 0x11 No subscription existed (UNSUBACK).
    NoSubscriptionExisted = 0x11, "No subscription existed";
    /// 0x18 Continue authentication (AUTH).
    ContinueAuthentication = 0x18, "Continue authentication";
    /// 0x19 Re-authenticate (AUTH).
    ReAuthenticate = 0x19, "Re-authenticate";
    /// 0x80 Unspecified error; also the MQTT 3.1.1 SUBACK "Failure".
    UnspecifiedError = 0x80, "Unspecified error";
    /// 0x81 Malformed Packet.
    MalformedPacket = 0x81, "Malformed Packet";
    /// 0x82 Protocol Error.
    ProtocolError = 0x82, "Protocol Error";
    /// 0x83 Implementation specific error.
    ImplementationSpecificError = 0x83, "Implementation specific error";
    /// 0x84 Unsupported Protocol Version (CONNACK).
    UnsupportedProtocolVersion = 0x84, "Unsupported Protocol Version";
    /// 0x85 Client Identifier not valid (CONNACK).
    ClientIdentifierNotValid = 0x85, "Client Identifier not valid";
    /// 0x86 Bad User Name or Password (CONNACK).
    BadUserNameOrPassword = 0x86, "Bad User Name or Password";
    /// 0x87 Not authorized.
    NotAuthorized = 0x87, "Not authorized";
    /// 0x88 Server unavailable (CONNACK).
    ServerUnavailable = 0x88, "Server unavailable";
    /// 0x89 Server busy.
    ServerBusy = 0x89, "Server busy";
    /// 0x8A Banned (CONNACK).
    Banned = 0x8A, "Banned";
    /// 0x8B Server shutting down (DISCONNECT).
    ServerShuttingDown = 0x8B, "Server shutting down";
    /// 0x8C Bad authentication method.
    BadAuthenticationMethod = 0x8C, "Bad authentication method";
    /// 0x8D Keep Alive timeout (DISCONNECT).
    KeepAliveTimeout = 0x8D, "Keep Alive timeout";
    /// 0x8E Session taken over (DISCONNECT).
    SessionTakenOver = 0x8E, "Session taken over";
    /// 0x8F Topic Filter invalid.
    TopicFilterInvalid = 0x8F, "Topic Filter invalid";
    /// 0x90 Topic Name invalid.
    TopicNameInvalid = 0x90, "Topic Name invalid";
    /// 0x91 Packet Identifier in use.
    PacketIdentifierInUse = 0x91, "Packet Identifier in use";
    /// 0x92 Packet Identifier not found.
    PacketIdentifierNotFound = 0x92, "Packet Identifier not found";
    /// 0x93 Receive Maximum exceeded (DISCONNECT).
    ReceiveMaximumExceeded = 0x93, "Receive Maximum exceeded";
    /// 0x94 Topic Alias invalid (DISCONNECT).
    TopicAliasInvalid = 0x94, "Topic Alias invalid";
    /// 0x95 Packet too large.
    PacketTooLarge = 0x95, "Packet too large";
    /// 0x96 Message rate too high (DISCONNECT).
    MessageRateTooHigh = 0x96, "Message rate too high";
    /// 0x97 Quota exceeded.
    QuotaExceeded = 0x97, "Quota exceeded";
    /// 0x98 Administrative action (DISCONNECT).
    AdministrativeAction = 0x98, "Administrative action";
    /// 0x99 Payload format invalid.
    PayloadFormatInvalid = 0x99, "Payload format invalid";
    /// 0x9A Retain not supported.
    RetainNotSupported = 0x9A, "Retain not supported";
    /// 0x9B QoS not supported.
    QoSNotSupported = 0x9B, "QoS not supported";
    /// 0x9C Use another server.
    UseAnotherServer = 0x9C, "Use another server";
    /// 0x9D Server moved.
    ServerMoved = 0x9D, "Server moved";
    /// 0x9E Shared Subscriptions not supported.
    SharedSubscriptionsNotSupported = 0x9E, "Shared Subscriptions not supported";
    /// 0x9F Connection rate exceeded.
    ConnectionRateExceeded = 0x9F, "Connection rate exceeded";
    /// 0xA0 Maximum connect time (DISCONNECT).
    MaximumConnectTime = 0xA0, "Maximum connect time";
    /// 0xA1 Subscription Identifiers not supported.
    SubscriptionIdentifiersNotSupported = 0xA1, "Subscription Identifiers not supported";
    /// 0xA2 Wildcard Subscriptions not supported.
    WildcardSubscriptionsNotSupported = 0xA2, "Wildcard Subscriptions not supported";
}

use crate::packet::PacketType;

impl ReasonCode {
    /// 0x00 in DISCONNECT.
    pub const NORMAL_DISCONNECTION: ReasonCode = ReasonCode::Success;
    /// 0x00 in SUBACK.
    pub const GRANTED_QOS_0: ReasonCode = ReasonCode::Success;

    /// The byte on the wire.
    pub const fn as_u8(self) -> u8 {
        self as u8
    }

    /// Whether the code is an error (0x80 and above, §2.4).
    pub const fn is_error(self) -> bool {
        self.as_u8() >= 0x80
    }

    /// The name the specification uses for this value in packets of type
    /// `packet` (e.g. "Normal disconnection" for 0x00 in DISCONNECT).
    pub const fn name_in(self, packet: PacketType) -> &'static str {
        match (self, packet) {
            (ReasonCode::Success, PacketType::Disconnect) => "Normal disconnection",
            (ReasonCode::Success, PacketType::SubAck) => "Granted QoS 0",
            _ => self.name(),
        }
    }

    /// The SUBACK code granting `qos`.
    pub const fn granted(qos: crate::QoS) -> ReasonCode {
        match qos {
            crate::QoS::AtMostOnce => ReasonCode::Success,
            crate::QoS::AtLeastOnce => ReasonCode::GrantedQoS1,
            crate::QoS::ExactlyOnce => ReasonCode::GrantedQoS2,
        }
    }

    /// Whether the specification allows this code in an MQTT 5.0 packet of
    /// type `packet` (the per-packet lists of §3.2.2.2, §3.4.2.1, §3.5.2.1,
    /// §3.6.2.1, §3.7.2.1, §3.9.3, §3.11.3, §3.14.2.1 and §3.15.2.1).
    pub const fn allowed_in(self, packet: PacketType) -> bool {
        use ReasonCode as R;
        let v = self.as_u8();
        match packet {
            PacketType::ConnAck => matches!(
                v,
                0x00 | 0x80..=0x8A | 0x8C | 0x90 | 0x95 | 0x97 | 0x99..=0x9D | 0x9F
            ),
            PacketType::PubAck | PacketType::PubRec => {
                matches!(
                    v,
                    0x00 | 0x10 | 0x80 | 0x83 | 0x87 | 0x90 | 0x91 | 0x97 | 0x99
                )
            }
            PacketType::PubRel | PacketType::PubComp => {
                matches!(self, R::Success | R::PacketIdentifierNotFound)
            }
            PacketType::SubAck => matches!(
                v,
                0x00 | 0x01 | 0x02 | 0x80 | 0x83 | 0x87 | 0x8F | 0x91 | 0x97 | 0x9E | 0xA1 | 0xA2
            ),
            PacketType::UnsubAck => {
                matches!(v, 0x00 | 0x11 | 0x80 | 0x83 | 0x87 | 0x8F | 0x91)
            }
            PacketType::Disconnect => matches!(
                v,
                0x00 | 0x04 | 0x80..=0x83 | 0x87 | 0x89 | 0x8B | 0x8D..=0x90 | 0x93..=0xA2
            ),
            PacketType::Auth => {
                matches!(
                    self,
                    R::Success | R::ContinueAuthentication | R::ReAuthenticate
                )
            }
            _ => false,
        }
    }

    /// The MQTT 3.1 / 3.1.1 CONNACK return code this reason code stands for
    /// (0 accepted, 1 unacceptable protocol version, 2 identifier rejected,
    /// 3 server unavailable, 4 bad user name or password, 5 not authorized),
    /// or `None` if 3.x has no equivalent.
    pub const fn to_v3_connack(self) -> Option<u8> {
        match self {
            ReasonCode::Success => Some(0),
            ReasonCode::UnsupportedProtocolVersion => Some(1),
            ReasonCode::ClientIdentifierNotValid => Some(2),
            ReasonCode::ServerUnavailable => Some(3),
            ReasonCode::BadUserNameOrPassword => Some(4),
            ReasonCode::NotAuthorized => Some(5),
            _ => None,
        }
    }

    /// The reason code for an MQTT 3.1 / 3.1.1 CONNACK return code 0–5
    /// (inverse of [`ReasonCode::to_v3_connack`]).
    pub const fn from_v3_connack(code: u8) -> Option<ReasonCode> {
        match code {
            0 => Some(ReasonCode::Success),
            1 => Some(ReasonCode::UnsupportedProtocolVersion),
            2 => Some(ReasonCode::ClientIdentifierNotValid),
            3 => Some(ReasonCode::ServerUnavailable),
            4 => Some(ReasonCode::BadUserNameOrPassword),
            5 => Some(ReasonCode::NotAuthorized),
            _ => None,
        }
    }
}

impl TryFrom<u8> for ReasonCode {
    type Error = u8;

    /// Checked conversion; hands the byte back if no reason code has it.
    fn try_from(value: u8) -> Result<ReasonCode, u8> {
        ReasonCode::from_u8(value).ok_or(value)
    }
}

impl From<ReasonCode> for u8 {
    fn from(code: ReasonCode) -> u8 {
        code.as_u8()
    }
}

impl core::fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "0x{:02X} {}", self.as_u8(), self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_defined_byte_converts_both_ways_and_others_are_refused() {
        let mut defined = 0;
        for b in 0..=255u8 {
            match ReasonCode::try_from(b) {
                Ok(code) => {
                    defined += 1;
                    assert_eq!(code.as_u8(), b);
                }
                Err(back) => assert_eq!(back, b),
            }
        }
        // Table 2-6 has 43 distinct values.
        assert_eq!(defined, 43);
        assert_eq!(ReasonCode::ALL.len(), 43);
    }

    #[test]
    fn zero_is_named_per_packet() {
        assert_eq!(
            ReasonCode::Success.name_in(PacketType::Disconnect),
            "Normal disconnection"
        );
        assert_eq!(
            ReasonCode::Success.name_in(PacketType::SubAck),
            "Granted QoS 0"
        );
        assert_eq!(ReasonCode::Success.name_in(PacketType::PubAck), "Success");
    }

    #[test]
    fn per_packet_sets_match_the_spec_lists() {
        // §3.6.2.1: PUBREL has only 0x00 and 0x92.
        let pubrel: usize = ReasonCode::ALL
            .iter()
            .filter(|c| c.allowed_in(PacketType::PubRel))
            .count();
        assert_eq!(pubrel, 2);
        // §3.2.2.2: 22 CONNACK codes; §3.14.2.1: 29 DISCONNECT codes.
        assert_eq!(
            ReasonCode::ALL
                .iter()
                .filter(|c| c.allowed_in(PacketType::ConnAck))
                .count(),
            22
        );
        assert_eq!(
            ReasonCode::ALL
                .iter()
                .filter(|c| c.allowed_in(PacketType::Disconnect))
                .count(),
            29
        );
        assert_eq!(
            ReasonCode::ALL
                .iter()
                .filter(|c| c.allowed_in(PacketType::PubAck))
                .count(),
            9
        );
        assert_eq!(
            ReasonCode::ALL
                .iter()
                .filter(|c| c.allowed_in(PacketType::SubAck))
                .count(),
            12
        );
        assert_eq!(
            ReasonCode::ALL
                .iter()
                .filter(|c| c.allowed_in(PacketType::UnsubAck))
                .count(),
            7
        );
        assert_eq!(
            ReasonCode::ALL
                .iter()
                .filter(|c| c.allowed_in(PacketType::Auth))
                .count(),
            3
        );
        assert!(!ReasonCode::Banned.allowed_in(PacketType::Disconnect));
        assert!(ReasonCode::Banned.allowed_in(PacketType::ConnAck));
    }

    #[test]
    fn v3_connack_return_codes_map_both_ways() {
        for code in 0..=5u8 {
            let rc = ReasonCode::from_v3_connack(code).unwrap();
            assert_eq!(rc.to_v3_connack(), Some(code));
        }
        assert_eq!(ReasonCode::from_v3_connack(6), None);
        assert_eq!(ReasonCode::Banned.to_v3_connack(), None);
    }
}
