//! Property tests over random command / input / time sequences: no sequence
//! panics, `poll_timeout` is always the instant at which `handle_timeout`
//! acts, stores stay within their capacities, packet identifiers are never
//! held twice, and a snapshot always restores (see `mqtt::script`).

use proptest::prelude::*;
use qos_engine::mqtt::script::{run, Op};

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => Just(Op::TransportUp),
        1 => Just(Op::TransportDown),
        2 => (any::<bool>(), 0u8..20).prop_map(|(clean, keep_alive)| Op::Connect { clean, keep_alive }),
        2 => Just(Op::Accept),
        4 => (any::<u8>(), any::<u8>()).prop_map(|(qos, len)| Op::Publish { qos, len }),
        1 => Just(Op::Subscribe),
        2 => (1u16..8).prop_map(|packet_id| Op::Ack { packet_id }),
        1 => Just(Op::Disconnect),
        1 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(Op::Bytes),
        8 => (any::<u8>(), 1u16..8, any::<u8>()).prop_map(|(kind, packet_id, qos)| Op::Packet { kind, packet_id, qos }),
        4 => (0u16..40_000).prop_map(|millis| Op::Advance { millis }),
        1 => Just(Op::Restart),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_client_scripts_keep_the_invariants(v5 in any::<bool>(), ops in proptest::collection::vec(op(), 0..80)) {
        run(false, v5, &ops);
    }

    #[test]
    fn random_server_scripts_keep_the_invariants(v5 in any::<bool>(), ops in proptest::collection::vec(op(), 0..80)) {
        run(true, v5, &ops);
    }
}

/// A connected client idles through many keep-alive periods: every deadline
/// is acted on exactly when due.
#[test]
fn keep_alive_deadlines_are_exact_over_a_long_idle_run() {
    let mut ops = vec![
        Op::TransportUp,
        Op::Connect {
            clean: true,
            keep_alive: 3,
        },
        Op::Packet {
            kind: 1,
            packet_id: 1,
            qos: 0,
        },
    ];
    for _ in 0..50 {
        ops.push(Op::Advance { millis: 1_000 });
        ops.push(Op::Packet {
            kind: 10,
            packet_id: 1,
            qos: 0,
        }); // PINGRESP
    }
    run(false, true, &ops);
}

/// Fuzz crash 5a788f46 (minimized): the check itself drained a PINGREQ at a
/// later `now` than the deadline it was checking; deadlines are now checked
/// and answered at their own instant.
#[test]
fn fuzz_regression_5a788f46_keep_alive_answered_at_its_deadline() {
    let ops = [
        Op::TransportUp,
        Op::Connect {
            clean: true,
            keep_alive: 1,
        },
        Op::Packet {
            kind: 37,
            packet_id: 9509,
            qos: 96,
        },
        Op::Advance { millis: 65_371 },
    ];
    run(false, false, &ops);
}

/// Fuzz crash df0e51ae (minimized): a server that has not accepted yet
/// leaves PUBLISH frames unprocessed ([MQTT-3.1.4-6]); once its receive
/// buffer is full it takes no more bytes, and must not be fed forever.
#[test]
fn fuzz_regression_df0e51ae_frames_before_accept_fill_the_buffer_and_wait() {
    let mut ops = vec![
        Op::TransportUp,
        Op::Packet {
            kind: 0,
            packet_id: 65535,
            qos: 207,
        },
    ];
    for _ in 0..40 {
        ops.push(Op::Packet {
            kind: 207,
            packet_id: 53199,
            qos: 207,
        });
    }
    ops.push(Op::Accept);
    run(true, true, &ops);
}
