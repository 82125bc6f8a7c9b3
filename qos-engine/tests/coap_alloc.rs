//! The CoAP endpoint never allocates: a counting global allocator sees zero
//! allocations while a client and a server run CON exchanges, a 64 KiB
//! block-wise transfer both ways, and an observation.
// Implementing `GlobalAlloc` is the only way to count allocations; the
// unsafe code is confined to forwarding to the system allocator.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use coap_codec::{Code, OptionEntry, OptionNumber, OptionValue};
use qos_engine::coap::{Config, Endpoint, Event, Request, Response};
use qos_engine::{Duration, Instant};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

type Ep = Endpoint<u8, 4, 16, 1152>;

const PATH: [OptionEntry<'static>; 1] = [OptionEntry {
    number: OptionNumber::URI_PATH,
    value: OptionValue::Bytes(b"big"),
}];

/// One in-memory round: every datagram from one side to the other, each
/// side's application answering as it goes. Uses only stack buffers.
fn pump(
    c: &mut Ep,
    s: &mut Ep,
    now: Instant,
    big: &[u8],
    upload_sink: &mut [u8],
    sunk: &mut usize,
) {
    let mut buf = [0u8; 1152];
    let mut rx = [0u8; 1152];
    loop {
        let mut moved = false;
        while let Some(t) = c.poll_transmit(now, &mut buf) {
            moved = true;
            rx[..t.len].copy_from_slice(&buf[..t.len]);
            s.handle_datagram(now, 1, &rx[..t.len]);
            while let Some(ev) = s.poll_event() {
                if let Event::Request {
                    id,
                    method,
                    block1,
                    observe,
                    ..
                } = ev
                {
                    if let Some(part) = block1 {
                        let p = s.message().unwrap().payload();
                        upload_sink[part.offset..part.offset + p.len()].copy_from_slice(p);
                        *sunk = part.offset + p.len();
                        if part.more {
                            continue;
                        }
                    }
                    let r = if method == Code::GET {
                        Response::new(Code::CONTENT, big)
                    } else {
                        Response::new(Code::CHANGED, b"")
                    };
                    if observe == Some(0) {
                        s.register_observer(now, id, 1, &r).unwrap();
                    } else {
                        s.respond(now, id, &r).unwrap();
                    }
                }
            }
        }
        while let Some(t) = s.poll_transmit(now, &mut buf) {
            moved = true;
            rx[..t.len].copy_from_slice(&buf[..t.len]);
            c.handle_datagram(now, 2, &rx[..t.len]);
            while let Some(ev) = c.poll_event() {
                if let Event::UploadContinue { handle, .. } = ev {
                    c.continue_upload(now, handle, big).unwrap();
                }
            }
        }
        if !moved {
            break;
        }
    }
}

#[test]
fn endpoint_runs_exchanges_blockwise_and_observe_without_allocating() {
    // Everything the test itself needs is allocated up front.
    let big: Vec<u8> = (0..64 * 1024).map(|i| (i % 251) as u8).collect();
    let mut sink = vec![0u8; 64 * 1024];
    let mut c = Box::new(Ep::new(
        Config {
            seed: 1,
            ..Config::default()
        },
        Instant::ZERO,
    ));
    let mut s = Box::new(Ep::new(
        Config {
            seed: 2,
            ..Config::default()
        },
        Instant::ZERO,
    ));
    let mut now = Instant::ZERO;
    let mut sunk = 0;

    COUNTING.store(true, Ordering::SeqCst);
    // 200 CON request/response exchanges.
    for _ in 0..200 {
        c.request(now, 2, &Request::post(&PATH, b"small")).unwrap();
        pump(&mut c, &mut s, now, &big, &mut sink, &mut sunk);
        now = now + Duration::from_millis(1);
    }
    // 64 KiB Block2 download and 64 KiB Block1 upload.
    c.request(now, 2, &Request::get(&PATH)).unwrap();
    pump(&mut c, &mut s, now, &big, &mut sink, &mut sunk);
    c.request(now, 2, &Request::put(&PATH, &big)).unwrap();
    pump(&mut c, &mut s, now, &big, &mut sink, &mut sunk);
    // An observation with notifications.
    c.observe(now, 2, &Request::get(&PATH)).unwrap();
    pump(&mut c, &mut s, now, &big[..10], &mut sink, &mut sunk);
    for _ in 0..20 {
        s.notify(now, 1, &Response::new(Code::CONTENT, b"tick"), true)
            .unwrap();
        pump(&mut c, &mut s, now, &big, &mut sink, &mut sunk);
    }
    // Timers: retransmissions with nobody listening.
    c.request(now, 9, &Request::get(&PATH)).unwrap();
    while let Some(t) = c.poll_timeout() {
        if t > now + Duration::from_secs(100) {
            break;
        }
        now = t;
        c.handle_timeout(now);
        let mut buf = [0u8; 1152];
        while c.poll_transmit(now, &mut buf).is_some() {}
        while c.poll_event().is_some() {}
    }
    COUNTING.store(false, Ordering::SeqCst);

    assert_eq!(
        ALLOCATIONS.load(Ordering::SeqCst),
        0,
        "the endpoint allocated"
    );
    assert_eq!(sunk, big.len());
    assert_eq!(sink, big, "the 64 KiB upload arrived intact");
    // 200 small requests, 64 Block2 block requests, 64 Block1 blocks, 1 registration.
    assert_eq!(s.stats().requests_delivered, 200 + 64 + 64 + 1);
    assert!(c.stats().responses_delivered >= 200 + 64 + 20);
    assert!(c.stats().retransmissions >= 4);
    eprintln!(
        "size_of::<Endpoint<u8, 4, 16, 1152>>() = {}",
        std::mem::size_of::<Ep>()
    );
}
