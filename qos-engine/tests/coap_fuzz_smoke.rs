//! The `coap_endpoint` fuzz body on seeded random inputs, both transports,
//! so the contract checks inside it run in normal CI too (with
//! `--features arbitrary`).
#![cfg(feature = "arbitrary")]

use qos_engine::coap::fuzz::run_bytes;
use qos_engine::Rng;

#[test]
fn fuzz_body_keeps_the_contract_on_2000_random_scripts_udp_tcp_and_websockets() {
    let mut rng = Rng::new(0xF022);
    let mut data = vec![0u8; 4096];
    for i in 0..2000u32 {
        let len = 1 + rng.below(data.len() as u64) as usize;
        rng.fill(&mut data[..len]);
        data[0] = (i % 3) as u8; // UDP, RFC 8323 TCP, RFC 8323 WebSockets
        run_bytes(&data[..len]);
    }
}
