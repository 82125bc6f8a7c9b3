//! AUTH (§3.15), MQTT 5.0 only.

use super::ack::reason_code;
use super::{props_field_len, DecodeOptions, PacketType, Plan};
use crate::error::{DecodeError, PlanError};
use crate::property::{Context, Properties};
use crate::reason::ReasonCode;
use crate::string::{Reader, Writer};
use crate::ProtocolLevel;

/// AUTH: a step of enhanced authentication (5.0 only; packet type 15 is
/// reserved below 5.0 and rejected).
///
/// ```
/// use mqtt_codec::*;
/// let props = [Property::AuthenticationMethod("SCRAM-SHA-1"), Property::AuthenticationData(b"xyz")];
/// let a = Packet::Auth(Auth { reason_code: ReasonCode::ContinueAuthentication, properties: Properties::from_list(&props) });
/// let mut buf = [0u8; 32];
/// let n = a.encode(ProtocolLevel::V5, &mut buf).unwrap();
/// assert_eq!(&buf[..3], [0xF0, (n - 2) as u8, 0x18]);
/// assert_eq!(a.encode(ProtocolLevel::V4, &mut buf), Err(EncodeError::NotAtThisLevel));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Auth<'a> {
    /// Authenticate Reason Code: 0x00, 0x18 or 0x19.
    pub reason_code: ReasonCode,
    /// Properties: Authentication Method/Data, Reason String, User Property.
    pub properties: Properties<'a>,
}

impl<'a> Auth<'a> {
    pub(crate) fn decode(body: &'a [u8], opts: &DecodeOptions) -> Result<Auth<'a>, DecodeError> {
        let mut r = Reader::new(body);
        let mut out = Auth {
            reason_code: ReasonCode::Success,
            properties: Properties::EMPTY,
        };
        // "The Reason Code and Property Length can be omitted if the Reason
        // Code is 0x00 (Success) and there are no Properties. In this case the
        // AUTH has a Remaining Length of 0." (§3.15.2.1)
        if !r.is_empty() {
            out.reason_code = reason_code(r.u8()?, PacketType::Auth)?;
            if !r.is_empty() {
                out.properties = Properties::decode(&mut r, Context::Auth, opts.strict())?;
            }
        }
        if !r.is_empty() {
            return Err(DecodeError::TrailingBytes);
        }
        Ok(out)
    }

    pub(crate) fn plan(&self, level: ProtocolLevel) -> Result<Plan, PlanError> {
        if level != ProtocolLevel::V5 {
            return Err(PlanError::NotAtThisLevel);
        }
        if !self.reason_code.allowed_in(PacketType::Auth) {
            return Err(DecodeError::InvalidReasonCode.into());
        }
        let props = self.properties.check_for_encode(Context::Auth)?;
        let remaining = if props == 0 && self.reason_code == ReasonCode::Success {
            0
        } else {
            1 + props_field_len(props)
        };
        Plan::new(remaining, props, 0)
    }

    pub(crate) fn write(&self, plan: &Plan, w: &mut Writer<'_>) {
        if plan.remaining > 0 {
            w.u8(self.reason_code.as_u8());
            self.properties.write(plan.props, w);
        }
    }
}
