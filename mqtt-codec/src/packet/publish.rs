//! PUBLISH (§3.3).

use super::{props_field_len, write_frame, DecodeOptions, Plan};
use crate::error::{DecodeError, EncodeError, PlanError};
use crate::property::{Context, Properties};
use crate::string::{Reader, Writer};
use crate::{ProtocolLevel, QoS, TopicName};

/// PUBLISH: an Application Message.
///
/// ```
/// use mqtt_codec::{Packet, Properties, Property, ProtocolLevel, Publish, QoS, TopicName};
///
/// // QoS 2 with a Topic Alias: the first message sets the alias…
/// let props = [Property::TopicAlias(1)];
/// let first = Publish {
///     dup: false, qos: QoS::ExactlyOnce, retain: false,
///     topic: TopicName::new("a/b")?, packet_id: Some(1),
///     properties: Properties::from_list(&props), payload: b"x",
/// };
/// // …later ones send an empty topic and only the alias.
/// let later = Publish { topic: TopicName::new("")?, packet_id: Some(2), ..first };
/// let mut buf = [0u8; 32];
/// let n = Packet::Publish(later).encode(ProtocolLevel::V5, &mut buf).unwrap();
/// assert_eq!(buf[..n], [0x34, 0x09, 0, 0, 0, 2, 3, 0x23, 0, 1, b'x']);
/// # Ok::<(), mqtt_codec::EncodeError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Publish<'a> {
    /// DUP: this is a re-delivery [MQTT-3.3.1-1]. Always false at QoS 0.
    pub dup: bool,
    /// QoS level.
    pub qos: QoS,
    /// RETAIN.
    pub retain: bool,
    /// Topic Name; empty only in MQTT 5.0 with a Topic Alias property.
    pub topic: TopicName<'a>,
    /// Packet Identifier: `Some` (non-zero) exactly when QoS > 0.
    pub packet_id: Option<u16>,
    /// Properties (MQTT 5.0; must be empty below).
    pub properties: Properties<'a>,
    /// The Application Message, borrowed, never copied or scanned on decode.
    pub payload: &'a [u8],
}

impl<'a> Publish<'a> {
    pub(crate) fn flags(&self) -> u8 {
        (u8::from(self.dup) << 3) | (self.qos.as_u8() << 1) | u8::from(self.retain)
    }

    #[inline]
    pub(crate) fn decode(
        flags: u8,
        body: &'a [u8],
        opts: &DecodeOptions,
    ) -> Result<Publish<'a>, DecodeError> {
        // Flags were checked with the fixed header: QoS is 0, 1 or 2.
        let qos = QoS::from_u8((flags >> 1) & 3).ok_or(DecodeError::PublishQoS3)?;
        let mut r = Reader::new(body);
        // "The Topic Name MUST be present as the first field in the PUBLISH
        // packet Variable Header. It MUST be a UTF-8 Encoded String
        // [MQTT-3.3.2-1]."
        // "The Topic Name in the PUBLISH packet MUST NOT contain wildcard
        // characters [MQTT-3.3.2-2]" — checked in the same pass as UTF-8.
        let topic = r.topic_name(opts.strict())?;
        let packet_id = if qos == QoS::AtMostOnce {
            // "A PUBLISH packet MUST NOT contain a Packet Identifier if its
            // QoS value is set to 0 [MQTT-2.2.1-2]."
            None
        } else {
            let id = r.u16()?;
            // "Each time a Client sends a new … PUBLISH (where QoS > 0) MQTT
            // Control Packet it MUST assign it a non-zero Packet Identifier
            // [MQTT-2.2.1-3]" (and a Server [MQTT-2.2.1-4]).
            if id == 0 {
                return Err(DecodeError::PacketIdZero);
            }
            Some(id)
        };
        let properties = if opts.level == ProtocolLevel::V5 {
            Properties::decode(&mut r, Context::Publish, opts.strict())?
        } else {
            Properties::EMPTY
        };
        // "All Topic Names and Topic Filters MUST be at least one character
        // long [MQTT-4.7.3-1]"; in 5.0 "It is a Protocol Error if the Topic
        // Name is zero length and there is no Topic Alias" (§3.3.2.1).
        if topic.is_empty() && properties.topic_alias().is_none() {
            return Err(DecodeError::TopicEmpty);
        }
        Ok(Publish {
            dup: flags & 0b1000 != 0,
            qos,
            retain: flags & 1 != 0,
            topic: TopicName::decoded(topic, opts.strict()),
            packet_id,
            properties,
            payload: r.rest(),
        })
    }

    /// Validates and sizes everything but the payload: `remaining` includes
    /// the payload, so the fixed header is right.
    #[inline(always)]
    pub(crate) fn plan(&self, level: ProtocolLevel) -> Result<Plan, PlanError> {
        // The strict string rules, no wildcards [MQTT-3.3.2-2] and the
        // length, unless checked when the name was built.
        self.topic.check_for_encode()?;
        if self.dup && self.qos == QoS::AtMostOnce {
            return Err(DecodeError::DupWithQoS0.into());
        }
        match (self.qos, self.packet_id) {
            (QoS::AtMostOnce, None) => {}
            (QoS::AtMostOnce, Some(_)) | (_, None) => {
                return Err(DecodeError::PacketIdPresence.into())
            }
            (_, Some(0)) => return Err(DecodeError::PacketIdZero.into()),
            (_, Some(_)) => {}
        }
        let mut remaining = 2 + self.topic.len() + if self.packet_id.is_some() { 2 } else { 0 };
        let mut props = 0;
        if level == ProtocolLevel::V5 {
            props = self.properties.check_for_encode(Context::Publish)?;
            remaining += props_field_len(props);
        } else if !self.properties.is_empty() {
            return Err(PlanError::NotAtThisLevel);
        }
        if self.topic.is_empty()
            && (level != ProtocolLevel::V5 || self.properties.topic_alias().is_none())
        {
            return Err(DecodeError::TopicEmpty.into());
        }
        remaining = remaining
            .checked_add(self.payload.len())
            .ok_or(PlanError::TooLarge)?;
        Plan::new(remaining, props, 0)
    }

    #[inline(always)]
    pub(crate) fn write_variable_header(
        &self,
        level: ProtocolLevel,
        plan: &Plan,
        w: &mut Writer<'_>,
    ) {
        w.str(self.topic.as_str());
        if let Some(id) = self.packet_id {
            w.u16(id);
        }
        if level == ProtocolLevel::V5 {
            self.properties.write(plan.props, w);
        }
    }

    /// The exact size of the frame [`Publish::encode`] writes at `level`
    /// (the same as [`Packet::encoded_len`](crate::Packet::encoded_len) of
    /// `Packet::Publish`), or why it cannot be encoded.
    ///
    /// ```
    /// use mqtt_codec::{Properties, ProtocolLevel, Publish, QoS};
    /// let p = Publish { dup: false, qos: QoS::AtMostOnce, retain: false, topic: "t".into(),
    ///                   packet_id: None, properties: Properties::EMPTY, payload: b"hi" };
    /// assert_eq!(p.encoded_len(ProtocolLevel::V4), Ok(7));
    /// ```
    pub fn encoded_len(&self, level: ProtocolLevel) -> Result<usize, EncodeError> {
        Ok(self.plan(level)?.frame_len())
    }

    /// Writes the PUBLISH frame at the start of `buf` and returns its
    /// length: the same bytes, checks and errors as
    /// [`Packet::encode`](crate::Packet::encode) of `Packet::Publish`,
    /// without going through the [`Packet`](crate::Packet) enum. Everything
    /// a strict decoder checks is checked first; on any error `buf` is left
    /// untouched.
    ///
    /// ```
    /// use mqtt_codec::{EncodeError, DecodeError, Properties, ProtocolLevel, Publish, QoS};
    /// let p = Publish { dup: false, qos: QoS::AtLeastOnce, retain: false, topic: "a/b".into(),
    ///                   packet_id: Some(10), properties: Properties::EMPTY, payload: b"x" };
    /// let mut buf = [0u8; 16];
    /// assert_eq!(p.encode(ProtocolLevel::V4, &mut buf), Ok(10));
    /// assert_eq!(buf[..10], [0x32, 8, 0, 3, b'a', b'/', b'b', 0, 10, b'x']);
    /// // A wildcard in a Topic Name [MQTT-3.3.2-2]: refused, nothing written.
    /// let bad = Publish { topic: "a/+".into(), ..p };
    /// let mut out = [0u8; 16];
    /// assert_eq!(bad.encode(ProtocolLevel::V4, &mut out),
    ///            Err(EncodeError::Invalid(DecodeError::TopicNameWildcard)));
    /// assert_eq!(out, [0u8; 16]);
    /// ```
    #[inline]
    pub fn encode(&self, level: ProtocolLevel, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let plan = self.plan(level)?;
        write_frame(0x30 | self.flags(), &plan, buf, |w| {
            self.write_variable_header(level, &plan, w);
            w.bytes(self.payload);
        })
    }

    /// Size of [`Publish::encode_header`]'s output: the frame without its
    /// payload.
    pub fn header_len(&self, level: ProtocolLevel) -> Result<usize, EncodeError> {
        let plan = self.plan(level)?;
        Ok(plan.frame_len() - self.payload.len())
    }

    /// Writes the fixed header, Topic Name, Packet Identifier and properties
    /// — the whole frame except the payload — so that a large payload can be
    /// sent from where it lies (a vectored write of `buf[..n]` then
    /// `payload`). The Remaining Length accounts for `self.payload.len()`.
    /// On error nothing is written.
    ///
    /// ```
    /// use mqtt_codec::{Properties, ProtocolLevel, Publish, QoS};
    /// let big = [7u8; 100_000];
    /// let p = Publish { dup: false, qos: QoS::AtMostOnce, retain: false, topic: "t".into(),
    ///                   packet_id: None, properties: Properties::EMPTY, payload: &big };
    /// let mut head = [0u8; 16];
    /// let n = p.encode_header(ProtocolLevel::V4, &mut head).unwrap();
    /// assert_eq!(head[..n], [0x30, 0xA3, 0x8D, 0x06, 0x00, 0x01, b't']);
    /// ```
    pub fn encode_header(
        &self,
        level: ProtocolLevel,
        buf: &mut [u8],
    ) -> Result<usize, EncodeError> {
        let plan = self.plan(level)?;
        let n = plan.frame_len() - self.payload.len();
        if buf.len() < n {
            return Err(EncodeError::BufferTooSmall { needed: n });
        }
        let mut w = Writer::new(&mut buf[..n]);
        w.u8(0x30 | self.flags());
        w.varint(plan.remaining);
        self.write_variable_header(level, &plan, &mut w);
        debug_assert_eq!(w.pos(), n);
        Ok(n)
    }
}
