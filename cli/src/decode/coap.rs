//! CoAP messages → JSON objects (DESIGN.md's `decode coap` contract).

use super::LineDecoder;
use crate::json::Json;

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
    fn decode_line(&mut self, _bytes: &[u8]) -> Vec<Json> {
        let t = if self.tcp { "tcp" } else { "udp" };
        vec![Json::obj()
            .with("error", "unsupported")
            .with("detail", format!("CoAP over {t} decoding is not available in this build"))]
    }
}
