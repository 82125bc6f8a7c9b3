//! MQTT frames → JSON objects (DESIGN.md's `decode mqtt` contract).
//!
//! Each line starts at the `--protocol` level (default 5); a CONNECT sets
//! the level of the frames after it on the same line. A frame that is cut
//! short becomes `{"error":"incomplete",…}`; a rejected frame becomes
//! `{"error":KIND,"detail":…,"reason_code":N,"spec":REF}` with the reason
//! code a receiver would send and the statement broken. Either ends the
//! line: without a trusted frame boundary the rest cannot be resynchronised.
//!
//! Every 5.0 packet type that has a property field gets `"properties"` (an
//! empty array when the frame carried none).

use super::LineDecoder;
use crate::json::{hex, Json};
use mqtt_codec::{
    DecodeOptions, Packet, PacketType, Properties, Property, ProtocolLevel, ReasonCode, Status,
};

/// Decodes MQTT frames at a protocol level.
pub struct Decoder {
    level: ProtocolLevel,
}

impl Decoder {
    /// A decoder for protocol level 3, 4 or 5 (the caller checked the range;
    /// anything else decodes as 5).
    pub fn new(level: u8) -> Decoder {
        Decoder {
            level: ProtocolLevel::from_u8(level).unwrap_or(ProtocolLevel::V5),
        }
    }
}

impl LineDecoder for Decoder {
    fn decode_line(&mut self, bytes: &[u8]) -> Vec<Json> {
        let mut out = Vec::new();
        let mut opts = DecodeOptions::new(self.level);
        let mut rest = bytes;
        while !rest.is_empty() {
            match Packet::decode(rest, &opts) {
                Ok(Status::Complete((packet, used))) => {
                    if let Packet::Connect(c) = &packet {
                        opts = opts.with_level(c.level);
                    }
                    out.push(packet_json(&packet, opts.level));
                    rest = &rest[used..];
                }
                Ok(Status::Partial(missing)) => {
                    out.push(Json::obj().with("error", "incomplete").with(
                        "detail",
                        format!(
                            "frame cut short: {missing} more byte(s) needed after the {} given",
                            rest.len()
                        ),
                    ));
                    break;
                }
                Err(e) => {
                    out.push(
                        Json::obj()
                            .with("error", e.kind())
                            .with("detail", e.description())
                            .with("reason_code", e.reason_code().as_u8())
                            .with("spec", e.spec()),
                    );
                    break;
                }
            }
        }
        out
    }
}

fn properties_json(props: &Properties<'_>) -> Json {
    Json::Arr(
        props
            .iter()
            .map(|p| {
                let id = p.id();
                Json::obj()
                    .with("id", id.as_u8())
                    .with("name", id.name())
                    .with("value", property_value(&p))
            })
            .collect(),
    )
}

fn property_value(p: &Property<'_>) -> Json {
    use Property as P;
    match *p {
        P::PayloadFormatIndicator(v)
        | P::RequestProblemInformation(v)
        | P::RequestResponseInformation(v)
        | P::MaximumQoS(v)
        | P::RetainAvailable(v)
        | P::WildcardSubscriptionAvailable(v)
        | P::SubscriptionIdentifierAvailable(v)
        | P::SharedSubscriptionAvailable(v) => v.into(),
        P::ServerKeepAlive(v)
        | P::ReceiveMaximum(v)
        | P::TopicAliasMaximum(v)
        | P::TopicAlias(v) => v.into(),
        P::MessageExpiryInterval(v)
        | P::SubscriptionIdentifier(v)
        | P::SessionExpiryInterval(v)
        | P::WillDelayInterval(v)
        | P::MaximumPacketSize(v) => v.into(),
        P::ContentType(s)
        | P::ResponseTopic(s)
        | P::AssignedClientIdentifier(s)
        | P::AuthenticationMethod(s)
        | P::ResponseInformation(s)
        | P::ServerReference(s)
        | P::ReasonString(s) => s.into(),
        P::CorrelationData(b) | P::AuthenticationData(b) => hex(b).into(),
        P::UserProperty(k, v) => Json::obj().with("key", k).with("value", v),
    }
}

fn with_props(obj: Json, props: &Properties<'_>, level: ProtocolLevel) -> Json {
    if level == ProtocolLevel::V5 {
        obj.with("properties", properties_json(props))
    } else {
        obj
    }
}

fn rc(code: ReasonCode) -> Json {
    code.as_u8().into()
}

/// The JSON object of one decoded packet; `level` is the level it was
/// decoded at.
fn packet_json(packet: &Packet<'_>, level: ProtocolLevel) -> Json {
    let ty: PacketType = packet.packet_type();
    let o = Json::obj().with("type", ty.name());
    match packet {
        Packet::Connect(c) => {
            let mut o = o
                .with("protocol_name", c.level.protocol_name())
                .with("protocol_level", c.level.as_u8())
                .with("clean_start", c.clean_start)
                .with("keep_alive", c.keep_alive)
                .with("client_id", c.client_id)
                .with_opt("username", c.username)
                .with_opt("password_hex", c.password.map(hex));
            if let Some(w) = &c.will {
                o = o.with(
                    "will",
                    Json::obj()
                        .with("topic", w.topic.as_str())
                        .with("qos", w.qos.as_u8())
                        .with("retain", w.retain)
                        .with("payload_hex", hex(w.payload))
                        .with("properties", properties_json(&w.properties)),
                );
            }
            with_props(o, &c.properties, c.level)
        }
        Packet::ConnAck(c) => {
            // At 3.x the return code itself (0–5), not its 5.0 equivalent.
            let code = if level == ProtocolLevel::V5 {
                c.reason_code.as_u8()
            } else {
                c.reason_code
                    .to_v3_connack()
                    .unwrap_or(c.reason_code.as_u8())
            };
            with_props(
                o.with("session_present", c.session_present)
                    .with("reason_code", code),
                &c.properties,
                level,
            )
        }
        Packet::Publish(p) => {
            let o = o
                .with("dup", p.dup)
                .with("qos", p.qos.as_u8())
                .with("retain", p.retain)
                .with("topic", p.topic.as_str())
                .with_opt("packet_id", p.packet_id)
                .with("payload_hex", hex(p.payload))
                .with("payload_len", p.payload.len());
            with_props(o, &p.properties, level)
        }
        Packet::PubAck(r) | Packet::PubRec(r) | Packet::PubRel(r) | Packet::PubComp(r) => {
            with_props(
                o.with("packet_id", r.packet_id)
                    .with("reason_code", rc(r.reason_code)),
                &r.properties,
                level,
            )
        }
        Packet::Subscribe(s) => {
            let filters: Vec<Json> = s
                .filters
                .iter()
                .map(|f| {
                    Json::obj()
                        .with("filter", f.filter.as_str())
                        .with("qos", f.options.qos.as_u8())
                        .with("no_local", f.options.no_local)
                        .with("retain_as_published", f.options.retain_as_published)
                        .with("retain_handling", f.options.retain_handling as u8)
                })
                .collect();
            with_props(
                o.with("packet_id", s.packet_id).with("filters", filters),
                &s.properties,
                level,
            )
        }
        Packet::SubAck(s) => {
            let codes: Vec<Json> = s.reason_codes.iter().map(rc).collect();
            with_props(
                o.with("packet_id", s.packet_id).with("reason_codes", codes),
                &s.properties,
                level,
            )
        }
        Packet::Unsubscribe(u) => {
            let filters: Vec<Json> = u.filters.iter().map(|f| Json::from(f.as_str())).collect();
            with_props(
                o.with("packet_id", u.packet_id).with("filters", filters),
                &u.properties,
                level,
            )
        }
        Packet::UnsubAck(u) => {
            let codes: Vec<Json> = u.reason_codes.iter().map(rc).collect();
            with_props(
                o.with("packet_id", u.packet_id).with("reason_codes", codes),
                &u.properties,
                level,
            )
        }
        Packet::PingReq | Packet::PingResp => o,
        Packet::Disconnect(d) => with_props(
            o.with("reason_code", rc(d.reason_code)),
            &d.properties,
            level,
        ),
        Packet::Auth(a) => with_props(
            o.with("reason_code", rc(a.reason_code)),
            &a.properties,
            level,
        ),
    }
}
