//! MQTT frames → JSON objects (DESIGN.md's `decode mqtt` contract).

use super::LineDecoder;
use crate::json::Json;

/// Decodes MQTT frames at a protocol level.
pub struct Decoder {
    level: u8,
}

impl Decoder {
    /// A decoder for protocol level 3, 4 or 5.
    pub fn new(level: u8) -> Decoder {
        Decoder { level }
    }
}

impl LineDecoder for Decoder {
    fn decode_line(&mut self, _bytes: &[u8]) -> Vec<Json> {
        vec![Json::obj()
            .with("error", "unsupported")
            .with("detail", format!("MQTT level {} decoding is not available in this build", self.level))]
    }
}
