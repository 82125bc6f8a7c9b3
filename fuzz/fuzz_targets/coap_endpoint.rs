#![no_main]
//! An arbitrary script of datagrams, commands and time steps against a CoAP
//! endpoint; the body lives in `qos_engine::coap::fuzz`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| qos_engine::coap::fuzz::run_bytes(data));
