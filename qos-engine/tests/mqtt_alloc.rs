//! The MQTT session never allocates: a counting global allocator watches a
//! client and a server exchange messages at QoS 0, 1 and 2 (encode, decode
//! and state included), with a reconnection and a snapshot/restore in the
//! middle. Also prints the size of a session with default capacities.
#![allow(unsafe_code)] // the counting allocator below, test-only
#![allow(clippy::print_stdout)] // the session size is reported on purpose

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use mqtt_codec::{ProtocolLevel, QoS};
use qos_engine::mqtt::{AcceptOptions, Config, ConnectOptions, Event, PublishOptions, Session};
use qos_engine::Instant;

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Only the measuring thread counts (the test harness's other threads
    /// allocate as they please).
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCS.fetch_add(1, Ordering::SeqCst);
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

type S = Session;

/// Moves bytes both ways until neither side has anything to say; returns
/// (messages delivered to the server, acknowledgements at the client).
fn pump(c: &mut S, s: &mut S, now: Instant, wire: &mut [u8]) -> (usize, usize) {
    let (mut delivered, mut acked) = (0, 0);
    loop {
        let mut progress = false;
        while let Some(t) = c.poll_transmit(now, wire) {
            progress = true;
            let mut input = &wire[..t.len];
            while !input.is_empty() {
                let n = s.handle_bytes(now, input);
                input = &input[n..];
                let mut accept = false;
                while let Some(ev) = s.poll_event() {
                    match ev {
                        Event::Message { .. } => delivered += 1,
                        Event::ConnectReceived { .. } => accept = true,
                        _ => {}
                    }
                }
                if accept {
                    s.accept(now, &AcceptOptions::default()).unwrap();
                }
            }
        }
        while let Some(t) = s.poll_transmit(now, wire) {
            progress = true;
            let mut input = &wire[..t.len];
            while !input.is_empty() {
                let n = c.handle_bytes(now, input);
                input = &input[n..];
                while let Some(ev) = c.poll_event() {
                    if let Event::Published { .. } = ev {
                        acked += 1;
                    }
                }
            }
        }
        while let Some(ev) = c.poll_event() {
            progress = true;
            if let Event::Published { .. } = ev {
                acked += 1;
            }
        }
        while s.poll_event().is_some() {
            progress = true;
        }
        if !progress {
            return (delivered, acked);
        }
    }
}

fn connect(c: &mut S, s: &mut S, now: Instant, wire: &mut [u8], clean: bool) -> (usize, usize) {
    c.handle_transport_up(now);
    s.handle_transport_up(now);
    let opts = ConnectOptions {
        clean_start: clean,
        session_expiry: u32::MAX,
        ..ConnectOptions::new("alloc-test")
    };
    c.connect(now, &opts).unwrap();
    let counts = pump(c, s, now, wire);
    assert!(c.is_connected() && s.is_connected());
    counts
}

#[test]
fn sessions_exchange_qos_0_1_2_without_allocating() {
    // Set-up may allocate (the test harness does); the exchange may not.
    let mut c: Box<S> = Box::new(Session::new(
        Config::client(ProtocolLevel::V5),
        Instant::ZERO,
    ));
    let mut s: Box<S> = Box::new(Session::new(Config::server(), Instant::ZERO));
    let mut wire = vec![0u8; S::TRANSMIT_BUF];
    let mut snap = vec![0u8; 8192];
    let payload = [7u8; 64];
    let before = ALLOCS.load(Ordering::SeqCst);
    COUNTING.with(|c| c.set(true));

    let mut now = Instant::ZERO;
    connect(&mut c, &mut s, now, &mut wire, true);
    let (mut delivered, mut acked) = (0, 0);
    for i in 0..3000u32 {
        now = Instant::from_millis(u64::from(i));
        let qos = QoS::from_u8((i % 3) as u8).unwrap();
        c.publish(now, &PublishOptions::new("bench/topic", &payload, qos))
            .unwrap();
        let (d, a) = pump(&mut c, &mut s, now, &mut wire);
        delivered += d;
        acked += a;
    }
    // A cut with a QoS 2 message half way, then a snapshot/restore.
    c.publish(
        now,
        &PublishOptions::new("bench/topic", &payload, QoS::ExactlyOnce),
    )
    .unwrap();
    let mut t = c.poll_transmit(now, &mut wire);
    while t.is_some() {
        t = c.poll_transmit(now, &mut wire);
    }
    c.handle_transport_down(now);
    s.handle_transport_down(now);
    let n = c.snapshot(&mut snap).unwrap();
    *c = Session::restore(*c.config(), now, &snap[..n]).unwrap();
    let (d, a) = connect(&mut c, &mut s, now, &mut wire, false);
    delivered += d;
    acked += a;

    COUNTING.with(|c| c.set(false));
    let allocations = ALLOCS.load(Ordering::SeqCst) - before;
    assert_eq!(allocations, 0, "the sessions allocated {allocations} times");
    assert_eq!((delivered, acked), (3001, 2001));
}

#[test]
fn session_size_with_default_capacities_is_reported() {
    let size = core::mem::size_of::<Session>();
    println!("size_of::<Session>() (INFLIGHT 16, BUF 4096, RX 1024) = {size} bytes");
    let small = core::mem::size_of::<Session<4, 512, 256>>();
    println!("size_of::<Session<4, 512, 256>>() = {small} bytes");
    // The buffers (BUF, RX twice: receive buffer and control frames, two
    // 256-byte alias tables) dominate; the rest stays under 2 KiB.
    assert!(size < 4096 + 2 * 1024 + 2 * 256 + 2048, "{size}");
    assert!(small < size);
}
