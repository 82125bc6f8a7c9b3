//! Arbitrary packet → encode → decode → equal; a refused encode writes
//! nothing (`mqtt_codec::fuzzing::roundtrip`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mqtt_codec::fuzzing::roundtrip(data));
