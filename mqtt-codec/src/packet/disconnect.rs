//! DISCONNECT (§3.14).

use super::ack::reason_code;
use super::{props_field_len, DecodeOptions, PacketType, Plan};
use crate::error::{DecodeError, PlanError};
use crate::property::{Context, Properties};
use crate::reason::ReasonCode;
use crate::string::{Reader, Writer};
use crate::ProtocolLevel;

/// DISCONNECT: a clean close, with a reason in 5.0.
///
/// ```
/// use mqtt_codec::*;
/// let props = [Property::ReasonString("bye")];
/// let d = Packet::Disconnect(Disconnect {
///     reason_code: ReasonCode::DisconnectWithWillMessage,
///     properties: Properties::from_list(&props),
/// });
/// let mut buf = [0u8; 16];
/// let n = d.encode(ProtocolLevel::V5, &mut buf).unwrap();
/// assert_eq!(buf[..n], [0xE0, 8, 0x04, 6, 0x1F, 0, 3, b'b', b'y', b'e']);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Disconnect<'a> {
    /// Disconnect Reason Code (5.0; [`ReasonCode::Success`], i.e. Normal
    /// disconnection, at 3.x).
    pub reason_code: ReasonCode,
    /// Properties (5.0).
    pub properties: Properties<'a>,
}

impl<'a> Disconnect<'a> {
    /// Normal disconnection, no properties.
    pub const NORMAL: Disconnect<'static> = Disconnect {
        reason_code: ReasonCode::Success,
        properties: Properties::EMPTY,
    };

    pub(crate) fn decode(
        body: &'a [u8],
        opts: &DecodeOptions,
    ) -> Result<Disconnect<'a>, DecodeError> {
        let mut r = Reader::new(body);
        let mut out = Disconnect::NORMAL;
        if opts.level == ProtocolLevel::V5 {
            // "The Reason Code and Property Length can be omitted if the Reason
            // Code is 0x00 (Normal disconnecton) and there are no Properties.
            // In this case the DISCONNECT has a Remaining Length of 0."
            // (§3.14.2.1) "If the Remaining Length is less than 2, a value of
            // 0 is used." (§3.14.2.2.1)
            if !r.is_empty() {
                out.reason_code = reason_code(r.u8()?, PacketType::Disconnect)?;
                if !r.is_empty() {
                    out.properties =
                        Properties::decode(&mut r, Context::Disconnect, opts.strict())?;
                }
            }
        }
        // 3.x: "The DISCONNECT Packet has no variable header" and no payload.
        if !r.is_empty() {
            return Err(DecodeError::TrailingBytes);
        }
        Ok(out)
    }

    pub(crate) fn plan(&self, level: ProtocolLevel) -> Result<Plan, PlanError> {
        if level != ProtocolLevel::V5 {
            if self.reason_code != ReasonCode::Success || !self.properties.is_empty() {
                return Err(PlanError::NotAtThisLevel);
            }
            return Ok(Plan::default());
        }
        if !self.reason_code.allowed_in(PacketType::Disconnect) {
            return Err(DecodeError::InvalidReasonCode.into());
        }
        let props = self.properties.check_for_encode(Context::Disconnect)?;
        let remaining = if props > 0 {
            1 + props_field_len(props)
        } else if self.reason_code != ReasonCode::Success {
            1
        } else {
            0
        };
        Plan::new(remaining, props, 0)
    }

    pub(crate) fn write(&self, _level: ProtocolLevel, plan: &Plan, w: &mut Writer<'_>) {
        if plan.remaining >= 1 {
            w.u8(self.reason_code.as_u8());
        }
        if plan.remaining >= 2 {
            self.properties.write(plan.props, w);
        }
    }
}
