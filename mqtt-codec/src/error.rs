//! Decode and encode errors. Each decode error names the rule it enforces
//! and maps to the reason code the peer must be sent (h2 style: wire errors
//! are mapped to protocol actions in this one place).

use crate::reason::ReasonCode;

macro_rules! decode_errors {
    ($( $(#[$doc:meta])* $name:ident => $rc:ident, $spec:literal, $kind:literal, $text:literal; )*) => {
        /// Why a frame was rejected.
        ///
        /// Every variant names the normative statement or section it enforces
        /// ([`DecodeError::spec`]) and the reason code to send the peer
        /// ([`DecodeError::reason_code`]): 0x81 Malformed Packet or 0x82
        /// Protocol Error in a DISCONNECT (or CONNACK, for a CONNECT), 0x84,
        /// 0x85 or 0x95 where the specification names those.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum DecodeError {
            $( $(#[$doc])* $name, )*
        }

        impl DecodeError {
            /// The statement (`"MQTT-3.3.1-4"`) or section (`"§2.1.4"`) of
            /// the MQTT 5.0 specification that the frame broke. Rules that
            /// only exist in MQTT 3.1 / 3.1.1 say so (`"3.1.1 §3.1.2.9"`).
            pub const fn spec(self) -> &'static str {
                match self { $( DecodeError::$name => $spec, )* }
            }

            /// The reason code the receiver sends: in DISCONNECT, or in
            /// CONNACK when the rejected frame was a CONNECT (for MQTT 3.x
            /// use [`ReasonCode::to_v3_connack`], or just close the
            /// connection when that is `None`).
            pub const fn reason_code(self) -> ReasonCode {
                match self { $( DecodeError::$name => ReasonCode::$rc, )* }
            }

            /// A short snake_case name of the error kind, stable for logs
            /// and the command line's JSON.
            pub const fn kind(self) -> &'static str {
                match self { $( DecodeError::$name => $kind, )* }
            }

            /// A one-line English description of what was wrong.
            pub const fn description(self) -> &'static str {
                match self { $( DecodeError::$name => $text, )* }
            }
        }
    };
}

decode_errors! {
    /// Packet type 0, or 15 (AUTH) below MQTT 5.0 (§2.1.2: "Reserved").
    ReservedPacketType => MalformedPacket, "§2.1.2", "reserved_packet_type", "packet type 0, or 15 (AUTH) below MQTT 5.0, is reserved";
    /// Reserved fixed-header flag bits have the wrong value: "Where a flag bit
    /// is marked as 'Reserved', it is reserved for future use and MUST be set
    /// to the value listed".
    InvalidFixedHeaderFlags => MalformedPacket, "MQTT-2.1.3-1", "invalid_flags", "reserved flag bits of the fixed header have the wrong value";
    /// "A PUBLISH Packet MUST NOT have both QoS bits set to 1."
    PublishQoS3 => MalformedPacket, "MQTT-3.3.1-4", "invalid_qos", "PUBLISH has both QoS bits set (QoS 3)";
    /// "The DUP flag MUST be set to 0 for all QoS 0 messages."
    DupWithQoS0 => MalformedPacket, "MQTT-3.3.1-2", "invalid_flags", "PUBLISH has DUP set at QoS 0";
    /// Remaining Length longer than four bytes (§2.1.4, §1.5.5).
    RemainingLengthTooLong => MalformedPacket, "§1.5.5", "malformed_varint", "Remaining Length is longer than four bytes";
    /// A Variable Byte Integer inside the packet is longer than four bytes
    /// (§1.5.5).
    VarintTooLong => MalformedPacket, "§1.5.5", "malformed_varint", "a Variable Byte Integer is longer than four bytes";
    /// "The encoded value MUST use the minimum number of bytes necessary to
    /// represent the value."
    VarintNotMinimal => MalformedPacket, "MQTT-1.5.5-1", "malformed_varint", "a Variable Byte Integer is not encoded in the fewest bytes";
    /// A field runs past the end given by the Remaining Length (§2.1.4).
    BodyTooShort => MalformedPacket, "§2.1.4", "malformed", "a field runs past the end given by the Remaining Length";
    /// Bytes left over after the last field of a packet with no payload, or
    /// with a payload of a defined shape (§2.1.4).
    TrailingBytes => MalformedPacket, "§2.1.4", "malformed", "bytes left over after the last field";
    /// Ill-formed UTF-8, including encoded surrogates: "the character data
    /// MUST NOT include encodings of code points between U+D800 and U+DFFF".
    InvalidUtf8 => MalformedPacket, "MQTT-1.5.4-1", "invalid_utf8", "a string is not well-formed UTF-8 (or encodes a surrogate)";
    /// "A UTF-8 Encoded String MUST NOT include an encoding of the null
    /// character U+0000."
    Utf8Null => MalformedPacket, "MQTT-1.5.4-2", "invalid_utf8", "a string contains U+0000";
    /// A control character (U+0001..U+001F, U+007F..U+009F) or a Unicode
    /// non-character: §1.5.4 says these "SHOULD NOT" be sent and a receiver
    /// "MAY" treat them as malformed. Rejected unless
    /// [`DecodeOptions::allow_discouraged_code_points`](crate::DecodeOptions::allow_discouraged_code_points)
    /// is set (mosquitto rejects them too).
    Utf8DiscouragedCodePoint => MalformedPacket, "§1.5.4", "invalid_utf8", "a string contains a control character or a non-character";
    /// A property identifier that MQTT 5.0 does not define (§2.2.2.2).
    UnknownProperty => MalformedPacket, "§2.2.2.2", "unknown_property", "unknown property identifier";
    /// A property that is not allowed in this packet (§2.2.2.2, Table 2-4).
    PropertyNotAllowed => ProtocolError, "§2.2.2.2", "property_not_allowed", "property not allowed in this packet";
    /// A property other than User Property (or Subscription Identifier in
    /// PUBLISH) appears twice: "It is a Protocol Error to include … more than
    /// once" (§3.1.2.11, §3.2.2.3, §3.3.2.3 …).
    DuplicateProperty => ProtocolError, "§2.2.2.2", "duplicate_property", "property included more than once";
    /// Payload Format Indicator other than 0 or 1 (§3.3.2.3.2).
    InvalidPayloadFormatIndicator => ProtocolError, "§3.3.2.3.2", "invalid_property", "Payload Format Indicator is neither 0 nor 1";
    /// Request Problem Information other than 0 or 1 (§3.1.2.11.7).
    InvalidRequestProblemInformation => ProtocolError, "§3.1.2.11.7", "invalid_property", "Request Problem Information is neither 0 nor 1";
    /// Request Response Information other than 0 or 1 (§3.1.2.11.6).
    InvalidRequestResponseInformation => ProtocolError, "§3.1.2.11.6", "invalid_property", "Request Response Information is neither 0 nor 1";
    /// "It is a Protocol Error to include the Receive Maximum value … of 0"
    /// (§3.1.2.11.3, §3.2.2.3.3).
    ReceiveMaximumZero => ProtocolError, "§3.1.2.11.3", "invalid_property", "Receive Maximum is 0";
    /// "It is a Protocol Error … for the value to be set to zero" (Maximum
    /// Packet Size, §3.1.2.11.4, §3.2.2.3.6).
    MaximumPacketSizeZero => ProtocolError, "§3.1.2.11.4", "invalid_property", "Maximum Packet Size is 0";
    /// Maximum QoS other than 0 or 1 (§3.2.2.3.4).
    InvalidMaximumQoS => ProtocolError, "§3.2.2.3.4", "invalid_property", "Maximum QoS is neither 0 nor 1";
    /// Retain / Wildcard Subscription / Subscription Identifier / Shared
    /// Subscription Available other than 0 or 1 (§3.2.2.3.5, §3.2.2.3.11–13).
    InvalidAvailabilityFlag => ProtocolError, "§3.2.2.3.5", "invalid_property", "an \"available\" property is neither 0 nor 1";
    /// "A sender MUST NOT send a PUBLISH packet containing a Topic Alias
    /// which has the value 0."
    TopicAliasZero => ProtocolError, "MQTT-3.3.2-8", "topic_alias_invalid", "Topic Alias is 0";
    /// "It is a Protocol Error if the Subscription Identifier has a value of
    /// 0" (§3.3.2.3.8, §3.8.2.1.2).
    SubscriptionIdentifierZero => ProtocolError, "§3.8.2.1.2", "invalid_property", "Subscription Identifier is 0";
    /// "It is a Protocol Error to include Authentication Data if there is no
    /// Authentication Method" (§3.1.2.11.10).
    AuthenticationDataWithoutMethod => ProtocolError, "§3.1.2.11.10", "protocol_error", "Authentication Data without an Authentication Method";
    /// "The Response Topic MUST NOT contain wildcard characters."
    ResponseTopicWildcard => ProtocolError, "MQTT-3.3.2-14", "invalid_property", "Response Topic contains a wildcard";
    /// A reason code that the specification does not allow in this packet
    /// (§2.4 and the packet's reason code table).
    InvalidReasonCode => ProtocolError, "§2.4", "invalid_reason_code", "reason code not allowed in this packet";
    /// An MQTT 3.x CONNACK return code above 5 (3.1.1 §3.2.2.3).
    InvalidConnectReturnCode => ProtocolError, "3.1.1 §3.2.2.3", "invalid_reason_code", "CONNACK return code above 5";
    /// An MQTT 3.x SUBACK return code other than 0, 1, 2 or 0x80
    /// (3.1.1 [MQTT-3.9.3-2]).
    InvalidSubAckReturnCode => ProtocolError, "3.1.1 §3.9.3", "invalid_reason_code", "SUBACK return code other than 0, 1, 2 or 0x80";
    /// "Bits 7-1 are reserved and MUST be set to 0" (CONNACK flags).
    ConnAckReservedFlags => MalformedPacket, "MQTT-3.2.2-1", "invalid_flags", "reserved CONNACK flag bits are set";
    /// "If a Server sends a CONNACK packet containing a non-zero Reason Code
    /// it MUST set Session Present to 0."
    SessionPresentWithError => ProtocolError, "MQTT-3.2.2-6", "protocol_error", "Session Present set with a non-zero reason code";
    /// "A PUBLISH packet MUST NOT contain a Packet Identifier if its QoS value
    /// is set to 0" — and a QoS > 0 one must have a non-zero one. Raised on
    /// encode only (on decode the QoS decides whether the field is read).
    PacketIdPresence => ProtocolError, "MQTT-2.2.1-2", "protocol_error", "Packet Identifier present at QoS 0 or missing at QoS 1/2";
    /// A Packet Identifier of 0 where a non-zero one is required: "MUST
    /// assign it a non-zero Packet Identifier".
    PacketIdZero => ProtocolError, "MQTT-2.2.1-3", "packet_id_zero", "Packet Identifier is 0";
    /// The Protocol Name is neither "MQTT" nor "MQIsdp" (§3.1.2.1).
    InvalidProtocolName => ProtocolError, "MQTT-3.1.2-1", "unsupported_protocol", "Protocol Name is neither \"MQTT\" nor \"MQIsdp\"";
    /// The Protocol Version is not 3, 4 or 5, or does not go with the
    /// Protocol Name: answered with 0x84 (Unsupported Protocol Version).
    UnsupportedProtocolVersion => UnsupportedProtocolVersion, "MQTT-3.1.2-2", "unsupported_protocol", "unsupported protocol level for this Protocol Name";
    /// "The Server MUST validate that the reserved flag in the CONNECT packet
    /// is set to 0."
    ConnectReservedFlag => MalformedPacket, "MQTT-3.1.2-3", "invalid_flags", "reserved CONNECT flag is set";
    /// "If the Will Flag is set to 0, then the Will QoS MUST be set to 0."
    WillQoSWithoutWill => MalformedPacket, "MQTT-3.1.2-11", "invalid_flags", "Will QoS set without the Will Flag";
    /// "If the Will Flag is set to 1, the value of Will QoS can be 0, 1, or 2"
    /// — Will QoS 3 is "a Malformed Packet".
    WillQoS3 => MalformedPacket, "MQTT-3.1.2-12", "invalid_qos", "Will QoS is 3";
    /// "If the Will Flag is set to 0, then Will Retain MUST be set to 0."
    WillRetainWithoutWill => MalformedPacket, "MQTT-3.1.2-13", "invalid_flags", "Will Retain set without the Will Flag";
    /// MQTT 3.1 / 3.1.1: "If the User Name Flag is set to 0, the Password Flag
    /// MUST be set to 0" (3.1.1 [MQTT-3.1.2-22]; 5.0 lifted this rule).
    PasswordWithoutUsername => ProtocolError, "3.1.1 [MQTT-3.1.2-22]", "invalid_flags", "Password Flag set without the User Name Flag";
    /// MQTT 3.1: the Client Identifier must be 1 to 23 bytes (answered with
    /// return code 2, Identifier rejected).
    ClientIdLength => ClientIdentifierNotValid, "3.1 §3.1 Client Identifier", "client_id_invalid", "MQTT 3.1 Client Identifier is not 1 to 23 bytes";
    /// MQTT 3.1.1: a zero-byte Client Identifier requires CleanSession = 1
    /// (3.1.1 [MQTT-3.1.3-8]; answered with return code 2).
    EmptyClientIdWithoutCleanSession => ClientIdentifierNotValid, "3.1.1 [MQTT-3.1.3-8]", "client_id_invalid", "empty Client Identifier without Clean Session";
    /// The frame is larger than the configured maximum packet size
    /// (§3.1.2.11.4: "the receiver … uses DISCONNECT with Reason Code 0x95").
    PacketTooLarge => PacketTooLarge, "§3.1.2.11.4", "packet_too_large", "frame larger than the maximum packet size";
    /// "The Topic Name in the PUBLISH packet MUST NOT contain wildcard
    /// characters" (also Will Topic).
    TopicNameWildcard => MalformedPacket, "MQTT-3.3.2-2", "topic_name_invalid", "Topic Name contains a wildcard";
    /// "All Topic Names and Topic Filters MUST be at least one character
    /// long" — a zero-length Topic Name is only allowed in a 5.0 PUBLISH
    /// with a Topic Alias.
    TopicEmpty => ProtocolError, "MQTT-4.7.3-1", "topic_empty", "empty Topic Name or Topic Filter";
    /// "The multi-level wildcard character MUST be specified either on its own
    /// or following a topic level separator. In either case it MUST be the
    /// last character specified in the Topic Filter."
    MultiLevelWildcardNotLast => MalformedPacket, "MQTT-4.7.1-1", "topic_filter_invalid", "\"#\" is not alone as the last level of the Topic Filter";
    /// "The single-level wildcard … MUST occupy an entire level of the
    /// filter."
    SingleLevelWildcardNotAlone => MalformedPacket, "MQTT-4.7.1-2", "topic_filter_invalid", "\"+\" does not occupy a whole level of the Topic Filter";
    /// A `$share/` filter whose ShareName is empty or holds `/`, `+` or `#`
    /// [MQTT-4.8.2-2], or which has no Topic Filter after it [MQTT-4.8.2-1].
    SharedSubscriptionInvalid => ProtocolError, "MQTT-4.8.2-2", "topic_filter_invalid", "invalid $share/{ShareName}/{filter} Topic Filter";
    /// "It is a Protocol Error to set the No Local bit to 1 on a Shared
    /// Subscription."
    NoLocalOnSharedSubscription => ProtocolError, "MQTT-3.8.3-4", "protocol_error", "No Local set on a Shared Subscription";
    /// "The Server MUST treat a SUBSCRIBE packet as malformed if any of
    /// Reserved bits in the Payload are non-zero."
    SubscriptionOptionsReserved => MalformedPacket, "MQTT-3.8.3-5", "invalid_subscription_options", "reserved Subscription Options bits are set";
    /// "It is a Protocol Error if the Maximum QoS field has the value 3"
    /// (§3.8.3.1).
    SubscriptionQoS3 => ProtocolError, "§3.8.3.1", "invalid_qos", "subscription Maximum QoS is 3";
    /// "It is a Protocol Error to send a Retain Handling value of 3"
    /// (§3.8.3.1).
    RetainHandling3 => ProtocolError, "§3.8.3.1", "invalid_subscription_options", "Retain Handling is 3";
    /// "The Payload MUST contain at least one Topic Filter and Subscription
    /// Options pair."
    SubscribeWithoutFilters => ProtocolError, "MQTT-3.8.3-2", "protocol_error", "SUBSCRIBE without any Topic Filter";
    /// "The Payload of an UNSUBSCRIBE packet MUST contain at least one Topic
    /// Filter."
    UnsubscribeWithoutFilters => ProtocolError, "MQTT-3.10.3-2", "protocol_error", "UNSUBSCRIBE without any Topic Filter";
    /// A SUBACK or 5.0 UNSUBACK with no reason codes: each "contains a list of
    /// Reason Codes", one per Topic Filter (§3.9.3, §3.11.3).
    AckWithoutReasonCodes => ProtocolError, "§3.9.3", "protocol_error", "SUBACK/UNSUBACK without any reason code";
}

impl DecodeError {
    /// Whether the frame was malformed (0x81) rather than a protocol error
    /// or a rejection with a more specific code.
    pub const fn is_malformed(self) -> bool {
        matches!(self.reason_code(), ReasonCode::MalformedPacket)
    }
}

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{} [{}; {}]",
            self.description(),
            self.spec(),
            self.reason_code()
        )
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DecodeError {}

/// Why a packet could not be encoded. Nothing has been written to the buffer
/// when this is returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EncodeError {
    /// The buffer is shorter than the frame ([`Packet::encoded_len`](crate::Packet::encoded_len)).
    BufferTooSmall {
        /// Bytes the frame needs.
        needed: usize,
    },
    /// The Remaining Length would exceed 268,435,455 (§2.1.4).
    TooLarge,
    /// A string or binary field is longer than 65,535 bytes (§1.5.4, §1.5.6).
    FieldTooLong,
    /// The packet would be rejected by a strict decoder for this reason.
    Invalid(DecodeError),
    /// Properties (or reason codes other than the 3.x ones) on a packet
    /// encoded for MQTT 3.1 / 3.1.1, or AUTH below 5.0.
    NotAtThisLevel,
}

/// The [`EncodeError`]s that validating and sizing a packet can give, in
/// two bytes: [`EncodeError::BufferTooSmall`], which carries a size, only
/// arises once the frame is written. A `Result` of sizes with this error
/// keeps the error's bytes apart from the sizes'; with [`EncodeError`]
/// (8-byte aligned, its payload overlapping the first size) the compiler
/// split that size into byte pieces and put it back together through the
/// stack, a store-forwarding stall on every encode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PlanError {
    TooLarge,
    FieldTooLong,
    Invalid(DecodeError),
    NotAtThisLevel,
}

impl From<DecodeError> for PlanError {
    #[inline]
    fn from(e: DecodeError) -> PlanError {
        PlanError::Invalid(e)
    }
}

impl From<PlanError> for EncodeError {
    #[inline]
    fn from(e: PlanError) -> EncodeError {
        match e {
            PlanError::TooLarge => EncodeError::TooLarge,
            PlanError::FieldTooLong => EncodeError::FieldTooLong,
            PlanError::Invalid(e) => EncodeError::Invalid(e),
            PlanError::NotAtThisLevel => EncodeError::NotAtThisLevel,
        }
    }
}

impl From<DecodeError> for EncodeError {
    fn from(e: DecodeError) -> EncodeError {
        EncodeError::Invalid(e)
    }
}

impl core::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            EncodeError::BufferTooSmall { needed } => {
                write!(f, "buffer too small: {needed} bytes needed")
            }
            EncodeError::TooLarge => {
                f.write_str("packet exceeds the 268,435,455-byte Remaining Length limit")
            }
            EncodeError::FieldTooLong => {
                f.write_str("string or binary field longer than 65,535 bytes")
            }
            EncodeError::Invalid(e) => write!(f, "invalid packet: {e}"),
            EncodeError::NotAtThisLevel => {
                f.write_str("field or packet not available at this protocol level")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for EncodeError {}
