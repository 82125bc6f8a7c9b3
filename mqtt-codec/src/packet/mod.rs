//! Packets: the fixed header (§2.1), the [`Packet`] enum, decoding options,
//! and the encode entry points. One file per packet type.

mod ack;
mod auth;
mod connack;
mod connect;
mod disconnect;
mod publish;
mod subscribe;
mod unsubscribe;

pub use ack::{PubResponse, ReasonCodes, ReasonCodesIter, SubAck, UnsubAck};
pub use auth::Auth;
pub use connack::ConnAck;
pub use connect::{Connect, Will};
pub use disconnect::Disconnect;
pub use publish::Publish;
pub use subscribe::{
    RetainHandling, Subscribe, SubscribeFilters, SubscribeFiltersIter, Subscription,
    SubscriptionOptions,
};
pub use unsubscribe::{TopicFilters, TopicFiltersIter, Unsubscribe};

use crate::error::{DecodeError, EncodeError, PlanError};
use crate::string::Writer;
use crate::varint::{self, Varint};
use crate::{ProtocolLevel, Status};

/// The MQTT Control Packet type, the high nibble of the first byte (§2.1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[allow(missing_docs)] // The variants are the specification's packet names.
pub enum PacketType {
    Connect = 1,
    ConnAck = 2,
    Publish = 3,
    PubAck = 4,
    PubRec = 5,
    PubRel = 6,
    PubComp = 7,
    Subscribe = 8,
    SubAck = 9,
    Unsubscribe = 10,
    UnsubAck = 11,
    PingReq = 12,
    PingResp = 13,
    Disconnect = 14,
    Auth = 15,
}

impl PacketType {
    /// The type for a value 1–15.
    pub const fn from_u8(v: u8) -> Option<PacketType> {
        use PacketType as T;
        Some(match v {
            1 => T::Connect,
            2 => T::ConnAck,
            3 => T::Publish,
            4 => T::PubAck,
            5 => T::PubRec,
            6 => T::PubRel,
            7 => T::PubComp,
            8 => T::Subscribe,
            9 => T::SubAck,
            10 => T::Unsubscribe,
            11 => T::UnsubAck,
            12 => T::PingReq,
            13 => T::PingResp,
            14 => T::Disconnect,
            15 => T::Auth,
            _ => return None,
        })
    }

    /// The specification's name (`"CONNECT"` … `"AUTH"`).
    pub const fn name(self) -> &'static str {
        use PacketType as T;
        match self {
            T::Connect => "CONNECT",
            T::ConnAck => "CONNACK",
            T::Publish => "PUBLISH",
            T::PubAck => "PUBACK",
            T::PubRec => "PUBREC",
            T::PubRel => "PUBREL",
            T::PubComp => "PUBCOMP",
            T::Subscribe => "SUBSCRIBE",
            T::SubAck => "SUBACK",
            T::Unsubscribe => "UNSUBSCRIBE",
            T::UnsubAck => "UNSUBACK",
            T::PingReq => "PINGREQ",
            T::PingResp => "PINGRESP",
            T::Disconnect => "DISCONNECT",
            T::Auth => "AUTH",
        }
    }

    /// The fixed flag bits of every type but PUBLISH (§2.1.3, Table 2-2).
    const fn reserved_flags(self) -> u8 {
        match self {
            PacketType::PubRel | PacketType::Subscribe | PacketType::Unsubscribe => 0b0010,
            _ => 0,
        }
    }
}

/// What the decoder needs to know besides the bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeOptions {
    /// Protocol level of the connection. CONNECT carries its own level and
    /// is decoded whatever this says; every other packet is decoded at this
    /// level.
    pub level: ProtocolLevel,
    /// Largest frame accepted, in bytes, fixed header included (the
    /// receiver's Maximum Packet Size, §3.1.2.11.4). A larger frame is
    /// rejected with [`DecodeError::PacketTooLarge`] as soon as its fixed
    /// header is complete, before its body has arrived.
    pub max_packet_size: u32,
    /// Accept the code points §1.5.4 says SHOULD NOT be sent (U+0001..U+001F,
    /// U+007F..U+009F, non-characters). Off by default: they are rejected
    /// with [`DecodeError::Utf8DiscouragedCodePoint`].
    pub allow_discouraged_code_points: bool,
}

impl DecodeOptions {
    /// Strict decoding at `level`, with no packet size limit beyond the
    /// protocol's own (268,435,460 bytes).
    pub const fn new(level: ProtocolLevel) -> DecodeOptions {
        DecodeOptions {
            level,
            max_packet_size: u32::MAX,
            allow_discouraged_code_points: false,
        }
    }

    /// The same options with a maximum packet size.
    pub const fn with_max_packet_size(mut self, max: u32) -> DecodeOptions {
        self.max_packet_size = max;
        self
    }

    /// The same options at another level (e.g. after a CONNECT).
    pub const fn with_level(mut self, level: ProtocolLevel) -> DecodeOptions {
        self.level = level;
        self
    }

    #[inline]
    pub(crate) const fn strict(&self) -> bool {
        !self.allow_discouraged_code_points
    }
}

/// An MQTT Control Packet, borrowing its strings, payloads and repeated
/// fields from the frame it was decoded from (or from the caller, to encode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)] // Each variant is the packet of the same name.
pub enum Packet<'a> {
    Connect(Connect<'a>),
    ConnAck(ConnAck<'a>),
    Publish(Publish<'a>),
    PubAck(PubResponse<'a>),
    PubRec(PubResponse<'a>),
    PubRel(PubResponse<'a>),
    PubComp(PubResponse<'a>),
    Subscribe(Subscribe<'a>),
    SubAck(SubAck<'a>),
    Unsubscribe(Unsubscribe<'a>),
    UnsubAck(UnsubAck<'a>),
    PingReq,
    PingResp,
    Disconnect(Disconnect<'a>),
    Auth(Auth<'a>),
}

/// Sizes an encoder computed while validating, so writing does not redo it.
/// Three `u32`s, so that a `Result<Plan, PlanError>` is 16 bytes and comes
/// back from a planner in registers: through the stack, the caller's wide
/// reload of the sizes right after the call stalled on store forwarding.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Plan {
    /// The Remaining Length.
    pub remaining: u32,
    /// Property list length (without its own length prefix).
    pub props: u32,
    /// Will property list length (CONNECT).
    pub will_props: u32,
}

impl Plan {
    /// The sizes of a frame whose Remaining Length is `remaining` (the
    /// property lengths are parts of it), or [`PlanError::TooLarge`] when
    /// that exceeds 268,435,455 (§2.1.4).
    #[inline]
    pub(crate) fn new(
        remaining: usize,
        props: usize,
        will_props: usize,
    ) -> Result<Plan, PlanError> {
        if remaining > varint::MAX_REMAINING_LENGTH {
            return Err(PlanError::TooLarge);
        }
        debug_assert!(props <= remaining && will_props <= remaining);
        Ok(Plan {
            remaining: remaining as u32,
            props: props as u32,
            will_props: will_props as u32,
        })
    }

    /// Total frame size for this Remaining Length.
    #[inline]
    pub(crate) fn frame_len(&self) -> usize {
        1 + varint::len(self.remaining) + self.remaining as usize
    }
}

/// Writes a frame `plan` sized into the start of `buf`: the fixed header
/// (`first` byte and Remaining Length), then `body`. Checks the size first,
/// so on error nothing is written.
#[inline(always)]
pub(crate) fn write_frame(
    first: u8,
    plan: &Plan,
    buf: &mut [u8],
    body: impl FnOnce(&mut Writer<'_>),
) -> Result<usize, EncodeError> {
    let total = plan.frame_len();
    let Some(out) = buf.get_mut(..total) else {
        return Err(EncodeError::BufferTooSmall { needed: total });
    };
    let mut w = Writer::new(out);
    w.u8(first);
    w.varint(plan.remaining);
    body(&mut w);
    debug_assert_eq!(w.pos(), total);
    Ok(total)
}

/// Size of a property list with its Variable Byte Integer length prefix.
#[inline]
pub(crate) fn props_field_len(props: usize) -> usize {
    varint::len(props as u32) + props
}

/// Reads the fixed header: `Ok(Complete((type, flags, header_len, remaining)))`.
#[inline]
fn fixed_header(
    buf: &[u8],
    opts: &DecodeOptions,
) -> Result<Status<(PacketType, u8, usize, usize)>, DecodeError> {
    let Some(&first) = buf.first() else {
        // The smallest frame is two bytes.
        return Ok(Status::Partial(2));
    };
    let ty = match PacketType::from_u8(first >> 4) {
        Some(PacketType::Auth) if opts.level != ProtocolLevel::V5 => {
            return Err(DecodeError::ReservedPacketType)
        }
        Some(ty) => ty,
        None => return Err(DecodeError::ReservedPacketType),
    };
    let flags = first & 0x0F;
    // "Where a flag bit is marked as "Reserved", it is reserved for future
    // use and MUST be set to the value listed [MQTT-2.1.3-1]. If invalid
    // flags are received it is a Malformed Packet."
    if ty == PacketType::Publish {
        // "A PUBLISH Packet MUST NOT have both QoS bits set to 1
        // [MQTT-3.3.1-4]. If a Server or Client receives a PUBLISH packet
        // which has both QoS bits set to 1 it is a Malformed Packet."
        if flags & 0b0110 == 0b0110 {
            return Err(DecodeError::PublishQoS3);
        }
        // "The DUP flag MUST be set to 0 for all QoS 0 messages [MQTT-3.3.1-2]."
        if flags & 0b1110 == 0b1000 {
            return Err(DecodeError::DupWithQoS0);
        }
    } else if flags != ty.reserved_flags() {
        return Err(DecodeError::InvalidFixedHeaderFlags);
    }
    let remaining = match varint::read(&buf[1..]) {
        Varint::Value(v, n) => (v as usize, 1 + n),
        Varint::Incomplete => return Ok(Status::Partial(1)),
        Varint::TooLong => return Err(DecodeError::RemainingLengthTooLong),
        Varint::NotMinimal => return Err(DecodeError::VarintNotMinimal),
    };
    let (remaining, header) = remaining;
    // Checked from the fixed header alone, before the body is buffered.
    if (header + remaining) as u64 > u64::from(opts.max_packet_size) {
        return Err(DecodeError::PacketTooLarge);
    }
    Ok(Status::Complete((ty, flags, header, remaining)))
}

impl<'a> Packet<'a> {
    /// Decodes one frame from the front of `buf`.
    ///
    /// Returns the packet and the number of bytes its frame took (the caller
    /// drops that many and calls again for the next frame), or
    /// [`Status::Partial`] with the number of bytes missing — exact once the
    /// fixed header is complete, so a caller can read exactly that much. A
    /// frame larger than [`DecodeOptions::max_packet_size`] is rejected as
    /// soon as its fixed header is known.
    ///
    /// Never allocates, never reads past the frame, and does work
    /// proportional to the header fields and properties, never to a PUBLISH
    /// payload (which is neither copied nor scanned).
    ///
    /// ```
    /// use mqtt_codec::{DecodeOptions, Packet, ProtocolLevel, Status};
    ///
    /// let opts = DecodeOptions::new(ProtocolLevel::V4).with_max_packet_size(1024);
    /// // PINGREQ then the first byte of another frame.
    /// let buf = [0xC0, 0x00, 0xD0];
    /// assert_eq!(Packet::decode(&buf, &opts), Ok(Status::Complete((Packet::PingReq, 2))));
    /// assert_eq!(Packet::decode(&buf[2..], &opts), Ok(Status::Partial(1)));
    /// // A PUBLISH announcing 2000 bytes is refused from its first 3 bytes.
    /// assert_eq!(
    ///     Packet::decode(&[0x30, 0xD0, 0x0F], &opts),
    ///     Err(mqtt_codec::DecodeError::PacketTooLarge)
    /// );
    /// ```
    #[inline]
    pub fn decode(
        buf: &'a [u8],
        opts: &DecodeOptions,
    ) -> Result<Status<(Packet<'a>, usize)>, DecodeError> {
        let (ty, flags, header, remaining) = match fixed_header(buf, opts)? {
            Status::Complete(h) => h,
            Status::Partial(n) => return Ok(Status::Partial(n)),
        };
        let total = header + remaining;
        if buf.len() < total {
            return Ok(Status::Partial(total - buf.len()));
        }
        let body = &buf[header..total];
        let level = opts.level;
        let packet = match ty {
            PacketType::Connect => Packet::Connect(Connect::decode(body, opts)?),
            PacketType::ConnAck => Packet::ConnAck(ConnAck::decode(body, opts)?),
            PacketType::Publish => Packet::Publish(Publish::decode(flags, body, opts)?),
            PacketType::PubAck => Packet::PubAck(PubResponse::decode(ty, body, opts)?),
            PacketType::PubRec => Packet::PubRec(PubResponse::decode(ty, body, opts)?),
            PacketType::PubRel => Packet::PubRel(PubResponse::decode(ty, body, opts)?),
            PacketType::PubComp => Packet::PubComp(PubResponse::decode(ty, body, opts)?),
            PacketType::Subscribe => Packet::Subscribe(Subscribe::decode(body, opts)?),
            PacketType::SubAck => Packet::SubAck(SubAck::decode(body, opts)?),
            PacketType::Unsubscribe => Packet::Unsubscribe(Unsubscribe::decode(body, opts)?),
            PacketType::UnsubAck => Packet::UnsubAck(UnsubAck::decode(body, opts)?),
            PacketType::PingReq | PacketType::PingResp => {
                // PINGREQ/PINGRESP have no variable header and no payload
                // (§3.12, §3.13): Remaining Length 0.
                if remaining != 0 {
                    return Err(DecodeError::TrailingBytes);
                }
                if ty == PacketType::PingReq {
                    Packet::PingReq
                } else {
                    Packet::PingResp
                }
            }
            PacketType::Disconnect => Packet::Disconnect(Disconnect::decode(body, opts)?),
            PacketType::Auth => {
                debug_assert_eq!(level, ProtocolLevel::V5);
                Packet::Auth(Auth::decode(body, opts)?)
            }
        };
        Ok(Status::Complete((packet, total)))
    }

    /// The packet's type.
    pub const fn packet_type(&self) -> PacketType {
        match self {
            Packet::Connect(_) => PacketType::Connect,
            Packet::ConnAck(_) => PacketType::ConnAck,
            Packet::Publish(_) => PacketType::Publish,
            Packet::PubAck(_) => PacketType::PubAck,
            Packet::PubRec(_) => PacketType::PubRec,
            Packet::PubRel(_) => PacketType::PubRel,
            Packet::PubComp(_) => PacketType::PubComp,
            Packet::Subscribe(_) => PacketType::Subscribe,
            Packet::SubAck(_) => PacketType::SubAck,
            Packet::Unsubscribe(_) => PacketType::Unsubscribe,
            Packet::UnsubAck(_) => PacketType::UnsubAck,
            Packet::PingReq => PacketType::PingReq,
            Packet::PingResp => PacketType::PingResp,
            Packet::Disconnect(_) => PacketType::Disconnect,
            Packet::Auth(_) => PacketType::Auth,
        }
    }

    fn first_byte(&self) -> u8 {
        let ty = self.packet_type();
        let flags = match self {
            Packet::Publish(p) => p.flags(),
            _ => ty.reserved_flags(),
        };
        (ty as u8) << 4 | flags
    }

    /// Validates the packet for `level` and sizes it.
    fn plan(&self, level: ProtocolLevel) -> Result<Plan, PlanError> {
        match self {
            Packet::Connect(p) => p.plan(),
            Packet::ConnAck(p) => p.plan(level),
            Packet::Publish(p) => p.plan(level),
            Packet::PubAck(p) => p.plan(PacketType::PubAck, level),
            Packet::PubRec(p) => p.plan(PacketType::PubRec, level),
            Packet::PubRel(p) => p.plan(PacketType::PubRel, level),
            Packet::PubComp(p) => p.plan(PacketType::PubComp, level),
            Packet::Subscribe(p) => p.plan(level),
            Packet::SubAck(p) => p.plan(level),
            Packet::Unsubscribe(p) => p.plan(level),
            Packet::UnsubAck(p) => p.plan(level),
            Packet::PingReq | Packet::PingResp => Ok(Plan::default()),
            Packet::Disconnect(p) => p.plan(level),
            Packet::Auth(p) => p.plan(level),
        }
    }

    /// The exact size of the frame [`Packet::encode`] writes at `level`, or
    /// why it cannot be encoded. (A [`Connect`] is always encoded at its own
    /// [`Connect::level`].)
    ///
    /// ```
    /// use mqtt_codec::{Packet, ProtocolLevel};
    /// assert_eq!(Packet::PingReq.encoded_len(ProtocolLevel::V4), Ok(2));
    /// ```
    pub fn encoded_len(&self, level: ProtocolLevel) -> Result<usize, EncodeError> {
        Ok(self.plan(level)?.frame_len())
    }

    /// Writes the frame at the start of `buf` and returns its length (equal
    /// to [`Packet::encoded_len`]). Validates everything a strict decoder
    /// checks first — including the code points §1.5.4 says SHOULD NOT be
    /// sent, whatever the decoder that produced the packet allowed — so a
    /// strict receiver accepts every frame this writes. On any error `buf` is
    /// left untouched.
    ///
    /// ```
    /// use mqtt_codec::{Packet, ProtocolLevel, PubResponse, ReasonCode, Properties};
    /// let ack = Packet::PubAck(PubResponse {
    ///     packet_id: 10,
    ///     reason_code: ReasonCode::Success,
    ///     properties: Properties::EMPTY,
    /// });
    /// let mut buf = [0u8; 8];
    /// assert_eq!(ack.encode(ProtocolLevel::V5, &mut buf), Ok(4));
    /// assert_eq!(buf[..4], [0x40, 0x02, 0x00, 0x0A]);
    /// ```
    pub fn encode(&self, level: ProtocolLevel, buf: &mut [u8]) -> Result<usize, EncodeError> {
        // The packets sent most get their own encoder: one dispatch here
        // instead of one each to validate, to pick the first byte and to
        // write.
        match self {
            Packet::Publish(p) => return p.encode(level, buf),
            Packet::Subscribe(p) => return p.encode(level, buf),
            Packet::Connect(p) => return p.encode(buf),
            _ => {}
        }
        let plan = self.plan(level)?;
        let total = plan.frame_len();
        if buf.len() < total {
            return Err(EncodeError::BufferTooSmall { needed: total });
        }
        let mut w = Writer::new(&mut buf[..total]);
        self.write(level, &plan, &mut w);
        debug_assert_eq!(w.pos(), total);
        Ok(total)
    }

    fn write(&self, level: ProtocolLevel, plan: &Plan, w: &mut Writer<'_>) {
        w.u8(self.first_byte());
        w.varint(plan.remaining);
        match self {
            Packet::Connect(p) => p.write(plan, w),
            Packet::ConnAck(p) => p.write(level, plan, w),
            Packet::Publish(p) => {
                p.write_variable_header(level, plan, w);
                w.bytes(p.payload);
            }
            Packet::PubAck(p) | Packet::PubRec(p) | Packet::PubRel(p) | Packet::PubComp(p) => {
                p.write(level, plan, w)
            }
            Packet::Subscribe(p) => p.write(level, plan, w),
            Packet::SubAck(p) => p.write(level, plan, w),
            Packet::Unsubscribe(p) => p.write(level, plan, w),
            Packet::UnsubAck(p) => p.write(level, plan, w),
            Packet::PingReq | Packet::PingResp => {}
            Packet::Disconnect(p) => p.write(level, plan, w),
            Packet::Auth(p) => p.write(plan, w),
        }
    }

    /// Writes the frame into a [`bytes::BufMut`] (`bytes` feature) and
    /// returns its length. Validates first and checks
    /// [`remaining_mut`](bytes::BufMut::remaining_mut): on error nothing is
    /// written. Writes straight into the buffer, without a copy.
    ///
    /// ```
    /// use mqtt_codec::{Packet, ProtocolLevel};
    /// let mut out = bytes::BytesMut::new();
    /// assert_eq!(Packet::PingResp.encode_to_buf(ProtocolLevel::V4, &mut out), Ok(2));
    /// assert_eq!(&out[..], [0xD0, 0x00]);
    /// ```
    #[cfg(feature = "bytes")]
    pub fn encode_to_buf(
        &self,
        level: ProtocolLevel,
        dst: &mut impl bytes::BufMut,
    ) -> Result<usize, EncodeError> {
        let plan = self.plan(level)?;
        let total = plan.frame_len();
        if dst.remaining_mut() < total {
            return Err(EncodeError::BufferTooSmall { needed: total });
        }
        let mut w = Writer::new_buf(dst);
        self.write(level, &plan, &mut w);
        debug_assert_eq!(w.pos(), total);
        Ok(total)
    }
}
