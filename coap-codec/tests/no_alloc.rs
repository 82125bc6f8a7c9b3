//! Parsing and building the benchmark messages performs zero heap
//! allocations (counted by a global allocator wrapper).
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use coap_codec::{tcp, Block, Code, Config, Message, MessageBuilder, MessageType, OptionNumber};

struct Counting;

thread_local! {
    // Per thread, so allocations by the test harness or by tests running in
    // parallel are not counted. Const-initialised: reading it never allocates.
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn allocs() -> usize {
    ALLOCS.with(Cell::get)
}

fn count() {
    let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: forwards to the system allocator unchanged; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const PAYLOAD_64: [u8; 64] = [0x61; 64];
const PAYLOAD_1K: [u8; 1024] = [0x62; 1024];
const BIG_OPTION: [u8; 300] = [0x63; 300];

/// The four bench messages of benches/benches/coap_codec.rs, built into `out`.
fn build(which: usize, out: &mut [u8]) -> usize {
    let mut b = match which {
        0 => MessageBuilder::new(MessageType::Confirmable, Code::GET, 0x1234),
        1 => MessageBuilder::ack(0x1234, Code::CONTENT, &[1, 2, 3, 4]),
        2 => MessageBuilder::ack(0x1235, Code::CONTENT, &[1, 2, 3, 4]),
        _ => MessageBuilder::new(MessageType::NonConfirmable, Code::POST, 0x1236),
    };
    match which {
        0 => b
            .token(&[1, 2, 3, 4])
            .uri_path("sensors")
            .uri_path("temp")
            .uri_query("unit=c")
            .accept(50),
        1 => b
            .etag(&[0xde, 0xad, 0xbe, 0xef])
            .content_format(50)
            .max_age(60)
            .payload(&PAYLOAD_64),
        2 => b
            .content_format(42)
            .block2(Block::new(3, true, 6).unwrap())
            .payload(&PAYLOAD_1K),
        _ => b
            .token(&[9; 8])
            .uri_host("example.com")
            .uri_path("a")
            .uri_path("b")
            .content_format(60)
            .uri_query("x=1")
            .block1(Block::new(0, true, 2).unwrap())
            .size1(4096)
            .option(OptionNumber(258), &[2])
            .option(OptionNumber(300), &BIG_OPTION)
            .option(OptionNumber(2048), b"ext")
            .option(OptionNumber(65000), &[1, 2]),
    };
    if which == 3 {
        b.observe(0);
    }
    b.build(out).unwrap()
}

/// Walks everything a receiver would look at; returns a checksum.
fn walk(m: &Message<'_>) -> usize {
    let mut sum = m.token().len() + m.payload().len();
    for o in m.options() {
        sum += usize::from(o.number.0) + o.value.len();
    }
    sum + usize::from(m.block2().ok().flatten().is_some())
}

#[test]
fn parsing_and_building_the_bench_messages_allocates_nothing() {
    let mut buf = [0u8; 2048];
    let mut frame = [0u8; 2048];
    let cfg = Config::default().max_frame_len(4096);
    let before = allocs();
    let mut sum = 0;
    for which in 0..4 {
        let n = build(which, &mut buf);
        let m = Message::parse(&buf[..n]).unwrap();
        sum += walk(&m);
        // The same message over RFC 8323 framing.
        let mut b = MessageBuilder::<16>::with_capacity(m.message_type(), m.code(), 0);
        b.token(m.token()).payload(m.payload());
        for o in m.options() {
            b.option(o.number, o.value);
        }
        let n = b.build_tcp(&mut frame).unwrap();
        let Ok(tcp::Status::Complete((f, used))) = tcp::parse(&frame[..n], &cfg) else {
            panic!("frame")
        };
        sum += used + f.options().count();
    }
    // The streaming writer, on the 12-option message in reverse order.
    let mut w = coap_codec::MessageWriter::new(
        &mut frame,
        MessageType::NonConfirmable,
        Code::POST,
        1,
        &[9; 8],
    )
    .unwrap();
    for (n, v) in [
        (65000u16, &[1u8, 2][..]),
        (300, &BIG_OPTION[..]),
        (11, b"b"),
        (11, b"a"),
        (3, b"example.com"),
    ] {
        w.option(OptionNumber(n), v).unwrap();
    }
    sum += w.finish();
    let after = allocs();
    assert!(sum > 4 * 1024, "the walk saw the payloads");
    assert_eq!(after - before, 0, "heap allocations while parsing/building");
}

#[test]
fn the_counting_allocator_does_count() {
    let before = allocs();
    let v = std::hint::black_box(vec![1u8; 10]);
    assert!(allocs() > before);
    drop(v);
}
