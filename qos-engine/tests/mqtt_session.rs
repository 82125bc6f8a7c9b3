//! Scripted tests of `mqtt::Session` (smoltcp style): a session on one side,
//! hand-made packets on the other. Each test names the statement of the MQTT
//! 5.0 specification it proves; conformance/mqtt-5.0-session.txt lists them.

use std::num::NonZeroU16;

use mqtt_codec::{
    ConnAck, DecodeOptions, Disconnect, Packet, PacketType, Properties, Property, ProtocolLevel,
    PubResponse, Publish, QoS, ReasonCode, Status,
};
use qos_engine::mqtt::{
    AcceptOptions, CommandError, Config, ConnectOptions, DisconnectCause, Event, PeerError,
    PublishOptions, Session,
};
use qos_engine::{Duration, Instant};

type S = Session<4, 1024, 512>;

/// A frame the session wrote, reduced to what the tests compare.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Out {
    ty: PacketType,
    pid: Option<u16>,
    dup: bool,
    reason: Option<u8>,
    topic: String,
    alias: Option<u16>,
    payload: Vec<u8>,
    expiry: Option<u32>,
}

struct T {
    s: S,
    now: Instant,
    level: ProtocolLevel,
    closed: bool,
}

impl T {
    fn new(cfg: Config) -> T {
        let level = cfg.protocol;
        T {
            s: Session::new(cfg, Instant::ZERO),
            now: Instant::ZERO,
            level,
            closed: false,
        }
    }

    /// A client connected with `opts`, CONNACK `props` accepted.
    fn client(level: ProtocolLevel, opts: ConnectOptions<'_>, props: &[Property<'_>]) -> T {
        T::client_with(Config::client(level), opts, props)
    }

    /// [`T::client`] with the session configured by `cfg`.
    fn client_with(cfg: Config, opts: ConnectOptions<'_>, props: &[Property<'_>]) -> T {
        let mut t = T::new(cfg);
        t.s.handle_transport_up(t.now);
        t.s.connect(t.now, &opts).unwrap();
        assert_eq!(t.out()[0].ty, PacketType::Connect);
        t.connack(false, props);
        assert!(t.events()[0].starts_with("Connected"));
        t
    }

    fn connack(&mut self, session_present: bool, props: &[Property<'_>]) {
        self.feed(Packet::ConnAck(ConnAck {
            session_present,
            reason_code: ReasonCode::Success,
            properties: Properties::from_list(props),
        }));
    }

    fn feed(&mut self, p: Packet<'_>) {
        let mut buf = [0u8; 2048];
        let n = p.encode(self.level, &mut buf).unwrap();
        self.feed_bytes(&buf[..n]);
    }

    fn feed_bytes(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let n = self.s.handle_bytes(self.now, bytes);
            bytes = &bytes[n..];
            if n == 0 {
                let _ = self.events();
            }
        }
    }

    /// Every frame the session writes now.
    fn out(&mut self) -> Vec<Out> {
        let mut buf = vec![0u8; S::TRANSMIT_BUF];
        let mut frames = Vec::new();
        while let Some(t) = self.s.poll_transmit(self.now, &mut buf) {
            let mut at = 0;
            while at < t.len {
                let opts = DecodeOptions::new(self.level);
                let Ok(Status::Complete((p, used))) = Packet::decode(&buf[at..t.len], &opts) else {
                    panic!(
                        "session wrote an undecodable frame: {:02x?}",
                        &buf[at..t.len]
                    );
                };
                frames.push(summarize(&p));
                at += used;
            }
            if t.close {
                self.closed = true;
            }
        }
        frames
    }

    fn events(&mut self) -> Vec<String> {
        let mut v = Vec::new();
        while let Some(ev) = self.s.poll_event() {
            v.push(match ev {
                Event::Message { topic, payload, .. } => {
                    format!("Message {topic}={}", String::from_utf8_lossy(payload))
                }
                other => format!("{other:?}"),
            });
        }
        v
    }

    fn advance(&mut self, d: Duration) {
        self.now = self.now + d;
        self.s.handle_timeout(self.now);
    }

    fn publish(&mut self, topic: &str, payload: &[u8], qos: QoS) -> Option<NonZeroU16> {
        self.s
            .publish(self.now, &PublishOptions::new(topic, payload, qos))
            .unwrap()
    }

    /// Cuts the connection and reconnects without Clean Start.
    fn reconnect(&mut self, session_present: bool, props: &[Property<'_>]) {
        self.s.handle_transport_down(self.now);
        let _ = self.events();
        self.s.handle_transport_up(self.now);
        let opts = ConnectOptions {
            clean_start: false,
            session_expiry: u32::MAX,
            ..ConnectOptions::new("c")
        };
        self.s.connect(self.now, &opts).unwrap();
        let out = self.out();
        assert_eq!(out[0].ty, PacketType::Connect);
        self.connack(session_present, props);
        let _ = self.events();
    }
}

fn summarize(p: &Packet<'_>) -> Out {
    let mut o = Out {
        ty: p.packet_type(),
        pid: None,
        dup: false,
        reason: None,
        topic: String::new(),
        alias: None,
        payload: Vec::new(),
        expiry: None,
    };
    match p {
        Packet::Publish(x) => {
            o.pid = x.packet_id;
            o.dup = x.dup;
            o.topic = x.topic.to_string();
            o.alias = x.properties.topic_alias();
            o.payload = x.payload.to_vec();
            o.expiry = x.properties.message_expiry_interval();
        }
        Packet::PubAck(r) | Packet::PubRec(r) | Packet::PubRel(r) | Packet::PubComp(r) => {
            o.pid = Some(r.packet_id);
            o.reason = Some(r.reason_code.as_u8());
        }
        Packet::Disconnect(d) => o.reason = Some(d.reason_code.as_u8()),
        Packet::ConnAck(a) => o.reason = Some(a.reason_code.as_u8()),
        Packet::Subscribe(x) => o.pid = Some(x.packet_id),
        _ => {}
    }
    o
}

fn tys(out: &[Out]) -> Vec<(PacketType, Option<u16>, bool)> {
    out.iter().map(|o| (o.ty, o.pid, o.dup)).collect()
}

fn resp(pid: u16) -> PubResponse<'static> {
    PubResponse {
        packet_id: pid,
        reason_code: ReasonCode::Success,
        properties: Properties::EMPTY,
    }
}

fn publish_in<'a>(
    topic: &'a str,
    payload: &'a [u8],
    qos: QoS,
    pid: Option<u16>,
    dup: bool,
) -> Packet<'a> {
    Packet::Publish(Publish {
        dup,
        qos,
        retain: false,
        topic: topic.into(),
        packet_id: pid,
        properties: Properties::EMPTY,
        payload,
    })
}

fn v5_client() -> T {
    let opts = ConnectOptions {
        clean_start: true,
        session_expiry: u32::MAX,
        ..ConnectOptions::new("c")
    };
    T::client(ProtocolLevel::V5, opts, &[])
}

fn pid(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).unwrap()
}

// ---------------------------------------------------------------- QoS 1/2

#[test]
fn qos1_publish_is_resent_with_dup_and_same_id_after_reconnect_mqtt_4_4_0_1() {
    let mut t = v5_client();
    let id = t.publish("a", b"1", QoS::AtLeastOnce).unwrap();
    assert_eq!(
        tys(&t.out()),
        [(PacketType::Publish, Some(id.get()), false)]
    );
    t.reconnect(true, &[]);
    // [MQTT-3.3.1-1]: DUP set on the re-delivery, original identifier.
    assert_eq!(tys(&t.out()), [(PacketType::Publish, Some(id.get()), true)]);
    t.feed(Packet::PubAck(resp(id.get())));
    assert!(t.events().iter().any(|e| e.starts_with("Published")));
    assert_eq!(t.s.inflight(), 0);
}

#[test]
fn qos2_after_pubrec_only_pubrel_is_resent_mqtt_4_3_3_6() {
    let mut t = v5_client();
    let id = t.publish("a", b"1", QoS::ExactlyOnce).unwrap();
    t.out();
    t.feed(Packet::PubRec(resp(id.get())));
    // [MQTT-4.3.3-4]: PUBREL with the same identifier.
    assert_eq!(tys(&t.out()), [(PacketType::PubRel, Some(id.get()), false)]);
    t.reconnect(true, &[]);
    // [MQTT-4.4.0-1] resend PUBREL; [MQTT-4.3.3-6] never the PUBLISH again.
    assert_eq!(tys(&t.out()), [(PacketType::PubRel, Some(id.get()), false)]);
    t.feed(Packet::PubComp(resp(id.get())));
    assert_eq!(t.s.inflight(), 0);
    assert_eq!(t.s.stats().pubrels_resent, 1);
}

#[test]
fn resent_publishes_keep_their_original_order_mqtt_4_6_0_1() {
    let mut t = v5_client();
    let a = t.publish("a", b"1", QoS::AtLeastOnce).unwrap();
    let b = t.publish("a", b"2", QoS::ExactlyOnce).unwrap();
    let c = t.publish("a", b"3", QoS::AtLeastOnce).unwrap();
    t.out();
    t.reconnect(true, &[]);
    let ids: Vec<_> = t.out().iter().map(|o| o.pid.unwrap()).collect();
    assert_eq!(ids, [a.get(), b.get(), c.get()]);
}

#[test]
fn pubrel_goes_out_in_pubrec_order_mqtt_4_6_0_4() {
    let mut t = v5_client();
    let a = t.publish("a", b"1", QoS::ExactlyOnce).unwrap();
    let b = t.publish("a", b"2", QoS::ExactlyOnce).unwrap();
    t.out();
    t.feed(Packet::PubRec(resp(b.get())));
    t.feed(Packet::PubRec(resp(a.get())));
    let ids: Vec<_> = t.out().iter().map(|o| o.pid.unwrap()).collect();
    assert_eq!(ids, [b.get(), a.get()]);
    t.reconnect(true, &[]);
    let ids: Vec<_> = t.out().iter().map(|o| o.pid.unwrap()).collect();
    assert_eq!(ids, [b.get(), a.get()]);
}

#[test]
fn pubrec_with_error_code_completes_without_pubrel_mqtt_4_4_0_2() {
    let mut t = v5_client();
    let id = t.publish("a", b"1", QoS::ExactlyOnce).unwrap();
    t.out();
    t.feed(Packet::PubRec(PubResponse {
        packet_id: id.get(),
        reason_code: ReasonCode::QuotaExceeded,
        properties: Properties::EMPTY,
    }));
    assert!(t.out().is_empty());
    assert_eq!(t.s.inflight(), 0);
    t.reconnect(true, &[]);
    assert!(t.out().is_empty(), "never retransmitted");
}

#[test]
fn incoming_qos2_redelivery_before_pubrel_is_acked_not_delivered_mqtt_4_3_3_10() {
    let mut t = v5_client();
    t.feed(publish_in("x", b"m", QoS::ExactlyOnce, Some(7), false));
    assert_eq!(t.events(), ["Message x=m"]);
    assert_eq!(tys(&t.out()), [(PacketType::PubRec, Some(7), false)]);
    t.reconnect(true, &[]);
    t.feed(publish_in("x", b"m", QoS::ExactlyOnce, Some(7), true));
    assert!(t.events().is_empty(), "not handed over twice");
    assert_eq!(tys(&t.out()), [(PacketType::PubRec, Some(7), false)]);
    // [MQTT-4.3.3-11]: PUBCOMP answers PUBREL.
    t.feed(Packet::PubRel(resp(7)));
    assert_eq!(tys(&t.out()), [(PacketType::PubComp, Some(7), false)]);
    assert_eq!(t.s.stats().duplicates_suppressed, 1);
}

#[test]
fn after_pubcomp_the_same_id_is_a_new_message_mqtt_4_3_3_12() {
    let mut t = v5_client();
    t.feed(publish_in("x", b"1", QoS::ExactlyOnce, Some(7), false));
    t.events();
    t.out();
    t.feed(Packet::PubRel(resp(7)));
    t.out();
    t.feed(publish_in("x", b"2", QoS::ExactlyOnce, Some(7), false));
    assert_eq!(t.events(), ["Message x=2"]);
}

#[test]
fn after_puback_the_same_id_is_a_new_message_mqtt_4_3_2_5() {
    let mut t = v5_client();
    t.feed(publish_in("x", b"1", QoS::AtLeastOnce, Some(3), false));
    assert_eq!(t.events(), ["Message x=1"]);
    // [MQTT-4.3.2-4]: PUBACK with the identifier of the PUBLISH.
    assert_eq!(tys(&t.out()), [(PacketType::PubAck, Some(3), false)]);
    t.feed(publish_in("x", b"2", QoS::AtLeastOnce, Some(3), true));
    assert_eq!(t.events(), ["Message x=2"]);
}

#[test]
fn manual_acks_go_out_in_arrival_order_mqtt_4_6_0_2_and_4_6_0_3() {
    let mut t = T::client_with(manual_ack(ProtocolLevel::V5), ConnectOptions::new("c"), &[]);
    t.feed(publish_in("x", b"1", QoS::AtLeastOnce, Some(1), false));
    t.feed(publish_in("x", b"2", QoS::ExactlyOnce, Some(2), false));
    assert_eq!(t.events().len(), 2);
    assert!(
        t.out().is_empty(),
        "nothing before the application acknowledges"
    );
    t.s.ack(t.now, pid(2), ReasonCode::Success).unwrap();
    assert!(t.out().is_empty(), "PUBREC 2 waits behind PUBACK 1");
    t.s.ack(t.now, pid(1), ReasonCode::Success).unwrap();
    assert_eq!(
        tys(&t.out()),
        [
            (PacketType::PubAck, Some(1), false),
            (PacketType::PubRec, Some(2), false)
        ]
    );
    assert_eq!(
        t.s.ack(t.now, pid(1), ReasonCode::Success),
        Err(CommandError::NotAwaitingAck)
    );
}

#[test]
fn unknown_pubrel_is_answered_with_pubcomp_not_found() {
    let mut t = v5_client();
    t.feed(Packet::PubRel(resp(99)));
    let out = t.out();
    assert_eq!(out[0].ty, PacketType::PubComp);
    assert_eq!(out[0].reason, Some(0x92));
}

// ---------------------------------------------------------------- flow control

fn enc(level: ProtocolLevel, packets: &[Packet<'_>]) -> Vec<u8> {
    let mut v = Vec::new();
    for p in packets {
        let mut buf = [0u8; 256];
        let n = p.encode(level, &mut buf).unwrap();
        v.extend_from_slice(&buf[..n]);
    }
    v
}

/// A client that acknowledges received messages itself.
fn manual_ack(level: ProtocolLevel) -> Config {
    Config {
        manual_ack: true,
        ..Config::client(level)
    }
}

/// A connected [`manual_ack`] client with a session that outlives it.
fn manual_client(level: ProtocolLevel) -> T {
    let opts = ConnectOptions {
        clean_start: false,
        session_expiry: u32::MAX,
        ..ConnectOptions::new("c")
    };
    T::client_with(manual_ack(level), opts, &[])
}

#[test]
fn pubrel_and_a_new_publish_in_one_read_with_the_window_full_is_no_error_mqtt_3_3_4_9() {
    // Session<4, …>: Receive Maximum 4, all four QoS 2 exchanges answered
    // with PUBREC. One read then holds PUBREL 1 and a new PUBLISH 5: the
    // peer may have sent it once our PUBCOMP for an earlier exchange
    // arrived [MQTT-4.9.0-1], or freed its quota at PUBREC (mosquitto 2.0).
    let mut t = v5_client();
    for id in 1..=4u16 {
        t.feed(publish_in("x", b"m", QoS::ExactlyOnce, Some(id), false));
        assert_eq!(t.events(), ["Message x=m"]);
    }
    assert_eq!(t.out().len(), 4, "PUBREC 1..4");
    let bytes = enc(
        ProtocolLevel::V5,
        &[
            Packet::PubRel(resp(1)),
            publish_in("x", b"5", QoS::ExactlyOnce, Some(5), false),
        ],
    );
    assert_eq!(t.s.handle_bytes(t.now, &bytes), bytes.len());
    assert_eq!(t.events(), ["Message x=5"], "no ReceiveMaximumExceeded");
    assert_eq!(
        tys(&t.out()),
        [
            (PacketType::PubComp, Some(1), false),
            (PacketType::PubRec, Some(5), false)
        ]
    );
    assert!(!t.closed);
    assert_eq!(t.s.inbound_inflight(), 4, "2, 3, 4 and 5");
}

#[test]
fn a_peer_freeing_its_quota_at_pubrec_lets_go_the_oldest_answered_exchange() {
    // Beyond Receive Maximum, but every exchange is answered with PUBREC:
    // the oldest identifier is let go instead of disconnecting with 0x93,
    // and its PUBREL still gets a PUBCOMP [MQTT-4.3.3-11].
    let mut t = v5_client();
    for id in 1..=5u16 {
        t.feed(publish_in("x", b"m", QoS::ExactlyOnce, Some(id), false));
        assert_eq!(t.events(), ["Message x=m"], "message {id}");
        assert_eq!(tys(&t.out()), [(PacketType::PubRec, Some(id), false)]);
    }
    assert_eq!(t.s.stats().pubrec_exchanges_released, 1);
    assert_eq!(t.s.inbound_inflight(), 4);
    t.feed(Packet::PubRel(resp(1)));
    assert_eq!(tys(&t.out()), [(PacketType::PubComp, Some(1), false)]);
    assert!(!t.closed);
}

#[test]
fn a_v311_peer_beyond_our_slots_is_slowed_down_not_disconnected() {
    // 3.1.1 has no Receive Maximum: five QoS 1 messages, four slots, none
    // acknowledged by the application yet. The fifth frame waits in the
    // receive buffer (back-pressure) until an acknowledgement is written.
    let mut t = manual_client(ProtocolLevel::V4);
    let frames: Vec<Packet<'_>> = (1..=5u16)
        .map(|id| publish_in("x", b"m", QoS::AtLeastOnce, Some(id), false))
        .collect();
    let bytes = enc(ProtocolLevel::V4, &frames);
    let n = t.s.handle_bytes(t.now, &bytes);
    assert_eq!(n, bytes.len(), "the receive buffer holds them all");
    let ev = t.events();
    assert_eq!(ev.len(), 4, "{ev:?}");
    assert!(t.out().is_empty() && !t.closed, "no error, no disconnect");
    t.s.ack(t.now, pid(1), ReasonCode::Success).unwrap();
    assert_eq!(tys(&t.out()), [(PacketType::PubAck, Some(1), false)]);
    assert_eq!(
        t.events(),
        ["Message x=m"],
        "the fifth, now that a slot is free"
    );
    for id in 2..=5 {
        t.s.ack(t.now, pid(id), ReasonCode::Success).unwrap();
    }
    assert_eq!(t.out().len(), 4);
    assert_eq!(t.s.inbound_inflight(), 0);
}

#[test]
fn a_pubcomp_lost_with_the_connection_leaves_the_exchange_open_mqtt_4_3_3_10() {
    // PUBREL 7 arrives, the connection drops before our PUBCOMP is written.
    // The peer may resend the PUBLISH (mosquitto 2.0 does after a restart)
    // or the PUBREL: the message is not handed over twice, and the PUBREL
    // gets PUBCOMP 0x00, not 0x92.
    let mut t = v5_client();
    t.feed(publish_in("x", b"m", QoS::ExactlyOnce, Some(7), false));
    assert_eq!(t.events(), ["Message x=m"]);
    assert_eq!(tys(&t.out()), [(PacketType::PubRec, Some(7), false)]);
    t.feed(Packet::PubRel(resp(7)));
    t.reconnect(true, &[]);
    t.feed(publish_in("x", b"m", QoS::ExactlyOnce, Some(7), true));
    assert!(t.events().is_empty(), "not handed over twice");
    assert_eq!(tys(&t.out()), [(PacketType::PubRec, Some(7), false)]);
    t.feed(Packet::PubRel(resp(7)));
    let out = t.out();
    assert_eq!(
        out.iter()
            .map(|o| (o.ty, o.pid, o.reason))
            .collect::<Vec<_>>(),
        [(PacketType::PubComp, Some(7), Some(0))]
    );
    // Written: the identifier is new again [MQTT-4.3.3-12].
    t.feed(publish_in("x", b"2", QoS::ExactlyOnce, Some(7), false));
    assert_eq!(t.events(), ["Message x=2"]);
}

#[test]
fn a_resent_pubrel_after_reconnect_completes_with_success_mqtt_4_3_3_11() {
    let mut t = v5_client();
    t.feed(publish_in("x", b"m", QoS::ExactlyOnce, Some(7), false));
    t.events();
    t.out();
    t.feed(Packet::PubRel(resp(7)));
    t.reconnect(true, &[]);
    t.feed(Packet::PubRel(resp(7)));
    let out = t.out();
    assert_eq!(
        out.iter()
            .map(|o| (o.ty, o.pid, o.reason))
            .collect::<Vec<_>>(),
        [(PacketType::PubComp, Some(7), Some(0))]
    );
    assert_eq!(t.s.inbound_inflight(), 0);
}

#[test]
fn a_message_lost_with_the_connection_before_its_event_is_delivered_again() {
    // The event of PUBLISH 7 was never handed out: no PUBREC goes out for
    // it, and after the reconnection the peer's resend is a delivery, not a
    // suppressed duplicate.
    let mut t = manual_client(ProtocolLevel::V5);
    t.feed(publish_in("x", b"m", QoS::ExactlyOnce, Some(7), false));
    assert!(t.out().is_empty(), "not acknowledged before delivery");
    t.reconnect(true, &[]);
    t.feed(publish_in("x", b"m", QoS::ExactlyOnce, Some(7), true));
    assert_eq!(t.events(), ["Message x=m"]);
    t.s.ack(t.now, pid(7), ReasonCode::Success).unwrap();
    assert_eq!(tys(&t.out()), [(PacketType::PubRec, Some(7), false)]);
    assert_eq!(t.s.stats().duplicates_suppressed, 0);
}

#[test]
fn receive_maximum_of_the_peer_bounds_unacknowledged_publishes_mqtt_3_3_4_7() {
    let mut t = T::client(
        ProtocolLevel::V5,
        ConnectOptions::new("c"),
        &[Property::ReceiveMaximum(1)],
    );
    let a = t.publish("a", b"1", QoS::AtLeastOnce).unwrap();
    let b = t.publish("a", b"2", QoS::AtLeastOnce).unwrap();
    t.publish("a", b"0", QoS::AtMostOnce);
    // [MQTT-4.9.0-2]: quota 1; QoS 0 may still go.
    let out = t.out();
    assert_eq!(
        out.iter().map(|o| o.pid).collect::<Vec<_>>(),
        [Some(a.get()), None]
    );
    t.feed(Packet::PubAck(resp(a.get())));
    assert_eq!(tys(&t.out()), [(PacketType::Publish, Some(b.get()), false)]);
}

#[test]
fn a_peer_overrunning_our_receive_maximum_is_disconnected_with_0x93_mqtt_3_3_4_9() {
    let mut t = v5_client(); // Session<4, …>: Receive Maximum 4
    for id in 1..=4u16 {
        t.feed(publish_in("x", b"m", QoS::ExactlyOnce, Some(id), false));
        t.events();
    }
    t.feed(publish_in("x", b"m", QoS::ExactlyOnce, Some(5), false));
    let ev = t.events();
    assert!(
        ev.iter().any(|e| e.contains("ReceiveMaximumExceeded")),
        "{ev:?}"
    );
    let out = t.out();
    assert_eq!(
        out.last().map(|o| (o.ty, o.reason)),
        Some((PacketType::Disconnect, Some(0x93)))
    );
    assert!(t.closed);
}

#[test]
fn a_full_store_is_a_typed_error_and_changes_nothing() {
    let mut t = v5_client();
    for _ in 0..4 {
        t.publish("a", b"1", QoS::AtLeastOnce).unwrap();
    }
    let before = (t.s.inflight(), t.s.store_bytes());
    let err =
        t.s.publish(t.now, &PublishOptions::new("a", b"1", QoS::AtLeastOnce));
    assert_eq!(err, Err(CommandError::InflightFull));
    assert_eq!((t.s.inflight(), t.s.store_bytes()), before);
    let mut t = v5_client();
    let big = vec![0u8; 1100];
    let err =
        t.s.publish(t.now, &PublishOptions::new("a", &big, QoS::AtLeastOnce));
    assert_eq!(err, Err(CommandError::BufferFull));
    assert_eq!(t.s.inflight(), 0);
}

#[test]
fn packet_ids_are_never_reused_while_in_use_mqtt_2_2_1_3() {
    let mut t = v5_client();
    let a = t.publish("a", b"1", QoS::AtLeastOnce).unwrap();
    let b = t.publish("a", b"1", QoS::AtLeastOnce).unwrap();
    t.out();
    t.feed(Packet::PubAck(resp(a.get())));
    t.events();
    let mut seen = vec![b.get()];
    for _ in 0..200 {
        let c = t.publish("a", b"1", QoS::AtLeastOnce).unwrap();
        assert!(!seen.contains(&c.get()), "{c} reused while in use");
        seen.push(c.get());
        t.out();
        t.feed(Packet::PubAck(resp(c.get())));
        t.events();
        seen.retain(|x| *x != c.get());
    }
}

#[test]
fn publish_larger_than_the_servers_maximum_packet_size_is_refused_mqtt_3_2_2_15() {
    let mut t = T::client(
        ProtocolLevel::V5,
        ConnectOptions::new("c"),
        &[Property::MaximumPacketSize(32)],
    );
    let err =
        t.s.publish(t.now, &PublishOptions::new("a", &[0; 40], QoS::AtMostOnce));
    assert_eq!(err, Err(CommandError::PacketTooLarge));
}

#[test]
fn qos_above_the_servers_maximum_is_refused_mqtt_3_2_2_11() {
    let mut t = T::client(
        ProtocolLevel::V5,
        ConnectOptions::new("c"),
        &[Property::MaximumQoS(1)],
    );
    let err =
        t.s.publish(t.now, &PublishOptions::new("a", b"x", QoS::ExactlyOnce));
    assert_eq!(err, Err(CommandError::QoSNotSupported));
}

// ---------------------------------------------------------------- topic aliases

#[test]
fn topic_alias_assigned_then_used_alone_never_on_resend_reset_on_reconnect_mqtt_3_3_2_7() {
    let mut t = T::client(
        ProtocolLevel::V5,
        ConnectOptions {
            clean_start: true,
            session_expiry: u32::MAX,
            ..ConnectOptions::new("c")
        },
        &[Property::TopicAliasMaximum(2)],
    );
    t.publish("long/topic", b"1", QoS::AtLeastOnce);
    t.publish("long/topic", b"2", QoS::AtLeastOnce);
    let out = t.out();
    assert_eq!(
        (out[0].topic.as_str(), out[0].alias),
        ("long/topic", Some(1))
    );
    assert_eq!((out[1].topic.as_str(), out[1].alias), ("", Some(1)));
    t.reconnect(true, &[Property::TopicAliasMaximum(2)]);
    let out = t.out();
    // Resends carry the topic and no alias.
    assert!(out
        .iter()
        .all(|o| o.topic == "long/topic" && o.alias.is_none() && o.dup));
    // New messages start a new mapping on the new connection.
    t.publish("long/topic", b"3", QoS::AtMostOnce);
    let out = t.out();
    assert_eq!(
        (out[0].topic.as_str(), out[0].alias),
        ("long/topic", Some(1))
    );
}

#[test]
fn incoming_topic_alias_is_resolved_and_one_above_maximum_is_0x94_mqtt_3_3_2_12() {
    let mut t = v5_client();
    let props = [Property::TopicAlias(1)];
    let with_alias = |topic| {
        Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic,
            packet_id: None,
            properties: Properties::from_list(&props),
            payload: b"v",
        })
    };
    t.feed(with_alias("a/b".into()));
    t.feed(with_alias("".into()));
    assert_eq!(t.events(), ["Message a/b=v", "Message a/b=v"]);
    let big = [Property::TopicAlias(100)];
    t.feed(Packet::Publish(Publish {
        dup: false,
        qos: QoS::AtMostOnce,
        retain: false,
        topic: "c".into(),
        packet_id: None,
        properties: Properties::from_list(&big),
        payload: b"v",
    }));
    assert!(t.events().iter().any(|e| e.contains("TopicAliasInvalid")));
    assert_eq!(t.out().last().map(|o| o.reason), Some(Some(0x94)));
}

// ---------------------------------------------------------------- keep-alive

#[test]
fn client_sends_pingreq_after_keep_alive_of_silence_mqtt_3_1_2_20() {
    let mut t = T::client(
        ProtocolLevel::V4,
        ConnectOptions {
            keep_alive: 10,
            ..ConnectOptions::new("c")
        },
        &[],
    );
    assert_eq!(t.s.poll_timeout(), Some(Instant::from_secs(10)));
    t.advance(Duration::from_secs(9));
    assert!(t.out().is_empty(), "handle_timeout early is a no-op");
    t.advance(Duration::from_secs(1));
    assert_eq!(tys(&t.out()), [(PacketType::PingReq, None, false)]);
    t.feed(Packet::PingResp);
    assert!(t.events().is_empty());
}

#[test]
fn client_detects_a_silent_server_at_one_and_a_half_keep_alive() {
    let mut t = T::client(
        ProtocolLevel::V5,
        ConnectOptions {
            keep_alive: 10,
            ..ConnectOptions::new("c")
        },
        &[],
    );
    t.advance(Duration::from_secs(10));
    t.out(); // PINGREQ, never answered
    t.advance(Duration::from_millis(4_999));
    assert!(!t.events().iter().any(|e| e.contains("Timeout")));
    t.advance(Duration::from_millis(1));
    assert!(t.events().contains(&format!(
        "{:?}",
        Event::Disconnected(DisconnectCause::Timeout)
    )));
    t.out();
    assert!(t.closed);
}

#[test]
fn server_keep_alive_overrides_the_clients_mqtt_3_2_2_21() {
    let t = T::client(
        ProtocolLevel::V5,
        ConnectOptions {
            keep_alive: 60,
            ..ConnectOptions::new("c")
        },
        &[Property::ServerKeepAlive(5)],
    );
    assert_eq!(t.s.poll_timeout(), Some(Instant::from_secs(5)));
}

/// A 5.0 CONNECT from client `client_id` with Clean Start, no Keep Alive
/// and `props`.
fn connect_packet<'a>(client_id: &'a str, props: &'a [Property<'a>]) -> mqtt_codec::Connect<'a> {
    mqtt_codec::Connect {
        level: ProtocolLevel::V5,
        clean_start: true,
        keep_alive: 0,
        properties: Properties::from_list(props),
        client_id,
        will: None,
        username: None,
        password: None,
    }
}

/// A v5 server that accepted client `c` (Clean Start 0, `keep_alive`).
fn v5_server_with_client(keep_alive: u16) -> T {
    let mut t = v5_server_got(mqtt_codec::Connect {
        clean_start: false,
        keep_alive,
        ..connect_packet("c", &[])
    });
    t.s.accept(t.now, &AcceptOptions::default()).unwrap();
    assert_eq!(t.out()[0].ty, PacketType::ConnAck);
    t
}

#[test]
fn server_disconnects_a_client_silent_for_one_and_a_half_keep_alive_mqtt_3_1_2_22() {
    let mut t = v5_server_with_client(10);
    assert_eq!(t.s.poll_timeout(), Some(Instant::from_secs(15)));
    t.advance(Duration::from_secs(14));
    assert!(!t.closed && t.out().is_empty());
    t.advance(Duration::from_secs(1));
    let out = t.out();
    assert_eq!(out[0].reason, Some(0x8D), "Keep Alive timeout");
    assert!(t.closed);
}

// ---------------------------------------------------------------- handshake, errors

#[test]
fn server_applies_clean_start_on_accept_and_a_rejected_connect_keeps_the_session_mqtt_3_1_4_4() {
    let mut t = T::new(Config::server());
    t.level = ProtocolLevel::V5;
    t.s.handle_transport_up(t.now);
    let never = [Property::SessionExpiryInterval(u32::MAX)];
    t.feed(Packet::Connect(connect_packet("c", &never)));
    t.events();
    t.s.accept(t.now, &AcceptOptions::default()).unwrap();
    t.out();
    t.publish("down", b"1", QoS::AtLeastOnce);
    t.out();
    t.s.handle_transport_down(t.now);
    t.events();
    let clean_connect = Packet::Connect(connect_packet("c", &[]));
    // Rejected: nothing of the session is touched [MQTT-3.1.4-6].
    t.s.handle_transport_up(t.now);
    t.feed(clean_connect);
    assert!(t.events()[0].contains("session_present: false"));
    t.s.reject(t.now, ReasonCode::NotAuthorized).unwrap();
    assert_eq!(t.out()[0].reason, Some(0x87));
    t.s.handle_transport_down(t.now);
    t.events();
    assert_eq!(t.s.inflight(), 1);
    // Accepted: Clean Start discards it.
    t.s.handle_transport_up(t.now);
    t.feed(clean_connect);
    t.events();
    t.s.accept(t.now, &AcceptOptions::default()).unwrap();
    assert_eq!(t.events(), ["SessionDiscarded { dropped: 1 }"]);
    assert_eq!(t.s.inflight(), 0);
}

#[test]
fn the_first_packet_must_be_connect_mqtt_3_1_0_1() {
    let mut t = T::new(Config::server());
    t.s.handle_transport_up(t.now);
    t.level = ProtocolLevel::V4;
    t.feed(Packet::PingReq);
    assert!(t.events().iter().any(|e| e.contains("UnexpectedPacket")));
    t.out();
    assert!(t.closed);
}

#[test]
fn a_second_connect_is_a_protocol_error_mqtt_3_1_0_2() {
    let mut t = v5_server_with_client(0);
    t.feed(Packet::Connect(connect_packet("c", &[])));
    assert!(t.events().iter().any(|e| e.contains("UnexpectedPacket")));
    assert_eq!(t.out().last().map(|o| o.reason), Some(Some(0x82)));
}

#[test]
fn malformed_bytes_get_disconnect_0x81_at_v5_and_a_plain_close_at_v311() {
    let mut t = v5_client();
    // PUBLISH with both QoS bits set [MQTT-3.3.1-4].
    t.feed_bytes(&[0x36, 0x05, 0x00, 0x01, b'a', 0x00, 0x01]);
    let ev = t.events();
    assert!(ev[0].contains("PublishQoS3"), "{ev:?}");
    assert_eq!(
        t.out().last().map(|o| (o.ty, o.reason)),
        Some((PacketType::Disconnect, Some(0x81)))
    );
    assert!(t.closed);

    let mut t = T::client(ProtocolLevel::V4, ConnectOptions::new("c"), &[]);
    t.feed_bytes(&[0x36, 0x04, 0x00, 0x01, b'a', 0x00]);
    t.events();
    let out = t.out();
    assert!(out.iter().all(|o| o.reason.is_none_or(|r| r == 0)));
    assert!(t.closed);
}

#[test]
fn session_present_0_discards_started_exchanges_mqtt_3_2_2_5() {
    let mut t = v5_client();
    t.publish("a", b"1", QoS::AtLeastOnce);
    t.out();
    t.publish("a", b"2", QoS::AtLeastOnce); // never written: stays queued
    t.s.handle_transport_down(t.now);
    t.events();
    t.s.handle_transport_up(t.now);
    t.s.connect(
        t.now,
        &ConnectOptions {
            clean_start: false,
            ..ConnectOptions::new("c")
        },
    )
    .unwrap();
    t.out();
    t.connack(false, &[]);
    let ev = t.events();
    assert!(
        ev.iter().any(|e| e == "SessionDiscarded { dropped: 1 }"),
        "{ev:?}"
    );
    let out = t.out();
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].payload.as_slice(), out[0].dup), (&b"2"[..], false));
}

#[test]
fn server_discards_the_session_when_its_expiry_passes_mqtt_4_1_0_2() {
    let mut t = T::new(Config::server());
    t.level = ProtocolLevel::V5;
    t.s.handle_transport_up(t.now);
    let props = [Property::SessionExpiryInterval(30)];
    t.feed(Packet::Connect(connect_packet("c", &props)));
    t.events();
    t.s.accept(t.now, &AcceptOptions::default()).unwrap();
    t.out();
    t.publish("down", b"1", QoS::AtLeastOnce);
    t.out();
    t.s.handle_transport_down(t.now);
    t.events();
    // [MQTT-4.1.0-1]: kept while the interval runs.
    assert_eq!(t.s.poll_timeout(), Some(Instant::from_secs(30)));
    t.advance(Duration::from_secs(29));
    assert_eq!(t.s.inflight(), 1);
    t.advance(Duration::from_secs(1));
    assert_eq!(t.events(), ["SessionDiscarded { dropped: 1 }"]);
    assert_eq!(t.s.inflight(), 0);
}

#[test]
fn peer_disconnect_reason_is_reported_and_the_connection_closes() {
    let mut t = v5_client();
    t.feed(Packet::Disconnect(Disconnect {
        reason_code: ReasonCode::ServerShuttingDown,
        properties: Properties::EMPTY,
    }));
    assert_eq!(
        t.events(),
        [format!(
            "{:?}",
            Event::Disconnected(DisconnectCause::Peer(ReasonCode::ServerShuttingDown))
        )]
    );
    t.out();
    assert!(t.closed);
}

#[test]
fn local_disconnect_sends_the_reason_then_closes_mqtt_3_14_4_1() {
    let mut t = v5_client();
    t.s.disconnect(t.now, ReasonCode::DisconnectWithWillMessage, None)
        .unwrap();
    let out = t.out();
    assert_eq!(tys(&out), [(PacketType::Disconnect, None, false)]);
    assert_eq!(out[0].reason, Some(0x04));
    assert!(t.closed);
    // [MQTT-3.14.4-1]: nothing after DISCONNECT.
    t.publish("a", b"1", QoS::AtMostOnce);
    assert!(t.out().is_empty());
}

#[test]
fn acknowledgements_made_ready_go_out_before_a_local_disconnect_mqtt_4_6_0_2() {
    let mut t = T::client_with(manual_ack(ProtocolLevel::V5), ConnectOptions::new("c"), &[]);
    t.feed(publish_in("x", b"1", QoS::AtLeastOnce, Some(1), false));
    t.feed(publish_in("x", b"2", QoS::AtLeastOnce, Some(2), false));
    t.events();
    t.s.ack(t.now, pid(1), ReasonCode::Success).unwrap();
    t.s.disconnect(t.now, ReasonCode::Success, None).unwrap();
    // PUBACK 1 (taken by the application) then DISCONNECT; message 2 was
    // never acknowledged, so it stays unacknowledged and will be resent.
    assert_eq!(
        tys(&t.out()),
        [
            (PacketType::PubAck, Some(1), false),
            (PacketType::Disconnect, None, false)
        ]
    );
    assert!(t.closed);
}

#[test]
fn disconnect_carries_the_new_session_expiry_and_cannot_raise_it_from_zero() {
    let mut t = v5_client(); // CONNECT said u32::MAX
    t.s.disconnect(t.now, ReasonCode::Success, Some(30))
        .unwrap();
    let mut buf = vec![0u8; S::TRANSMIT_BUF];
    let tx = t.s.poll_transmit(t.now, &mut buf).unwrap();
    // DISCONNECT 0x00 with Session Expiry Interval (0x11) = 30.
    assert_eq!(&buf[..tx.len], &[0xE0, 0x07, 0x00, 0x05, 0x11, 0, 0, 0, 30]);
    assert!(tx.close);

    let mut t = T::client(ProtocolLevel::V5, ConnectOptions::new("c"), &[]); // expiry 0
    assert_eq!(
        t.s.disconnect(t.now, ReasonCode::Success, Some(30)),
        Err(CommandError::InvalidState)
    );
    assert!(t.s.is_connected(), "refused: nothing changed");
}

#[test]
fn a_frame_above_our_maximum_packet_size_is_refused_with_0x95_from_its_header() {
    let mut t = v5_client(); // Session<4, 1024, 512>: Maximum Packet Size 512
                             // PUBLISH announcing 600 bytes: refused from the first 3 bytes.
    t.feed_bytes(&[0x30, 0xD8, 0x04]);
    assert!(t.events().iter().any(|e| e.contains("PacketTooLarge")));
    assert_eq!(t.out().last().map(|o| o.reason), Some(Some(0x95)));
    assert!(t.closed);
}

#[test]
fn an_acknowledgement_for_an_unknown_packet_id_is_reported_and_ignored() {
    let mut t = v5_client();
    t.feed(Packet::PubAck(resp(42)));
    assert_eq!(
        t.events(),
        ["UnknownPacketId { kind: PubAck, packet_id: 42 }"]
    );
    assert!(t.out().is_empty() && !t.closed && t.s.is_connected());
}

// ---------------------------------------------------------------- enhanced auth

#[test]
fn enhanced_authentication_exchanges_auth_with_the_connect_method_mqtt_4_12_0_2_and_4_12_0_3() {
    let mut t = T::new(Config::client(ProtocolLevel::V5));
    t.s.handle_transport_up(t.now);
    let opts = ConnectOptions {
        auth_method: Some("SCRAM-SHA-1"),
        auth_data: Some(b"client-first"),
        ..ConnectOptions::new("c")
    };
    t.s.connect(t.now, &opts).unwrap();
    t.out();
    let props = [
        Property::AuthenticationMethod("SCRAM-SHA-1"),
        Property::AuthenticationData(b"server-first"),
    ];
    t.feed(Packet::Auth(mqtt_codec::Auth {
        reason_code: ReasonCode::ContinueAuthentication,
        properties: Properties::from_list(&props),
    }));
    let ev = t.events();
    assert!(
        ev[0].starts_with("Auth { reason: ContinueAuthentication"),
        "{ev:?}"
    );
    t.s.auth(
        t.now,
        ReasonCode::ContinueAuthentication,
        Some(b"client-final"),
    )
    .unwrap();
    let out = t.out();
    assert_eq!(out[0].ty, PacketType::Auth);
    t.connack(false, &[Property::AuthenticationMethod("SCRAM-SHA-1")]);
    assert!(t.s.is_connected());
    // Re-authentication from a connected client.
    t.s.auth(t.now, ReasonCode::ReAuthenticate, None).unwrap();
    assert_eq!(t.out()[0].ty, PacketType::Auth);
}

#[test]
fn auth_without_an_authentication_method_is_refused_mqtt_4_12_0_7() {
    let mut t = v5_client();
    assert_eq!(
        t.s.auth(t.now, ReasonCode::ReAuthenticate, None),
        Err(CommandError::InvalidState)
    );
    // [MQTT-4.12.0-6]: an AUTH from a server that was given no method.
    let props = [Property::AuthenticationMethod("x")];
    t.feed(Packet::Auth(mqtt_codec::Auth {
        reason_code: ReasonCode::ContinueAuthentication,
        properties: Properties::from_list(&props),
    }));
    assert!(t
        .events()
        .iter()
        .any(|e| e.contains(&format!("{:?}", PeerError::AuthUnexpected))));
}

// ---------------------------------------------------------------- snapshot

#[test]
fn snapshot_mid_qos2_survives_a_power_cycle_and_finishes_exactly_once() {
    // Receiver side: PUBREC sent, then power loss before PUBREL.
    let mut t = v5_client();
    t.feed(publish_in("x", b"m", QoS::ExactlyOnce, Some(9), false));
    assert_eq!(t.events(), ["Message x=m"]);
    t.out();
    let mut bytes = [0u8; 512];
    let n = t.s.snapshot(&mut bytes).unwrap();
    let cfg = *t.s.config();
    t.s = Session::restore(cfg, t.now, &bytes[..n]).unwrap();
    t.s.handle_transport_up(t.now);
    t.s.connect(
        t.now,
        &ConnectOptions {
            clean_start: false,
            ..ConnectOptions::new("c")
        },
    )
    .unwrap();
    t.out();
    t.connack(true, &[]);
    t.events();
    t.feed(publish_in("x", b"m", QoS::ExactlyOnce, Some(9), true));
    assert!(
        t.events().is_empty(),
        "not delivered twice after the restart"
    );
    assert_eq!(tys(&t.out()), [(PacketType::PubRec, Some(9), false)]);

    // Damaged snapshots are refused, not trusted.
    bytes[n - 1] ^= 1;
    assert!(S::restore(cfg, t.now, &bytes[..n]).is_err());
    assert!(S::restore(cfg, t.now, &bytes[..n / 2]).is_err());
}

#[test]
fn time_never_runs_backwards_and_early_timeouts_do_nothing() {
    let mut t = T::client(
        ProtocolLevel::V5,
        ConnectOptions {
            keep_alive: 10,
            ..ConnectOptions::new("c")
        },
        &[],
    );
    t.now = Instant::from_secs(5);
    t.s.handle_timeout(t.now);
    t.s.handle_timeout(Instant::ZERO); // a clock step backwards
    assert_eq!(t.s.poll_timeout(), Some(Instant::from_secs(10)));
    t.s.handle_timeout(Instant::MAX);
    t.s.handle_timeout(Instant::from_secs(1));
    assert!(t.events().iter().any(|e| e.contains("Timeout")));
}

/// A message with a Message Expiry Interval of `secs`.
impl T {
    /// Publishes `payload` on `a` with `props` (a Message Expiry Interval
    /// among them).
    fn publish_with(
        &mut self,
        payload: &[u8],
        qos: QoS,
        props: &[Property<'_>],
    ) -> Option<NonZeroU16> {
        let opts = PublishOptions {
            properties: Properties::from_list(props),
            ..PublishOptions::new("a", payload, qos)
        };
        self.s.publish(self.now, &opts).unwrap()
    }
}

#[test]
fn a_queued_message_whose_expiry_passes_is_dropped_and_reported_mqtt_3_3_2_5() {
    // "If the Message Expiry Interval has passed and the Server has not
    // managed to start onward delivery to a matching subscriber, then it
    // MUST delete the copy of the message for that subscriber."
    let mut t = T::client(
        ProtocolLevel::V5,
        ConnectOptions::new("c"),
        &[Property::ReceiveMaximum(1)],
    );
    let a = t.publish("a", b"1", QoS::AtLeastOnce).unwrap();
    let five = [Property::MessageExpiryInterval(5)];
    let b = t.publish_with(b"2", QoS::AtLeastOnce, &five).unwrap();
    // Quota 1: `b` waits behind `a`.
    assert_eq!(tys(&t.out()), [(PacketType::Publish, Some(a.get()), false)]);
    t.advance(Duration::from_secs(5));
    assert!(t.events().is_empty(), "5 s have not passed the interval");
    assert_eq!(t.s.inflight(), 2);
    t.advance(Duration::from_millis(1));
    assert_eq!(
        t.events(),
        [format!("MessageExpired {{ packet_id: Some({b}) }}")]
    );
    assert_eq!(t.s.inflight(), 1);
    assert!(!t.s.packet_id_in_use(b.get()));
    // The quota comes back: nothing of `b` goes out.
    t.feed(Packet::PubAck(resp(a.get())));
    assert!(t.out().is_empty());
    assert_eq!(
        t.events(),
        [format!("Published {{ packet_id: {a}, reason: Success }}")]
    );

    // Without a timeout call in time, the queue is checked before writing.
    let c = t.publish_with(b"3", QoS::AtLeastOnce, &five).unwrap();
    let d = t.publish("a", b"4", QoS::AtLeastOnce).unwrap();
    assert_eq!(tys(&t.out()), [(PacketType::Publish, Some(c.get()), false)]);
    let e = t.publish_with(b"5", QoS::AtMostOnce, &five);
    assert_eq!(e, None);
    t.now = t.now + Duration::from_secs(6);
    t.feed(Packet::PubAck(resp(c.get())));
    // `d` has no expiry and goes; the QoS 0 message `e` expired.
    assert_eq!(tys(&t.out()), [(PacketType::Publish, Some(d.get()), false)]);
    let ev = t.events();
    assert!(
        ev.contains(&"MessageExpired { packet_id: None }".to_string()),
        "{ev:?}"
    );
}

#[test]
fn a_queued_message_goes_out_with_the_interval_less_its_wait_mqtt_3_3_2_6() {
    // "The PUBLISH packet sent to a Client by the Server MUST contain a
    // Message Expiry Interval set to the received value minus the time that
    // the message has been waiting in the Server."
    let mut t = T::client(
        ProtocolLevel::V5,
        ConnectOptions::new("c"),
        &[Property::ReceiveMaximum(1)],
    );
    let sixty = [
        Property::UserProperty("k", "v"),
        Property::MessageExpiryInterval(60),
        Property::ContentType("text/plain"),
    ];
    // Sent at once: the interval as given.
    let a = t.publish_with(b"1", QoS::AtLeastOnce, &sixty).unwrap();
    let b = t.publish_with(b"2", QoS::AtLeastOnce, &sixty).unwrap();
    let out = t.out();
    assert_eq!(
        (out.len(), out[0].pid, out[0].expiry),
        (1, Some(a.get()), Some(60))
    );
    // `b` waits 12.5 s for the quota: 12 whole seconds come off.
    t.advance(Duration::from_millis(12_500));
    t.feed(Packet::PubAck(resp(a.get())));
    let out = t.out();
    assert_eq!(
        (out.len(), out[0].pid, out[0].expiry),
        (1, Some(b.get()), Some(48))
    );
    assert_eq!(out[0].payload, b"2");
}

#[test]
fn messages_queued_while_disconnected_expire_and_the_rest_go_with_what_is_left_mqtt_3_3_2_5() {
    let mut t = v5_client();
    t.s.handle_transport_down(t.now);
    let _ = t.events();
    let (five, hundred) = (
        [Property::MessageExpiryInterval(5)],
        [Property::MessageExpiryInterval(100)],
    );
    let a = t.publish_with(b"1", QoS::ExactlyOnce, &five).unwrap();
    let b = t.publish_with(b"2", QoS::ExactlyOnce, &hundred).unwrap();
    // The timer runs while disconnected.
    assert_eq!(
        t.s.poll_timeout(),
        Some(t.now + Duration::from_secs(5) + Duration::from_micros(1))
    );
    t.advance(Duration::from_secs(30));
    assert_eq!(
        t.events(),
        [format!("MessageExpired {{ packet_id: Some({a}) }}")]
    );
    t.reconnect(true, &[]);
    let out = t.out();
    assert_eq!(
        out.iter().map(|o| (o.pid, o.expiry)).collect::<Vec<_>>(),
        [(Some(b.get()), Some(70))]
    );
}

#[test]
fn a_message_written_before_its_expiry_is_resent_not_dropped_mqtt_3_3_2_5() {
    // Onward delivery has started: the exchange finishes; the resend
    // carries what is left of the interval, here nothing ([MQTT-3.3.2-6]).
    let mut t = v5_client();
    let five = [Property::MessageExpiryInterval(5)];
    let a = t.publish_with(b"1", QoS::AtLeastOnce, &five).unwrap();
    assert_eq!(t.out()[0].expiry, Some(5));
    t.s.handle_transport_down(t.now);
    t.advance(Duration::from_secs(10));
    assert!(!t.events().iter().any(|e| e.contains("MessageExpired")));
    t.reconnect(true, &[]);
    let out = t.out();
    assert_eq!(
        out.iter()
            .map(|o| (o.pid, o.dup, o.expiry))
            .collect::<Vec<_>>(),
        [(Some(a.get()), true, Some(0))]
    );
}

#[test]
fn a_restored_session_keeps_each_queued_messages_expiry_running_mqtt_3_3_2_6() {
    let mut t = v5_client();
    t.s.handle_transport_down(t.now);
    let _ = t.events();
    let (ten, hundred) = (
        [Property::MessageExpiryInterval(10)],
        [Property::MessageExpiryInterval(100)],
    );
    let a = t.publish_with(b"1", QoS::AtLeastOnce, &ten).unwrap();
    let b = t.publish_with(b"2", QoS::AtLeastOnce, &hundred).unwrap();
    t.advance(Duration::from_secs(4));
    let mut bytes = [0u8; 512];
    let n = t.s.snapshot(&mut bytes).unwrap();
    let cfg = *t.s.config();
    // Power cycle: the clock (Unix time, say) went on for 3 s meanwhile.
    t.now = t.now + Duration::from_secs(3);
    t.s = Session::restore(cfg, t.now, &bytes[..n]).unwrap();
    t.advance(Duration::from_secs(4));
    assert_eq!(
        t.events(),
        [format!("MessageExpired {{ packet_id: Some({a}) }}")]
    );
    t.s.handle_transport_up(t.now);
    t.s.connect(
        t.now,
        &ConnectOptions {
            clean_start: false,
            ..ConnectOptions::new("c")
        },
    )
    .unwrap();
    t.out();
    t.connack(true, &[]);
    t.events();
    let out = t.out();
    assert_eq!(
        out.iter().map(|o| (o.pid, o.expiry)).collect::<Vec<_>>(),
        [(Some(b.get()), Some(89))]
    );
}

#[test]
fn a_snapshot_of_an_older_format_is_refused_with_a_typed_error() {
    let mut t = v5_client();
    t.publish("a", b"1", QoS::AtLeastOnce).unwrap();
    let mut bytes = [0u8; 512];
    let n = t.s.snapshot(&mut bytes).unwrap();
    let cfg = *t.s.config();
    assert_eq!(
        bytes[4], 2,
        "format version 2 carries each message's queue time"
    );
    // Version 1 had no queue time: its records would be misread.
    bytes[4] = 1;
    assert_eq!(
        S::restore(cfg, t.now, &bytes[..n]).err(),
        Some(qos_engine::mqtt::SnapshotError::UnsupportedVersion { version: 1 })
    );
    bytes[4] = 2;
    bytes[0] = b'X';
    assert_eq!(
        S::restore(cfg, t.now, &bytes[..n]).err(),
        Some(qos_engine::mqtt::SnapshotError::NotASnapshot)
    );
}

#[test]
fn a_manual_ack_with_a_code_the_acknowledgement_cannot_carry_is_refused() {
    let mut t = T::client_with(manual_ack(ProtocolLevel::V5), ConnectOptions::new("c"), &[]);
    t.feed(publish_in("x", b"1", QoS::AtLeastOnce, Some(1), false));
    t.feed(publish_in("x", b"2", QoS::AtLeastOnce, Some(2), false));
    assert_eq!(t.events().len(), 2);
    // 0x8D (Keep Alive timeout) is not a PUBACK reason code (§3.4.2.1).
    assert!(matches!(
        t.s.ack(t.now, pid(1), ReasonCode::KeepAliveTimeout),
        Err(CommandError::Encode(_))
    ));
    // Nothing changed: a valid code still goes, and the next one after it.
    t.s.ack(t.now, pid(1), ReasonCode::NoMatchingSubscribers)
        .unwrap();
    t.s.ack(t.now, pid(2), ReasonCode::Success).unwrap();
    let out = t.out();
    assert_eq!(
        out.iter()
            .map(|o| (o.ty, o.pid, o.reason))
            .collect::<Vec<_>>(),
        [
            (PacketType::PubAck, Some(1), Some(0x10)),
            (PacketType::PubAck, Some(2), Some(0x00))
        ]
    );
}

// ---------------------------------------------------------------- packet identifiers and acknowledgements

/// A v5 client with the default (automatic) acknowledgements, fed `packets`.
fn client_fed(packets: &[Packet<'_>]) -> T {
    let mut t = v5_client();
    for p in packets {
        t.feed(*p);
    }
    t
}

#[test]
fn acknowledgements_carry_the_publish_packet_id_mqtt_2_2_1_5_and_4_3_3_8() {
    let mut t = client_fed(&[
        publish_in("a", b"1", QoS::AtLeastOnce, Some(7), false),
        publish_in("a", b"2", QoS::ExactlyOnce, Some(9), false),
    ]);
    assert_eq!(t.events().len(), 2);
    // [MQTT-4.3.2-4] PUBACK, [MQTT-4.3.3-8] PUBREC, each with the identifier
    // of the PUBLISH it answers.
    assert_eq!(
        tys(&t.out()),
        [
            (PacketType::PubAck, Some(7), false),
            (PacketType::PubRec, Some(9), false)
        ]
    );
    t.feed(Packet::PubRel(resp(9)));
    assert_eq!(tys(&t.out()), [(PacketType::PubComp, Some(9), false)]);
}

#[test]
fn a_publish_the_client_ignores_is_still_acknowledged_mqtt_4_5_0_2() {
    // The application never looks at the message event: the acknowledgement
    // goes out anyway once the event is polled and dropped.
    let mut t = client_fed(&[publish_in("a", b"x", QoS::AtLeastOnce, Some(3), false)]);
    while t.s.poll_event().is_some() {}
    assert_eq!(tys(&t.out()), [(PacketType::PubAck, Some(3), false)]);
}

#[test]
fn qos1_sender_uses_a_fresh_id_dup_0_and_waits_for_puback_mqtt_4_3_2_1_to_3() {
    let mut t = v5_client();
    let a = t.publish("a", b"1", QoS::AtLeastOnce).unwrap();
    let b = t.publish("a", b"2", QoS::AtLeastOnce).unwrap();
    // [MQTT-4.3.2-1] an unused identifier per message; [MQTT-4.3.2-2] DUP 0.
    assert_ne!(a, b);
    assert_eq!(
        tys(&t.out()),
        [
            (PacketType::Publish, Some(a.get()), false),
            (PacketType::Publish, Some(b.get()), false)
        ]
    );
    // [MQTT-4.3.2-3] unacknowledged until its PUBACK, whatever else arrives.
    t.feed(Packet::PubAck(resp(b.get())));
    assert!(t.s.packet_id_in_use(a.get()));
    assert!(!t.s.packet_id_in_use(b.get()));
    t.advance(Duration::from_secs(30));
    assert!(t.s.packet_id_in_use(a.get()));
    t.feed(Packet::PubAck(resp(a.get())));
    assert_eq!(t.s.inflight(), 0);
}

#[test]
fn qos2_sender_keeps_publish_then_pubrel_unacknowledged_mqtt_4_3_3_1_to_5() {
    let mut t = v5_client();
    let a = t.publish("a", b"1", QoS::ExactlyOnce).unwrap();
    let b = t.publish("a", b"2", QoS::ExactlyOnce).unwrap();
    assert_ne!(a, b, "[MQTT-4.3.3-1]");
    assert_eq!(
        tys(&t.out()),
        [
            (PacketType::Publish, Some(a.get()), false),
            (PacketType::Publish, Some(b.get()), false)
        ],
        "[MQTT-4.3.3-2] QoS 2, DUP 0"
    );
    // [MQTT-4.3.3-3] the PUBLISH is unacknowledged until its PUBREC: a
    // reconnect resends it.
    t.reconnect(true, &[]);
    assert_eq!(
        tys(&t.out()),
        [
            (PacketType::Publish, Some(a.get()), true),
            (PacketType::Publish, Some(b.get()), true)
        ]
    );
    t.feed(Packet::PubRec(resp(a.get())));
    assert_eq!(tys(&t.out()), [(PacketType::PubRel, Some(a.get()), false)]);
    // [MQTT-4.3.3-5] the PUBREL is unacknowledged until its PUBCOMP.
    t.reconnect(true, &[]);
    let again = tys(&t.out());
    assert!(
        again.contains(&(PacketType::PubRel, Some(a.get()), false)),
        "{again:?}"
    );
    t.feed(Packet::PubComp(resp(a.get())));
    assert!(!t.s.packet_id_in_use(a.get()));
    assert!(t.s.packet_id_in_use(b.get()));
}

// ---------------------------------------------------------------- server answers

/// `n` frames of the packet type `ty` in `out`.
fn count(out: &[Out], ty: PacketType) -> usize {
    out.iter().filter(|o| o.ty == ty).count()
}

/// The next frame the session writes, decoded at 5.0, handed to `check`.
fn next_frame(t: &mut T, check: impl FnOnce(&Packet<'_>)) {
    let mut buf = vec![0u8; S::TRANSMIT_BUF];
    let n = t.s.poll_transmit(t.now, &mut buf).expect("a frame").len;
    let Ok(Status::Complete((p, _))) =
        Packet::decode(&buf[..n], &DecodeOptions::new(ProtocolLevel::V5))
    else {
        panic!("undecodable: {:02x?}", &buf[..n]);
    };
    check(&p);
}

#[test]
fn suback_and_unsuback_carry_the_request_packet_id_mqtt_2_2_1_6_and_3_8_4_2() {
    let mut t = v5_server_with_client(0);
    let subs = [mqtt_codec::Subscription {
        filter: "a/#".into(),
        options: mqtt_codec::SubscriptionOptions::new(QoS::AtLeastOnce),
    }];
    t.feed(Packet::Subscribe(mqtt_codec::Subscribe {
        packet_id: 41,
        properties: Properties::EMPTY,
        filters: mqtt_codec::SubscribeFilters::from_list(&subs),
    }));
    let ev = t.events();
    assert!(ev[0].starts_with("SubscribeReceived"), "{ev:?}");
    t.s.suback(t.now, pid(41), &[ReasonCode::GrantedQoS1])
        .unwrap();
    next_frame(&mut t, |p| {
        let Packet::SubAck(a) = p else {
            panic!("{p:?}")
        };
        assert_eq!(a.packet_id, 41);
    });
    let filters = ["a/#".into()];
    t.feed(Packet::Unsubscribe(mqtt_codec::Unsubscribe {
        packet_id: 42,
        properties: Properties::EMPTY,
        filters: mqtt_codec::TopicFilters::from_list(&filters),
    }));
    assert!(t.events()[0].starts_with("UnsubscribeReceived"));
    t.s.unsuback(t.now, pid(42), &[ReasonCode::Success])
        .unwrap();
    next_frame(&mut t, |p| {
        let Packet::UnsubAck(a) = p else {
            panic!("{p:?}")
        };
        assert_eq!(a.packet_id, 42);
    });
}

#[test]
fn a_client_unsubscribe_goes_out_and_its_unsuback_completes_it_mqtt_3_10_4_4() {
    let mut t = T::client(ProtocolLevel::V5, ConnectOptions::new("c"), &[]);
    // A filter checked up front and one the encoder checks.
    let filters = [mqtt_codec::TopicFilter::new("a/+").unwrap(), "b/#".into()];
    let id = t.s.unsubscribe(t.now, &filters, Properties::EMPTY).unwrap();
    next_frame(&mut t, |p| {
        let Packet::Unsubscribe(u) = p else {
            panic!("{p:?}")
        };
        assert_eq!(u.packet_id, id.get());
        let sent: Vec<&str> = u.filters.iter().map(|f| f.as_str()).collect();
        assert_eq!(sent, ["a/+", "b/#"]);
    });
    // "The Server MUST respond to an UNSUBSCRIBE request by sending an
    // UNSUBACK packet" with one reason code per filter [MQTT-3.10.4-4].
    let codes = [ReasonCode::Success, ReasonCode::NoSubscriptionExisted];
    t.feed(Packet::UnsubAck(mqtt_codec::UnsubAck {
        packet_id: id.get(),
        properties: Properties::EMPTY,
        reason_codes: mqtt_codec::ReasonCodes::from_list(&codes),
    }));
    match t.s.poll_event() {
        Some(Event::Unsubscribed {
            packet_id,
            reason_codes,
        }) => {
            assert_eq!(packet_id, id);
            assert_eq!(reason_codes.iter().collect::<Vec<_>>(), codes);
        }
        other => panic!("{other:?}"),
    }
    assert!(t.events().is_empty());
    // A misplaced wildcard [MQTT-4.7.1-1] is refused, and nothing is sent.
    assert_eq!(
        t.s.unsubscribe(t.now, &["a/b#".into()], Properties::EMPTY),
        Err(CommandError::Encode(mqtt_codec::EncodeError::Invalid(
            mqtt_codec::DecodeError::MultiLevelWildcardNotLast
        )))
    );
    assert!(t.out().is_empty());
}

#[test]
fn pingreq_is_answered_with_pingresp_mqtt_3_12_4_1() {
    let mut t = v5_server_with_client(60);
    t.feed(Packet::PingReq);
    assert_eq!(count(&t.out(), PacketType::PingResp), 1);
}

#[test]
fn a_server_sends_one_connack_per_connection_mqtt_3_2_0_2() {
    let mut t = v5_server_with_client(0);
    assert_eq!(
        t.s.accept(t.now, &AcceptOptions::default()),
        Err(CommandError::InvalidState)
    );
    assert_eq!(count(&t.out(), PacketType::ConnAck), 0);
}

#[test]
fn a_server_publishes_only_after_its_connack_mqtt_3_2_0_1() {
    let mut t = T::new(Config::server());
    t.level = ProtocolLevel::V5;
    t.s.handle_transport_up(t.now);
    // Queued before any client is there: nothing goes out yet.
    t.s.publish(t.now, &PublishOptions::new("a", b"x", QoS::AtMostOnce))
        .unwrap();
    assert!(t.out().is_empty());
    t.feed(Packet::Connect(mqtt_codec::Connect {
        clean_start: false,
        ..connect_packet("c", &[])
    }));
    t.events();
    assert!(t.out().is_empty(), "nothing before the application accepts");
    t.s.accept(t.now, &AcceptOptions::default()).unwrap();
    let out = t.out();
    let order: Vec<_> = out.iter().map(|o| o.ty).collect();
    assert_eq!(order, [PacketType::ConnAck, PacketType::Publish]);
}

#[test]
fn a_server_disconnect_carries_no_session_expiry_mqtt_3_14_2_2() {
    let mut t = v5_server_with_client(0);
    // The expiry the application passes is a client's business: dropped.
    t.s.disconnect(t.now, ReasonCode::ServerShuttingDown, Some(600))
        .unwrap();
    next_frame(&mut t, |p| {
        let Packet::Disconnect(d) = p else {
            panic!("{p:?}")
        };
        assert_eq!(d.reason_code, ReasonCode::ServerShuttingDown);
        assert_eq!(d.properties.session_expiry_interval(), None);
    });
}

#[test]
fn a_server_closes_without_disconnect_before_its_connack_mqtt_3_14_0_1() {
    let mut t = T::new(Config::server());
    t.level = ProtocolLevel::V5;
    t.s.handle_transport_up(t.now);
    // A CONNECT with a reserved flag set: malformed before any CONNACK.
    t.feed_bytes(&[
        0x10, 0x0d, 0, 4, b'M', b'Q', b'T', b'T', 5, 0x01, 0, 0, 0, 0, 0,
    ]);
    let out = t.out();
    assert_eq!(count(&out, PacketType::Disconnect), 0, "{out:?}");
    assert!(t.closed);
}

// ---------------------------------------------------------------- client limits from CONNACK

#[test]
fn retain_is_refused_when_the_server_has_no_retain_mqtt_3_2_2_14() {
    let mut t = T::client(
        ProtocolLevel::V5,
        ConnectOptions::new("c"),
        &[Property::RetainAvailable(0)],
    );
    let opts = PublishOptions {
        retain: true,
        ..PublishOptions::new("a", b"x", QoS::AtMostOnce)
    };
    assert_eq!(
        t.s.publish(t.now, &opts),
        Err(CommandError::RetainNotSupported)
    );
    assert!(t.out().is_empty());
}

#[test]
fn no_topic_alias_goes_to_a_server_without_topic_alias_maximum_mqtt_3_2_2_18() {
    let mut cfg = Config::client(ProtocolLevel::V5);
    cfg.use_topic_aliases = true;
    let mut t = T::client_with(cfg, ConnectOptions::new("c"), &[]);
    for _ in 0..3 {
        t.publish("some/long/topic", b"x", QoS::AtMostOnce);
    }
    let out = t.out();
    assert_eq!(out.len(), 3);
    assert!(out
        .iter()
        .all(|o| o.alias.is_none() && o.topic == "some/long/topic"));
}

#[test]
fn topic_aliases_stay_within_the_servers_maximum_mqtt_3_2_2_17() {
    let mut cfg = Config::client(ProtocolLevel::V5);
    cfg.use_topic_aliases = true;
    let mut t = T::client_with(
        cfg,
        ConnectOptions::new("c"),
        &[Property::TopicAliasMaximum(2)],
    );
    let mut out = Vec::new();
    for topic in ["t/1", "t/2", "t/3", "t/4", "t/1", "t/3"] {
        t.publish(topic, b"x", QoS::AtMostOnce);
        out.extend(t.out());
    }
    assert_eq!(out.len(), 6);
    assert!(out.iter().any(|o| o.alias.is_some()), "aliases are used");
    assert!(
        out.iter()
            .all(|o| o.alias.is_none_or(|a| (1..=2).contains(&a))),
        "{out:?}"
    );
}

#[test]
fn the_highest_alias_we_announced_is_accepted_mqtt_3_3_2_10() {
    let mut cfg = Config::client(ProtocolLevel::V5);
    cfg.topic_alias_maximum = 5;
    let mut t = T::client_with(cfg, ConnectOptions::new("c"), &[]);
    let max = qos_engine::mqtt::ALIASES.min(5) as u16;
    let props = [Property::TopicAlias(max)];
    t.feed(Packet::Publish(Publish {
        dup: false,
        qos: QoS::AtMostOnce,
        retain: false,
        topic: "x/y".into(),
        packet_id: None,
        properties: Properties::from_list(&props),
        payload: b"1",
    }));
    t.feed(Packet::Publish(Publish {
        dup: false,
        qos: QoS::AtMostOnce,
        retain: false,
        topic: "".into(),
        packet_id: None,
        properties: Properties::from_list(&props),
        payload: b"2",
    }));
    assert_eq!(t.events(), ["Message x/y=1", "Message x/y=2"]);
    assert!(!t.closed);
}

#[test]
fn subscribe_goes_out_while_the_publish_window_is_full_mqtt_3_3_4_8() {
    let mut t = T::client(
        ProtocolLevel::V5,
        ConnectOptions::new("c"),
        &[Property::ReceiveMaximum(1)],
    );
    t.publish("a", b"1", QoS::AtLeastOnce).unwrap();
    t.publish("a", b"2", QoS::AtLeastOnce).unwrap();
    assert_eq!(
        count(&t.out(), PacketType::Publish),
        1,
        "the window holds one"
    );
    let subs = [mqtt_codec::Subscription {
        filter: "b".into(),
        options: mqtt_codec::SubscriptionOptions::new(QoS::AtMostOnce),
    }];
    t.s.subscribe(t.now, &subs, Properties::EMPTY).unwrap();
    let out = t.out();
    assert_eq!(tys(&out).len(), 1);
    assert_eq!(out[0].ty, PacketType::Subscribe);
}

#[test]
fn only_auth_goes_out_before_connack_with_an_authentication_method_mqtt_3_1_2_30() {
    let mut t = T::new(Config::client(ProtocolLevel::V5));
    t.s.handle_transport_up(t.now);
    let opts = ConnectOptions {
        auth_method: Some("SCRAM-SHA-1"),
        auth_data: Some(b"client-first"),
        ..ConnectOptions::new("c")
    };
    t.s.connect(t.now, &opts).unwrap();
    assert_eq!(t.out()[0].ty, PacketType::Connect);
    let r =
        t.s.publish(t.now, &PublishOptions::new("a", b"x", QoS::AtLeastOnce));
    // Refused or queued; either way nothing but CONNECT is on the wire
    // before the CONNACK.
    assert!(t.out().is_empty(), "{r:?}");
}

// ---------------------------------------------------------------- handshake outcomes

/// A v5 server that received `connect` (not answered yet).
fn v5_server_got(connect: mqtt_codec::Connect<'_>) -> T {
    let mut t = T::new(Config::server());
    t.level = ProtocolLevel::V5;
    t.s.handle_transport_up(t.now);
    t.feed(Packet::Connect(connect));
    let ev = t.events();
    assert!(ev[0].starts_with("ConnectReceived"), "{ev:?}");
    t
}

#[test]
fn an_accepted_connect_gets_connack_success_mqtt_3_1_4_5() {
    let mut t = v5_server_got(connect_packet("c", &[]));
    t.s.accept(t.now, &AcceptOptions::default()).unwrap();
    next_frame(&mut t, |p| {
        let Packet::ConnAck(a) = p else {
            panic!("{p:?}")
        };
        assert_eq!(a.reason_code, ReasonCode::Success);
        // [MQTT-3.2.2-2]: Clean Start 1 → Session Present 0.
        assert!(!a.session_present);
    });
    assert!(t.s.is_connected());
}

#[test]
fn an_empty_client_id_gets_its_assigned_identifier_mqtt_3_2_2_16_and_3_1_3_7() {
    let mut t = v5_server_got(connect_packet("", &[]));
    let opts = AcceptOptions {
        assigned_client_id: Some("auto-7f3a"),
        ..AcceptOptions::default()
    };
    t.s.accept(t.now, &opts).unwrap();
    next_frame(&mut t, |p| {
        let Packet::ConnAck(a) = p else {
            panic!("{p:?}")
        };
        assert_eq!(a.reason_code, ReasonCode::Success);
        let assigned = a.properties.iter().find_map(|p| match p {
            Property::AssignedClientIdentifier(id) => Some(id),
            _ => None,
        });
        assert_eq!(assigned, Some("auto-7f3a"));
    });
}

#[test]
fn a_refusing_connack_closes_the_connection_mqtt_3_2_2_7() {
    let mut t = v5_server_got(connect_packet("c", &[]));
    t.s.reject(t.now, ReasonCode::NotAuthorized).unwrap();
    let out = t.out();
    assert_eq!(out[0].ty, PacketType::ConnAck);
    assert_eq!(out[0].reason, Some(0x87));
    assert_eq!(out.len(), 1, "nothing after the refusal: {out:?}");
    assert!(t.closed, "[MQTT-3.2.2-7]: the connection closes");
}

#[test]
fn session_present_without_session_state_closes_the_connection_mqtt_3_2_2_4() {
    let mut t = T::new(Config::client(ProtocolLevel::V5));
    t.s.handle_transport_up(t.now);
    t.s.connect(t.now, &ConnectOptions::new("c")).unwrap(); // Clean Start 1
    t.out();
    t.connack(true, &[]);
    let ev = t.events();
    assert!(!t.s.is_connected(), "{ev:?}");
    t.out();
    assert!(t.closed, "{ev:?}");
}

#[test]
fn a_server_never_sends_a_packet_above_the_clients_maximum_mqtt_3_1_2_24() {
    let props = [Property::MaximumPacketSize(64)];
    let mut t = v5_server_got(connect_packet("c", &props));
    t.s.accept(t.now, &AcceptOptions::default()).unwrap();
    t.out();
    let big = [0x55u8; 100];
    let r =
        t.s.publish(t.now, &PublishOptions::new("a/b", &big, QoS::AtLeastOnce));
    // Refused at once (nothing was queued) or discarded as if delivered:
    // either way no frame above 64 bytes goes out.
    let mut buf = vec![0u8; S::TRANSMIT_BUF];
    while let Some(tx) = t.s.poll_transmit(t.now, &mut buf) {
        assert!(tx.len <= 64, "{} bytes sent: {r:?}", tx.len);
    }
    assert_eq!(r, Err(CommandError::PacketTooLarge));
    // A message that fits still goes.
    t.s.publish(t.now, &PublishOptions::new("a/b", b"ok", QoS::AtMostOnce))
        .unwrap();
    assert_eq!(count(&t.out(), PacketType::Publish), 1);
}

#[test]
fn a_server_sends_topic_aliases_only_within_the_clients_maximum_mqtt_3_1_2_26_27_and_3_3_2_11() {
    for max in [0u16, 1] {
        let mut cfg = Config::server();
        cfg.use_topic_aliases = true;
        let mut t = T::new(cfg);
        t.level = ProtocolLevel::V5;
        t.s.handle_transport_up(t.now);
        let props = [Property::TopicAliasMaximum(max)];
        let n = usize::from(max > 0);
        t.feed(Packet::Connect(connect_packet("c", &props[..n])));
        t.events();
        t.s.accept(t.now, &AcceptOptions::default()).unwrap();
        t.out();
        let mut out = Vec::new();
        for topic in ["x/1", "x/2", "x/1", "x/2"] {
            t.publish(topic, b"v", QoS::AtMostOnce);
            out.extend(t.out());
        }
        assert_eq!(out.len(), 4);
        for o in &out {
            match o.alias {
                None => assert!(!o.topic.is_empty()),
                Some(a) => assert!(max > 0 && a <= max, "alias {a} with maximum {max}"),
            }
        }
        if max == 0 {
            assert!(out.iter().all(|o| o.alias.is_none()));
        }
    }
}

#[test]
fn a_connack_without_the_connects_authentication_method_is_a_protocol_error_mqtt_4_12_0_5() {
    let mut t = T::new(Config::client(ProtocolLevel::V5));
    t.s.handle_transport_up(t.now);
    let opts = ConnectOptions {
        auth_method: Some("SCRAM-SHA-1"),
        ..ConnectOptions::new("c")
    };
    t.s.connect(t.now, &opts).unwrap();
    t.out();
    t.connack(false, &[]);
    let ev = t.events();
    assert!(!t.s.is_connected(), "{ev:?}");
    assert!(ev.iter().any(|e| e.starts_with("PeerError")), "{ev:?}");
    // Closed (during the handshake the session closes without a DISCONNECT;
    // one, if sent, would say Protocol Error).
    let out = t.out();
    assert!(
        out.iter()
            .all(|o| o.ty == PacketType::Disconnect && o.reason == Some(0x82)),
        "{out:?}"
    );
    assert!(t.closed);
}

#[test]
fn a_client_publish_with_a_subscription_identifier_is_refused_mqtt_3_3_4_6() {
    let mut t = v5_client();
    let props = [Property::SubscriptionIdentifier(3)];
    let opts = PublishOptions {
        properties: Properties::from_list(&props),
        ..PublishOptions::new("a", b"x", QoS::AtMostOnce)
    };
    assert!(t.s.publish(t.now, &opts).is_err());
    assert!(t.out().is_empty());
}
