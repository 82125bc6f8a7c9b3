//! Decoding and encoding never touch the heap: a counting global allocator
//! watches this thread while every bench frame is decoded (with its lazy
//! properties, filters and reason codes iterated) and encoded.
#![allow(unsafe_code)] // the GlobalAlloc impl below; the library itself forbids unsafe

use mqtt_codec::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
thread_local! {
    static WATCHING: Cell<bool> = const { Cell::new(false) };
}

fn note() {
    if WATCHING.with(Cell::get) {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
    }
}

// SAFETY: forwards every call to the system allocator unchanged; the only
// addition is a counter bump, which does not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Counts heap allocations made by this thread while `f` runs.
fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    WATCHING.with(|w| w.set(true));
    f();
    WATCHING.with(|w| w.set(false));
    ALLOCATIONS.load(Ordering::SeqCst) - before
}

/// Touches every lazily decoded part so that iteration is covered too.
fn walk(p: &Packet<'_>) -> usize {
    let mut n = 0;
    let mut props = |ps: &Properties<'_>| n += ps.iter().count();
    match p {
        Packet::Connect(c) => {
            props(&c.properties);
            if let Some(w) = &c.will {
                props(&w.properties);
            }
        }
        Packet::Publish(x) => props(&x.properties),
        Packet::Subscribe(s) => {
            props(&s.properties);
            n += s.filters.iter().filter(|f| !f.filter.is_empty()).count();
        }
        Packet::SubAck(s) => n += s.reason_codes.iter().count(),
        _ => {}
    }
    n
}

#[test]
fn decoding_and_encoding_the_bench_frames_allocates_nothing() {
    let small = vec![0x5Au8; 16];
    let p4k = vec![0xA5u8; 4096];
    let p256k = vec![0x3Cu8; 256 * 1024];
    let publish = |topic: &'static str, payload: &'static [u8]| {
        Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtLeastOnce,
            retain: false,
            topic: topic.into(),
            packet_id: Some(1),
            properties: Properties::EMPTY,
            payload,
        })
    };
    let small: &'static [u8] = small.leak();
    let p4k: &'static [u8] = p4k.leak();
    let p256k: &'static [u8] = p256k.leak();
    let subs = [
        Subscription {
            filter: "a/b/c".into(),
            options: SubscriptionOptions::new(QoS::AtMostOnce),
        },
        Subscription {
            filter: "sensors/+/temp".into(),
            options: SubscriptionOptions::new(QoS::AtLeastOnce),
        },
        Subscription {
            filter: "alerts/#".into(),
            options: SubscriptionOptions::new(QoS::ExactlyOnce),
        },
        Subscription {
            filter: "home/+/+/state".into(),
            options: SubscriptionOptions::new(QoS::AtLeastOnce),
        },
        Subscription {
            filter: "$SYS/broker/load/#".into(),
            options: SubscriptionOptions::new(QoS::AtMostOnce),
        },
    ];
    let v5_props = [
        Property::MessageExpiryInterval(300),
        Property::ContentType("application/json"),
        Property::ResponseTopic("rpc/response/client-7"),
        Property::CorrelationData(b"0123456789abcdef"),
        Property::UserProperty("device", "thermostat-42"),
        Property::UserProperty("fw", "1.4.2"),
        Property::UserProperty("trace", "c0ffee"),
    ];
    let codes = [ReasonCode::GrantedQoS1, ReasonCode::UnspecifiedError];
    let packets: Vec<(Packet<'_>, ProtocolLevel)> = vec![
        (
            publish("sensors/building-07/floor-3/room12/temp1", small),
            ProtocolLevel::V4,
        ),
        (publish("bench/payload/4k", p4k), ProtocolLevel::V4),
        (publish("bench/payload/256k", p256k), ProtocolLevel::V4),
        (
            Packet::Connect(Connect {
                level: ProtocolLevel::V4,
                clean_start: true,
                keep_alive: 60,
                properties: Properties::EMPTY,
                client_id: "bench-client-0001",
                will: Some(Will {
                    qos: QoS::AtLeastOnce,
                    retain: true,
                    properties: Properties::EMPTY,
                    topic: "clients/bench-client-0001/status".into(),
                    payload: b"offline",
                }),
                username: Some("bench-user"),
                password: Some(b"correct horse battery staple"),
            }),
            ProtocolLevel::V4,
        ),
        (
            Packet::Subscribe(Subscribe {
                packet_id: 7,
                properties: Properties::EMPTY,
                filters: SubscribeFilters::from_list(&subs),
            }),
            ProtocolLevel::V4,
        ),
        (
            Packet::Publish(Publish {
                topic: "rpc/request/device-42".into(),
                properties: Properties::from_list(&v5_props),
                payload: br#"{"method":"setpoint"}"#,
                ..match publish("x", b"") {
                    Packet::Publish(p) => p,
                    _ => unreachable!(),
                }
            }),
            ProtocolLevel::V5,
        ),
        (
            Packet::SubAck(SubAck {
                packet_id: 7,
                properties: Properties::EMPTY,
                reason_codes: ReasonCodes::from_list(&codes),
            }),
            ProtocolLevel::V5,
        ),
    ];
    // Buffers and frames are made before counting starts.
    let frames: Vec<Vec<u8>> = packets
        .iter()
        .map(|(p, l)| {
            let mut b = vec![0u8; p.encoded_len(*l).unwrap()];
            p.encode(*l, &mut b).unwrap();
            b
        })
        .collect();
    let mut out = vec![0u8; frames.iter().map(Vec::len).max().unwrap()];
    let mut head = [0u8; 256];
    let mut walked = 0;
    let count = allocations_during(|| {
        for ((packet, level), frame) in packets.iter().zip(&frames) {
            let opts = DecodeOptions::new(*level).with_max_packet_size(1 << 20);
            let Ok(Status::Complete((decoded, used))) = Packet::decode(frame, &opts) else {
                panic!()
            };
            assert_eq!(used, frame.len());
            walked += walk(&decoded);
            assert_eq!(&decoded, packet);
            // Encode the caller's packet and the decoded view.
            assert_eq!(packet.encode(*level, &mut out), Ok(frame.len()));
            assert_eq!(decoded.encode(*level, &mut out), Ok(frame.len()));
            if let Packet::Publish(p) = packet {
                assert!(p.encode_header(*level, &mut head).is_ok());
            }
            // Partial frames and oversize refusals do not allocate either.
            assert!(matches!(
                Packet::decode(&frame[..frame.len() - 1], &opts),
                Ok(Status::Partial(1))
            ));
        }
    });
    assert_eq!(count, 0, "heap allocations during decode/encode");
    assert_eq!(walked, 7 + 5 + 2, "lazy views were iterated");
    // The counter does see allocations (the test can fail).
    assert!(allocations_during(|| drop(std::hint::black_box(vec![1u8; 8]))) >= 1);
}
