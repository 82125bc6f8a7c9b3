//! CONNACK (§3.2).

use super::ack::reason_code;
use super::{props_field_len, DecodeOptions, PacketType, Plan};
use crate::error::{DecodeError, PlanError};
use crate::property::{Context, Properties};
use crate::reason::ReasonCode;
use crate::string::{Reader, Writer};
use crate::ProtocolLevel;

/// CONNACK: the Server's answer to CONNECT.
///
/// At 3.x the return codes 0–5 are carried as the equivalent 5.0 reason
/// codes ([`ReasonCode::from_v3_connack`]): 1 ↔ 0x84, 2 ↔ 0x85, 3 ↔ 0x88,
/// 4 ↔ 0x86, 5 ↔ 0x87.
///
/// ```
/// use mqtt_codec::*;
/// let opts = DecodeOptions::new(ProtocolLevel::V4);
/// // 3.1.1 CONNACK, return code 5 (not authorized).
/// let Ok(Status::Complete((Packet::ConnAck(c), 4))) = Packet::decode(&[0x20, 2, 0, 5], &opts) else { panic!() };
/// assert_eq!(c.reason_code, ReasonCode::NotAuthorized);
/// assert_eq!(c.reason_code.to_v3_connack(), Some(5));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnAck<'a> {
    /// Session Present.
    pub session_present: bool,
    /// Connect Reason Code (3.x: the return code, mapped).
    pub reason_code: ReasonCode,
    /// Properties (MQTT 5.0).
    pub properties: Properties<'a>,
}

impl<'a> ConnAck<'a> {
    pub(crate) fn decode(body: &'a [u8], opts: &DecodeOptions) -> Result<ConnAck<'a>, DecodeError> {
        let mut r = Reader::new(body);
        let flags = r.u8()?;
        // "Byte 1 is the "Connect Acknowledge Flags". Bits 7-1 are reserved
        // and MUST be set to 0 [MQTT-3.2.2-1]."
        if flags & 0xFE != 0 {
            return Err(DecodeError::ConnAckReservedFlags);
        }
        let code = r.u8()?;
        let (reason_code, properties) = if opts.level == ProtocolLevel::V5 {
            // "The Server sending the CONNACK packet MUST use one of the
            // Connect Reason Code values [MQTT-3.2.2-8]."
            let rc = reason_code(code, PacketType::ConnAck)?;
            (
                rc,
                Properties::decode(&mut r, Context::ConnAck, opts.strict())?,
            )
        } else {
            let rc =
                ReasonCode::from_v3_connack(code).ok_or(DecodeError::InvalidConnectReturnCode)?;
            (rc, Properties::EMPTY)
        };
        if !r.is_empty() {
            return Err(DecodeError::TrailingBytes);
        }
        let session_present = flags & 1 != 0;
        // "If a Server sends a CONNACK packet containing a non-zero Reason
        // Code it MUST set Session Present to 0 [MQTT-3.2.2-6]."
        if session_present && reason_code != ReasonCode::Success {
            return Err(DecodeError::SessionPresentWithError);
        }
        Ok(ConnAck {
            session_present,
            reason_code,
            properties,
        })
    }

    pub(crate) fn plan(&self, level: ProtocolLevel) -> Result<Plan, PlanError> {
        if self.session_present && self.reason_code != ReasonCode::Success {
            return Err(DecodeError::SessionPresentWithError.into());
        }
        if level != ProtocolLevel::V5 {
            if self.reason_code.to_v3_connack().is_none() || !self.properties.is_empty() {
                return Err(PlanError::NotAtThisLevel);
            }
            return Plan::new(2, 0, 0);
        }
        if !self.reason_code.allowed_in(PacketType::ConnAck) {
            return Err(DecodeError::InvalidReasonCode.into());
        }
        let props = self.properties.check_for_encode(Context::ConnAck)?;
        Plan::new(2 + props_field_len(props), props, 0)
    }

    pub(crate) fn write(&self, level: ProtocolLevel, plan: &Plan, w: &mut Writer<'_>) {
        w.u8(u8::from(self.session_present));
        if level == ProtocolLevel::V5 {
            w.u8(self.reason_code.as_u8());
            self.properties.write(plan.props, w);
        } else {
            // Checked in plan().
            w.u8(self.reason_code.to_v3_connack().unwrap_or(0));
        }
    }
}
