//! Deterministic simulation of a CoAP client and server over a seeded lossy
//! datagram link (loss, duplication, reordering, delay), thousands of seeds.

use coap_codec::{Code, Message, MessageType};
use qos_engine::coap::sim::{Outcome, Pair};
use qos_engine::coap::{Config, Failure, Request, TransmissionParameters};
use qos_engine::sim::datagram::LinkConfig;
use qos_engine::{Duration, Instant, Rng};

type P = Pair<4, 64>;

/// RFC 7252 §4.2/§4.5: every CON request reaches the server application
/// exactly once, or the client learns of the failure no later than
/// MAX_TRANSMIT_WAIT after the first transmission.
#[test]
fn con_request_delivered_exactly_once_or_fails_within_max_transmit_wait() {
    let wait = TransmissionParameters::default().max_transmit_wait();
    let (mut completed, mut failed) = (0, 0);
    for seed in 0..3000u64 {
        let mut rng = Rng::new(seed);
        let loss = rng.below(40) as u32;
        let dup = rng.below(30) as u32;
        let mut pair = P::new(seed, LinkConfig::lossy(loss, dup));
        for k in 0..8 {
            let path = format!("c/{k}");
            let opts = P::path(&path);
            let body = format!("request {k}");
            let h = pair
                .request(&Request::post(&opts, body.as_bytes()))
                .unwrap();
            pair.run_until_settled();
            let delivered = pair.delivered.iter().filter(|d| d.path == path).count();
            assert!(
                delivered <= 1,
                "seed {seed}: request {k} delivered {delivered} times"
            );
            match pair.outcome(h) {
                Some(Outcome::Completed { code, .. }) => {
                    assert_eq!(*code, Code::CREATED);
                    assert_eq!(delivered, 1, "seed {seed}: completed but not delivered");
                    completed += 1;
                }
                Some(Outcome::Failed(Failure::Timeout)) => {
                    let (_, start, end) = *pair.failure_times.iter().find(|f| f.0 == h).unwrap();
                    assert!(
                        end.saturating_duration_since(start) <= wait,
                        "seed {seed}: failed late"
                    );
                    failed += 1;
                }
                other => panic!("seed {seed}: request {k} ended with {other:?}"),
            }
        }
    }
    // Both branches of the property were exercised.
    assert!(
        completed > 20_000 && failed > 40,
        "completed {completed} failed {failed}"
    );
}

/// RFC 7252 §4.2: the k-th retransmission happens T·(2^k − 1) after the
/// first transmission, T random in [ACK_TIMEOUT, ACK_TIMEOUT·ACK_RANDOM_FACTOR],
/// at most MAX_RETRANSMIT times, and the failure comes at T·(2^(MR+1) − 1).
#[test]
fn retransmission_instants_stay_within_rfc7252_bounds() {
    for seed in 0..2000u64 {
        let mut params = TransmissionParameters::default();
        let mut rng = Rng::new(seed ^ 99);
        params.max_retransmit = 1 + rng.below(6) as u8;
        params.ack_timeout = Duration::from_millis(500 + rng.below(3000));
        params.ack_random_factor_milli = 1000 + rng.below(1500) as u32;
        let cfg = Config {
            params,
            seed,
            ..Config::default()
        };
        let mut pair = P::with_configs(seed, LinkConfig::lossy(100, 0), cfg, cfg);
        pair.trace = true;
        let opts = P::path("x");
        let h = pair.request(&Request::get(&opts)).unwrap();
        pair.run_until_settled();
        assert_eq!(pair.outcome(h), Some(&Outcome::Failed(Failure::Timeout)));
        let sends: Vec<Instant> = pair.client_sent.iter().map(|s| s.0).collect();
        assert_eq!(
            sends.len(),
            1 + usize::from(params.max_retransmit),
            "seed {seed}"
        );
        // All copies are the same message (same Message ID, RFC 7252 §4.4).
        let first = &pair.client_sent[0].1;
        assert!(pair.client_sent.iter().all(|s| &s.1 == first));
        let t0 = sends[0];
        let t = sends[1].saturating_duration_since(t0);
        assert!(
            t >= params.ack_timeout && t <= params.max_initial_timeout(),
            "seed {seed}: {t:?}"
        );
        for (k, s) in sends.iter().enumerate() {
            assert_eq!(
                s.saturating_duration_since(t0),
                t * ((1u32 << k) - 1),
                "seed {seed} k {k}"
            );
        }
        let (_, _, failed_at) = pair.failure_times[0];
        let total = failed_at.saturating_duration_since(t0);
        assert_eq!(total, t * ((1u32 << (params.max_retransmit + 1)) - 1));
        assert!(total <= params.max_transmit_wait());
    }
}

fn random_body(rng: &mut Rng, len: usize) -> Vec<u8> {
    let mut b = vec![0u8; len];
    rng.fill(&mut b);
    b
}

/// RFC 7959: random bodies of 0–64 KiB cross block-wise in both directions
/// (Block1 PUT, Block2 GET, two-way POST) byte-identical, whatever the SZX.
#[test]
fn random_bodies_cross_blockwise_both_directions_byte_identical() {
    let mut transfers = 0;
    for seed in 0..1000u64 {
        let mut rng = Rng::new(seed.wrapping_mul(7919));
        // Mostly small and medium bodies, some at the 64 KiB limit.
        let len = match seed % 6 {
            0 => 64 * 1024,
            1 => rng.below(200) as usize,
            _ => rng.below(64 * 1024 + 1) as usize,
        };
        // Small blocks make long transfers; keep SZX ≥ 2 for the big ones.
        let szx = if len > 8192 {
            2 + rng.below(5) as u8
        } else {
            rng.below(7) as u8
        };
        let body = random_body(&mut rng, len);
        let mut pair = P::new(seed, LinkConfig::lossy(5, 5));
        let opts = P::path("up/file");
        let put = pair
            .request(&Request::put(&opts, &body).block_szx(szx))
            .unwrap();
        pair.run_until_settled();
        let Some(Outcome::Completed { code, .. }) = pair.outcome(put).cloned() else {
            // A lossy link may defeat a transfer: then nothing half-written
            // reaches the application.
            assert!(pair.delivered.iter().all(|d| d.body == body));
            continue;
        };
        assert!(code == Code::CREATED || code == Code::CHANGED, "{code}");
        assert_eq!(pair.delivered.len(), 1);
        assert_eq!(
            pair.delivered[0].body, body,
            "seed {seed}: Block1 body differs"
        );
        assert_eq!(pair.resources.get("up/file"), Some(&body));
        let get = pair.request(&Request::get(&opts).block_szx(szx)).unwrap();
        pair.run_until_settled();
        if let Some(Outcome::Completed { code, body: got }) = pair.outcome(get) {
            assert_eq!(*code, Code::CONTENT);
            assert_eq!(
                got, &body,
                "seed {seed}: Block2 body differs (len {len}, szx {szx})"
            );
            transfers += 1;
        }
        if len <= 16 * 1024 {
            let echo = P::path("echo");
            let post = pair
                .request(&Request::post(&echo, &body).block_szx(szx))
                .unwrap();
            pair.run_until_settled();
            if let Some(Outcome::Completed { code, body: got }) = pair.outcome(post) {
                assert_eq!(*code, Code::CHANGED);
                assert_eq!(got, &body, "seed {seed}: two-way body differs");
            }
        }
    }
    assert!(transfers > 700, "only {transfers} transfers completed");
}

/// Late negotiation (RFC 7959 §2.4): no Block2 in the request, the server
/// picks the largest block that fits; the client follows at the server's size.
#[test]
fn large_response_without_early_negotiation_is_fetched_whole() {
    for seed in 0..50u64 {
        let mut rng = Rng::new(seed);
        let len = 1 + rng.below(20_000) as usize;
        let body = random_body(&mut rng, len);
        let mut pair = P::new(seed, LinkConfig::lossy(10, 10));
        pair.put_resource("big", body.clone());
        let opts = P::path("big");
        let h = pair.request(&Request::get(&opts)).unwrap();
        pair.run_until_settled();
        if let Some(Outcome::Completed { body: got, .. }) = pair.outcome(h) {
            assert_eq!(got, &body);
        }
    }
}

/// RFC 7641 §3.4: notifications are delivered in order (never an older
/// one after a newer one) and stop after deregistration.
#[test]
fn observe_never_delivers_older_after_newer_and_stops_after_deregistration() {
    let mut total = 0;
    for seed in 0..2000u64 {
        let mut rng = Rng::new(seed ^ 0xABCD);
        let mut pair = P::new(
            seed,
            LinkConfig::lossy(rng.below(25) as u32, rng.below(25) as u32),
        );
        pair.make_observable("obs", 1, b"0".to_vec());
        let opts = P::path("obs");
        let h = pair.observe(&Request::get(&opts)).unwrap();
        pair.run_until_settled();
        if !pair.client.is_alive(h) {
            continue; // registration failed on this link
        }
        for k in 1..=20u32 {
            let con = rng.chance(300_000);
            pair.change_resource("obs", k.to_string().into_bytes(), con);
            let dt = Duration::from_millis(rng.below(400));
            let until = pair.now + dt;
            pair.run_until(until);
        }
        pair.run_until(pair.now + Duration::from_secs(5));
        let seen: Vec<u32> = pair
            .notifications
            .iter()
            .filter(|n| n.handle == h)
            .map(|n| std::str::from_utf8(&n.payload).unwrap().parse().unwrap())
            .collect();
        assert!(
            seen.windows(2).all(|w| w[0] < w[1]),
            "seed {seed}: out of order {seen:?}"
        );
        let obs: Vec<u32> = pair.notifications.iter().map(|n| n.observe).collect();
        assert!(
            obs.windows(2).all(|w| w[0] < w[1]),
            "seed {seed}: observe values {obs:?}"
        );
        total += seen.len();
        // Deregister; nothing may be delivered afterwards.
        let at = pair.now;
        if seed % 2 == 0 {
            pair.client.deregister(at, h).unwrap();
        } else {
            pair.client.cancel(at, h).unwrap();
        }
        let before = pair.notifications.len();
        for k in 21..=30u32 {
            pair.change_resource("obs", k.to_string().into_bytes(), rng.chance(500_000));
            let until = pair.now + Duration::from_millis(300);
            pair.run_until(until);
        }
        pair.run_until(pair.now + Duration::from_secs(300));
        assert_eq!(
            pair.notifications.len(),
            before,
            "seed {seed}: delivered after deregistration"
        );
        assert!(!pair.client.is_alive(h));
        // The server learnt it (GET Observe=1, or a Reset to a notification),
        // unless every message about it was lost.
        if pair.link.config().loss_per_million == 0 {
            assert_eq!(pair.server.observer_count(), 0, "seed {seed}");
        }
    }
    assert!(total > 10_000, "only {total} notifications delivered");
}

/// NSTART = 1 (RFC 7252 §4.7): many requests at once go one at a time, and
/// all of them complete on a clean link.
#[test]
fn nstart_limits_outstanding_requests_and_queues_the_rest() {
    let mut pair = P::new(1, LinkConfig::lossless());
    pair.trace = true;
    let opts = P::path("q");
    let hs: Vec<_> = (0..4)
        .map(|_| pair.request(&Request::get(&opts)).unwrap())
        .collect();
    // Only one request went out.
    assert_eq!(pair.client_sent.len(), 1);
    pair.run_until_settled();
    assert_eq!(pair.client_sent.len(), 4);
    for h in hs {
        assert!(matches!(pair.outcome(h), Some(Outcome::Completed { .. })));
    }
}

/// The duplicate suppression counters move on a duplicating link, and the
/// replies the server replays are the cached ones (same bytes).
#[test]
fn duplicated_con_requests_get_the_cached_response() {
    let mut pair = P::new(
        3,
        LinkConfig {
            duplicate_per_million: 1_000_000,
            ..LinkConfig::lossless()
        },
    );
    let opts = P::path("d");
    for _ in 0..10 {
        let h = pair.request(&Request::post(&opts, b"x")).unwrap();
        pair.run_until_settled();
        assert!(matches!(pair.outcome(h), Some(Outcome::Completed { .. })));
    }
    assert_eq!(pair.delivered.len(), 10);
    let c = pair.counters();
    assert!(c.duplicates_suppressed >= 10, "{c:?}");
}

/// NON requests: a duplicate within NON_LIFETIME is dropped, not delivered.
#[test]
fn duplicated_non_requests_are_delivered_once() {
    let mut pair = P::new(
        4,
        LinkConfig {
            duplicate_per_million: 1_000_000,
            ..LinkConfig::lossless()
        },
    );
    pair.trace = true;
    let opts = P::path("n");
    let h = pair.request(&Request::post(&opts, b"x").non()).unwrap();
    pair.run_until_settled();
    assert!(matches!(pair.outcome(h), Some(Outcome::Completed { .. })));
    assert_eq!(pair.delivered.len(), 1);
    let m = Message::parse(&pair.client_sent[0].1).unwrap();
    assert_eq!(m.message_type(), MessageType::NonConfirmable);
}

/// What `mqcoap demo` runs through the harness: 1,000 CON requests, a
/// 64 KiB block-wise transfer and an observation over a lossy link; the
/// counters add up.
#[test]
fn demo_scenario_counters_add_up() {
    let mut pair = P::new(2024, LinkConfig::lossy(10, 5));
    let opts = P::path("demo");
    let mut hs = Vec::new();
    for k in 0..1000u32 {
        let body = k.to_be_bytes();
        hs.push(pair.request(&Request::put(&opts, &body)).unwrap());
        pair.run_until_settled();
    }
    let c = pair.counters();
    assert_eq!(c.requests, 1000);
    assert_eq!(c.completed + c.failures, 1000);
    assert!(c.delivered >= c.completed && c.delivered <= 1000);
    assert!(c.retransmissions > 0 && c.lost > 0);
    let big: Vec<u8> = (0..65536u32).map(|i| (i * 31 % 256) as u8).collect();
    let file = P::path("file");
    let put = pair.request(&Request::put(&file, &big)).unwrap();
    pair.run_until_settled();
    if matches!(pair.outcome(put), Some(Outcome::Completed { .. })) {
        assert_eq!(pair.resources.get("file"), Some(&big));
    }
    pair.make_observable("obs", 1, b"0".to_vec());
    let obs = P::path("obs");
    let h = pair.observe(&Request::get(&obs)).unwrap();
    pair.run_until_settled();
    for k in 1..=10u32 {
        pair.change_resource("obs", k.to_string().into_bytes(), k % 3 == 0);
        let t = pair.now + Duration::from_secs(1);
        pair.run_until(t);
    }
    let n = pair.notifications.iter().filter(|n| n.handle == h).count();
    assert!(n >= 5, "{n} notifications");
    assert!(pair.counters().virtual_time_us > 0);
}
