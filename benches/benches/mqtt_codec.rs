//! Criterion bench: MQTT decode and encode, mqcoap's `mqtt-codec` and its
//! peers on the same frames in the same run.
//!
//! Frames (all QoS 1): a small PUBLISH (40-byte topic, 16-byte payload), a
//! 4 KiB and a 256 KiB PUBLISH, a CONNECT with will and credentials, a
//! 5-filter SUBSCRIBE (MQTT 3.1.1), and a 5.0 PUBLISH with Message Expiry,
//! Content Type, Response Topic, Correlation Data and 3 User Properties.
//!
//! Peers: `mqttbytes` 0.6 (the standalone codec crate of the rumqtt
//! project; `v4` and `v5` modules), `mqttrs` 0.4 (3.1.1 only) and
//! `mqtt-protocol-core` 0.7 (3.1.1 and 5.0). Every implementation decodes
//! the same bytes (produced by mqtt-codec and checked to decode in every
//! peer) and encodes a packet value with the same fields, built beforehand,
//! into a buffer allocated beforehand (a slice of the frame's size for
//! mqtt-codec and mqttrs, a `BytesMut` with room, cleared each time, for
//! mqttbytes); mqtt-protocol-core's encoder allocates its own output.
//! mqtt-codec and mqttbytes encode through each packet type's own writer.
//! mqtt-codec decodes with full validation (its default). Its packets are
//! built as a program with fixed topics builds them: each Topic Name and
//! Topic Filter made with `TopicName::new` / `TopicFilter::new`, and the 5.0
//! property list with `Properties::new`, which check every rule once, so the
//! encoder does not scan them again (everything else, including which
//! properties the packet allows, is still checked on every encode). The
//! same packets with topics made from a `&str` (`"…".into()`) and the list
//! from `Properties::from_list`, which the encoder checks in full on every
//! encode, are timed too, as `mqtt-codec-lazy`. Where a peer's
//! API takes ownership of an input buffer (`BytesMut`, `Arc<[u8]>`), that
//! buffer is made in criterion's untimed batch setup. mqtt-protocol-core's
//! per-packet `parse` is given the body after the fixed header (the fixed
//! header parse is not timed for it).
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use mqtt_codec as mc;
use mqtt_protocol_core::mqtt::packet as mpc;
use std::hint::black_box;
use std::sync::Arc;

const TOPIC40: &str = "sensors/building-07/floor-3/room12/temp1";
const CORR: &[u8] = b"0123456789abcdef";
const USER: [(&str, &str); 3] = [
    ("device", "thermostat-42"),
    ("fw", "1.4.2"),
    ("trace", "c0ffee"),
];
const FILTERS: [(&str, u8); 5] = [
    ("a/b/c", 0),
    ("sensors/+/temp", 1),
    ("alerts/#", 2),
    ("home/+/+/state", 1),
    ("$SYS/broker/load/#", 0),
];

fn mc_encode(p: &mc::Packet<'_>, level: mc::ProtocolLevel) -> Vec<u8> {
    let mut buf = vec![0u8; p.encoded_len(level).unwrap()];
    p.encode(level, &mut buf).unwrap();
    buf
}

/// One frame: its name, bytes, and the header length (for peers that
/// parse bodies).
struct Frame {
    name: &'static str,
    bytes: Vec<u8>,
    header: usize,
}

impl Frame {
    fn new(name: &'static str, bytes: Vec<u8>) -> Frame {
        let header = 1 + bytes[1..].iter().position(|b| b & 0x80 == 0).unwrap() + 1;
        Frame {
            name,
            bytes,
            header,
        }
    }
    fn body(&self) -> &[u8] {
        &self.bytes[self.header..]
    }
}

fn mc_publish(topic: &str, payload: &[u8]) -> mc::Publish<'static> {
    let topic: &'static str = Box::leak(topic.to_owned().into_boxed_str());
    let payload: &'static [u8] = Box::leak(payload.to_vec().into_boxed_slice());
    mc::Publish {
        dup: false,
        qos: mc::QoS::AtLeastOnce,
        retain: false,
        topic: mc::TopicName::new(topic).unwrap(),
        packet_id: Some(1),
        properties: mc::Properties::EMPTY,
        payload,
    }
}

fn bench(c: &mut Criterion) {
    use mc::ProtocolLevel::{V4, V5};
    let small = vec![0x5Au8; 16];
    let p4k = vec![0xA5u8; 4096];
    let p256k = vec![0x3Cu8; 256 * 1024];
    let v5_payload = br#"{"method":"setpoint","params":{"value":21.5,"unit":"C"},"id":42}"#;

    // ---- mqtt-codec packets --------------------------------------------
    let mc_small = mc::Packet::Publish(mc_publish(TOPIC40, &small));
    let mc_4k = mc::Packet::Publish(mc_publish("bench/payload/4k", &p4k));
    let mc_256k = mc::Packet::Publish(mc_publish("bench/payload/256k", &p256k));
    let mc_connect = mc::Packet::Connect(mc::Connect {
        level: V4,
        clean_start: true,
        keep_alive: 60,
        properties: mc::Properties::EMPTY,
        client_id: "bench-client-0001",
        will: Some(mc::Will {
            qos: mc::QoS::AtLeastOnce,
            retain: true,
            properties: mc::Properties::EMPTY,
            topic: mc::TopicName::new("clients/bench-client-0001/status").unwrap(),
            payload: b"offline",
        }),
        username: Some("bench-user"),
        password: Some(b"correct horse battery staple"),
    });
    let subs: Vec<mc::Subscription<'_>> = FILTERS
        .iter()
        .map(|&(f, q)| mc::Subscription {
            filter: mc::TopicFilter::new(f).unwrap(),
            options: mc::SubscriptionOptions::new(mc::QoS::from_u8(q).unwrap()),
        })
        .collect();
    let mc_subscribe = mc::Packet::Subscribe(mc::Subscribe {
        packet_id: 7,
        properties: mc::Properties::EMPTY,
        filters: mc::SubscribeFilters::from_list(&subs),
    });
    let v5_props = [
        mc::Property::MessageExpiryInterval(300),
        mc::Property::ContentType("application/json"),
        mc::Property::ResponseTopic("rpc/response/client-7"),
        mc::Property::CorrelationData(CORR),
        mc::Property::UserProperty(USER[0].0, USER[0].1),
        mc::Property::UserProperty(USER[1].0, USER[1].1),
        mc::Property::UserProperty(USER[2].0, USER[2].1),
    ];
    let mc_v5 = mc::Packet::Publish(mc::Publish {
        topic: mc::TopicName::new("rpc/request/device-42").unwrap(),
        properties: mc::Properties::new(&v5_props).unwrap(),
        payload: v5_payload,
        ..mc_publish("x", b"")
    });

    let frames = [
        (
            Frame::new("publish_small_qos1", mc_encode(&mc_small, V4)),
            mc_small,
            V4,
        ),
        (Frame::new("publish_4k", mc_encode(&mc_4k, V4)), mc_4k, V4),
        (
            Frame::new("publish_256k", mc_encode(&mc_256k, V4)),
            mc_256k,
            V4,
        ),
        (
            Frame::new("connect_will_credentials", mc_encode(&mc_connect, V4)),
            mc_connect,
            V4,
        ),
        (
            Frame::new("subscribe_5_filters", mc_encode(&mc_subscribe, V4)),
            mc_subscribe,
            V4,
        ),
        (
            Frame::new("publish_v5_properties", mc_encode(&mc_v5, V5)),
            mc_v5,
            V5,
        ),
    ];

    for (frame, packet, level) in &frames {
        let bytes = &frame.bytes[..];
        let len = bytes.len() as u64;
        let opts = mc::DecodeOptions::new(*level);
        let v5 = *level == V5;

        // ---- decode -----------------------------------------------------
        let mut g = c.benchmark_group(format!("mqtt_decode/{}", frame.name));
        g.throughput(Throughput::Bytes(len));
        g.bench_function(BenchmarkId::new("mqtt-codec", len), |b| {
            b.iter(|| match mc::Packet::decode(black_box(bytes), &opts) {
                Ok(mc::Status::Complete((p, n))) => {
                    black_box(&p);
                    n
                }
                other => panic!("{other:?}"),
            })
        });
        let max = 1 << 20;
        if v5 {
            assert!(mqttbytes::v5::read(&mut bytes::BytesMut::from(bytes), max).is_ok());
            g.bench_function(BenchmarkId::new("mqttbytes-v5", len), |b| {
                b.iter_batched(
                    || bytes::BytesMut::from(bytes),
                    |mut buf| black_box(mqttbytes::v5::read(&mut buf, max).unwrap()),
                    BatchSize::SmallInput,
                )
            });
        } else {
            assert!(mqttbytes::v4::read(&mut bytes::BytesMut::from(bytes), max).is_ok());
            g.bench_function(BenchmarkId::new("mqttbytes-v4", len), |b| {
                b.iter_batched(
                    || bytes::BytesMut::from(bytes),
                    |mut buf| black_box(mqttbytes::v4::read(&mut buf, max).unwrap()),
                    BatchSize::SmallInput,
                )
            });
            assert!(mqttrs::decode_slice(bytes).unwrap().is_some());
            g.bench_function(BenchmarkId::new("mqttrs", len), |b| {
                b.iter(|| black_box(mqttrs::decode_slice(black_box(bytes)).unwrap()))
            });
        }
        let flags = bytes[0] & 0x0F;
        let body = frame.body();
        let mpc_decode = |data: Arc<[u8]>| -> usize {
            match (frame.name, v5) {
                ("connect_will_credentials", _) => mpc::v3_1_1::Connect::parse(&data).unwrap().1,
                ("subscribe_5_filters", _) => mpc::v3_1_1::Subscribe::parse(&data).unwrap().1,
                (_, true) => black_box(mpc::v5_0::Publish::parse(flags, data).unwrap()).1,
                (_, false) => black_box(mpc::v3_1_1::Publish::parse(flags, data).unwrap()).1,
            }
        };
        assert_eq!(mpc_decode(Arc::from(body)), body.len());
        g.bench_function(BenchmarkId::new("mqtt-protocol-core", len), |b| {
            b.iter_batched(
                || Arc::<[u8]>::from(body),
                mpc_decode,
                BatchSize::SmallInput,
            )
        });
        g.finish();

        // ---- encode -----------------------------------------------------
        let mut g = c.benchmark_group(format!("mqtt_encode/{}", frame.name));
        g.throughput(Throughput::Bytes(len));
        let mut out = vec![0u8; bytes.len()];
        // Checked outside the timed closure, which a name filter may skip.
        assert_eq!(packet.encode(*level, &mut out), Ok(bytes.len()));
        assert_eq!(out, bytes);
        let ours = McPacket::of(packet);
        out.fill(0);
        assert_eq!(ours.encode(*level, &mut out), bytes.len());
        assert_eq!(out, bytes);
        g.bench_function(BenchmarkId::new("mqtt-codec", len), |b| {
            b.iter(|| black_box(&ours).encode(*level, &mut out))
        });
        let lazy = ours.lazy();
        out.fill(0);
        assert_eq!(lazy.encode(*level, &mut out), bytes.len());
        assert_eq!(out, bytes);
        g.bench_function(BenchmarkId::new("mqtt-codec-lazy", len), |b| {
            b.iter(|| black_box(&lazy).encode(*level, &mut out))
        });

        let mut bm = bytes::BytesMut::with_capacity(bytes.len() * 2);
        match frame.name {
            "publish_v5_properties" => {
                let mut p = mqttbytes::v5::Publish::new(
                    "rpc/request/device-42",
                    mqttbytes::QoS::AtLeastOnce,
                    &v5_payload[..],
                );
                p.pkid = 1;
                p.properties = Some(mqttbytes::v5::PublishProperties {
                    payload_format_indicator: None,
                    message_expiry_interval: Some(300),
                    topic_alias: None,
                    response_topic: Some("rpc/response/client-7".into()),
                    correlation_data: Some(bytes::Bytes::from_static(CORR)),
                    user_properties: USER
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                    subscription_identifiers: Vec::new(),
                    content_type: Some("application/json".into()),
                });
                g.bench_function(BenchmarkId::new("mqttbytes-v5", len), |b| {
                    b.iter(|| {
                        bm.clear();
                        black_box(&p).write(&mut bm).unwrap()
                    })
                });
            }
            _ => {
                let mb = mqttbytes_v4_packet(frame.name, packet);
                mb.write_to(&mut bm);
                assert_eq!(
                    bm.len(),
                    bytes.len(),
                    "mqttbytes frame size for {}",
                    frame.name
                );
                g.bench_function(BenchmarkId::new("mqttbytes-v4", len), |b| {
                    b.iter(|| {
                        bm.clear();
                        black_box(&mb).write_to(&mut bm)
                    })
                });
                let rs = mqttrs::decode_slice(bytes).unwrap().unwrap();
                let mut rs_out = vec![0u8; bytes.len()];
                assert_eq!(mqttrs::encode_slice(&rs, &mut rs_out).unwrap(), bytes.len());
                g.bench_function(BenchmarkId::new("mqttrs", len), |b| {
                    b.iter(|| mqttrs::encode_slice(black_box(&rs), &mut rs_out).unwrap())
                });
            }
        }
        let mpc_packet = mpc_packet(frame.name, &small, &p4k, &p256k, v5_payload);
        assert_eq!(
            mpc_packet().len(),
            bytes.len(),
            "mqtt-protocol-core frame size for {}",
            frame.name
        );
        let encoder = mpc_packet;
        g.bench_function(BenchmarkId::new("mqtt-protocol-core", len), |b| {
            b.iter(|| black_box(encoder()))
        });
        g.finish();
    }
}

/// The mqtt-codec packets encoded here, each through its own encoder
/// (`Publish::encode`, `Connect::encode`, `Subscribe::encode`), dispatched
/// by a match just as the mqttbytes side below calls each packet's
/// `write`. (`Packet::encode` writes the same bytes; it is the entry point
/// for a packet whose type is only known at run time.) Every encoder
/// validates the packet fully before writing, except for Topic Names and
/// Filters already checked when they were built.
enum McPacket<'a> {
    Publish(mc::Publish<'a>),
    Connect(mc::Connect<'a>),
    Subscribe(mc::Subscribe<'a>),
}

impl<'a> McPacket<'a> {
    fn of(p: &mc::Packet<'a>) -> McPacket<'a> {
        match *p {
            mc::Packet::Publish(p) => McPacket::Publish(p),
            mc::Packet::Connect(p) => McPacket::Connect(p),
            mc::Packet::Subscribe(p) => McPacket::Subscribe(p),
            _ => unreachable!("not a bench frame"),
        }
    }

    /// The same packet with every Topic Name, Filter and property list left
    /// unchecked, so the encoder checks them on every encode.
    fn lazy(&self) -> McPacket<'a> {
        match *self {
            McPacket::Publish(p) => {
                let props: Vec<mc::Property<'a>> = p.properties.iter().collect();
                McPacket::Publish(mc::Publish {
                    topic: p.topic.as_str().into(),
                    properties: mc::Properties::from_list(props.leak()),
                    ..p
                })
            }
            McPacket::Connect(c) => McPacket::Connect(mc::Connect {
                will: c.will.map(|w| mc::Will {
                    topic: w.topic.as_str().into(),
                    ..w
                }),
                ..c
            }),
            McPacket::Subscribe(s) => {
                let list: Vec<mc::Subscription<'a>> = s
                    .filters
                    .iter()
                    .map(|f| mc::Subscription {
                        filter: f.filter.as_str().into(),
                        ..f
                    })
                    .collect();
                McPacket::Subscribe(mc::Subscribe {
                    filters: mc::SubscribeFilters::from_list(list.leak()),
                    ..s
                })
            }
        }
    }

    fn encode(&self, level: mc::ProtocolLevel, out: &mut [u8]) -> usize {
        match self {
            McPacket::Publish(p) => p.encode(level, out).unwrap(),
            McPacket::Connect(p) => p.encode(out).unwrap(),
            McPacket::Subscribe(p) => p.encode(level, out).unwrap(),
        }
    }
}

/// mqttbytes v4 packet values with the fields of the mqtt-codec packet.
enum MqttBytesV4 {
    Publish(mqttbytes::v4::Publish),
    Connect(mqttbytes::v4::Connect),
    Subscribe(mqttbytes::v4::Subscribe),
}

impl MqttBytesV4 {
    fn write_to(&self, buf: &mut bytes::BytesMut) -> usize {
        match self {
            MqttBytesV4::Publish(p) => p.write(buf).unwrap(),
            MqttBytesV4::Connect(p) => p.write(buf).unwrap(),
            MqttBytesV4::Subscribe(p) => p.write(buf).unwrap(),
        }
    }
}

fn mqttbytes_v4_packet(name: &str, packet: &mc::Packet<'_>) -> MqttBytesV4 {
    use mqttbytes::v4;
    match (name, packet) {
        (_, mc::Packet::Publish(p)) => {
            let mut out =
                v4::Publish::new(p.topic.as_str(), mqttbytes::QoS::AtLeastOnce, p.payload);
            out.pkid = 1;
            MqttBytesV4::Publish(out)
        }
        (_, mc::Packet::Connect(c)) => {
            let mut out = v4::Connect::new(c.client_id);
            out.keep_alive = c.keep_alive;
            let w = c.will.unwrap();
            out.last_will = Some(v4::LastWill::new(
                w.topic.as_str(),
                w.payload,
                mqttbytes::QoS::AtLeastOnce,
                true,
            ));
            out.set_login(
                c.username.unwrap(),
                std::str::from_utf8(c.password.unwrap()).unwrap(),
            );
            MqttBytesV4::Connect(out)
        }
        _ => {
            let filters = FILTERS
                .iter()
                .map(|&(f, q)| v4::SubscribeFilter::new(f.to_string(), mqttbytes::qos(q).unwrap()));
            let mut s = v4::Subscribe::new_many(filters);
            s.pkid = 7;
            MqttBytesV4::Subscribe(s)
        }
    }
}

/// A closure that builds nothing and serialises a prebuilt
/// mqtt-protocol-core packet to its continuous buffer.
fn mpc_packet(
    name: &str,
    small: &[u8],
    p4k: &[u8],
    p256k: &[u8],
    v5_payload: &[u8],
) -> Box<dyn Fn() -> Vec<u8>> {
    use mpc::Qos;
    let v311_publish = |topic: &str, payload: &[u8]| {
        mpc::v3_1_1::Publish::builder()
            .topic_name(topic)
            .unwrap()
            .qos(Qos::AtLeastOnce)
            .packet_id(1u16)
            .payload(payload.to_vec())
            .build()
            .unwrap()
    };
    match name {
        "publish_small_qos1" => {
            let p = v311_publish(TOPIC40, small);
            Box::new(move || p.to_continuous_buffer())
        }
        "publish_4k" => {
            let p = v311_publish("bench/payload/4k", p4k);
            Box::new(move || p.to_continuous_buffer())
        }
        "publish_256k" => {
            let p = v311_publish("bench/payload/256k", p256k);
            Box::new(move || p.to_continuous_buffer())
        }
        "connect_will_credentials" => {
            let p = mpc::v3_1_1::Connect::builder()
                .client_id("bench-client-0001")
                .unwrap()
                .keep_alive(60)
                .clean_session(true)
                .will_message(
                    "clients/bench-client-0001/status",
                    b"offline".to_vec(),
                    Qos::AtLeastOnce,
                    true,
                )
                .unwrap()
                .user_name("bench-user")
                .unwrap()
                .password(b"correct horse battery staple".to_vec())
                .unwrap()
                .build()
                .unwrap();
            Box::new(move || p.to_continuous_buffer())
        }
        "subscribe_5_filters" => {
            let entries = FILTERS
                .iter()
                .map(|&(f, q)| {
                    mpc::SubEntry::new(f, mpc::SubOpts::new().set_qos(Qos::try_from(q).unwrap()))
                        .unwrap()
                })
                .collect::<Vec<_>>();
            let p = mpc::v3_1_1::Subscribe::builder()
                .packet_id(7u16)
                .entries(entries)
                .build()
                .unwrap();
            Box::new(move || p.to_continuous_buffer())
        }
        _ => {
            let props = vec![
                mpc::Property::MessageExpiryInterval(mpc::MessageExpiryInterval::new(300).unwrap()),
                mpc::Property::ContentType(mpc::ContentType::new("application/json").unwrap()),
                mpc::Property::ResponseTopic(
                    mpc::ResponseTopic::new("rpc/response/client-7").unwrap(),
                ),
                mpc::Property::CorrelationData(mpc::CorrelationData::new(CORR.to_vec()).unwrap()),
                mpc::Property::UserProperty(mpc::UserProperty::new(USER[0].0, USER[0].1).unwrap()),
                mpc::Property::UserProperty(mpc::UserProperty::new(USER[1].0, USER[1].1).unwrap()),
                mpc::Property::UserProperty(mpc::UserProperty::new(USER[2].0, USER[2].1).unwrap()),
            ];
            let p = mpc::v5_0::Publish::builder()
                .topic_name("rpc/request/device-42")
                .unwrap()
                .qos(Qos::AtLeastOnce)
                .packet_id(1u16)
                .props(props)
                .payload(v5_payload.to_vec())
                .build()
                .unwrap();
            Box::new(move || p.to_continuous_buffer())
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
