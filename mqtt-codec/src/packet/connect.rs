//! CONNECT (§3.1), at protocol levels 3, 4 and 5.

use super::{props_field_len, write_frame, DecodeOptions, Plan};
use crate::error::{DecodeError, EncodeError, PlanError};
use crate::property::{Context, Properties};
use crate::string::{self, Reader, Writer};
use crate::{ProtocolLevel, QoS, TopicName};

/// The Will Message of a CONNECT (§3.1.2.5, §3.1.3.2–4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Will<'a> {
    /// Will QoS.
    pub qos: QoS,
    /// Will Retain.
    pub retain: bool,
    /// Will Properties (MQTT 5.0).
    pub properties: Properties<'a>,
    /// Will Topic, a Topic Name (not empty).
    pub topic: TopicName<'a>,
    /// Will Payload.
    pub payload: &'a [u8],
}

/// CONNECT: the first packet a Client sends. Carries its own protocol level,
/// so it is decoded whatever [`DecodeOptions::level`] says.
///
/// ```
/// use mqtt_codec::*;
/// let props = [Property::SessionExpiryInterval(3600), Property::ReceiveMaximum(20)];
/// let connect = Connect {
///     level: ProtocolLevel::V5,
///     clean_start: true,
///     keep_alive: 30,
///     properties: Properties::from_list(&props),
///     client_id: "dev-1",
///     will: None,
///     username: Some("user"),
///     password: Some(b"secret"),
/// };
/// let mut buf = [0u8; 64];
/// let n = Packet::Connect(connect).encode(ProtocolLevel::V5, &mut buf).unwrap();
/// // Any level will do: CONNECT says which it is.
/// let opts = DecodeOptions::new(ProtocolLevel::V4);
/// let Ok(Status::Complete((Packet::Connect(c), used))) = Packet::decode(&buf[..n], &opts) else { panic!() };
/// assert_eq!((c.level, c.properties.session_expiry_interval(), used), (ProtocolLevel::V5, Some(3600), n));
/// assert_eq!(c, connect);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Connect<'a> {
    /// Protocol level, which also decides the Protocol Name.
    pub level: ProtocolLevel,
    /// Clean Start (5.0) / Clean Session (3.x).
    pub clean_start: bool,
    /// Keep Alive in seconds.
    pub keep_alive: u16,
    /// Properties (MQTT 5.0).
    pub properties: Properties<'a>,
    /// Client Identifier.
    pub client_id: &'a str,
    /// Will Message.
    pub will: Option<Will<'a>>,
    /// User Name.
    pub username: Option<&'a str>,
    /// Password.
    pub password: Option<&'a [u8]>,
}

impl<'a> Connect<'a> {
    #[inline]
    pub(crate) fn decode(body: &'a [u8], opts: &DecodeOptions) -> Result<Connect<'a>, DecodeError> {
        let strict = opts.strict();
        let mut r = Reader::new(body);
        // §3.1.2.1: the Protocol Name is "MQTT" (or "MQIsdp" for 3.1). "If the
        // Protocol Name is incorrect the Server MAY disconnect the Client, or
        // it MAY continue processing the CONNECT packet in accordance with some
        // other specification. In the latter case, the Server MUST NOT continue
        // to process the CONNECT packet in line with this specification
        // [MQTT-3.1.2-1]."
        let name = r.binary()?;
        let level_byte = r.u8()?;
        // Compared as fixed-size arrays: no `memcmp` call.
        let mqtt = <[u8; 4]>::try_from(name).is_ok_and(|n| n == *b"MQTT");
        let mqisdp = <[u8; 6]>::try_from(name).is_ok_and(|n| n == *b"MQIsdp");
        let level = match (mqtt, mqisdp, level_byte) {
            (true, _, 4) => ProtocolLevel::V4,
            (true, _, 5) => ProtocolLevel::V5,
            (_, true, 3) => ProtocolLevel::V3,
            // "The Server … MAY respond to the CONNECT packet with a
            // CONNACK packet with Reason Code of 0x84 (Unsupported
            // Protocol Version) and then MUST close the Network Connection
            // [MQTT-3.1.2-2]."
            (true, _, _) | (_, true, _) => return Err(DecodeError::UnsupportedProtocolVersion),
            _ => return Err(DecodeError::InvalidProtocolName),
        };
        let flags = r.u8()?;
        // "The Server MUST validate that the reserved flag in the CONNECT
        // packet is set to 0 [MQTT-3.1.2-3]. If the reserved flag is not 0 it
        // is a Malformed Packet."
        if flags & 1 != 0 {
            return Err(DecodeError::ConnectReservedFlag);
        }
        let will_flag = flags & 0b100 != 0;
        let will_qos = (flags >> 3) & 3;
        let will_retain = flags & 0b10_0000 != 0;
        let password_flag = flags & 0b100_0000 != 0;
        let username_flag = flags & 0b1000_0000 != 0;
        if !will_flag {
            // "If the Will Flag is set to 0, then the Will QoS MUST be set to
            // 0 (0x00) [MQTT-3.1.2-11]."
            if will_qos != 0 {
                return Err(DecodeError::WillQoSWithoutWill);
            }
            // "If the Will Flag is set to 0, then Will Retain MUST be set to 0
            // [MQTT-3.1.2-13]."
            if will_retain {
                return Err(DecodeError::WillRetainWithoutWill);
            }
        }
        // "If the Will Flag is set to 1, the value of Will QoS can be 0
        // (0x00), 1 (0x01), or 2 (0x02) [MQTT-3.1.2-12]. A value of 3 (0x03)
        // is a Malformed Packet."
        let will_qos = QoS::from_u8(will_qos).ok_or(DecodeError::WillQoS3)?;
        // 3.1.1 [MQTT-3.1.2-22]: "If the User Name Flag is set to 0, the
        // Password Flag MUST be set to 0." (5.0 allows a password alone.)
        if level != ProtocolLevel::V5 && password_flag && !username_flag {
            return Err(DecodeError::PasswordWithoutUsername);
        }
        let clean_start = flags & 0b10 != 0;
        let keep_alive = r.u16()?;
        let properties = if level == ProtocolLevel::V5 {
            Properties::from_wire(Properties::decode_bytes(&mut r, Context::Connect, strict)?)
        } else {
            Properties::EMPTY
        };
        // "The ClientID MUST be present and is the first field in the CONNECT
        // packet Payload [MQTT-3.1.3-3]. The ClientID MUST be a UTF-8 Encoded
        // String [MQTT-3.1.3-4]." The payload fields "MUST appear in the order
        // Client Identifier, Will Topic, Will Message, User Name, Password
        // [MQTT-3.1.3-1]".
        // The Client Identifier, Will Topic and User Name usually lie in the
        // first few hundred bytes of the payload: one UTF-8 check for all.
        let region = r.utf8_region();
        let client_id = r.str_in(&region, strict)?;
        check_client_id(client_id, level, clean_start)?;
        let will = if will_flag {
            let properties = if level == ProtocolLevel::V5 {
                Properties::from_wire(Properties::decode_bytes(&mut r, Context::Will, strict)?)
            } else {
                Properties::EMPTY
            };
            // "The Will Topic MUST be a UTF-8 Encoded String [MQTT-3.1.3-11]";
            // it is a Topic Name, so no wildcards and not empty.
            let topic = r.topic_name_in(&region, strict)?;
            if topic.is_empty() {
                return Err(DecodeError::TopicEmpty);
            }
            let payload = r.binary()?;
            Some(Will {
                qos: will_qos,
                retain: will_retain,
                properties,
                topic: TopicName::decoded(topic, strict),
                payload,
            })
        } else {
            None
        };
        // "If the User Name Flag is set to 1, a User Name MUST be present in
        // the Payload [MQTT-3.1.2-17]" and "MUST be a UTF-8 Encoded String
        // [MQTT-3.1.3-12]"; "If the User Name Flag is set to 0, a User Name
        // MUST NOT be present [MQTT-3.1.2-16]" (the same for the Password,
        // [MQTT-3.1.2-18], [MQTT-3.1.2-19]): extra bytes are trailing bytes.
        let username = if username_flag {
            Some(r.str_in(&region, strict)?)
        } else {
            None
        };
        let password = if password_flag {
            Some(r.binary()?)
        } else {
            None
        };
        if !r.is_empty() {
            return Err(DecodeError::TrailingBytes);
        }
        Ok(Connect {
            level,
            clean_start,
            keep_alive,
            properties,
            client_id,
            will,
            username,
            password,
        })
    }

    /// The exact size of the frame [`Connect::encode`] writes (at the
    /// CONNECT's own [`Connect::level`]), or why it cannot be encoded.
    ///
    /// ```
    /// use mqtt_codec::*;
    /// let c = Connect { level: ProtocolLevel::V4, clean_start: true, keep_alive: 60,
    ///                   properties: Properties::EMPTY, client_id: "c", will: None,
    ///                   username: None, password: None };
    /// assert_eq!(c.encoded_len(), Ok(15));
    /// ```
    pub fn encoded_len(&self) -> Result<usize, EncodeError> {
        Ok(self.plan()?.frame_len())
    }

    /// Writes the CONNECT frame at the start of `buf`, at the CONNECT's own
    /// [`Connect::level`], and returns its length: the same bytes, checks
    /// and errors as [`Packet::encode`](crate::Packet::encode) of
    /// `Packet::Connect`, without going through the
    /// [`Packet`](crate::Packet) enum. On any error `buf` is left untouched.
    ///
    /// ```
    /// use mqtt_codec::*;
    /// let c = Connect { level: ProtocolLevel::V4, clean_start: true, keep_alive: 60,
    ///                   properties: Properties::EMPTY, client_id: "c", will: None,
    ///                   username: None, password: None };
    /// let mut buf = [0u8; 32];
    /// assert_eq!(c.encode(&mut buf), Ok(15));
    /// assert_eq!(buf[..15], [0x10, 13, 0, 4, b'M', b'Q', b'T', b'T', 4, 0x02, 0, 60, 0, 1, b'c']);
    /// // A password without a user name at 3.1.1 [MQTT-3.1.2-22]: refused.
    /// let bad = Connect { password: Some(b"pw"), ..c };
    /// let mut out = [0u8; 32];
    /// assert_eq!(bad.encode(&mut out),
    ///            Err(EncodeError::Invalid(DecodeError::PasswordWithoutUsername)));
    /// assert_eq!(out, [0u8; 32]);
    /// ```
    #[inline]
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let plan = self.plan()?;
        write_frame(0x10, &plan, buf, |w| self.write(&plan, w))
    }

    #[inline(always)]
    pub(crate) fn plan(&self) -> Result<Plan, PlanError> {
        let level = self.level;
        let v5 = level == ProtocolLevel::V5;
        string::check_str(self.client_id, true)?;
        check_client_id(self.client_id, level, self.clean_start)?;
        if !v5 && self.password.is_some() && self.username.is_none() {
            return Err(DecodeError::PasswordWithoutUsername.into());
        }
        // Name, level, flags, keep alive.
        let mut remaining = string::str_len(level.protocol_name())? + 1 + 1 + 2;
        let mut props = 0;
        if v5 {
            props = self.properties.check_for_encode(Context::Connect)?;
            remaining += props_field_len(props);
        } else if !self.properties.is_empty() {
            return Err(PlanError::NotAtThisLevel);
        }
        remaining += string::str_len(self.client_id)?;
        let mut will_props = 0;
        if let Some(will) = &self.will {
            // The strict string rules, no wildcards and the length (unless
            // checked when the name was built), then not empty: the order
            // of `check_str` + `topic::check_name`.
            will.topic.check_for_encode()?;
            if will.topic.is_empty() {
                return Err(DecodeError::TopicEmpty.into());
            }
            if v5 {
                will_props = will.properties.check_for_encode(Context::Will)?;
                remaining += props_field_len(will_props);
            } else if !will.properties.is_empty() {
                return Err(PlanError::NotAtThisLevel);
            }
            remaining += 2 + will.topic.len() + string::bin_len(will.payload)?;
        }
        if let Some(u) = self.username {
            string::check_str(u, true)?;
            remaining += string::str_len(u)?;
        }
        if let Some(p) = self.password {
            remaining += string::bin_len(p)?;
        }
        Plan::new(remaining, props, will_props)
    }

    fn flags(&self) -> u8 {
        let mut f = u8::from(self.clean_start) << 1;
        if let Some(w) = &self.will {
            f |= 0b100 | w.qos.as_u8() << 3 | u8::from(w.retain) << 5;
        }
        f | u8::from(self.password.is_some()) << 6 | u8::from(self.username.is_some()) << 7
    }

    pub(crate) fn write(&self, plan: &Plan, w: &mut Writer<'_>) {
        let v5 = self.level == ProtocolLevel::V5;
        // Protocol Name, Protocol Level, Connect Flags and Keep Alive in
        // one fixed-size write.
        let [ka_hi, ka_lo] = self.keep_alive.to_be_bytes();
        let (level, flags) = (self.level.as_u8(), self.flags());
        match self.level {
            ProtocolLevel::V3 => w.bytes(&[
                0, 6, b'M', b'Q', b'I', b's', b'd', b'p', level, flags, ka_hi, ka_lo,
            ]),
            _ => w.bytes(&[0, 4, b'M', b'Q', b'T', b'T', level, flags, ka_hi, ka_lo]),
        }
        if v5 {
            self.properties.write(plan.props, w);
        }
        w.str(self.client_id);
        if let Some(will) = &self.will {
            if v5 {
                will.properties.write(plan.will_props, w);
            }
            w.str(will.topic.as_str());
            w.binary(will.payload);
        }
        if let Some(u) = self.username {
            w.str(u);
        }
        if let Some(p) = self.password {
            w.binary(p);
        }
    }
}

/// The Client Identifier rules that depend on the level.
fn check_client_id(id: &str, level: ProtocolLevel, clean_start: bool) -> Result<(), DecodeError> {
    match level {
        // MQTT 3.1 §3.1: "The Client Identifier (Client ID) is between 1 and
        // 23 characters long".
        ProtocolLevel::V3 if id.is_empty() || id.len() > 23 => Err(DecodeError::ClientIdLength),
        // 3.1.1 [MQTT-3.1.3-8]: "If the Client supplies a zero-byte ClientId
        // with CleanSession set to 0, the Server MUST respond to the CONNECT
        // Packet with a CONNACK return code 0x02 (Identifier rejected)".
        ProtocolLevel::V4 if id.is_empty() && !clean_start => {
            Err(DecodeError::EmptyClientIdWithoutCleanSession)
        }
        _ => Ok(()),
    }
}
