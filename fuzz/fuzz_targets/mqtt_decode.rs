//! Arbitrary bytes at every protocol level and packet size limit: the
//! decoder never panics, never claims more bytes than it was given, and
//! everything it accepts re-encodes to itself (`mqtt_codec::fuzzing::decode_bytes`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mqtt_codec::fuzzing::decode_bytes(data));
