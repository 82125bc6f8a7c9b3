//! CoAP messages → JSON objects (DESIGN.md's `decode coap` contract).
//!
//! UDP: each input line is one datagram, i.e. one message (RFC 7252 §3).
//! TCP: each line holds RFC 8323 §3.2 frames back to back; after a framing
//! error the rest of the line cannot be resynchronised and is skipped.
//!
//! Option `"value"` follows the option's registered format: uint → number,
//! string → string, opaque → hex string, empty → `""`. Block1/Block2/Q-Block
//! values are uints on the wire and are printed as that number (NUM << 4 |
//! M << 3 | SZX). A value that does not decode per its format (a uint longer
//! than 8 bytes, a string that is not UTF-8) and every unregistered option
//! is printed as a hex string; unregistered options have `"name": null`.
//! Signaling frames (7.xx) use the RFC 8323 signaling option names.

use super::LineDecoder;
use crate::json::{hex, Json};
use coap_codec::option::Format;
use coap_codec::{tcp, Code, Config, Message, OptionRef, Reaction};

/// Decodes CoAP messages over UDP or RFC 8323 TCP framing.
pub struct Decoder {
    tcp: bool,
}

impl Decoder {
    /// A decoder for UDP (`tcp == false`) or RFC 8323 framing.
    pub fn new(tcp: bool) -> Decoder {
        Decoder { tcp }
    }
}

impl LineDecoder for Decoder {
    fn decode_line(&mut self, bytes: &[u8]) -> Vec<Json> {
        if self.tcp {
            decode_tcp(bytes)
        } else {
            vec![decode_udp(bytes)]
        }
    }
}

fn code_fields(o: Json, code: Code) -> Json {
    let name = code.name().map_or(Json::Null, Json::from);
    o.with("code", code.to_string()).with("code_name", name)
}

fn option_json(code: Code, opt: OptionRef<'_>) -> Json {
    let (name, format) = if code.is_signaling() {
        match tcp::signal_option(code, opt.number) {
            Some(s) => (Some(s.snake_name), Some(s.format)),
            None => (None, None),
        }
    } else {
        match opt.number.info() {
            Some(i) => (Some(i.snake_name), Some(i.format)),
            None => (None, None),
        }
    };
    let opaque = || Json::from(hex(opt.value));
    let value = match format {
        Some(Format::Uint) => {
            coap_codec::uint::decode_u64(opt.value).map_or_else(|_| opaque(), Json::from)
        }
        Some(Format::String) => opt.str().map_or_else(|_| opaque(), Json::from),
        Some(Format::Empty) if opt.value.is_empty() => Json::from(""),
        _ => opaque(),
    };
    Json::obj()
        .with("number", opt.number.0)
        .with("name", name.map_or(Json::Null, Json::from))
        .with("value_hex", hex(opt.value))
        .with("value", value)
}

fn options_json<'a>(code: Code, opts: impl Iterator<Item = OptionRef<'a>>) -> Json {
    Json::Arr(opts.map(|o| option_json(code, o)).collect())
}

fn decode_udp(bytes: &[u8]) -> Json {
    match Message::parse(bytes) {
        Ok(m) => code_fields(Json::obj().with("type", m.message_type().name()), m.code())
            .with("message_id", m.message_id())
            .with("token_hex", hex(m.token()))
            .with("options", options_json(m.code(), m.options()))
            .with("payload_hex", hex(m.payload())),
        Err(e) => {
            let what = match e.reaction() {
                Reaction::Reset { message_id } => {
                    format!("reject with RST (message ID {message_id})")
                }
                Reaction::IgnoreMayReset { message_id } => {
                    format!("silently ignore; an RST (message ID {message_id}) is allowed")
                }
                _ => "silently ignore".to_owned(),
            };
            Json::obj()
                .with("error", e.kind.name())
                .with(
                    "detail",
                    format!("{}; receiver should {what}", e.kind.description()),
                )
                .with("spec", e.spec())
        }
    }
}

fn decode_tcp(bytes: &[u8]) -> Vec<Json> {
    let cfg = Config::default().max_frame_len(u32::MAX);
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        match tcp::parse(rest, &cfg) {
            Ok(tcp::Status::Complete((f, used))) => {
                out.push(
                    code_fields(Json::obj(), f.code())
                        .with("token_hex", hex(f.token()))
                        .with("options", options_json(f.code(), f.options()))
                        .with("payload_hex", hex(f.payload())),
                );
                rest = rest.get(used..).unwrap_or(&[]);
            }
            Ok(tcp::Status::Partial(n)) => {
                out.push(
                    Json::obj()
                        .with("error", "incomplete")
                        .with(
                            "detail",
                            format!("frame cut off: at least {n} more bytes needed"),
                        )
                        .with("spec", "RFC 8323 §3.2"),
                );
                break;
            }
            Err(e) => {
                out.push(
                    Json::obj()
                        .with("error", e.name())
                        .with(
                            "detail",
                            format!(
                                "{}; receiver should send Abort (7.05) and close",
                                e.description()
                            ),
                        )
                        .with("spec", e.spec()),
                );
                break;
            }
        }
    }
    out
}
