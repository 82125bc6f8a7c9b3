//! RFC 7641 §4.5 eventual consistency under loss: after the resource stops
//! changing, the client ends up with its latest state, or learns that the
//! observation ended.
//!
//! Set `TRACE=1` to print every datagram of a failing seed (with its fate on
//! the link).

use qos_engine::coap::sim::{Outcome, Pair};
use qos_engine::coap::{Handle, Request};
use qos_engine::sim::datagram::LinkConfig;
use qos_engine::{Duration, Rng};

type P = Pair<4, 64>;

/// `range`, or only the seed in `SEED` (for tracing one run).
fn seeds(range: std::ops::RangeInclusive<u64>) -> std::ops::RangeInclusive<u64> {
    match std::env::var("SEED") {
        Ok(s) => {
            let s = s.parse().unwrap();
            s..=s
        }
        Err(_) => range,
    }
}

/// How one run ended.
#[derive(Debug)]
struct End {
    /// Payload of the last notification the client application received.
    last: Option<String>,
    /// The client still considers the observation established.
    observing: bool,
    /// The client application got `Event::Failed` for the observation.
    failed: bool,
    /// Observers the server lists.
    observers: usize,
}

fn print_trace(pair: &P) {
    for s in pair.link.log() {
        let m = coap_codec::Message::parse(&s.bytes).unwrap();
        eprintln!(
            "{:>9} ms {:?}->{:?} {:?} {} mid={} observe={:?} {:?} copies={}",
            s.at.as_micros() / 1000,
            s.from,
            s.to,
            m.message_type(),
            m.code(),
            m.message_id(),
            m.observe(),
            String::from_utf8_lossy(m.payload()),
            s.copies
        );
    }
}

/// Registers an observation of `obs`, then changes it `changes` times,
/// `gap(k)` apart, CON when `con(k)` (the last change is always CON).
/// Returns the pair and the observation, or `None` when the registration
/// itself failed on this link.
fn run(
    seed: u64,
    link: LinkConfig,
    changes: u32,
    mut gap: impl FnMut(u32) -> Duration,
    mut con: impl FnMut(u32) -> bool,
) -> Option<(P, Handle)> {
    let mut pair = P::new(seed, link);
    pair.make_observable("obs", 1, b"0".to_vec());
    let opts = P::path("obs");
    let h = pair.observe(&Request::get(&opts)).unwrap();
    pair.run_until_settled();
    if !pair.client.is_alive(h) {
        return None;
    }
    pair.link.record(std::env::var_os("TRACE").is_some());
    for k in 1..=changes {
        let c = con(k) || k == changes;
        pair.change_resource("obs", k.to_string().into_bytes(), c);
        let until = pair.now + gap(k);
        pair.run_until(until);
    }
    Some((pair, h))
}

/// Lets `quiet` of virtual time pass, then reports where the run stands.
fn settle(pair: &mut P, h: Handle, quiet: Duration) -> End {
    let until = pair.now + quiet;
    pair.run_until(until);
    print_trace(pair);
    End {
        last: pair
            .notifications
            .iter()
            .rfind(|n| n.handle == h)
            .map(|n| String::from_utf8(n.payload.clone()).unwrap()),
        observing: pair.client.is_alive(h),
        failed: matches!(pair.outcome(h), Some(Outcome::Failed(_))),
        observers: pair.server.observer_count(),
    }
}

/// The CLI's scenario: 120 changes one second apart on a 10 % loss / 5 %
/// duplication link, every tenth and the last CON.
fn cli_scenario(seed: u64) -> Option<(P, Handle)> {
    run(
        seed,
        LinkConfig::lossy(10, 5),
        120,
        |_| Duration::from_secs(1),
        |k| k % 10 == 0,
    )
}

/// MAX_TRANSMIT_SPAN (RFC 7252 §4.8.2) with the default parameters.
const SPAN: Duration = Duration::from_secs(45);
/// Long enough for a CON notification to run out of retransmissions
/// (MAX_TRANSMIT_WAIT, 93 s), the client's Max-Age (60 s + 2 s margin) to
/// run out and its re-registration (RFC 7641 §3.3.1) to complete or fail
/// (another 93 s).
const QUIESCENCE: Duration = Duration::from_secs(300);

/// Regression (seeds from the CLI's report): with the state changing every
/// second and round trips up to a second, the client's ACK of a CON
/// notification usually arrived after a newer state had replaced it under
/// a new Message ID, so the server ignored it, ran out of retransmissions
/// and dropped the observer (seeds 34, 90, …), or was still backing off
/// when the run ended (seed 23). RFC 7641 §4.5.2: the ACK of the earlier
/// state completes that CON; the newer state goes out at once as the next.
#[test]
fn rfc7641_4_5_2_ack_of_superseded_con_notification_sends_the_latest_state() {
    for seed in [23u64, 34, 90, 223, 231, 236, 248, 259, 269] {
        let (mut pair, h) = cli_scenario(seed).expect("registration succeeds on these seeds");
        let end = settle(&mut pair, h, SPAN);
        assert_eq!(end.last.as_deref(), Some("120"), "seed {seed}: {end:?}");
        assert!(end.observing, "seed {seed}: {end:?}");
        assert_eq!(end.observers, 1, "seed {seed}: {end:?}");
    }
}

/// The CLI's scenario over seeds 1..=300: the last state arrives within
/// MAX_TRANSMIT_SPAN of quiet unless the link ate a CON notification's
/// every transmission or acknowledgement (then the server removed the
/// observer, RFC 7641 §4.5); in every seed it has arrived after the
/// client's Max-Age re-registration (§3.3.1), and client and server agree
/// the observation is alive.
#[test]
fn rfc7641_4_5_latest_state_arrives_cli_scenario_300_seeds() {
    let (mut checked, mut within_span) = (0, 0);
    for seed in seeds(1..=300) {
        let Some((mut pair, h)) = cli_scenario(seed) else {
            continue;
        };
        checked += 1;
        let end = settle(&mut pair, h, SPAN);
        if end.last.as_deref() == Some("120") {
            within_span += 1;
        }
        let end = settle(&mut pair, h, QUIESCENCE);
        assert_eq!(end.last.as_deref(), Some("120"), "seed {seed}: {end:?}");
        assert!(end.observing && end.observers == 1, "seed {seed}: {end:?}");
    }
    eprintln!("{within_span} of {checked} within MAX_TRANSMIT_SPAN");
    assert!(checked > 280, "only {checked} registrations succeeded");
    assert!(
        within_span + 5 >= checked,
        "{within_span} of {checked} within MAX_TRANSMIT_SPAN"
    );
}

/// RFC 7641 §4.5 eventual consistency, over 2,000 seeds of random links
/// (0–40 % loss, 0–30 % duplication, 1–500 ms delay), change rates (0–1.5 s
/// apart, 5–80 changes) and CON mixes: once the resource stops changing
/// (its last change sent CON) and the network has been quiet long enough,
/// the client has the last state, or the client application got an event
/// ending the observation.
#[test]
fn rfc7641_4_5_after_quiescence_client_has_last_state_or_was_told_it_ended() {
    let (mut runs, mut latest, mut told) = (0, 0, 0);
    for seed in seeds(1..=2000) {
        let mut rng = Rng::new(seed ^ 0x7641);
        let link = LinkConfig::lossy(rng.below(41) as u32, rng.below(31) as u32);
        let changes = 5 + rng.below(76) as u32;
        let con_ppm = rng.below(1_000_001) as u32;
        let max_gap = 1 + rng.below(1500);
        let mut gaps = Rng::new(seed ^ 0x4_5002);
        let mut cons = Rng::new(seed ^ 0x4_5005);
        let Some((mut pair, h)) = run(
            seed,
            link,
            changes,
            |_| Duration::from_millis(gaps.below(max_gap)),
            |_| cons.chance(con_ppm),
        ) else {
            continue;
        };
        runs += 1;
        let end = settle(&mut pair, h, QUIESCENCE);
        let last = changes.to_string();
        if end.last.as_deref() == Some(last.as_str()) {
            assert!(end.observing || end.failed, "seed {seed}: {end:?}");
            latest += 1;
        } else {
            assert!(
                end.failed && !end.observing,
                "seed {seed}: neither the last state {last} nor an end: {end:?}"
            );
            told += 1;
        }
    }
    eprintln!("{runs} runs: {latest} got the last state, {told} were told it ended");
    assert!(runs > 1500, "only {runs} registrations succeeded");
    assert!(
        latest > runs * 9 / 10,
        "{latest} of {runs} got the last state ({told} told it ended)"
    );
}
