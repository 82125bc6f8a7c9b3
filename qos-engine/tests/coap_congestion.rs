//! RFC 7252 §4.7 congestion control towards a peer that does not respond:
//! NSTART and PROBING_RATE.
//!
//! "The specific algorithm by which a client stops to 'expect' a response
//! to a Confirmable request that was acknowledged, or to a Non-confirmable
//! request, is not defined. Unless this is modified by additional
//! congestion control optimizations, it MUST be chosen in such a way that an
//! endpoint does not exceed an average data rate of PROBING_RATE in sending
//! to another endpoint that does not respond."

use coap_codec::{Code, Message, MessageBuilder, MessageType};
use qos_engine::coap::{Config, Endpoint, Event, Failure, Handle, Request, Transport};
use qos_engine::{Duration, Instant};

type Ep = Endpoint<u8>;
const SILENT: u8 = 1;
const OTHER: u8 = 2;
/// A short response timeout, so that PROBING_RATE (1 byte/s) is what
/// decides when the next request may go.
const TIMEOUT: Duration = Duration::from_secs(2);
const BODY: [u8; 40] = [b'x'; 40];

fn client() -> Ep {
    Endpoint::new(
        Config {
            seed: 7,
            response_timeout: TIMEOUT,
            ..Config::default()
        },
        Instant::ZERO,
    )
}

/// Everything `ep` sends at `now`: (peer, bytes).
fn sent(ep: &mut Ep, now: Instant) -> Vec<(u8, Vec<u8>)> {
    let mut buf = [0u8; 1152];
    let mut out = Vec::new();
    while let Some(t) = ep.poll_transmit(now, &mut buf) {
        out.push((t.peer, buf[..t.len].to_vec()));
    }
    out
}

/// A CoAP ping: an Empty CON (answered with a Reset, RFC 7252 §4.3).
fn ping(mid: u16) -> Vec<u8> {
    let mut buf = [0u8; 4];
    let n = MessageBuilder::new(MessageType::Confirmable, Code::EMPTY, mid)
        .build(&mut buf)
        .unwrap();
    buf[..n].to_vec()
}

fn secs(s: u64) -> Instant {
    Instant::ZERO + Duration::from_secs(s)
}

/// A NON POST of `BODY` to `SILENT` at 0 s, sent and never answered, and a
/// second request to the same peer queued behind it (NSTART 1) at 1 s.
/// Returns the client, both handles and the first request's size.
fn unanswered_non_then_queued() -> (Ep, Handle, Handle, usize) {
    let mut c = client();
    let first = c
        .request(Instant::ZERO, SILENT, &Request::post(&[], &BODY).non())
        .unwrap();
    let out = sent(&mut c, Instant::ZERO);
    assert_eq!(out.len(), 1);
    let len = out[0].1.len();
    assert_eq!(
        Message::parse(&out[0].1).unwrap().message_type(),
        MessageType::NonConfirmable
    );
    let second = c.request(secs(1), SILENT, &Request::get(&[])).unwrap();
    assert!(sent(&mut c, secs(1)).is_empty(), "NSTART 1: it waits");
    (c, first, second, len)
}

#[test]
fn rfc7252_4_7_an_unanswered_non_request_holds_the_next_request_to_probing_rate() {
    let (mut c, first, _, len) = unanswered_non_then_queued();
    // The response timeout ends the first exchange for the application…
    assert_eq!(c.poll_timeout(), Some(Instant::ZERO + TIMEOUT));
    c.handle_timeout(Instant::ZERO + TIMEOUT);
    assert_eq!(
        c.poll_event(),
        Some(Event::Failed {
            handle: first,
            reason: Failure::ResponseTimeout
        })
    );
    // … but its bytes went unanswered: at 1 byte/s they take `len` seconds,
    // counted from when they were sent, and the next request waits for that.
    assert!(len as u64 > TIMEOUT.as_secs(), "len {len}");
    assert!(sent(&mut c, Instant::ZERO + TIMEOUT).is_empty());
    let until = secs(len as u64);
    assert_eq!(c.poll_timeout(), Some(until));
    c.handle_timeout(until - Duration::from_millis(1));
    assert!(sent(&mut c, until - Duration::from_millis(1)).is_empty());
    c.handle_timeout(until);
    let out = sent(&mut c, until);
    assert_eq!(out.len(), 1, "the queued GET goes at {until:?}");
    assert_eq!(out[0].0, SILENT);
    assert_eq!(Message::parse(&out[0].1).unwrap().code(), Code::GET);
    assert_eq!(c.stats().probing_holds, 1);
}

#[test]
fn rfc7252_4_7_a_new_request_to_a_silent_peer_waits_too() {
    let mut c = client();
    c.request(Instant::ZERO, SILENT, &Request::post(&[], &BODY).non())
        .unwrap();
    let len = sent(&mut c, Instant::ZERO)[0].1.len();
    c.handle_timeout(Instant::ZERO + TIMEOUT);
    // Made after the failure: still inside the quiet time.
    c.request(secs(3), SILENT, &Request::get(&[]).non())
        .unwrap();
    assert!(sent(&mut c, secs(3)).is_empty());
    assert_eq!(c.poll_timeout(), Some(secs(len as u64)));
    c.handle_timeout(secs(len as u64));
    assert_eq!(sent(&mut c, secs(len as u64)).len(), 1);
}

#[test]
fn rfc7252_4_7_other_peers_are_not_held() {
    let (mut c, _, _, _) = unanswered_non_then_queued();
    c.handle_timeout(Instant::ZERO + TIMEOUT);
    c.request(Instant::ZERO + TIMEOUT, OTHER, &Request::get(&[]))
        .unwrap();
    let out = sent(&mut c, Instant::ZERO + TIMEOUT);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].0, OTHER);
}

#[test]
fn rfc7252_4_7_a_message_from_the_peer_ends_the_hold() {
    let (mut c, _, _, _) = unanswered_non_then_queued();
    c.handle_timeout(Instant::ZERO + TIMEOUT);
    assert!(sent(&mut c, Instant::ZERO + TIMEOUT).is_empty());
    // The peer shows it is alive (a CoAP ping: an Empty CON, answered with
    // a Reset by §4.3): the held request goes at once.
    c.handle_datagram(secs(3), SILENT, &ping(0x4242));
    let out = sent(&mut c, secs(3));
    let kinds: Vec<_> = out
        .iter()
        .map(|(_, b)| {
            let m = Message::parse(b).unwrap();
            (m.message_type(), m.code())
        })
        .collect();
    assert!(
        kinds.contains(&(MessageType::Reset, Code::EMPTY)),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&(MessageType::Confirmable, Code::GET)),
        "{kinds:?}"
    );
}

#[test]
fn rfc7252_4_7_a_peer_heard_from_before_the_timeout_is_not_held() {
    let (mut c, _, _, _) = unanswered_non_then_queued();
    // The peer is alive (a CoAP ping at 1 s) but never answers the POST.
    c.handle_datagram(secs(1), SILENT, &ping(0x4243));
    let _ = sent(&mut c, secs(1));
    c.handle_timeout(Instant::ZERO + TIMEOUT);
    let out = sent(&mut c, Instant::ZERO + TIMEOUT);
    assert_eq!(out.len(), 1, "the queued GET goes with the timeout");
    assert_eq!(c.stats().probing_holds, 0);
}

#[test]
fn rfc7252_4_7_a_small_request_whose_bytes_averaged_out_is_not_held() {
    // With a 120 s response timeout, a message of up to 120 bytes has
    // averaged out to 1 byte/s by the time the exchange ends: nothing held.
    let mut c: Ep = Endpoint::new(
        Config {
            response_timeout: Duration::from_secs(120),
            ..Config::default()
        },
        Instant::ZERO,
    );
    c.request(Instant::ZERO, SILENT, &Request::post(&[], &BODY).non())
        .unwrap();
    assert_eq!(sent(&mut c, Instant::ZERO).len(), 1);
    c.request(Instant::ZERO, SILENT, &Request::get(&[]))
        .unwrap();
    c.handle_timeout(secs(120));
    assert_eq!(sent(&mut c, secs(120)).len(), 1, "the GET goes at once");
    assert_eq!(c.stats().probing_holds, 0);
}

#[test]
fn rfc7252_4_7_an_acknowledged_con_request_does_not_hold() {
    let mut c = client();
    c.request(Instant::ZERO, SILENT, &Request::post(&[], &BODY))
        .unwrap();
    let out = sent(&mut c, Instant::ZERO);
    let mid = Message::parse(&out[0].1).unwrap().message_id();
    // The peer acknowledges (it responds) but never sends the response.
    let mut ack = [0u8; 4];
    let n = MessageBuilder::empty_ack(mid).build(&mut ack).unwrap();
    c.handle_datagram(secs(1), SILENT, &ack[..n]);
    c.request(secs(1), SILENT, &Request::get(&[])).unwrap();
    let t = secs(1) + TIMEOUT;
    assert_eq!(c.poll_timeout(), Some(t));
    c.handle_timeout(t);
    assert!(matches!(
        c.poll_event(),
        Some(Event::Failed {
            reason: Failure::ResponseTimeout,
            ..
        })
    ));
    assert_eq!(sent(&mut c, t).len(), 1, "the GET goes at once");
    assert_eq!(c.stats().probing_holds, 0);
}

#[test]
fn rfc8323_reliable_transports_are_paced_by_tcp_not_probing_rate() {
    let mut c: Ep = Endpoint::new(
        Config {
            transport: Transport::Reliable,
            response_timeout: TIMEOUT,
            ..Config::default()
        },
        Instant::ZERO,
    );
    c.open(Instant::ZERO, SILENT).unwrap();
    c.request(Instant::ZERO, SILENT, &Request::post(&[], &BODY).non())
        .unwrap();
    assert_eq!(sent(&mut c, Instant::ZERO).len(), 2, "CSM and the POST");
    c.request(Instant::ZERO, SILENT, &Request::get(&[]))
        .unwrap();
    c.handle_timeout(Instant::ZERO + TIMEOUT);
    assert_eq!(sent(&mut c, Instant::ZERO + TIMEOUT).len(), 1);
    assert_eq!(c.stats().probing_holds, 0);
}
