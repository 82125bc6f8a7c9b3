//! Fuzz bodies, kept in the library so they compile (and can be called
//! from tests) in ordinary CI; the cargo-fuzz targets are thin wrappers.
//!
//! Each function panics when an invariant breaks — that is the oracle.

use arbitrary::{Arbitrary, Unstructured};

use crate::{
    tcp, Code, Config, Message, MessageBuilder, MessageType, MessageWriter, OptionEntry,
    OptionNumber, OptionValue,
};

const CAP: usize = 128;

/// Parses arbitrary bytes as a UDP message. Invariants: no panic; a message
/// that parses re-encodes to exactly the same bytes (CoAP's option, length
/// and token encodings are canonical), with and without RFC 8974 tokens.
///
/// ```
/// coap_codec::fuzz::parse(&[0x40, 0x01, 0x7d, 0x34, 0xb1, b'a']);
/// ```
pub fn parse(data: &[u8]) {
    for cfg in [
        Config::DEFAULT,
        Config::DEFAULT.extended_tokens(crate::MAX_TOKEN_LEN as u32),
    ] {
        let Ok(m) = Message::parse_with(data, &cfg) else {
            continue;
        };
        let mut b =
            MessageBuilder::<CAP>::with_capacity(m.message_type(), m.code(), m.message_id());
        b.token(m.token()).payload(m.payload());
        let mut prev = 0u16;
        let mut count = 0usize;
        for o in m.options() {
            assert!(o.number.0 >= prev, "options come in number order");
            prev = o.number.0;
            count += 1;
            if b.push(OptionEntry {
                number: o.number,
                value: OptionValue::Bytes(o.value),
            })
            .is_err()
            {
                break;
            }
        }
        let _ = (m.observe(), m.block1(), m.block2(), m.content_format());
        if count > CAP {
            continue;
        }
        let mut out = [0u8; 2048];
        match b.build(&mut out) {
            Ok(n) => assert_eq!(&out[..n], data, "re-encoding is byte-identical"),
            Err(crate::BuildError::BufferTooSmall { needed }) => assert_eq!(needed, data.len()),
            Err(e) => panic!("a parsed message must re-encode: {e:?}"),
        }
    }
}

/// Parses arbitrary bytes as a stream of RFC 8323 frames and as one
/// WebSocket message. Invariants: no panic; `Partial(n)` has `n ≥ 1`;
/// `Complete` consumes ≥ 2 bytes and re-encodes to exactly those bytes.
///
/// ```
/// coap_codec::fuzz::tcp_parse(&[0x00, 0xe2, 0x10]);
/// ```
pub fn tcp_parse(data: &[u8]) {
    let cfg = Config::DEFAULT.max_frame_len(u32::MAX);
    let mut rest = data;
    while !rest.is_empty() {
        match tcp::parse(rest, &cfg) {
            Ok(tcp::Status::Complete((f, used))) => {
                assert!((2..=rest.len()).contains(&used));
                let mut b =
                    MessageBuilder::<CAP>::with_capacity(MessageType::Confirmable, f.code(), 0);
                b.token(f.token()).payload(f.payload());
                let mut fits = true;
                for o in f.options() {
                    fits &= b
                        .push(OptionEntry {
                            number: o.number,
                            value: OptionValue::Bytes(o.value),
                        })
                        .is_ok();
                }
                if fits && !f.code().is_empty() {
                    let mut out = [0u8; 2048];
                    if let Ok(n) = b.build_tcp(&mut out) {
                        assert_eq!(
                            &out[..n],
                            &rest[..used],
                            "frame re-encodes byte-identically"
                        );
                    }
                }
                rest = &rest[used..];
            }
            Ok(tcp::Status::Partial(n)) => {
                assert!(n >= 1);
                break;
            }
            Err(_) => break,
        }
    }
    let _ = tcp::parse_ws(data, &cfg);
}

/// Builds a message from structured arbitrary input, parses it back over UDP,
/// TCP and WebSockets, and checks every field survives.
///
/// ```
/// coap_codec::fuzz::roundtrip(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
/// ```
pub fn roundtrip(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let _ = roundtrip_inner(&mut u);
}

fn roundtrip_inner(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let ty = MessageType::arbitrary(u)?;
    let mut code = Code(u8::arbitrary(u)?);
    if matches!(code.class(), 1 | 6 | 7) {
        code = Code::new(0, code.detail());
    }
    let mid = u16::arbitrary(u)?;
    let tlen = u.int_in_range(0..=8)?;
    let token = u.bytes(tlen)?;
    let mut b = MessageBuilder::<32>::with_capacity(ty, code, mid);
    let empty = code.is_empty();
    if !empty {
        b.token(token);
    }
    let mut wbuf = [0u8; 1 << 16];
    let mut w = MessageWriter::new(&mut wbuf, ty, code, mid, if empty { &[] } else { token })
        .expect("header fits");
    let n_opts = if empty { 0 } else { u.int_in_range(0..=32)? };
    for _ in 0..n_opts {
        let number = OptionNumber(u16::arbitrary(u)?);
        let value = if bool::arbitrary(u)? {
            OptionValue::Uint(u32::arbitrary(u)?)
        } else {
            let len = u.int_in_range(0..=600)?;
            OptionValue::Bytes(u.bytes(len.min(u.len()))?)
        };
        if b.push(OptionEntry { number, value }).is_ok() {
            match value {
                OptionValue::Bytes(v) => w.option(number, v),
                OptionValue::Uint(v) => w.uint_option(number, v),
            }
            .expect("the writer takes every option the builder takes");
        }
    }
    let payload = if empty { &[][..] } else { u.bytes(u.len())? };
    b.payload(payload);
    w.payload(payload).expect("payload fits");
    let wlen = w.finish();
    let mut buf = [0u8; 1 << 16];
    let n = b.build(&mut buf).expect("valid input builds");
    assert_eq!(
        &wbuf[..wlen],
        &buf[..n],
        "writer and builder produce the same bytes"
    );
    let expect: &[OptionEntry<'_>] = b.options();
    let check = |tok: &[u8], opts: crate::Options<'_>, pl: &[u8]| {
        assert_eq!(tok, if empty { &[][..] } else { token });
        assert_eq!(pl, payload);
        let mut count = 0;
        for (got, want) in opts.zip(expect) {
            assert_eq!(got.number, want.number);
            match want.value {
                OptionValue::Bytes(v) => assert_eq!(got.value, v),
                OptionValue::Uint(v) => assert_eq!(got.uint(), Ok(v)),
            }
            count += 1;
        }
        assert_eq!(count, expect.len());
    };
    let m = Message::parse(&buf[..n]).expect("built message parses");
    assert_eq!(
        (m.message_type(), m.code(), m.message_id()),
        (ty, code, mid)
    );
    check(m.token(), m.options(), m.payload());
    let cfg = Config::DEFAULT.max_frame_len(u32::MAX);
    let n = b.build_tcp(&mut buf).expect("valid input builds for TCP");
    let Ok(tcp::Status::Complete((f, used))) = tcp::parse(&buf[..n], &cfg) else {
        panic!("TCP frame parses")
    };
    assert_eq!((used, f.code()), (n, code));
    check(f.token(), f.options(), f.payload());
    let n = b
        .build_ws(&mut buf)
        .expect("valid input builds for WebSockets");
    let f = tcp::parse_ws(&buf[..n], &cfg).expect("WebSocket message parses");
    check(f.token(), f.options(), f.payload());
    Ok(())
}
