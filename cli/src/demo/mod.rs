//! `mqcoap demo`: both engines, client and server, over in-memory links that
//! lose, duplicate, reorder and cut — no server needed, seconds of wall time,
//! every run reproducible from `--seed`.
//!
//! Four scenarios, each checking what its protocol promises:
//! - MQTT: 10,000 QoS 2 messages over a TCP-like link that cuts the
//!   connection now and then; the client reconnects and resumes the session.
//!   Every message is delivered exactly once and in order.
//! - CoAP: 1,000 confirmable requests over a lossy datagram link. Each one
//!   reaches the server application exactly once, or the client learns of
//!   its failure within MAX_TRANSMIT_WAIT.
//! - CoAP block-wise: 64 KiB up (Block1) and down (Block2), byte-identical.
//! - CoAP Observe: 120 changes of a resource, one per virtual second;
//!   notifications arrive in order and stop after deregistration.
//!
//! Exit status 0 only if every invariant held.

pub mod report;

use crate::opts::Demo;
use coap_codec::Code;
use mqtt_codec::QoS;
use qos_engine::coap::sim::{Outcome, Pair as CoapPair};
use qos_engine::coap::{Failure, Request, TransmissionParameters};
use qos_engine::mqtt::sim::{Pair as MqttPair, PairConfig};
use qos_engine::sim::{datagram, stream};
use qos_engine::{Duration as VDuration, Rng};
use report::{table, Progress, Row};
use std::process::ExitCode;
use std::time::{Duration, Instant as WallInstant};

/// The CoAP pair: 4 exchanges, 64 dedup entries, 1152-byte messages.
type Coap = CoapPair<4, 64>;

const MQTT_MESSAGES: u32 = 10_000;
const COAP_REQUESTS: u32 = 1_000;
const BLOCKWISE_BYTES: usize = 64 * 1024;
const OBSERVE_CHANGES: u32 = 120;

/// The datagram link of the CoAP scenarios: 10 % loss, 5 % duplication,
/// 1–500 ms delays (so datagrams overtake each other).
fn lossy() -> datagram::LinkConfig {
    datagram::LinkConfig::lossy(10, 5)
}

fn vtime(us: u64) -> Duration {
    Duration::from_micros(us)
}

/// MQTT: a client publishes 10,000 QoS 2 messages to a server session over
/// a stream link that cuts about one write in 500.
fn mqtt_stream(seed: u64, progress: &mut Progress) -> Row {
    let cfg = PairConfig {
        client_messages: MQTT_MESSAGES,
        server_messages: 0,
        qos: Some(QoS::ExactlyOnce),
        link: stream::LinkConfig {
            cut_per_million: 2_000,
            ..stream::LinkConfig::default()
        },
        restart_per_million: 0,
        ..PairConfig::default()
    };
    let wall = WallInstant::now();
    let mut pair = MqttPair::new(cfg, seed);
    let mut steps: u64 = 0;
    while pair.step() {
        steps += 1;
        if steps % 4096 == 0 {
            let r = pair.report();
            progress.update(&format!(
                "mqtt: {}/{MQTT_MESSAGES} QoS 2 messages delivered, {} reconnects, virtual {:.0}s",
                r.delivered_qos2,
                r.reconnects,
                r.virtual_time.as_secs_f64()
            ));
        }
    }
    let r = pair.finish();
    let verdict = if !r.violations.is_empty() {
        Err(format!(
            "{} violation(s), first: {}",
            r.violations.len(),
            r.violations[0]
        ))
    } else if !r.completed {
        Err("not every message was delivered and acknowledged".into())
    } else if r.delivered_qos2 != r.sent_qos2 {
        Err(format!(
            "{} of {} QoS 2 messages delivered",
            r.delivered_qos2, r.sent_qos2
        ))
    } else {
        Ok(())
    };
    let row = Row {
        name: "mqtt qos2 stream".into(),
        sent: r.sent,
        delivered: r.delivered,
        duplicates: r.duplicates_suppressed,
        retransmissions: r.retransmissions,
        reconnects: Some(r.reconnects),
        virtual_time: r.virtual_time,
        wall_time: wall.elapsed(),
        verdict,
    };
    progress.finish(&format!(
        "mqtt: {}/{} delivered exactly once, {} reconnects, {} cuts",
        r.delivered_qos2, r.sent_qos2, r.reconnects, r.link.cuts
    ));
    row
}

/// CoAP: 1,000 CON requests, one after another (NSTART = 1).
fn coap_requests(seed: u64, progress: &mut Progress) -> Row {
    let wall = WallInstant::now();
    let wait = TransmissionParameters::default().max_transmit_wait();
    let mut pair = Coap::new(seed, lossy());
    let mut problems = Vec::new();
    let (mut completed, mut failed) = (0u64, 0u64);
    let mut handles = Vec::with_capacity(COAP_REQUESTS as usize);
    for k in 0..COAP_REQUESTS {
        let path = format!("req/{k}");
        let opts = Coap::path(&path);
        let body = format!("request {k}");
        let h = match pair.request(&Request::post(&opts, body.as_bytes())) {
            Ok(h) => h,
            Err(e) => {
                problems.push(format!("request {k} not sent: {e}"));
                continue;
            }
        };
        pair.run_until_settled();
        handles.push((k, h));
        if k % 20 == 0 {
            let c = pair.counters();
            progress.update(&format!(
                "coap: {k}/{COAP_REQUESTS} CON requests, {} retransmissions, {} lost datagrams",
                c.retransmissions, c.lost
            ));
        }
    }
    // Exactly once, or a failure within MAX_TRANSMIT_WAIT (RFC 7252 §4.2).
    let mut times = vec![0u32; COAP_REQUESTS as usize];
    for d in &pair.delivered {
        if let Some(k) = d
            .path
            .strip_prefix("req/")
            .and_then(|k| k.parse::<usize>().ok())
        {
            if let Some(t) = times.get_mut(k) {
                *t += 1;
            }
        }
    }
    for (k, h) in handles {
        let n = times[k as usize];
        match pair.outcome(h) {
            Some(Outcome::Completed { code, .. }) if *code == Code::CREATED && n == 1 => {
                completed += 1
            }
            Some(Outcome::Completed { code, .. }) => {
                problems.push(format!("request {k}: {code} after {n} deliveries"))
            }
            Some(Outcome::Failed(Failure::Timeout)) => {
                failed += 1;
                let late = pair
                    .failure_times
                    .iter()
                    .find(|f| f.0 == h)
                    .is_some_and(|(_, start, end)| end.saturating_duration_since(*start) > wait);
                if late || n > 1 {
                    problems.push(format!("request {k}: failed late or delivered {n} times"));
                }
            }
            other => problems.push(format!("request {k}: ended with {other:?}")),
        }
    }
    let c = pair.counters();
    progress.finish(&format!(
        "coap: {completed} requests answered, {failed} failed in time, {} lost and {} duplicated datagrams",
        c.lost, c.duplicated
    ));
    Row {
        name: "coap con requests".into(),
        sent: u64::from(COAP_REQUESTS),
        delivered: c.delivered,
        duplicates: c.duplicates_suppressed,
        retransmissions: c.retransmissions,
        reconnects: None,
        virtual_time: vtime(c.virtual_time_us),
        wall_time: wall.elapsed(),
        verdict: match problems.first() {
            None => Ok(()),
            Some(p) => Err(format!(
                "{} request(s) broke the rule, first: {p}",
                problems.len()
            )),
        },
    }
}

/// CoAP block-wise: 64 KiB PUT (Block1), then GET (Block2), over a link
/// losing 5 % and duplicating 5 %.
fn coap_blockwise(seed: u64, progress: &mut Progress) -> Row {
    let wall = WallInstant::now();
    let mut rng = Rng::new(seed ^ 0xB10C);
    let mut body = vec![0u8; BLOCKWISE_BYTES];
    rng.fill(&mut body);
    let mut pair = Coap::new(seed, datagram::LinkConfig::lossy(5, 5));
    let opts = Coap::path("files/blob");
    progress.update("coap: 64 KiB block-wise upload …");
    let mut problems = Vec::new();
    let mut blocks = 0u64;
    match pair.request(&Request::put(&opts, &body).block_szx(6)) {
        Ok(h) => {
            pair.run_until_settled();
            match pair.outcome(h) {
                Some(Outcome::Completed { code, .. })
                    if *code == Code::CREATED || *code == Code::CHANGED => {}
                other => problems.push(format!("upload ended with {other:?}")),
            }
        }
        Err(e) => problems.push(format!("upload not started: {e}")),
    }
    let delivered = pair
        .delivered
        .iter()
        .filter(|d| d.path == "files/blob")
        .count();
    if pair
        .delivered
        .iter()
        .any(|d| d.path == "files/blob" && d.body != body)
    {
        problems.push("the server received a body that differs".into());
    }
    blocks += BLOCKWISE_BYTES.div_ceil(1024) as u64;
    progress.update("coap: 64 KiB block-wise download …");
    match pair.request(&Request::get(&opts).block_szx(6)) {
        Ok(h) => {
            pair.run_until_settled();
            match pair.outcome(h) {
                Some(Outcome::Completed { code, body: got }) if *code == Code::CONTENT => {
                    if *got != body {
                        problems.push(format!("downloaded body differs ({} bytes)", got.len()));
                    }
                }
                other => problems.push(format!("download ended with {other:?}")),
            }
        }
        Err(e) => problems.push(format!("download not started: {e}")),
    }
    blocks += BLOCKWISE_BYTES.div_ceil(1024) as u64;
    let c = pair.counters();
    progress.finish(&format!(
        "coap: 64 KiB up and down in 1 KiB blocks, {} retransmissions, {}",
        c.retransmissions,
        if problems.is_empty() {
            "byte-identical"
        } else {
            "FAILED"
        }
    ));
    Row {
        name: "coap block-wise 64 KiB".into(),
        sent: blocks,
        delivered: if problems.is_empty() {
            blocks
        } else {
            delivered as u64
        },
        duplicates: c.duplicates_suppressed,
        retransmissions: c.retransmissions,
        reconnects: None,
        virtual_time: vtime(c.virtual_time_us),
        wall_time: wall.elapsed(),
        verdict: match problems.first() {
            None => Ok(()),
            Some(p) => Err(p.clone()),
        },
    }
}

/// CoAP Observe: the server changes `/obs` once per virtual second; every
/// fifth notification is confirmable.
fn coap_observe(seed: u64, progress: &mut Progress) -> Row {
    let wall = WallInstant::now();
    let mut pair = Coap::new(seed, lossy());
    pair.make_observable("obs", 1, b"0".to_vec());
    let opts = Coap::path("obs");
    let mut problems = Vec::new();
    let h = match pair.observe(&Request::get(&opts)) {
        Ok(h) => h,
        Err(e) => {
            return Row {
                name: "coap observe".into(),
                verdict: Err(format!("registration not sent: {e}")),
                ..Row::default()
            }
        }
    };
    pair.run_until_settled();
    if !pair.client.is_alive(h) {
        problems.push("the registration failed".to_owned());
    }
    for k in 1..=OBSERVE_CHANGES {
        // Every tenth notification, and the last, is confirmable.
        let con = k % 10 == 0 || k == OBSERVE_CHANGES;
        pair.change_resource("obs", k.to_string().into_bytes(), con);
        let until = pair.now + VDuration::from_secs(1);
        pair.run_until(until);
        if k % 10 == 0 {
            progress.update(&format!(
                "coap: observing, {k}/{OBSERVE_CHANGES} changes, {} notifications",
                pair.notifications.len()
            ));
        }
    }
    // The last state went confirmable: give it MAX_TRANSMIT_SPAN to arrive.
    let until = pair.now + TransmissionParameters::default().max_transmit_span();
    pair.run_until(until);
    let seen: Vec<u32> = pair
        .notifications
        .iter()
        .filter(|n| n.handle == h)
        .filter_map(|n| std::str::from_utf8(&n.payload).ok()?.parse().ok())
        .collect();
    if !seen.windows(2).all(|w| w[0] < w[1]) {
        problems.push("a notification arrived after a newer one".to_owned());
    }
    // Deregister (RFC 7641 §3.6); nothing may arrive afterwards.
    let before = pair.notifications.len();
    if pair.client.deregister(pair.now, h).is_err() {
        problems.push("could not deregister".to_owned());
    }
    for k in 1..=10u32 {
        pair.change_resource("obs", (OBSERVE_CHANGES + k).to_string().into_bytes(), false);
        let until = pair.now + VDuration::from_secs(1);
        pair.run_until(until);
    }
    if pair.notifications.len() != before {
        problems.push("notifications arrived after deregistration".to_owned());
    }
    let c = pair.counters();
    progress.finish(&format!(
        "coap: {} of {OBSERVE_CHANGES} changes notified, in order; none after deregistration",
        seen.len()
    ));
    Row {
        name: "coap observe".into(),
        sent: u64::from(OBSERVE_CHANGES),
        delivered: seen.len() as u64,
        duplicates: c.duplicates_suppressed,
        retransmissions: c.retransmissions,
        reconnects: None,
        virtual_time: vtime(c.virtual_time_us),
        wall_time: wall.elapsed(),
        verdict: match problems.first() {
            None => Ok(()),
            Some(p) => Err(p.clone()),
        },
    }
}

/// `mqcoap demo [--seed N]`.
pub fn run(o: Demo) -> ExitCode {
    let started = WallInstant::now();
    let mut progress = Progress::new();
    crate::say!(
        "demo, seed {}: MQTT over a TCP-like link that cuts about 1 write in 500; \
         CoAP over a datagram link losing 10 %, duplicating 5 %, reordering (1-500 ms delays)",
        o.seed
    );
    let rows = vec![
        mqtt_stream(o.seed, &mut progress),
        coap_requests(o.seed, &mut progress),
        coap_blockwise(o.seed, &mut progress),
        coap_observe(o.seed, &mut progress),
    ];
    let held = rows.iter().all(|r| r.verdict.is_ok());
    let mut out = table(&rows);
    out.push_str(&format!(
        "seed {}, {:.2}s wall time in all: {}\n",
        o.seed,
        started.elapsed().as_secs_f64(),
        if held {
            "every invariant held"
        } else {
            "SOME INVARIANTS BROKE"
        }
    ));
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    if held {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
