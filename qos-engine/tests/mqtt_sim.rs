//! Deterministic simulation of client and server sessions over a TCP link
//! that delays, splits and cuts, with random power cycles restored from
//! snapshots: thousands of seeds, each checking exactly-once (QoS 2),
//! at-least-once (QoS 1), per-QoS ordering (§4.6) and that no packet
//! identifier is handed out while in use ([MQTT-2.2.1-3]).
#![allow(clippy::print_stdout)] // the totals are reported on purpose (--nocapture)

use mqtt_codec::{ProtocolLevel, QoS};
use qos_engine::mqtt::sim::{Pair, PairConfig, Report};

fn run(cfg: PairConfig, seed: u64) -> Report {
    let r = Pair::new(cfg, seed).run();
    assert!(
        r.violations.is_empty(),
        "seed {seed}: {:?}\n{r}",
        r.violations
    );
    assert!(r.completed, "seed {seed}: {r}");
    r
}

fn seeds(cfg: PairConfig, range: core::ops::Range<u64>) -> Report {
    let mut total = Report::default();
    for seed in range {
        let r = run(cfg, seed);
        total.sent += r.sent;
        total.delivered += r.delivered;
        total.sent_qos2 += r.sent_qos2;
        total.delivered_qos2 += r.delivered_qos2;
        total.redelivered_qos1 += r.redelivered_qos1;
        total.duplicates_suppressed += r.duplicates_suppressed;
        total.retransmissions += r.retransmissions;
        total.reconnects += r.reconnects;
        total.restarts += r.restarts;
        total.link.cuts += r.link.cuts;
        total.silences_detected += r.silences_detected;
        total.expired += r.expired;
        total.max_inflight = total.max_inflight.max(r.max_inflight);
    }
    total
}

#[test]
fn sim_v5_mixed_qos_cuts_and_restarts_6000_seeds() {
    let t = seeds(PairConfig::default(), 0..6000);
    println!("v5 mixed, 6000 seeds: {t}");
    assert_eq!(t.delivered_qos2, t.sent_qos2);
    // The runs must actually exercise resumption.
    assert!(
        t.reconnects > 1000 && t.restarts > 100 && t.retransmissions > 1000,
        "{t}"
    );
    assert!(t.duplicates_suppressed > 0 && t.redelivered_qos1 > 0, "{t}");
    assert!(t.max_inflight <= 16);
}

#[test]
fn sim_v311_qos2_only_2000_seeds() {
    let cfg = PairConfig {
        protocol: ProtocolLevel::V4,
        qos: Some(QoS::ExactlyOnce),
        ..PairConfig::default()
    };
    let t = seeds(cfg, 10_000..12_000);
    println!("3.1.1 QoS 2, 2000 seeds: {t}");
    assert_eq!(t.delivered_qos2, t.sent_qos2);
    assert!(t.duplicates_suppressed > 0, "{t}");
}

#[test]
fn sim_v31_qos1_only_500_seeds() {
    let cfg = PairConfig {
        protocol: ProtocolLevel::V3,
        qos: Some(QoS::AtLeastOnce),
        ..PairConfig::default()
    };
    let t = seeds(cfg, 20_000..20_500);
    println!("3.1 QoS 1, 500 seeds: {t}");
    assert_eq!(t.delivered, t.sent);
}

#[test]
fn sim_harsh_link_many_cuts_and_restarts_500_seeds() {
    let mut cfg = PairConfig {
        client_messages: 60,
        server_messages: 20,
        restart_per_million: 20_000,
        ..PairConfig::default()
    };
    cfg.link.cut_per_million = 100_000;
    let t = seeds(cfg, 30_000..30_500);
    println!("harsh, 500 seeds: {t}");
    assert_eq!(t.delivered_qos2, t.sent_qos2);
}

#[test]
fn sim_large_payloads_fill_the_store_300_seeds() {
    let cfg = PairConfig {
        payload_len: 700,
        client_messages: 30,
        server_messages: 10,
        ..PairConfig::default()
    };
    let t = seeds(cfg, 40_000..40_300);
    println!("700-byte payloads, 300 seeds: {t}");
    assert_eq!(t.delivered_qos2, t.sent_qos2);
}

#[test]
fn sim_silent_connections_are_detected_by_keep_alive_within_1_5x_mqtt_3_1_2_22_500_seeds() {
    let mut cfg = PairConfig {
        keep_alive: 5,
        restart_per_million: 0,
        ..PairConfig::default()
    };
    cfg.link.cut_per_million = 0;
    cfg.link.silent_per_million = 20_000;
    let t = seeds(cfg, 50_000..50_500);
    println!("silent links, 500 seeds: {t}");
    // The harness checks each detection against the 1.5 x Keep Alive bound.
    assert!(t.silences_detected > 300, "{t}");
    assert_eq!(t.delivered_qos2, t.sent_qos2);
}

#[test]
fn sim_message_expiry_drops_only_unsent_messages_mqtt_3_3_2_5_500_seeds() {
    // A one-second lifetime against reconnection pauses of up to two
    // seconds: messages queued for a connection (or for quota) expire. The
    // harness checks that an expired message is never delivered, that the
    // others keep their promises, and the interval each one carries
    // ([MQTT-3.3.2-6]).
    let mut cfg = PairConfig {
        message_expiry: Some(1),
        max_reconnect_delay: qos_engine::Duration::from_secs(2),
        ..PairConfig::default()
    };
    cfg.link.cut_per_million = 50_000;
    let t = seeds(cfg, 60_000..60_500);
    println!("message expiry, 500 seeds: {t}");
    assert!(t.expired > 100, "{t}");
    assert!(t.delivered_qos2 + t.expired >= t.sent_qos2, "{t}");
}

// ---- Regression seeds: each failed once, for the reason named.

/// A server stored its queued PUBLISH frames at 5.0 before it knew its
/// client's level, then wrote them unchanged on a 3.1.1 connection (the
/// Property Length byte read as payload).
#[test]
fn regression_seed_10000_server_frames_reencoded_for_a_v311_client() {
    let cfg = PairConfig {
        protocol: ProtocolLevel::V4,
        qos: Some(QoS::ExactlyOnce),
        ..PairConfig::default()
    };
    let r = run(cfg, 10_000);
    assert_eq!(r.delivered_qos2, r.sent_qos2);
}

/// A connection cut before CONNECT applied "Clean Session" of a restored
/// session and discarded its state.
#[test]
fn regression_seed_10035_cut_before_connect_keeps_the_session() {
    let cfg = PairConfig {
        protocol: ProtocolLevel::V4,
        qos: Some(QoS::ExactlyOnce),
        ..PairConfig::default()
    };
    run(cfg, 10_035);
}

/// PUBCOMP 0x92 answering a PUBREL resent after the peer completed the
/// exchange was taken for a refusal.
#[test]
fn regression_seed_30000_pubcomp_not_found_after_resume_completes() {
    let mut cfg = PairConfig {
        client_messages: 60,
        server_messages: 20,
        restart_per_million: 20_000,
        ..PairConfig::default()
    };
    cfg.link.cut_per_million = 100_000;
    run(cfg, 30_000);
}
