//! Criterion bench: CoAP message parsing and building — coap-codec and its
//! peers (coap-lite 0.13, coap-message-implementations 0.2 inmemory and
//! heap, coap-zero 0.3) on the same messages, in the same run.
//!
//! Parse = take the datagram, validate what the library validates, and walk
//! every option (number + value) and the payload. Build = produce the
//! datagram bytes from the message's parts (options given in number order).
use coap_codec::{Code, Message, MessageBuilder, MessageType, MessageWriter, OptionNumber};
use coap_message::{MessageOption as _, MinimalWritableMessage as _, ReadableMessage as _};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

struct Spec {
    name: &'static str,
    ty: u8,
    code: u8,
    mid: u16,
    token: &'static [u8],
    /// In number order.
    options: Vec<(u16, Vec<u8>)>,
    payload: Vec<u8>,
}

fn specs() -> Vec<Spec> {
    vec![
        Spec {
            name: "con_get_uri",
            ty: 0,
            code: 0x01,
            mid: 0x1234,
            token: &[1, 2, 3, 4],
            options: vec![
                (11, b"sensors".to_vec()),
                (11, b"temp".to_vec()),
                (15, b"unit=c".to_vec()),
                (17, vec![50]),
            ],
            payload: vec![],
        },
        Spec {
            name: "ack_content_64b",
            ty: 2,
            code: 0x45,
            mid: 0x1234,
            token: &[1, 2, 3, 4],
            options: vec![
                (4, vec![0xde, 0xad, 0xbe, 0xef]),
                (12, vec![50]),
                (14, vec![60]),
            ],
            payload: vec![0x61; 64],
        },
        Spec {
            name: "block2_1k",
            ty: 2,
            code: 0x45,
            mid: 0x1235,
            token: &[1, 2, 3, 4],
            options: vec![(12, vec![42]), (23, vec![0x3e])],
            payload: vec![0x62; 1024],
        },
        Spec {
            name: "12_options_ext",
            ty: 1,
            code: 0x02,
            mid: 0x1236,
            token: &[9; 8],
            options: vec![
                (3, b"example.com".to_vec()),
                (6, vec![]),
                (11, b"a".to_vec()),
                (11, b"b".to_vec()),
                (12, vec![60]),
                (15, b"x=1".to_vec()),
                (27, vec![0x0a]),
                (60, vec![0x10, 0x00]),
                (258, vec![2]),
                (300, vec![0x63; 300]),
                (2048, b"ext".to_vec()),
                (65000, vec![1, 2]),
            ],
            payload: vec![],
        },
    ]
}

fn ours_build(s: &Spec, buf: &mut [u8]) -> usize {
    let mut b = MessageBuilder::new(MessageType::from_bits(s.ty), Code(s.code), s.mid);
    b.token(s.token).payload(&s.payload);
    for (n, v) in &s.options {
        b.option(OptionNumber(*n), v);
    }
    b.build(buf).unwrap()
}

/// The streaming writer: each option goes straight into the buffer.
fn ours_write(s: &Spec, buf: &mut [u8]) -> usize {
    let mut w = MessageWriter::new(
        buf,
        MessageType::from_bits(s.ty),
        Code(s.code),
        s.mid,
        s.token,
    )
    .unwrap();
    for (n, v) in &s.options {
        w.option(OptionNumber(*n), v).unwrap();
    }
    w.payload(&s.payload).unwrap();
    w.finish()
}

fn ours_parse(wire: &[u8]) -> usize {
    let m = Message::parse(wire).unwrap();
    let mut sum = m.token().len() + usize::from(m.message_id());
    for o in m.options() {
        sum += usize::from(o.number.0)
            + o.value.len()
            + usize::from(o.value.first().copied().unwrap_or(0));
    }
    sum + m.payload().len()
}

fn lite_parse(wire: &[u8]) -> usize {
    let p = coap_lite::Packet::from_bytes(wire).unwrap();
    let mut sum = p.get_token().len() + usize::from(p.header.message_id);
    for (n, values) in p.options() {
        for v in values {
            sum += usize::from(*n) + v.len() + usize::from(v.first().copied().unwrap_or(0));
        }
    }
    sum + p.payload.len()
}

fn lite_build(s: &Spec) -> Vec<u8> {
    let mut p = coap_lite::Packet::new();
    p.header.set_type(match s.ty {
        0 => coap_lite::MessageType::Confirmable,
        1 => coap_lite::MessageType::NonConfirmable,
        2 => coap_lite::MessageType::Acknowledgement,
        _ => coap_lite::MessageType::Reset,
    });
    p.header.code = coap_lite::MessageClass::from(s.code);
    p.header.message_id = s.mid;
    p.set_token(s.token.to_vec());
    for (n, v) in &s.options {
        p.add_option(coap_lite::CoapOption::from(*n), v.clone());
    }
    p.payload = s.payload.clone();
    p.to_bytes().unwrap()
}

/// The inmemory view covers code + options + payload; the UDP header and
/// token are split off first (4 + TKL bytes).
fn cmi_parse(wire: &[u8]) -> usize {
    let tkl = usize::from(wire[0] & 0x0f);
    let m =
        coap_message_implementations::inmemory::Message::new_from_slice(wire[1], &wire[4 + tkl..]);
    let mut sum = tkl + usize::from(u16::from_be_bytes([wire[2], wire[3]]));
    for o in m.options() {
        let v = o.value();
        sum += usize::from(o.number()) + v.len() + usize::from(v.first().copied().unwrap_or(0));
    }
    sum + m.payload().len()
}

/// Parse into the owned heap message (via the inmemory view), then walk it.
fn cmi_heap_parse(wire: &[u8]) -> usize {
    let tkl = usize::from(wire[0] & 0x0f);
    let view =
        coap_message_implementations::inmemory::Message::new_from_slice(wire[1], &wire[4 + tkl..]);
    let mut h = coap_message_implementations::heap::HeapMessage::new();
    h.set_from_message(&view).unwrap();
    let mut sum = tkl;
    for o in h.options() {
        let v = o.value();
        sum += usize::from(o.number()) + v.len() + usize::from(v.first().copied().unwrap_or(0));
    }
    sum + h.payload().len()
}

fn cmi_build(s: &Spec, buf: &mut [u8]) -> usize {
    buf[0] = 0x40 | s.ty << 4 | s.token.len() as u8;
    buf[2..4].copy_from_slice(&s.mid.to_be_bytes());
    let t = 4 + s.token.len();
    buf[4..t].copy_from_slice(s.token);
    let (head, tail) = buf.split_at_mut(t);
    let code = &mut head[1];
    let mut m = coap_message_implementations::inmemory::MessageMut::new_in_slice(code, tail);
    m.set_code(s.code);
    for (n, v) in &s.options {
        m.add_option(*n, v).unwrap();
    }
    if !s.payload.is_empty() {
        m.set_payload(&s.payload).unwrap();
    }
    t + m.finish().0
}

/// The heap message is an owned structure (not wire bytes): this measures
/// building it, a lower bound on producing a datagram through it.
fn cmi_heap_build(s: &Spec) -> coap_message_implementations::heap::HeapMessage {
    let mut h = coap_message_implementations::heap::HeapMessage::new();
    h.set_code(s.code);
    for (n, v) in &s.options {
        h.add_option(*n, v).unwrap();
    }
    h.set_payload(&s.payload).unwrap();
    h
}

fn zero_parse(wire: &[u8]) -> Option<usize> {
    let m = coap_zero::message::encoded_message::EncodedMessage::try_new(wire).ok()?;
    m.check_msg_format::<1024>().ok()?;
    let mut sum = usize::from(m.message_id());
    for o in m.options_iter().ok()? {
        let o = o.ok()?;
        sum += o.name as usize + o.value.len() + usize::from(o.value.first().copied().unwrap_or(0));
    }
    Some(sum + m.payload().ok()?.map_or(0, <[u8]>::len))
}

/// coap-zero's public builder is `Message::new(.., options: heapless::Vec,
/// ..)`, which stable-sorts the options; its encoder is crate-private. So
/// this does what `Message::new` + `encode` do with the public pieces:
/// collect the options into a `heapless::Vec`, `sort_options_vec`, write the
/// header and token, `encode_to_buf`, then the payload.
fn zero_build(s: &Spec, buf: &mut [u8]) -> usize {
    use coap_zero::message::options::{
        encode_to_buf, sort_options_vec, CoapOption, CoapOptionName,
    };
    let mut opts: heapless07::Vec<CoapOption<'_>, 16> = heapless07::Vec::new();
    for (n, v) in &s.options {
        let name = CoapOptionName::try_from(*n).unwrap();
        opts.push(CoapOption { name, value: v }).unwrap();
    }
    let opts = sort_options_vec(opts);
    buf[0] = 0x40 | s.ty << 4 | s.token.len() as u8;
    buf[1] = s.code;
    buf[2..4].copy_from_slice(&s.mid.to_be_bytes());
    let mut i = 4 + s.token.len();
    buf[4..i].copy_from_slice(s.token);
    i += encode_to_buf(&mut buf[i..], &opts).unwrap();
    if !s.payload.is_empty() {
        buf[i] = 0xff;
        buf[i + 1..i + 1 + s.payload.len()].copy_from_slice(&s.payload);
        i += 1 + s.payload.len();
    }
    i
}

/// Whether coap-zero knows every option of the message (it rejects others).
fn zero_supports(s: &Spec) -> bool {
    s.options
        .iter()
        .all(|(n, _)| coap_zero::message::options::CoapOptionName::try_from(*n).is_ok())
}

fn bench(c: &mut Criterion) {
    let specs = specs();
    let mut buf = vec![0u8; 4096];
    let wires: Vec<Vec<u8>> = specs
        .iter()
        .map(|s| {
            let n = ours_build(s, &mut buf);
            buf[..n].to_vec()
        })
        .collect();
    // All implementations agree on the bytes before anything is timed.
    for (s, w) in specs.iter().zip(&wires) {
        assert_eq!(&lite_build(s), w, "coap-lite bytes for {}", s.name);
        let n = ours_write(s, &mut buf);
        assert_eq!(&buf[..n], &w[..], "writer bytes for {}", s.name);
        let n = cmi_build(s, &mut buf);
        assert_eq!(&buf[..n], &w[..], "inmemory bytes for {}", s.name);
        if zero_supports(s) {
            let n = zero_build(s, &mut buf);
            assert_eq!(&buf[..n], &w[..], "coap-zero bytes for {}", s.name);
        }
        let sums = (ours_parse(w), lite_parse(w));
        assert_eq!(sums.0, sums.1, "walk checksum for {}", s.name);
    }

    let mut g = c.benchmark_group("coap_parse");
    for (s, w) in specs.iter().zip(&wires) {
        g.throughput(Throughput::Bytes(w.len() as u64));
        g.bench_with_input(BenchmarkId::new("coap-codec", s.name), w, |b, w| {
            b.iter(|| ours_parse(black_box(w)))
        });
        g.bench_with_input(BenchmarkId::new("coap-lite", s.name), w, |b, w| {
            b.iter(|| lite_parse(black_box(w)))
        });
        g.bench_with_input(BenchmarkId::new("cmi-inmemory", s.name), w, |b, w| {
            b.iter(|| cmi_parse(black_box(w)))
        });
        g.bench_with_input(BenchmarkId::new("cmi-heap", s.name), w, |b, w| {
            b.iter(|| cmi_heap_parse(black_box(w)))
        });
        if zero_parse(w).is_some() {
            g.bench_with_input(BenchmarkId::new("coap-zero", s.name), w, |b, w| {
                b.iter(|| zero_parse(black_box(w)))
            });
        }
    }
    g.finish();

    let mut g = c.benchmark_group("coap_build");
    for (s, w) in specs.iter().zip(&wires) {
        g.throughput(Throughput::Bytes(w.len() as u64));
        g.bench_function(BenchmarkId::new("coap-codec", s.name), |b| {
            b.iter(|| ours_build(black_box(s), &mut buf))
        });
        g.bench_function(BenchmarkId::new("coap-codec-writer", s.name), |b| {
            b.iter(|| ours_write(black_box(s), &mut buf))
        });
        g.bench_function(BenchmarkId::new("coap-lite", s.name), |b| {
            b.iter(|| lite_build(black_box(s)))
        });
        g.bench_function(BenchmarkId::new("cmi-inmemory", s.name), |b| {
            b.iter(|| cmi_build(black_box(s), &mut buf))
        });
        g.bench_function(BenchmarkId::new("cmi-heap", s.name), |b| {
            b.iter(|| cmi_heap_build(black_box(s)))
        });
        if zero_supports(s) {
            g.bench_function(BenchmarkId::new("coap-zero", s.name), |b| {
                b.iter(|| zero_build(black_box(s), &mut buf))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
