//! An arbitrary script of commands, peer bytes, peer packets, time steps and
//! restarts against one MQTT session; the body and its invariants live in
//! `qos_engine::mqtt::script`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (bool, bool, Vec<qos_engine::mqtt::script::Op>)| {
    let (server, v5, ops) = input;
    qos_engine::mqtt::script::run(server, v5, &ops);
});
