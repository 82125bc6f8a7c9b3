//! RFC 7959 §2.6 / §3.4: a notification larger than one block arrives as its
//! first block (Block2 NUM 0, M = 1); the client endpoint fetches the rest
//! with GETs that carry no Observe and a token of their own, and reports the
//! blocks under the observation's handle.

use coap_codec::{Code, Message, OptionNumber};
use qos_engine::coap::sim::{Outcome, Pair};
use qos_engine::coap::Request;
use qos_engine::sim::datagram::LinkConfig;
use qos_engine::{Duration, Rng};

type P = Pair<4, 64>;

fn body(version: u32, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(31).wrapping_add(version * 7) as u8)
        .collect()
}

#[test]
fn rfc7959_2_6_client_fetches_rest_of_blockwise_notification_without_observe() {
    let mut pair = P::new(1, LinkConfig::lossless());
    pair.trace = true;
    let first = body(0, 2500);
    pair.make_observable("big", 1, first.clone());
    let opts = P::path("big");
    let h = pair.observe(&Request::get(&opts)).unwrap();
    pair.run_until_settled();
    assert!(pair.client.is_alive(h));
    // The registration's answer was block-wise too: 3 blocks of 1024.
    assert_eq!(pair.notifications.len(), 1);
    assert_eq!(pair.notifications[0].payload, first);

    let second = body(1, 5000);
    pair.change_resource("big", second.clone(), false);
    let until = pair.now + Duration::from_secs(5);
    pair.run_until(until);
    assert_eq!(pair.notifications.len(), 2);
    assert_eq!(pair.notifications[1].payload, second);
    assert!(pair.notifications[1].observe > pair.notifications[0].observe);
    assert!(pair.client.is_alive(h), "the observation goes on");
    assert_eq!(pair.server.observer_count(), 1);

    // On the wire: the registration GET (Observe 0), then GETs for blocks
    // 1.. with Block2 NUM > 0, no Observe, a token other than the
    // observation's (RFC 7959 §3.4: "the requests for additional blocks
    // cannot make use of the token of the Observation relationship").
    let sent: Vec<Message<'_>> = pair
        .client_sent
        .iter()
        .map(|(_, b)| Message::parse(b).unwrap())
        .filter(|m| m.code() == Code::GET)
        .collect();
    let obs_token = sent[0].token().to_vec();
    assert_eq!(sent[0].observe().unwrap(), Some(0));
    let nums: Vec<u32> = sent[1..]
        .iter()
        .map(|m| m.block2().unwrap().unwrap().num())
        .collect();
    // 2500 bytes: blocks 1, 2; 5000 bytes: blocks 1..=4.
    assert_eq!(nums, [1, 2, 1, 2, 3, 4]);
    for m in &sent[1..] {
        assert_eq!(m.observe().unwrap(), None);
        assert_ne!(m.token(), &obs_token[..]);
        assert!(m.option(OptionNumber::URI_PATH).is_some());
    }
}

/// Under loss, duplication and reordering, with the resource changing while
/// its blocks are being fetched: every notification the application
/// receives is one whole version (the ETag check, RFC 7959 §2.6, never lets
/// blocks of two versions mix), in order, and after quiescence the client
/// has the last version or was told the observation ended.
#[test]
fn rfc7959_2_6_blockwise_notifications_are_whole_versions_and_converge() {
    let (mut runs, mut latest) = (0, 0);
    for seed in 1..=300u64 {
        let mut rng = Rng::new(seed ^ 0xB10C);
        let link = LinkConfig::lossy(rng.below(21) as u32, rng.below(21) as u32);
        let mut pair = P::new(seed, link);
        let lens: Vec<usize> = (0..=12).map(|_| rng.below(6000) as usize).collect();
        pair.make_observable("big", 1, body(0, lens[0]));
        let opts = P::path("big");
        let h = pair.observe(&Request::get(&opts)).unwrap();
        pair.run_until_settled();
        if !pair.client.is_alive(h) {
            continue;
        }
        runs += 1;
        for (k, &len) in lens.iter().enumerate().skip(1) {
            let con = k == lens.len() - 1 || rng.chance(300_000);
            pair.change_resource("big", body(k as u32, len), con);
            let until = pair.now + Duration::from_millis(rng.below(3000));
            pair.run_until(until);
        }
        let until = pair.now + Duration::from_secs(300);
        pair.run_until(until);
        let seen: Vec<&Vec<u8>> = pair
            .notifications
            .iter()
            .filter(|n| n.handle == h)
            .map(|n| &n.payload)
            .collect();
        let versions: Vec<usize> = seen
            .iter()
            .map(|p| {
                (0..lens.len())
                    .rev()
                    .find(|&k| **p == body(k as u32, lens[k]))
                    .unwrap_or_else(|| panic!("seed {seed}: a notification mixing versions"))
            })
            .collect();
        assert!(
            versions.windows(2).all(|w| w[0] <= w[1]),
            "seed {seed}: out of order {versions:?}"
        );
        let last = lens.len() - 1;
        if versions.last() == Some(&last) {
            latest += 1;
        } else {
            assert!(
                matches!(pair.outcome(h), Some(Outcome::Failed(_))) && !pair.client.is_alive(h),
                "seed {seed}: versions {versions:?}, neither the last nor an end"
            );
        }
    }
    assert!(runs > 250, "only {runs} registrations succeeded");
    assert!(
        latest > runs * 9 / 10,
        "{latest} of {runs} got the last version"
    );
}
