//! MQTT 5.0 properties (§2.2.2): identifiers, typed values, the per-packet
//! allowed sets and duplicate rules, and [`Properties`], a lazy view over
//! validated wire bytes or a caller's list for encoding.

use crate::error::{DecodeError, EncodeError, PlanError};
use crate::string::{self, Reader, Writer};
use crate::topic;
use crate::varint;

macro_rules! property_ids {
    ($( $(#[$doc:meta])* $name:ident = $value:literal, $snake:literal; )*) => {
        /// A property identifier (§2.2.2.2, Table 2-4).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        #[repr(u8)]
        pub enum PropertyId {
            $( $(#[$doc])* $name = $value, )*
        }

        impl PropertyId {
            /// All 27 identifiers, in value order.
            pub const ALL: [PropertyId; 27] = [$(PropertyId::$name,)*];

            /// The identifier for a byte, if MQTT 5.0 defines it.
            pub const fn from_u8(id: u8) -> Option<PropertyId> {
                match id {
                    $( $value => Some(PropertyId::$name), )*
                    _ => None,
                }
            }

            /// The specification's name in snake_case
            /// (`"message_expiry_interval"`).
            pub const fn name(self) -> &'static str {
                match self {
                    $( PropertyId::$name => $snake, )*
                }
            }
        }
    };
}

property_ids! {
    /// 0x01 Payload Format Indicator (Byte).
    PayloadFormatIndicator = 0x01, "payload_format_indicator";
    /// 0x02 Message Expiry Interval (Four Byte Integer).
    MessageExpiryInterval = 0x02, "message_expiry_interval";
    /// 0x03 Content Type (UTF-8 Encoded String).
    ContentType = 0x03, "content_type";
    /// 0x08 Response Topic (UTF-8 Encoded String).
    ResponseTopic = 0x08, "response_topic";
    /// 0x09 Correlation Data (Binary Data).
    CorrelationData = 0x09, "correlation_data";
    /// 0x0B Subscription Identifier (Variable Byte Integer).
    SubscriptionIdentifier = 0x0B, "subscription_identifier";
    /// 0x11 Session Expiry Interval (Four Byte Integer).
    SessionExpiryInterval = 0x11, "session_expiry_interval";
    /// 0x12 Assigned Client Identifier (UTF-8 Encoded String).
    AssignedClientIdentifier = 0x12, "assigned_client_identifier";
    /// 0x13 Server Keep Alive (Two Byte Integer).
    ServerKeepAlive = 0x13, "server_keep_alive";
    /// 0x15 Authentication Method (UTF-8 Encoded String).
    AuthenticationMethod = 0x15, "authentication_method";
    /// 0x16 Authentication Data (Binary Data).
    AuthenticationData = 0x16, "authentication_data";
    /// 0x17 Request Problem Information (Byte).
    RequestProblemInformation = 0x17, "request_problem_information";
    /// 0x18 Will Delay Interval (Four Byte Integer).
    WillDelayInterval = 0x18, "will_delay_interval";
    /// 0x19 Request Response Information (Byte).
    RequestResponseInformation = 0x19, "request_response_information";
    /// 0x1A Response Information (UTF-8 Encoded String).
    ResponseInformation = 0x1A, "response_information";
    /// 0x1C Server Reference (UTF-8 Encoded String).
    ServerReference = 0x1C, "server_reference";
    /// 0x1F Reason String (UTF-8 Encoded String).
    ReasonString = 0x1F, "reason_string";
    /// 0x21 Receive Maximum (Two Byte Integer).
    ReceiveMaximum = 0x21, "receive_maximum";
    /// 0x22 Topic Alias Maximum (Two Byte Integer).
    TopicAliasMaximum = 0x22, "topic_alias_maximum";
    /// 0x23 Topic Alias (Two Byte Integer).
    TopicAlias = 0x23, "topic_alias";
    /// 0x24 Maximum QoS (Byte).
    MaximumQoS = 0x24, "maximum_qos";
    /// 0x25 Retain Available (Byte).
    RetainAvailable = 0x25, "retain_available";
    /// 0x26 User Property (UTF-8 String Pair).
    UserProperty = 0x26, "user_property";
    /// 0x27 Maximum Packet Size (Four Byte Integer).
    MaximumPacketSize = 0x27, "maximum_packet_size";
    /// 0x28 Wildcard Subscription Available (Byte).
    WildcardSubscriptionAvailable = 0x28, "wildcard_subscription_available";
    /// 0x29 Subscription Identifier Available (Byte).
    SubscriptionIdentifierAvailable = 0x29, "subscription_identifier_available";
    /// 0x2A Shared Subscription Available (Byte).
    SharedSubscriptionAvailable = 0x2A, "shared_subscription_available";
}

impl PropertyId {
    /// The identifier byte.
    pub const fn as_u8(self) -> u8 {
        self as u8
    }

    const fn bit(self) -> u64 {
        1u64 << (self as u8)
    }
}

/// Where a property list sits: a packet type, or the Will Properties of a
/// CONNECT. Decides which properties are allowed (Table 2-4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Context {
    Connect,
    ConnAck,
    Publish,
    Will,
    PubResponse,
    Subscribe,
    SubAck,
    Unsubscribe,
    UnsubAck,
    Disconnect,
    Auth,
}

macro_rules! mask {
    ($($id:ident),*) => { 0u64 $(| PropertyId::$id.bit())* };
}

impl Context {
    /// Table 2-4 "Properties", read by column.
    const fn allowed(self) -> u64 {
        let user = PropertyId::UserProperty.bit();
        user | match self {
            Context::Connect => mask!(
                SessionExpiryInterval,
                AuthenticationMethod,
                AuthenticationData,
                RequestProblemInformation,
                RequestResponseInformation,
                ReceiveMaximum,
                TopicAliasMaximum,
                MaximumPacketSize
            ),
            Context::ConnAck => mask!(
                SessionExpiryInterval,
                AssignedClientIdentifier,
                ServerKeepAlive,
                AuthenticationMethod,
                AuthenticationData,
                ResponseInformation,
                ServerReference,
                ReasonString,
                ReceiveMaximum,
                TopicAliasMaximum,
                MaximumQoS,
                RetainAvailable,
                MaximumPacketSize,
                WildcardSubscriptionAvailable,
                SubscriptionIdentifierAvailable,
                SharedSubscriptionAvailable
            ),
            Context::Publish => mask!(
                PayloadFormatIndicator,
                MessageExpiryInterval,
                ContentType,
                ResponseTopic,
                CorrelationData,
                SubscriptionIdentifier,
                TopicAlias
            ),
            Context::Will => mask!(
                PayloadFormatIndicator,
                MessageExpiryInterval,
                ContentType,
                ResponseTopic,
                CorrelationData,
                WillDelayInterval
            ),
            Context::PubResponse | Context::SubAck | Context::UnsubAck => mask!(ReasonString),
            Context::Subscribe => mask!(SubscriptionIdentifier),
            Context::Unsubscribe => 0,
            Context::Disconnect => mask!(SessionExpiryInterval, ServerReference, ReasonString),
            Context::Auth => mask!(AuthenticationMethod, AuthenticationData, ReasonString),
        }
    }

    /// Properties that may appear more than once here: User Property
    /// everywhere; Subscription Identifier only in PUBLISH ("Multiple
    /// Subscription Identifiers will be included if the publication is the
    /// result of a match to more than one subscription", §3.3.2.3.8, while
    /// §3.8.2.1.2 makes a second one in SUBSCRIBE a Protocol Error).
    const fn repeatable(self) -> u64 {
        match self {
            Context::Publish => mask!(UserProperty, SubscriptionIdentifier),
            _ => mask!(UserProperty),
        }
    }
}

/// One property with its value, borrowed from the frame (decode) or from the
/// caller (encode).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[allow(missing_docs)] // Each variant is the property of the same name in Table 2-4.
pub enum Property<'a> {
    PayloadFormatIndicator(u8),
    MessageExpiryInterval(u32),
    ContentType(&'a str),
    ResponseTopic(&'a str),
    CorrelationData(&'a [u8]),
    SubscriptionIdentifier(u32),
    SessionExpiryInterval(u32),
    AssignedClientIdentifier(&'a str),
    ServerKeepAlive(u16),
    AuthenticationMethod(&'a str),
    AuthenticationData(&'a [u8]),
    RequestProblemInformation(u8),
    WillDelayInterval(u32),
    RequestResponseInformation(u8),
    ResponseInformation(&'a str),
    ServerReference(&'a str),
    ReasonString(&'a str),
    ReceiveMaximum(u16),
    TopicAliasMaximum(u16),
    TopicAlias(u16),
    MaximumQoS(u8),
    RetainAvailable(u8),
    /// A name/value pair; repeatable, order preserved.
    UserProperty(&'a str, &'a str),
    MaximumPacketSize(u32),
    WildcardSubscriptionAvailable(u8),
    SubscriptionIdentifierAvailable(u8),
    SharedSubscriptionAvailable(u8),
}

impl<'a> Property<'a> {
    /// The property's identifier.
    pub const fn id(&self) -> PropertyId {
        use Property as P;
        use PropertyId as I;
        match self {
            P::PayloadFormatIndicator(_) => I::PayloadFormatIndicator,
            P::MessageExpiryInterval(_) => I::MessageExpiryInterval,
            P::ContentType(_) => I::ContentType,
            P::ResponseTopic(_) => I::ResponseTopic,
            P::CorrelationData(_) => I::CorrelationData,
            P::SubscriptionIdentifier(_) => I::SubscriptionIdentifier,
            P::SessionExpiryInterval(_) => I::SessionExpiryInterval,
            P::AssignedClientIdentifier(_) => I::AssignedClientIdentifier,
            P::ServerKeepAlive(_) => I::ServerKeepAlive,
            P::AuthenticationMethod(_) => I::AuthenticationMethod,
            P::AuthenticationData(_) => I::AuthenticationData,
            P::RequestProblemInformation(_) => I::RequestProblemInformation,
            P::WillDelayInterval(_) => I::WillDelayInterval,
            P::RequestResponseInformation(_) => I::RequestResponseInformation,
            P::ResponseInformation(_) => I::ResponseInformation,
            P::ServerReference(_) => I::ServerReference,
            P::ReasonString(_) => I::ReasonString,
            P::ReceiveMaximum(_) => I::ReceiveMaximum,
            P::TopicAliasMaximum(_) => I::TopicAliasMaximum,
            P::TopicAlias(_) => I::TopicAlias,
            P::MaximumQoS(_) => I::MaximumQoS,
            P::RetainAvailable(_) => I::RetainAvailable,
            P::UserProperty(..) => I::UserProperty,
            P::MaximumPacketSize(_) => I::MaximumPacketSize,
            P::WildcardSubscriptionAvailable(_) => I::WildcardSubscriptionAvailable,
            P::SubscriptionIdentifierAvailable(_) => I::SubscriptionIdentifierAvailable,
            P::SharedSubscriptionAvailable(_) => I::SharedSubscriptionAvailable,
        }
    }

    /// Reads one property (identifier and value) without value checks.
    #[inline]
    fn read(r: &mut Reader<'a>, strict: bool) -> Result<Property<'a>, DecodeError> {
        use Property as P;
        // "Although the Property Identifier is defined as a Variable Byte
        // Integer, in this version of the specification all of the Property
        // Identifiers are one byte long" (§2.2.2.2). A multi-byte identifier
        // cannot name a defined property, so the first byte decides.
        let id = PropertyId::from_u8(r.u8()?).ok_or(DecodeError::UnknownProperty)?;
        Ok(match id {
            PropertyId::PayloadFormatIndicator => P::PayloadFormatIndicator(r.u8()?),
            PropertyId::MessageExpiryInterval => P::MessageExpiryInterval(r.u32()?),
            PropertyId::ContentType => P::ContentType(r.str(strict)?),
            PropertyId::ResponseTopic => P::ResponseTopic(r.str(strict)?),
            PropertyId::CorrelationData => P::CorrelationData(r.binary()?),
            PropertyId::SubscriptionIdentifier => P::SubscriptionIdentifier(r.varint()?),
            PropertyId::SessionExpiryInterval => P::SessionExpiryInterval(r.u32()?),
            PropertyId::AssignedClientIdentifier => P::AssignedClientIdentifier(r.str(strict)?),
            PropertyId::ServerKeepAlive => P::ServerKeepAlive(r.u16()?),
            PropertyId::AuthenticationMethod => P::AuthenticationMethod(r.str(strict)?),
            PropertyId::AuthenticationData => P::AuthenticationData(r.binary()?),
            PropertyId::RequestProblemInformation => P::RequestProblemInformation(r.u8()?),
            PropertyId::WillDelayInterval => P::WillDelayInterval(r.u32()?),
            PropertyId::RequestResponseInformation => P::RequestResponseInformation(r.u8()?),
            PropertyId::ResponseInformation => P::ResponseInformation(r.str(strict)?),
            PropertyId::ServerReference => P::ServerReference(r.str(strict)?),
            PropertyId::ReasonString => P::ReasonString(r.str(strict)?),
            PropertyId::ReceiveMaximum => P::ReceiveMaximum(r.u16()?),
            PropertyId::TopicAliasMaximum => P::TopicAliasMaximum(r.u16()?),
            PropertyId::TopicAlias => P::TopicAlias(r.u16()?),
            PropertyId::MaximumQoS => P::MaximumQoS(r.u8()?),
            PropertyId::RetainAvailable => P::RetainAvailable(r.u8()?),
            PropertyId::UserProperty => {
                // "Both strings MUST comply with the requirements for UTF-8
                // Encoded Strings [MQTT-1.5.7-1]."
                let k = r.str(strict)?;
                P::UserProperty(k, r.str(strict)?)
            }
            PropertyId::MaximumPacketSize => P::MaximumPacketSize(r.u32()?),
            PropertyId::WildcardSubscriptionAvailable => P::WildcardSubscriptionAvailable(r.u8()?),
            PropertyId::SubscriptionIdentifierAvailable => {
                P::SubscriptionIdentifierAvailable(r.u8()?)
            }
            PropertyId::SharedSubscriptionAvailable => P::SharedSubscriptionAvailable(r.u8()?),
        })
    }

    /// The value rules of each property's section.
    fn check_value(&self) -> Result<(), DecodeError> {
        use Property as P;
        match *self {
            // §3.3.2.3.2: 0 "unspecified bytes", 1 "UTF-8 Encoded Character
            // Data"; no other value is defined.
            P::PayloadFormatIndicator(v) if v > 1 => {
                Err(DecodeError::InvalidPayloadFormatIndicator)
            }
            // §3.1.2.11.7: "It is a Protocol Error to include Request Problem
            // Information more than once, or to have a value other than 0 or 1."
            P::RequestProblemInformation(v) if v > 1 => {
                Err(DecodeError::InvalidRequestProblemInformation)
            }
            // §3.1.2.11.6: the same for Request Response Information.
            P::RequestResponseInformation(v) if v > 1 => {
                Err(DecodeError::InvalidRequestResponseInformation)
            }
            // §3.1.2.11.3: "It is a Protocol Error to include the Receive
            // Maximum value more than once or for it to have the value 0."
            P::ReceiveMaximum(0) => Err(DecodeError::ReceiveMaximumZero),
            // §3.1.2.11.4: "It is a Protocol Error to include the Maximum
            // Packet Size more than once, or for the value to be set to zero."
            P::MaximumPacketSize(0) => Err(DecodeError::MaximumPacketSizeZero),
            // §3.2.2.3.4: "It is a Protocol Error to include Maximum QoS more
            // than once, or to have a value other than 0 or 1."
            P::MaximumQoS(v) if v > 1 => Err(DecodeError::InvalidMaximumQoS),
            // §3.2.2.3.5, .11, .12, .13: "… a value other than 0 or 1".
            P::RetainAvailable(v)
            | P::WildcardSubscriptionAvailable(v)
            | P::SubscriptionIdentifierAvailable(v)
            | P::SharedSubscriptionAvailable(v)
                if v > 1 =>
            {
                Err(DecodeError::InvalidAvailabilityFlag)
            }
            // "A sender MUST NOT send a PUBLISH packet containing a Topic
            // Alias which has the value 0 [MQTT-3.3.2-8]."
            P::TopicAlias(0) => Err(DecodeError::TopicAliasZero),
            // §3.3.2.3.8: "The Subscription Identifier can have the value of
            // 1 to 268,435,455. It is a Protocol Error if the Subscription
            // Identifier has a value of 0."
            P::SubscriptionIdentifier(0) => Err(DecodeError::SubscriptionIdentifierZero),
            // "The Response Topic MUST NOT contain wildcard characters
            // [MQTT-3.3.2-14]"; it is a Topic Name, so at least one character.
            P::ResponseTopic(t) => topic::check_name(t).map_err(|e| match e {
                DecodeError::TopicNameWildcard => DecodeError::ResponseTopicWildcard,
                e => e,
            }),
            _ => Ok(()),
        }
    }

    /// The bytes this property takes in a property list — its identifier
    /// and its value (§2.2.2.2, Table 2-4) — after the checks an encoder
    /// makes of its value, or why it cannot be encoded.
    ///
    /// ```
    /// use mqtt_codec::Property;
    /// assert_eq!(Property::MessageExpiryInterval(60).encoded_len(), Ok(5));
    /// assert_eq!(Property::UserProperty("k", "v").encoded_len(), Ok(7));
    /// assert_eq!(Property::SubscriptionIdentifier(200).encoded_len(), Ok(3));
    /// assert!(Property::SubscriptionIdentifier(0).encoded_len().is_err());
    /// ```
    pub fn encoded_len(&self) -> Result<usize, EncodeError> {
        Ok(self.plan_for_encode()?)
    }

    /// Everything [`Properties::check_for_encode`] checks about one value
    /// — the value rules of [`Property::check_value`], then the strict
    /// string rules, then the field lengths, in that order — and the
    /// encoded size (identifier byte plus value), in one match.
    #[inline]
    fn plan_for_encode(&self) -> Result<usize, PlanError> {
        use Property as P;
        fn flag(v: u8, e: DecodeError) -> Result<usize, PlanError> {
            if v > 1 {
                return Err(e.into());
            }
            Ok(1)
        }
        fn text(s: &str) -> Result<usize, PlanError> {
            string::check_str(s, true)?;
            string::str_len(s)
        }
        Ok(1 + match *self {
            // The value rules are quoted in `check_value`.
            P::PayloadFormatIndicator(v) => flag(v, DecodeError::InvalidPayloadFormatIndicator)?,
            P::RequestProblemInformation(v) => {
                flag(v, DecodeError::InvalidRequestProblemInformation)?
            }
            P::RequestResponseInformation(v) => {
                flag(v, DecodeError::InvalidRequestResponseInformation)?
            }
            P::MaximumQoS(v) => flag(v, DecodeError::InvalidMaximumQoS)?,
            P::RetainAvailable(v)
            | P::WildcardSubscriptionAvailable(v)
            | P::SubscriptionIdentifierAvailable(v)
            | P::SharedSubscriptionAvailable(v) => flag(v, DecodeError::InvalidAvailabilityFlag)?,
            P::ReceiveMaximum(0) => return Err(DecodeError::ReceiveMaximumZero.into()),
            P::TopicAlias(0) => return Err(DecodeError::TopicAliasZero.into()),
            P::ServerKeepAlive(_)
            | P::ReceiveMaximum(_)
            | P::TopicAliasMaximum(_)
            | P::TopicAlias(_) => 2,
            P::MaximumPacketSize(0) => return Err(DecodeError::MaximumPacketSizeZero.into()),
            P::MessageExpiryInterval(_)
            | P::SessionExpiryInterval(_)
            | P::WillDelayInterval(_)
            | P::MaximumPacketSize(_) => 4,
            P::SubscriptionIdentifier(0) => {
                return Err(DecodeError::SubscriptionIdentifierZero.into())
            }
            P::SubscriptionIdentifier(v) => {
                if v > varint::MAX_VARINT {
                    return Err(PlanError::TooLarge);
                }
                varint::len(v)
            }
            P::ResponseTopic(t) => {
                // A Topic Name: not empty, no wildcards [MQTT-3.3.2-14].
                if t.is_empty() {
                    return Err(DecodeError::TopicEmpty.into());
                }
                string::check_name_chars_then_strict_str(t).map_err(|e| match e {
                    DecodeError::TopicNameWildcard => DecodeError::ResponseTopicWildcard,
                    e => e,
                })?;
                string::str_len(t)?
            }
            P::ContentType(s)
            | P::AssignedClientIdentifier(s)
            | P::AuthenticationMethod(s)
            | P::ResponseInformation(s)
            | P::ServerReference(s)
            | P::ReasonString(s) => text(s)?,
            P::CorrelationData(b) | P::AuthenticationData(b) => string::bin_len(b)?,
            P::UserProperty(k, v) => {
                string::check_str(k, true)?;
                string::check_str(v, true)?;
                string::str_len(k)? + string::str_len(v)?
            }
        })
    }

    /// Encoded size, identifier byte plus value, of a property whose
    /// value [`Property::plan_for_encode`] accepted (no check repeated).
    #[inline]
    fn checked_len(&self) -> usize {
        use Property as P;
        1 + match *self {
            P::PayloadFormatIndicator(_)
            | P::RequestProblemInformation(_)
            | P::RequestResponseInformation(_)
            | P::MaximumQoS(_)
            | P::RetainAvailable(_)
            | P::WildcardSubscriptionAvailable(_)
            | P::SubscriptionIdentifierAvailable(_)
            | P::SharedSubscriptionAvailable(_) => 1,
            P::ServerKeepAlive(_)
            | P::ReceiveMaximum(_)
            | P::TopicAliasMaximum(_)
            | P::TopicAlias(_) => 2,
            P::MessageExpiryInterval(_)
            | P::SessionExpiryInterval(_)
            | P::WillDelayInterval(_)
            | P::MaximumPacketSize(_) => 4,
            P::SubscriptionIdentifier(v) => varint::len(v),
            P::ContentType(s)
            | P::ResponseTopic(s)
            | P::AssignedClientIdentifier(s)
            | P::AuthenticationMethod(s)
            | P::ResponseInformation(s)
            | P::ServerReference(s)
            | P::ReasonString(s) => 2 + s.len(),
            P::CorrelationData(b) | P::AuthenticationData(b) => 2 + b.len(),
            P::UserProperty(k, v) => 4 + k.len() + v.len(),
        }
    }

    /// The length rules (§1.5.4, §1.5.6, §1.5.5), then the encoded size.
    #[cfg(test)]
    fn wire_len(&self) -> Result<usize, PlanError> {
        match *self {
            Property::SubscriptionIdentifier(v) if v > varint::MAX_VARINT => {
                return Err(PlanError::TooLarge)
            }
            Property::CorrelationData(b) | Property::AuthenticationData(b) => {
                string::bin_len(b)?;
            }
            _ => {}
        }
        for s in self.strings().into_iter().flatten() {
            string::str_len(s)?;
        }
        Ok(self.checked_len())
    }

    fn write(&self, w: &mut Writer<'_>) {
        use Property as P;
        // The identifier and a fixed-size value in one write.
        let id = self.id().as_u8();
        match *self {
            P::PayloadFormatIndicator(v)
            | P::RequestProblemInformation(v)
            | P::RequestResponseInformation(v)
            | P::MaximumQoS(v)
            | P::RetainAvailable(v)
            | P::WildcardSubscriptionAvailable(v)
            | P::SubscriptionIdentifierAvailable(v)
            | P::SharedSubscriptionAvailable(v) => w.tagged_fixed(id, [v]),
            P::ServerKeepAlive(v)
            | P::ReceiveMaximum(v)
            | P::TopicAliasMaximum(v)
            | P::TopicAlias(v) => w.tagged_fixed(id, v.to_be_bytes()),
            P::MessageExpiryInterval(v)
            | P::SessionExpiryInterval(v)
            | P::WillDelayInterval(v)
            | P::MaximumPacketSize(v) => w.tagged_fixed(id, v.to_be_bytes()),
            P::SubscriptionIdentifier(v) => {
                w.u8(id);
                w.varint(v);
            }
            P::ContentType(s)
            | P::ResponseTopic(s)
            | P::AssignedClientIdentifier(s)
            | P::AuthenticationMethod(s)
            | P::ResponseInformation(s)
            | P::ServerReference(s)
            | P::ReasonString(s) => w.tagged(id, s.as_bytes()),
            P::CorrelationData(b) | P::AuthenticationData(b) => w.tagged(id, b),
            P::UserProperty(k, v) => {
                w.tagged(id, k.as_bytes());
                w.str(v);
            }
        }
    }

    /// The string values, for the UTF-8 checks on encode.
    fn strings(&self) -> [Option<&'a str>; 2] {
        use Property as P;
        match *self {
            P::ContentType(s)
            | P::ResponseTopic(s)
            | P::AssignedClientIdentifier(s)
            | P::AuthenticationMethod(s)
            | P::ResponseInformation(s)
            | P::ServerReference(s)
            | P::ReasonString(s) => [Some(s), None],
            P::UserProperty(k, v) => [Some(k), Some(v)],
            _ => [None, None],
        }
    }
}

/// Tracks identifiers seen in one property list: duplicates and the rules
/// that relate properties to each other.
struct Seen(u64);

impl Seen {
    #[inline]
    fn add(&mut self, id: PropertyId, ctx: Context) -> Result<(), DecodeError> {
        let bit = id.bit();
        if ctx.allowed() & bit == 0 {
            return Err(DecodeError::PropertyNotAllowed);
        }
        if self.0 & bit != 0 && ctx.repeatable() & bit == 0 {
            return Err(DecodeError::DuplicateProperty);
        }
        self.0 |= bit;
        Ok(())
    }

    fn finish(&self) -> Result<(), DecodeError> {
        // §3.1.2.11.10 / §3.2.2.3.18 / §3.15.2.2.3: "It is a Protocol Error to
        // include Authentication Data if there is no Authentication Method."
        if self.0 & PropertyId::AuthenticationData.bit() != 0
            && self.0 & PropertyId::AuthenticationMethod.bit() == 0
        {
            return Err(DecodeError::AuthenticationDataWithoutMethod);
        }
        Ok(())
    }
}

/// The properties of a packet: a lazy view over validated wire bytes
/// (decode), or a caller's slice of [`Property`] values (encode). Either way
/// [`Properties::iter`] yields them in order; two `Properties` are equal when
/// they yield the same properties in the same order.
///
/// A decoded `Properties` holds only properties allowed in its packet, each
/// value valid, no forbidden duplicates: iterating it cannot fail.
///
/// A list to encode is checked by the encoder on every encode
/// ([`Properties::from_list`]), or once, when it is built
/// ([`Properties::new`]): then every encode only checks which properties
/// its packet allows and how often, and sizes them without scanning any
/// value.
///
/// ```
/// use mqtt_codec::{Properties, Property};
///
/// let list = [Property::MessageExpiryInterval(60), Property::UserProperty("k", "v")];
/// let props = Properties::from_list(&list);
/// assert_eq!(props.message_expiry_interval(), Some(60));
/// assert_eq!(props.user_properties().collect::<Vec<_>>(), [("k", "v")]);
/// assert_eq!(Properties::new(&list), Ok(props));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Properties<'a>(Repr<'a>);

#[derive(Clone, Copy, Debug)]
enum Repr<'a> {
    /// Validated bytes (after the Property Length).
    Wire(&'a [u8]),
    /// A list whose values the encoder checks.
    List(&'a [Property<'a>]),
    /// A list whose values [`Properties::new`] checked.
    Checked(&'a [Property<'a>]),
}

impl Default for Properties<'_> {
    fn default() -> Self {
        Properties::EMPTY
    }
}

impl<'a> Properties<'a> {
    /// No properties.
    pub const EMPTY: Properties<'static> = Properties(Repr::List(&[]));

    /// Properties to encode, in this order, checked by the encoder every
    /// time they are encoded.
    pub const fn from_list(list: &'a [Property<'a>]) -> Properties<'a> {
        Properties(Repr::List(list))
    }

    /// Properties to encode, in this order, checked once, here: every value
    /// rule, the strict string rules (§1.5.4), every length, with the errors
    /// the encoder gives. Which properties a packet allows, and which may
    /// repeat, depends on the packet: that, and the sizes, are still worked
    /// out on every encode, without scanning any value.
    ///
    /// ```
    /// use mqtt_codec::{DecodeError, EncodeError, Properties, Property};
    /// let ok = [Property::ContentType("application/json"), Property::MessageExpiryInterval(30)];
    /// assert!(Properties::new(&ok).is_ok());
    /// // "It is a Protocol Error to include a Topic Alias value of 0" [MQTT-3.3.2-8].
    /// assert_eq!(Properties::new(&[Property::TopicAlias(0)]),
    ///            Err(EncodeError::Invalid(DecodeError::TopicAliasZero)));
    /// ```
    pub fn new(list: &'a [Property<'a>]) -> Result<Properties<'a>, EncodeError> {
        let mut len = 0usize;
        for p in list {
            len += p.plan_for_encode()?;
        }
        if len > varint::MAX_REMAINING_LENGTH {
            return Err(EncodeError::TooLarge);
        }
        // (The size is not kept: a size field here made every decoded
        // packet's properties slower to build.)
        Ok(Properties(Repr::Checked(list)))
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        match self.0 {
            Repr::Wire(b) => b.is_empty(),
            Repr::List(l) | Repr::Checked(l) => l.is_empty(),
        }
    }

    /// The properties, in order.
    pub fn iter(&self) -> PropertiesIter<'a> {
        match self.0 {
            Repr::Wire(b) => PropertiesIter(IterRepr::Wire(Reader::new(b))),
            Repr::List(l) | Repr::Checked(l) => PropertiesIter(IterRepr::List(l.iter())),
        }
    }

    /// The encoded bytes after the Property Length, when this view was
    /// decoded (for forwarding properties unchanged).
    pub fn wire_bytes(&self) -> Option<&'a [u8]> {
        match self.0 {
            Repr::Wire(b) => Some(b),
            Repr::List(_) | Repr::Checked(_) => None,
        }
    }

    /// The first property with identifier `id`.
    pub fn get(&self, id: PropertyId) -> Option<Property<'a>> {
        self.iter().find(|p| p.id() == id)
    }

    /// Every User Property, in order.
    pub fn user_properties(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.iter().filter_map(|p| match p {
            Property::UserProperty(k, v) => Some((k, v)),
            _ => None,
        })
    }

    /// Every Subscription Identifier, in order.
    pub fn subscription_identifiers(&self) -> impl Iterator<Item = u32> + 'a {
        self.iter().filter_map(|p| match p {
            Property::SubscriptionIdentifier(v) => Some(v),
            _ => None,
        })
    }

    /// Reads Property Length and the properties after it, validating them
    /// for `ctx` ([`Context`]); at MQTT 3.x there is no property field.
    #[inline]
    pub(crate) fn decode(
        r: &mut Reader<'a>,
        ctx: Context,
        strict: bool,
    ) -> Result<Properties<'a>, DecodeError> {
        Ok(Properties(Repr::Wire(Self::decode_bytes(r, ctx, strict)?)))
    }

    /// A decoded view of bytes [`Properties::decode_bytes`] validated.
    #[inline]
    pub(crate) const fn from_wire(bytes: &'a [u8]) -> Properties<'a> {
        Properties(Repr::Wire(bytes))
    }

    /// [`Properties::decode`], returning the validated bytes. (A
    /// `Result<Properties, _>` merged with [`Properties::EMPTY`] can be
    /// stored in pieces at odd offsets, which a caller reading it back
    /// whole cannot have forwarded from the store buffer.)
    #[inline]
    pub(crate) fn decode_bytes(
        r: &mut Reader<'a>,
        ctx: Context,
        strict: bool,
    ) -> Result<&'a [u8], DecodeError> {
        let len = r.varint()?;
        let bytes = r.take(len as usize)?;
        let mut pr = Reader::new(bytes);
        let mut seen = Seen(0);
        while !pr.is_empty() {
            let p = Property::read(&mut pr, strict)?;
            seen.add(p.id(), ctx)?;
            p.check_value()?;
        }
        seen.finish()?;
        Ok(bytes)
    }

    /// Validates for `ctx` and returns the size of the property list without
    /// its length prefix.
    pub(crate) fn check_for_encode(&self, ctx: Context) -> Result<usize, PlanError> {
        match self.0 {
            // Decoded bytes were validated for their own packet; re-check the
            // context (they might be moved to another packet type) and the
            // strict string rules (they might have been decoded leniently).
            Repr::Wire(b) => {
                let mut seen = Seen(0);
                for p in self.iter() {
                    seen.add(p.id(), ctx)?;
                    for s in p.strings().into_iter().flatten() {
                        string::check_str(s, true)?;
                    }
                }
                seen.finish()?;
                Ok(b.len())
            }
            Repr::List(list) => {
                let mut seen = Seen(0);
                let mut len = 0usize;
                for p in list {
                    seen.add(p.id(), ctx)?;
                    len += p.plan_for_encode()?;
                }
                seen.finish()?;
                if len > varint::MAX_REMAINING_LENGTH {
                    return Err(PlanError::TooLarge);
                }
                Ok(len)
            }
            // Values, strings and size were checked when it was built.
            Repr::Checked(list) => {
                let mut seen = Seen(0);
                let mut len = 0;
                for p in list {
                    seen.add(p.id(), ctx)?;
                    len += p.checked_len();
                }
                seen.finish()?;
                Ok(len)
            }
        }
    }

    /// Writes Property Length and the properties; `len` from
    /// [`Properties::check_for_encode`].
    pub(crate) fn write(&self, len: u32, w: &mut Writer<'_>) {
        w.varint(len);
        match self.0 {
            Repr::Wire(b) => w.bytes(b),
            Repr::List(list) | Repr::Checked(list) => list.iter().for_each(|p| p.write(w)),
        }
    }
}

macro_rules! getters {
    ($( $(#[$doc:meta])* $fn:ident -> $ty:ty = $variant:ident; )*) => {
        impl<'a> Properties<'a> {
            $(
                $(#[$doc])*
                pub fn $fn(&self) -> Option<$ty> {
                    self.iter().find_map(|p| match p {
                        Property::$variant(v) => Some(v),
                        _ => None,
                    })
                }
            )*
        }
    };
}

getters! {
    /// Payload Format Indicator (0 bytes, 1 UTF-8).
    payload_format_indicator -> u8 = PayloadFormatIndicator;
    /// Message Expiry Interval in seconds.
    message_expiry_interval -> u32 = MessageExpiryInterval;
    /// Content Type.
    content_type -> &'a str = ContentType;
    /// Response Topic.
    response_topic -> &'a str = ResponseTopic;
    /// Correlation Data.
    correlation_data -> &'a [u8] = CorrelationData;
    /// Session Expiry Interval in seconds.
    session_expiry_interval -> u32 = SessionExpiryInterval;
    /// Assigned Client Identifier.
    assigned_client_identifier -> &'a str = AssignedClientIdentifier;
    /// Server Keep Alive in seconds.
    server_keep_alive -> u16 = ServerKeepAlive;
    /// Authentication Method.
    authentication_method -> &'a str = AuthenticationMethod;
    /// Authentication Data.
    authentication_data -> &'a [u8] = AuthenticationData;
    /// Request Problem Information.
    request_problem_information -> u8 = RequestProblemInformation;
    /// Will Delay Interval in seconds.
    will_delay_interval -> u32 = WillDelayInterval;
    /// Request Response Information.
    request_response_information -> u8 = RequestResponseInformation;
    /// Response Information.
    response_information -> &'a str = ResponseInformation;
    /// Server Reference.
    server_reference -> &'a str = ServerReference;
    /// Reason String.
    reason_string -> &'a str = ReasonString;
    /// Receive Maximum (never 0 in a decoded packet).
    receive_maximum -> u16 = ReceiveMaximum;
    /// Topic Alias Maximum.
    topic_alias_maximum -> u16 = TopicAliasMaximum;
    /// Topic Alias (never 0 in a decoded packet).
    topic_alias -> u16 = TopicAlias;
    /// Maximum QoS (0 or 1).
    maximum_qos -> u8 = MaximumQoS;
    /// Retain Available (0 or 1).
    retain_available -> u8 = RetainAvailable;
    /// Maximum Packet Size (never 0 in a decoded packet).
    maximum_packet_size -> u32 = MaximumPacketSize;
    /// Wildcard Subscription Available (0 or 1).
    wildcard_subscription_available -> u8 = WildcardSubscriptionAvailable;
    /// Subscription Identifier Available (0 or 1).
    subscription_identifier_available -> u8 = SubscriptionIdentifierAvailable;
    /// Shared Subscription Available (0 or 1).
    shared_subscription_available -> u8 = SharedSubscriptionAvailable;
}

impl PartialEq for Properties<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Properties<'_> {}

/// Iterator over [`Properties`].
#[derive(Clone, Debug)]
pub struct PropertiesIter<'a>(IterRepr<'a>);

#[derive(Clone, Debug)]
enum IterRepr<'a> {
    Wire(Reader<'a>),
    List(core::slice::Iter<'a, Property<'a>>),
}

impl<'a> Iterator for PropertiesIter<'a> {
    type Item = Property<'a>;

    #[inline]
    fn next(&mut self) -> Option<Property<'a>> {
        match &mut self.0 {
            IterRepr::Wire(r) => {
                if r.is_empty() {
                    return None;
                }
                // Validated on decode. Strings were checked then; re-reading
                // them non-strictly accepts the same bytes. Should the bytes
                // somehow not parse, stop rather than panic.
                match Property::read(r, false) {
                    Ok(p) => Some(p),
                    Err(_) => {
                        *r = Reader::new(&[]);
                        None
                    }
                }
            }
            IterRepr::List(it) => it.next().copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8], ctx: Context) -> Result<Properties<'_>, DecodeError> {
        let mut r = Reader::new(bytes);
        let p = Properties::decode(&mut r, ctx, true)?;
        assert!(r.is_empty());
        Ok(p)
    }

    #[test]
    fn twenty_seven_properties_defined() {
        assert_eq!(PropertyId::ALL.len(), 27);
        for id in PropertyId::ALL {
            assert_eq!(PropertyId::from_u8(id.as_u8()), Some(id));
        }
        assert_eq!(PropertyId::from_u8(0x04), None);
    }

    #[test]
    fn user_property_repeats_and_keeps_order() {
        let bytes = [11, 0x26, 0, 1, b'a', 0, 0, 0x26, 0, 0, 0, 0];
        let p = decode(&bytes, Context::PubResponse).unwrap();
        let mut it = p.user_properties();
        assert_eq!(it.next(), Some(("a", "")));
        assert_eq!(it.next(), Some(("", "")));
        assert_eq!(it.next(), None);
    }

    #[test]
    fn duplicate_non_repeatable_property_is_a_protocol_error() {
        let bytes = [10, 0x02, 0, 0, 0, 1, 0x02, 0, 0, 0, 2];
        assert_eq!(
            decode(&bytes, Context::Publish),
            Err(DecodeError::DuplicateProperty)
        );
    }

    #[test]
    fn subscription_identifier_repeatable_in_publish_only() {
        let bytes = [4, 0x0B, 1, 0x0B, 2];
        let p = decode(&bytes, Context::Publish).unwrap();
        assert_eq!(
            p.subscription_identifiers().collect::<heapless_vec::V>(),
            heapless_vec::V::from([1, 2])
        );
        assert_eq!(
            decode(&bytes, Context::Subscribe),
            Err(DecodeError::DuplicateProperty)
        );
    }

    mod heapless_vec {
        /// A tiny fixed vector so the no_std unit tests can collect.
        #[derive(Debug, PartialEq, Default)]
        pub struct V([u32; 4], usize);
        impl From<[u32; 2]> for V {
            fn from(a: [u32; 2]) -> V {
                V([a[0], a[1], 0, 0], 2)
            }
        }
        impl FromIterator<u32> for V {
            fn from_iter<I: IntoIterator<Item = u32>>(it: I) -> V {
                let mut v = V::default();
                for x in it {
                    v.0[v.1] = x;
                    v.1 += 1;
                }
                v
            }
        }
    }

    #[test]
    fn property_not_allowed_in_packet_is_rejected() {
        // Topic Alias in a PUBACK.
        assert_eq!(
            decode(&[3, 0x23, 0, 1], Context::PubResponse),
            Err(DecodeError::PropertyNotAllowed)
        );
        // Will Delay Interval in PUBLISH (Will only).
        assert_eq!(
            decode(&[5, 0x18, 0, 0, 0, 1], Context::Publish),
            Err(DecodeError::PropertyNotAllowed)
        );
        assert!(decode(&[5, 0x18, 0, 0, 0, 1], Context::Will).is_ok());
    }

    #[test]
    fn unknown_property_identifier_is_malformed() {
        assert_eq!(
            decode(&[2, 0x04, 0], Context::Publish),
            Err(DecodeError::UnknownProperty)
        );
    }

    #[test]
    fn value_rules() {
        assert_eq!(
            decode(&[3, 0x23, 0, 0], Context::Publish),
            Err(DecodeError::TopicAliasZero)
        );
        assert_eq!(
            decode(&[2, 0x0B, 0], Context::Publish),
            Err(DecodeError::SubscriptionIdentifierZero)
        );
        assert_eq!(
            decode(&[3, 0x21, 0, 0], Context::Connect),
            Err(DecodeError::ReceiveMaximumZero)
        );
        assert_eq!(
            decode(&[5, 0x27, 0, 0, 0, 0], Context::Connect),
            Err(DecodeError::MaximumPacketSizeZero)
        );
        assert_eq!(
            decode(&[2, 0x24, 2], Context::ConnAck),
            Err(DecodeError::InvalidMaximumQoS)
        );
        assert_eq!(
            decode(&[2, 0x25, 2], Context::ConnAck),
            Err(DecodeError::InvalidAvailabilityFlag)
        );
        assert_eq!(
            decode(&[2, 0x17, 2], Context::Connect),
            Err(DecodeError::InvalidRequestProblemInformation)
        );
        assert_eq!(
            decode(&[2, 0x19, 2], Context::Connect),
            Err(DecodeError::InvalidRequestResponseInformation)
        );
        assert_eq!(
            decode(&[2, 0x01, 2], Context::Publish),
            Err(DecodeError::InvalidPayloadFormatIndicator)
        );
        assert_eq!(
            decode(&[5, 0x08, 0, 2, b'a', b'#'], Context::Publish),
            Err(DecodeError::ResponseTopicWildcard)
        );
        assert_eq!(
            decode(&[4, 0x16, 0, 1, 7], Context::Auth),
            Err(DecodeError::AuthenticationDataWithoutMethod)
        );
    }

    /// The encode checks as they were written before `plan_for_encode`
    /// merged them: value rules, strict strings, sizes.
    fn plan_reference(p: &Property<'_>) -> Result<usize, PlanError> {
        p.check_value()?;
        for s in p.strings().into_iter().flatten() {
            string::check_str(s, true)?;
        }
        p.wire_len()
    }

    #[test]
    fn merged_encode_checks_agree_with_value_rules_strings_and_sizes() {
        use Property as P;
        let long_bytes = [b'x'; 70_000];
        let long = core::str::from_utf8(&long_bytes).unwrap();
        let strs = [
            "", "a", "a/b", "a/+", "#", "a\0", "\u{1}", "\u{7F}/+", "+\0", "é\u{85}", "\u{FFFF}",
            long,
        ];
        let mut seen = 0u64;
        use Context as C;
        let contexts = [
            C::Connect,
            C::ConnAck,
            C::Publish,
            C::Will,
            C::PubResponse,
            C::Subscribe,
            C::SubAck,
            C::Unsubscribe,
            C::UnsubAck,
            C::Disconnect,
            C::Auth,
        ];
        let mut check = |p: Property<'_>| {
            assert_eq!(p.plan_for_encode(), plan_reference(&p), "{:?}", p.id());
            if let Ok(n) = p.plan_for_encode() {
                assert_eq!(p.checked_len(), n, "{p:?}");
            }
            seen |= p.id().bit();
            // Checked once by `Properties::new`: the same verdict, and then
            // the same size or context error as the list checked on encode.
            let list = [p, p];
            let checked = Properties::new(&list);
            match p.plan_for_encode() {
                Ok(_) => assert!(checked.is_ok(), "{p:?}"),
                Err(e) => assert_eq!(checked, Err(e.into()), "{p:?}"),
            }
            for ctx in contexts {
                for n in [1, 2] {
                    let lazy = Properties::from_list(&list[..n]).check_for_encode(ctx);
                    match Properties::new(&list[..n]) {
                        Ok(c) => assert_eq!(c.check_for_encode(ctx), lazy, "{p:?} {ctx:?}"),
                        Err(_) => assert!(lazy.is_err(), "{p:?} {ctx:?}"),
                    }
                }
            }
        };
        for v in [0u8, 1, 2, 255] {
            for p in [
                P::PayloadFormatIndicator(v),
                P::RequestProblemInformation(v),
                P::RequestResponseInformation(v),
                P::MaximumQoS(v),
                P::RetainAvailable(v),
                P::WildcardSubscriptionAvailable(v),
                P::SubscriptionIdentifierAvailable(v),
                P::SharedSubscriptionAvailable(v),
            ] {
                check(p);
            }
        }
        for v in [0u16, 1, 65535] {
            for p in [
                P::ServerKeepAlive(v),
                P::ReceiveMaximum(v),
                P::TopicAliasMaximum(v),
                P::TopicAlias(v),
            ] {
                check(p);
            }
        }
        for v in [
            0u32,
            1,
            127,
            128,
            16_384,
            varint::MAX_VARINT,
            varint::MAX_VARINT + 1,
            u32::MAX,
        ] {
            for p in [
                P::MessageExpiryInterval(v),
                P::SessionExpiryInterval(v),
                P::WillDelayInterval(v),
                P::MaximumPacketSize(v),
                P::SubscriptionIdentifier(v),
            ] {
                check(p);
            }
        }
        for &s in &strs {
            for p in [
                P::ContentType(s),
                P::ResponseTopic(s),
                P::AssignedClientIdentifier(s),
                P::AuthenticationMethod(s),
                P::ResponseInformation(s),
                P::ServerReference(s),
                P::ReasonString(s),
                P::CorrelationData(s.as_bytes()),
                P::AuthenticationData(s.as_bytes()),
            ] {
                check(p);
            }
            for &t in &strs {
                check(P::UserProperty(s, t));
            }
        }
        // Every identifier is covered.
        for id in PropertyId::ALL {
            assert!(seen & id.bit() != 0, "{id:?}");
        }
    }

    #[test]
    fn property_length_past_body_is_malformed() {
        assert_eq!(
            decode(&[5, 0x23, 0, 1], Context::Publish),
            Err(DecodeError::BodyTooShort)
        );
        // A value cut short inside the declared length.
        assert_eq!(
            decode(&[2, 0x23, 0], Context::Publish),
            Err(DecodeError::BodyTooShort)
        );
    }
}
