//! Criterion bench: messages per second through an in-memory MQTT 5.0
//! client + server pair, QoS 0, 1 and 2 — encode, decode and session state
//! on both sides included — for `qos_engine::mqtt::Session` and for
//! `mqtt-protocol-core` 0.7's `Connection` doing the same exchange.
//!
//! Each message is published by the client, carried to the server, handed
//! to the server's application, acknowledged (PUBACK, or PUBREC / PUBREL /
//! PUBCOMP) and completed at the client before the next one: a strict
//! request/response loop, so the numbers measure per-message work.
//!
//! `cargo bench --bench mqtt_session -- --warm-up-time 1 --measurement-time 2`
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

use mqtt_codec::{ProtocolLevel, QoS};
use qos_engine::mqtt::{AcceptOptions, Config, ConnectOptions, Event, PublishOptions, Session};
use qos_engine::Instant;

const MESSAGES: u64 = 200;
const TOPIC: &str = "bench/sensors/temperature";
const PAYLOAD: [u8; 64] = [0x42; 64];

// ------------------------------------------------------------------ mqcoap

type S = Session<16, 4096, 1024>;

/// Bytes one session wrote, waiting to be handed to the other.
struct Wire {
    buf: Vec<u8>,
    len: usize,
}

/// What the application saw.
#[derive(Default)]
struct Seen {
    delivered: u64,
    completed: u64,
}

struct Ours {
    client: Box<S>,
    server: Box<S>,
    to_server: Wire,
    to_client: Wire,
    seen: Seen,
}

/// The driver contract: after an input or a command, poll transmits and
/// events until both return `None` in the same round. Frames go to `out`.
fn drain(s: &mut S, out: &mut Wire, seen: &mut Seen) {
    let now = Instant::ZERO;
    loop {
        let mut progress = false;
        let mut accept = false;
        while let Some(ev) = s.poll_event() {
            progress = true;
            match ev {
                Event::Message { payload, .. } => {
                    black_box(payload);
                    seen.delivered += 1;
                }
                Event::Published { .. } => seen.completed += 1,
                Event::ConnectReceived { .. } => accept = true,
                _ => {}
            }
        }
        if accept {
            s.accept(now, &AcceptOptions::default()).unwrap();
        }
        // Every frame fits: `out` keeps room for a whole transmit buffer.
        while let Some(t) = s.poll_transmit(now, &mut out.buf[out.len..]) {
            out.len += t.len;
            progress = true;
            assert!(out.buf.len() - out.len >= S::TRANSMIT_BUF);
        }
        if !progress {
            return;
        }
    }
}

/// Hands `input` to `s`, draining it after every call.
fn deliver(s: &mut S, input: &mut Wire, out: &mut Wire, seen: &mut Seen) {
    let mut at = 0;
    while at < input.len {
        at += s.handle_bytes(Instant::ZERO, &input.buf[at..input.len]);
        drain(s, out, seen);
    }
    input.len = 0;
}

impl Ours {
    fn new() -> Ours {
        let now = Instant::ZERO;
        let wire = || Wire {
            buf: vec![0; 4 * S::TRANSMIT_BUF],
            len: 0,
        };
        let mut o = Ours {
            // Topic aliases off: the peer sends the full topic every time,
            // so both engines do the same exchange byte for byte.
            client: Box::new(Session::new(
                Config {
                    use_topic_aliases: false,
                    ..Config::client(ProtocolLevel::V5)
                },
                now,
            )),
            server: Box::new(Session::new(Config::server(), now)),
            to_server: wire(),
            to_client: wire(),
            seen: Seen::default(),
        };
        o.client.handle_transport_up(now);
        o.server.handle_transport_up(now);
        let opts = ConnectOptions {
            keep_alive: 0,
            ..ConnectOptions::new("bench")
        };
        o.client.connect(now, &opts).unwrap();
        o.pump();
        assert!(o.client.is_connected() && o.server.is_connected());
        o
    }

    /// Carries bytes between the two sessions until neither has any to
    /// send, draining each after every input (as an embedding would).
    fn pump(&mut self) {
        drain(&mut self.client, &mut self.to_server, &mut self.seen);
        while self.to_server.len > 0 {
            deliver(
                &mut self.server,
                &mut self.to_server,
                &mut self.to_client,
                &mut self.seen,
            );
            deliver(
                &mut self.client,
                &mut self.to_client,
                &mut self.to_server,
                &mut self.seen,
            );
        }
    }

    fn exchange(&mut self, qos: QoS, n: u64) {
        for _ in 0..n {
            let msg = PublishOptions::new(TOPIC, &PAYLOAD, qos);
            self.client.publish(Instant::ZERO, &msg).unwrap();
            self.pump();
        }
    }
}

// ------------------------------------------------------- mqtt-protocol-core

mod peer {
    use mqtt_protocol_core::mqtt;
    use mqtt_protocol_core::mqtt::packet::GenericPacketTrait;
    use std::collections::VecDeque;

    pub struct Theirs {
        client: mqtt::Connection<mqtt::role::Client>,
        server: mqtt::Connection<mqtt::role::Server>,
        /// Packets on their way, reused across messages (as our side
        /// reuses its wire buffers).
        queue: VecDeque<To>,
        pub delivered: u64,
        pub completed: u64,
    }

    enum To {
        Client(Vec<u8>),
        Server(Vec<u8>),
    }

    impl Theirs {
        pub fn new() -> Theirs {
            let mut t = Theirs {
                client: mqtt::Connection::<mqtt::role::Client>::new(mqtt::Version::V5_0),
                server: mqtt::Connection::<mqtt::role::Server>::new(mqtt::Version::V5_0),
                queue: VecDeque::new(),
                delivered: 0,
                completed: 0,
            };
            t.client.set_auto_pub_response(true);
            t.server.set_auto_pub_response(true);
            let connect = mqtt::packet::v5_0::Connect::builder()
                .client_id("bench")
                .unwrap()
                .clean_start(true)
                .build()
                .unwrap();
            let events = t.client.send(connect.into());
            t.collect(events, true);
            t.run();
            let connack = mqtt::packet::v5_0::Connack::builder()
                .session_present(false)
                .reason_code(mqtt::result_code::ConnectReasonCode::Success)
                .build()
                .unwrap();
            let events = t.server.send(connack.into());
            t.collect(events, false);
            t.run();
            t
        }

        /// Turns send requests into bytes for the other side.
        fn collect(&mut self, events: Vec<mqtt::connection::Event>, from_client: bool) {
            for ev in events {
                match ev {
                    mqtt::connection::Event::RequestSendPacket { packet, .. } => {
                        let bytes = packet.to_continuous_buffer();
                        self.queue.push_back(if from_client {
                            To::Server(bytes)
                        } else {
                            To::Client(bytes)
                        });
                    }
                    mqtt::connection::Event::NotifyPacketReceived(p) => {
                        if let mqtt::packet::Packet::V5_0Publish(p) = p {
                            std::hint::black_box(p.payload());
                            self.delivered += 1;
                        }
                    }
                    mqtt::connection::Event::NotifyPacketIdReleased(_) if from_client => {
                        self.completed += 1;
                    }
                    _ => {}
                }
            }
        }

        /// Hands each packet to its receiver, in order, until none is left.
        fn run(&mut self) {
            while let Some(item) = self.queue.pop_front() {
                match item {
                    To::Server(bytes) => {
                        let events = self.server.recv(&mut mqtt::common::Cursor::new(&bytes));
                        self.collect(events, false);
                    }
                    To::Client(bytes) => {
                        let events = self.client.recv(&mut mqtt::common::Cursor::new(&bytes));
                        self.collect(events, true);
                    }
                }
            }
        }

        pub fn exchange(&mut self, qos: u8, n: u64) {
            for _ in 0..n {
                let qos = match qos {
                    0 => mqtt::packet::Qos::AtMostOnce,
                    1 => mqtt::packet::Qos::AtLeastOnce,
                    _ => mqtt::packet::Qos::ExactlyOnce,
                };
                let mut b = mqtt::packet::v5_0::Publish::builder()
                    .topic_name(super::TOPIC)
                    .unwrap()
                    .qos(qos)
                    .payload(super::PAYLOAD.to_vec());
                if qos != mqtt::packet::Qos::AtMostOnce {
                    b = b.packet_id(self.client.acquire_packet_id().unwrap());
                }
                let events = self.client.send(b.build().unwrap().into());
                self.collect(events, true);
                self.run();
            }
        }
    }
}

fn bench(c: &mut Criterion) {
    for (qos, name) in [
        (QoS::AtMostOnce, "qos0"),
        (QoS::AtLeastOnce, "qos1"),
        (QoS::ExactlyOnce, "qos2"),
    ] {
        // Both engines must really do the exchange being measured.
        let mut ours = Ours::new();
        ours.exchange(qos, 10);
        let mut theirs = peer::Theirs::new();
        theirs.exchange(qos.as_u8(), 10);
        assert_eq!((ours.seen.delivered, theirs.delivered), (10, 10));
        if qos != QoS::AtMostOnce {
            assert_eq!((ours.seen.completed, theirs.completed), (10, 10), "{name}");
        }

        let mut g = c.benchmark_group(format!("mqtt_session/{name}"));
        g.throughput(Throughput::Elements(MESSAGES));
        g.bench_function(BenchmarkId::new("mqcoap", MESSAGES), |b| {
            b.iter(|| ours.exchange(qos, MESSAGES))
        });
        g.bench_function(BenchmarkId::new("mqtt-protocol-core", MESSAGES), |b| {
            b.iter(|| theirs.exchange(qos.as_u8(), MESSAGES))
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
