//! PUBACK, PUBREC, PUBREL, PUBCOMP (§3.4–§3.7), SUBACK (§3.9) and UNSUBACK
//! (§3.11): a Packet Identifier, reason code(s) and properties.

use super::{props_field_len, DecodeOptions, PacketType, Plan};
use crate::error::{DecodeError, PlanError};
use crate::property::{Context, Properties};
use crate::reason::ReasonCode;
use crate::string::{Reader, Writer};
use crate::ProtocolLevel;

/// Reads a Packet Identifier that must be non-zero [MQTT-2.2.1-3].
#[inline]
pub(crate) fn packet_id(r: &mut Reader<'_>) -> Result<u16, DecodeError> {
    match r.u16()? {
        0 => Err(DecodeError::PacketIdZero),
        id => Ok(id),
    }
}

/// PUBACK, PUBREC, PUBREL or PUBCOMP — the [`Packet`](crate::Packet)
/// variant says which.
///
/// ```
/// use mqtt_codec::{DecodeOptions, Packet, ProtocolLevel, ReasonCode, Status};
/// // A 5.0 PUBREC with only a reason code (Remaining Length 3).
/// let opts = DecodeOptions::new(ProtocolLevel::V5);
/// let Ok(Status::Complete((Packet::PubRec(r), 5))) = Packet::decode(&[0x50, 3, 0, 9, 0x10], &opts) else {
///     panic!()
/// };
/// assert_eq!((r.packet_id, r.reason_code), (9, ReasonCode::NoMatchingSubscribers));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PubResponse<'a> {
    /// Packet Identifier of the PUBLISH (or PUBREC) acknowledged.
    pub packet_id: u16,
    /// Reason code (MQTT 5.0; always [`ReasonCode::Success`] below).
    pub reason_code: ReasonCode,
    /// Properties (MQTT 5.0; Reason String and User Property only).
    pub properties: Properties<'a>,
}

impl<'a> PubResponse<'a> {
    /// Success, no properties.
    pub const fn new(packet_id: u16) -> PubResponse<'static> {
        PubResponse {
            packet_id,
            reason_code: ReasonCode::Success,
            properties: Properties::EMPTY,
        }
    }

    pub(crate) fn decode(
        ty: PacketType,
        body: &'a [u8],
        opts: &DecodeOptions,
    ) -> Result<PubResponse<'a>, DecodeError> {
        let mut r = Reader::new(body);
        let packet_id = packet_id(&mut r)?;
        let mut out = PubResponse {
            packet_id,
            reason_code: ReasonCode::Success,
            properties: Properties::EMPTY,
        };
        if opts.level == ProtocolLevel::V5 {
            // "The Reason Code and Property Length can be omitted if the Reason
            // Code is 0x00 (Success) and there are no Properties. In this case
            // the PUBACK has a Remaining Length of 2." (§3.4.2.1) "If the
            // Remaining Length is less than 4 there is no Property Length and
            // the value of 0 is used." (§3.4.2.2.1)
            if !r.is_empty() {
                out.reason_code = reason_code(r.u8()?, ty)?;
                if !r.is_empty() {
                    out.properties =
                        Properties::decode(&mut r, Context::PubResponse, opts.strict())?;
                }
            }
        }
        if !r.is_empty() {
            return Err(DecodeError::TrailingBytes);
        }
        Ok(out)
    }

    pub(crate) fn plan(&self, ty: PacketType, level: ProtocolLevel) -> Result<Plan, PlanError> {
        if self.packet_id == 0 {
            return Err(DecodeError::PacketIdZero.into());
        }
        if level != ProtocolLevel::V5 {
            if self.reason_code != ReasonCode::Success || !self.properties.is_empty() {
                return Err(PlanError::NotAtThisLevel);
            }
            return Plan::new(2, 0, 0);
        }
        if !self.reason_code.allowed_in(ty) {
            return Err(DecodeError::InvalidReasonCode.into());
        }
        let props = self.properties.check_for_encode(Context::PubResponse)?;
        let remaining = if props > 0 {
            3 + props_field_len(props)
        } else if self.reason_code != ReasonCode::Success {
            3
        } else {
            2
        };
        Plan::new(remaining, props, 0)
    }

    pub(crate) fn write(&self, _level: ProtocolLevel, plan: &Plan, w: &mut Writer<'_>) {
        w.u16(self.packet_id);
        if plan.remaining >= 3 {
            w.u8(self.reason_code.as_u8());
        }
        if plan.remaining >= 4 {
            self.properties.write(plan.props, w);
        }
    }
}

/// A reason code byte allowed in `ty` (§2.4).
#[inline]
pub(crate) fn reason_code(b: u8, ty: PacketType) -> Result<ReasonCode, DecodeError> {
    match ReasonCode::from_u8(b) {
        Some(rc) if rc.allowed_in(ty) => Ok(rc),
        _ => Err(DecodeError::InvalidReasonCode),
    }
}

/// The reason codes of a SUBACK or UNSUBACK, one per Topic Filter of the
/// request: a lazy view over validated bytes (decode) or a caller's slice
/// (encode). Equal when they yield the same codes.
#[derive(Clone, Copy, Debug)]
pub struct ReasonCodes<'a>(RcRepr<'a>);

#[derive(Clone, Copy, Debug)]
enum RcRepr<'a> {
    Wire(&'a [u8]),
    List(&'a [ReasonCode]),
}

impl<'a> ReasonCodes<'a> {
    /// Codes to encode, in filter order.
    pub const fn from_list(list: &'a [ReasonCode]) -> ReasonCodes<'a> {
        ReasonCodes(RcRepr::List(list))
    }

    /// How many.
    pub fn len(&self) -> usize {
        match self.0 {
            RcRepr::Wire(b) => b.len(),
            RcRepr::List(l) => l.len(),
        }
    }

    /// Whether there are none (only in a 3.x UNSUBACK).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The codes, in order.
    pub fn iter(&self) -> ReasonCodesIter<'a> {
        match self.0 {
            RcRepr::Wire(b) => ReasonCodesIter(RcIter::Wire(b.iter())),
            RcRepr::List(l) => ReasonCodesIter(RcIter::List(l.iter())),
        }
    }

    /// The wire bytes (equal to the codes' values).
    fn write(&self, w: &mut Writer<'_>) {
        match self.0 {
            RcRepr::Wire(b) => w.bytes(b),
            RcRepr::List(l) => l.iter().for_each(|rc| w.u8(rc.as_u8())),
        }
    }

    /// Reads the rest of the body as codes allowed in `ty` at `level`.
    fn decode(
        r: &mut Reader<'a>,
        ty: PacketType,
        level: ProtocolLevel,
    ) -> Result<ReasonCodes<'a>, DecodeError> {
        let bytes = r.rest();
        if bytes.is_empty() {
            return Err(DecodeError::AckWithoutReasonCodes);
        }
        for &b in bytes {
            check_ack_code(b, ty, level)?;
        }
        Ok(ReasonCodes(RcRepr::Wire(bytes)))
    }
}

/// Whether `b` may appear in a SUBACK/UNSUBACK at `level`.
fn check_ack_code(b: u8, ty: PacketType, level: ProtocolLevel) -> Result<(), DecodeError> {
    if level == ProtocolLevel::V5 {
        reason_code(b, ty).map(|_| ())
    } else if matches!(b, 0 | 1 | 2 | 0x80) {
        // 3.1.1 §3.9.3: "Allowed return codes: 0x00 - Success - Maximum QoS 0,
        // 0x01 - Success - Maximum QoS 1, 0x02 - Success - Maximum QoS 2,
        // 0x80 - Failure".
        Ok(())
    } else {
        Err(DecodeError::InvalidSubAckReturnCode)
    }
}

/// Iterator over [`ReasonCodes`].
#[derive(Clone, Debug)]
pub struct ReasonCodesIter<'a>(RcIter<'a>);

#[derive(Clone, Debug)]
enum RcIter<'a> {
    Wire(core::slice::Iter<'a, u8>),
    List(core::slice::Iter<'a, ReasonCode>),
}

impl Iterator for ReasonCodesIter<'_> {
    type Item = ReasonCode;

    fn next(&mut self) -> Option<ReasonCode> {
        match &mut self.0 {
            // Validated on decode: every byte converts.
            RcIter::Wire(it) => it.next().and_then(|&b| ReasonCode::from_u8(b)),
            RcIter::List(it) => it.next().copied(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = match &self.0 {
            RcIter::Wire(it) => it.len(),
            RcIter::List(it) => it.len(),
        };
        (n, Some(n))
    }
}

impl ExactSizeIterator for ReasonCodesIter<'_> {}

impl PartialEq for ReasonCodes<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}
impl Eq for ReasonCodes<'_> {}

/// SUBACK: one reason code per Topic Filter of the SUBSCRIBE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubAck<'a> {
    /// Packet Identifier of the SUBSCRIBE [MQTT-2.2.1-6].
    pub packet_id: u16,
    /// Properties (MQTT 5.0).
    pub properties: Properties<'a>,
    /// Granted QoS or failure per filter; at 3.x only 0, 1, 2 and 0x80
    /// ([`ReasonCode::UnspecifiedError`], 3.1.1's "Failure").
    pub reason_codes: ReasonCodes<'a>,
}

impl<'a> SubAck<'a> {
    pub(crate) fn decode(body: &'a [u8], opts: &DecodeOptions) -> Result<SubAck<'a>, DecodeError> {
        let mut r = Reader::new(body);
        let packet_id = packet_id(&mut r)?;
        let properties = if opts.level == ProtocolLevel::V5 {
            Properties::decode(&mut r, Context::SubAck, opts.strict())?
        } else {
            Properties::EMPTY
        };
        let reason_codes = ReasonCodes::decode(&mut r, PacketType::SubAck, opts.level)?;
        Ok(SubAck {
            packet_id,
            properties,
            reason_codes,
        })
    }

    pub(crate) fn plan(&self, level: ProtocolLevel) -> Result<Plan, PlanError> {
        ack_plan(
            self.packet_id,
            &self.properties,
            &self.reason_codes,
            PacketType::SubAck,
            Context::SubAck,
            level,
        )
    }

    pub(crate) fn write(&self, level: ProtocolLevel, plan: &Plan, w: &mut Writer<'_>) {
        w.u16(self.packet_id);
        if level == ProtocolLevel::V5 {
            self.properties.write(plan.props, w);
        }
        self.reason_codes.write(w);
    }
}

fn ack_plan(
    packet_id: u16,
    properties: &Properties<'_>,
    codes: &ReasonCodes<'_>,
    ty: PacketType,
    ctx: Context,
    level: ProtocolLevel,
) -> Result<Plan, PlanError> {
    if packet_id == 0 {
        return Err(DecodeError::PacketIdZero.into());
    }
    let v5 = level == ProtocolLevel::V5;
    if ty == PacketType::UnsubAck && !v5 {
        // 3.x UNSUBACK is just the Packet Identifier.
        if !codes.is_empty() || !properties.is_empty() {
            return Err(PlanError::NotAtThisLevel);
        }
        return Plan::new(2, 0, 0);
    }
    if codes.is_empty() {
        return Err(DecodeError::AckWithoutReasonCodes.into());
    }
    for rc in codes.iter() {
        check_ack_code(rc.as_u8(), ty, level)?;
    }
    let mut remaining = 2 + codes.len();
    let mut props = 0;
    if v5 {
        props = properties.check_for_encode(ctx)?;
        remaining += props_field_len(props);
    } else if !properties.is_empty() {
        return Err(PlanError::NotAtThisLevel);
    }
    Plan::new(remaining, props, 0)
}

/// UNSUBACK: in MQTT 5.0 one reason code per Topic Filter of the
/// UNSUBSCRIBE; in 3.x only the Packet Identifier (no codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnsubAck<'a> {
    /// Packet Identifier of the UNSUBSCRIBE [MQTT-2.2.1-6].
    pub packet_id: u16,
    /// Properties (MQTT 5.0).
    pub properties: Properties<'a>,
    /// Reason codes (MQTT 5.0; empty at 3.x).
    pub reason_codes: ReasonCodes<'a>,
}

impl<'a> UnsubAck<'a> {
    pub(crate) fn decode(
        body: &'a [u8],
        opts: &DecodeOptions,
    ) -> Result<UnsubAck<'a>, DecodeError> {
        let mut r = Reader::new(body);
        let packet_id = packet_id(&mut r)?;
        if opts.level != ProtocolLevel::V5 {
            if !r.is_empty() {
                return Err(DecodeError::TrailingBytes);
            }
            return Ok(UnsubAck {
                packet_id,
                properties: Properties::EMPTY,
                reason_codes: ReasonCodes::from_list(&[]),
            });
        }
        let properties = Properties::decode(&mut r, Context::UnsubAck, opts.strict())?;
        let reason_codes = ReasonCodes::decode(&mut r, PacketType::UnsubAck, opts.level)?;
        Ok(UnsubAck {
            packet_id,
            properties,
            reason_codes,
        })
    }

    pub(crate) fn plan(&self, level: ProtocolLevel) -> Result<Plan, PlanError> {
        ack_plan(
            self.packet_id,
            &self.properties,
            &self.reason_codes,
            PacketType::UnsubAck,
            Context::UnsubAck,
            level,
        )
    }

    pub(crate) fn write(&self, level: ProtocolLevel, plan: &Plan, w: &mut Writer<'_>) {
        w.u16(self.packet_id);
        if level == ProtocolLevel::V5 {
            self.properties.write(plan.props, w);
            self.reason_codes.write(w);
        }
    }
}
