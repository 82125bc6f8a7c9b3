//! Property tests: arbitrary messages round-trip build → parse exactly over
//! UDP, TCP and WebSockets; arbitrary bytes never panic the parsers, and
//! whatever parses re-encodes byte for byte.

use coap_codec::tcp::{self, Status};
use coap_codec::{
    BuildError, Code, Config, Message, MessageBuilder, MessageType, MessageWriter, OptionEntry,
    OptionNumber, OptionValue,
};
use proptest::collection::vec;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Msg {
    ty: MessageType,
    code: Code,
    mid: u16,
    token: Vec<u8>,
    options: Vec<(u16, Vec<u8>)>,
    payload: Vec<u8>,
}

fn number() -> impl Strategy<Value = u16> {
    prop_oneof![
        0u16..=20,
        0u16..=300,
        any::<u16>(),
        Just(65535),
        Just(11),
        Just(15)
    ]
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => vec(any::<u8>(), 0..=12),
        2 => vec(any::<u8>(), 13..=300),
        1 => vec(any::<u8>(), 0..=1400),
    ]
}

fn msg() -> impl Strategy<Value = Msg> {
    (
        0u8..4,
        prop_oneof![Just(0u8), 0u8..=7, 2u8..=5],
        0u8..32,
        any::<u16>(),
        vec(any::<u8>(), 0..=8),
        vec((number(), value()), 0..16),
        prop_oneof![Just(vec![]), vec(any::<u8>(), 1..=1500)],
    )
        .prop_map(|(t, class, detail, mid, token, options, payload)| {
            let class = if matches!(class, 1 | 6 | 7) { 0 } else { class };
            let code = Code::new(class, detail);
            let empty = code.is_empty();
            Msg {
                ty: MessageType::from_bits(t),
                code,
                mid,
                token: if empty { vec![] } else { token },
                options: if empty { vec![] } else { options },
                payload: if empty { vec![] } else { payload },
            }
        })
}

fn builder(m: &Msg) -> MessageBuilder<'_> {
    let mut b = MessageBuilder::new(m.ty, m.code, m.mid);
    b.token(&m.token).payload(&m.payload);
    for (n, v) in &m.options {
        b.option(OptionNumber(*n), v);
    }
    b
}

fn sorted(m: &Msg) -> Vec<(u16, Vec<u8>)> {
    let mut o = m.options.clone();
    o.sort_by_key(|(n, _)| *n); // stable: repeated options keep their order
    o
}

fn collect(opts: coap_codec::Options<'_>) -> Vec<(u16, Vec<u8>)> {
    opts.map(|o| (o.number.0, o.value.to_vec())).collect()
}

/// Re-encodes a parsed message; CoAP's encodings are canonical, so this must
/// reproduce the input.
fn reencode_udp(m: &Message<'_>) -> Vec<u8> {
    let mut b = MessageBuilder::<4096>::with_capacity(m.message_type(), m.code(), m.message_id());
    b.token(m.token()).payload(m.payload());
    for o in m.options() {
        b.push(OptionEntry {
            number: o.number,
            value: OptionValue::Bytes(o.value),
        })
        .unwrap();
    }
    let mut out = vec![0u8; b.encoded_len().unwrap()];
    b.build(&mut out).unwrap();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn udp_build_then_parse_returns_every_field(m in msg()) {
        let b = builder(&m);
        let len = b.encoded_len().unwrap();
        let mut buf = vec![0u8; len];
        prop_assert_eq!(b.build(&mut buf), Ok(len));
        let p = Message::parse(&buf).unwrap();
        prop_assert_eq!((p.message_type(), p.code(), p.message_id()), (m.ty, m.code, m.mid));
        prop_assert_eq!(p.token(), &m.token[..]);
        prop_assert_eq!(collect(p.options()), sorted(&m));
        prop_assert_eq!(p.payload(), &m.payload[..]);
        prop_assert_eq!(reencode_udp(&p), buf);
    }

    #[test]
    fn streaming_writer_matches_the_builder_for_options_in_any_order(m in msg()) {
        let b = builder(&m);
        let mut expect = vec![0u8; b.encoded_len().unwrap()];
        b.build(&mut expect).unwrap();
        let mut buf = vec![0u8; expect.len()];
        let mut w = MessageWriter::new(&mut buf, m.ty, m.code, m.mid, &m.token).unwrap();
        for (n, v) in &m.options {
            w.option(OptionNumber(*n), v).unwrap();
        }
        w.payload(&m.payload).unwrap();
        let n = w.finish();
        prop_assert_eq!(&buf[..n], &expect[..]);
        // One byte short: an error, never a panic.
        if !expect.is_empty() {
            let mut short = vec![0u8; expect.len() - 1];
            let r = (|| -> Result<usize, BuildError> {
                let mut w = MessageWriter::new(&mut short, m.ty, m.code, m.mid, &m.token)?;
                for (n, v) in &m.options {
                    w.option(OptionNumber(*n), v)?;
                }
                w.payload(&m.payload)?;
                Ok(w.finish())
            })();
            prop_assert!(matches!(r, Err(BuildError::BufferTooSmall { .. })), "{:?}", r);
        }
    }

    #[test]
    fn tcp_and_websocket_build_then_parse_returns_every_field(m in msg()) {
        let b = builder(&m);
        let cfg = Config::default().max_frame_len(u32::MAX);
        let mut buf = vec![0u8; b.tcp_len().unwrap()];
        let n = b.build_tcp(&mut buf).unwrap();
        prop_assert_eq!(n, buf.len());
        let Ok(Status::Complete((f, used))) = tcp::parse(&buf, &cfg) else { panic!("frame parses") };
        prop_assert_eq!(used, n);
        prop_assert_eq!((f.code(), f.token(), f.payload()), (m.code, &m.token[..], &m.payload[..]));
        prop_assert_eq!(collect(f.options()), sorted(&m));
        // Every strict prefix is Partial and never asks for more than the rest.
        for cut in [0, 1, 2, n / 2, n - 1] {
            if cut < n {
                match tcp::parse(&buf[..cut], &cfg).unwrap() {
                    Status::Partial(k) => prop_assert!(k >= 1 && cut + k <= n),
                    Status::Complete(_) => prop_assert!(false, "prefix {} complete", cut),
                }
            }
        }
        let mut ws = vec![0u8; b.ws_len().unwrap()];
        b.build_ws(&mut ws).unwrap();
        let f = tcp::parse_ws(&ws, &cfg).unwrap();
        prop_assert_eq!((f.code(), f.token(), f.payload()), (m.code, &m.token[..], &m.payload[..]));
        prop_assert_eq!(collect(f.options()), sorted(&m));
    }

    #[test]
    fn udp_parse_of_arbitrary_bytes_never_panics_and_accepted_input_reencodes(bytes in vec(any::<u8>(), 0..600)) {
        if let Ok(m) = Message::parse(&bytes) {
            prop_assert_eq!(reencode_udp(&m), bytes);
        }
    }

    #[test]
    fn udp_parse_of_mutated_valid_messages_never_panics(m in msg(), flips in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
        let b = builder(&m);
        let mut buf = vec![0u8; b.encoded_len().unwrap()];
        b.build(&mut buf).unwrap();
        for (i, x) in flips {
            let i = i.index(buf.len());
            buf[i] ^= x;
        }
        if let Ok(p) = Message::parse(&buf) {
            prop_assert_eq!(reencode_udp(&p), buf.clone());
        }
        let _ = Message::parse_with(&buf, &Config::default().extended_tokens(65804));
    }

    #[test]
    fn tcp_parse_of_arbitrary_bytes_never_panics(bytes in vec(any::<u8>(), 0..600)) {
        let cfg = Config::default().max_frame_len(u32::MAX);
        let mut rest = &bytes[..];
        while let Ok(Status::Complete((f, used))) = tcp::parse(rest, &cfg) {
            prop_assert!(used >= 2 && used <= rest.len());
            let _ = f.options().count();
            rest = &rest[used..];
        }
        let _ = tcp::parse(&bytes, &Config::default());
        let _ = tcp::parse_ws(&bytes, &cfg);
    }

    #[test]
    fn uri_and_link_parsers_never_panic(s in "\\PC{0,80}") {
        let _ = coap_codec::uri::Uri::parse(&s);
        let _ = coap_codec::link::Links::new(&s).count();
        let mut out = [0u8; 64];
        let _ = coap_codec::uri::decode(&s, &mut out);
    }
}

#[cfg(feature = "bytes")]
proptest! {
    #[test]
    fn bufmut_output_equals_slice_output(m in msg()) {
        let b = builder(&m);
        let mut slice = vec![0u8; b.encoded_len().unwrap()];
        b.build(&mut slice).unwrap();
        let mut out = bytes::BytesMut::new();
        prop_assert_eq!(b.build_to_buf(&mut out), Ok(slice.len()));
        prop_assert_eq!(&out[..], &slice[..]);
        let mut tslice = vec![0u8; b.tcp_len().unwrap()];
        b.build_tcp(&mut tslice).unwrap();
        let mut tout = bytes::BytesMut::new();
        prop_assert_eq!(b.build_tcp_to_buf(&mut tout), Ok(tslice.len()));
        prop_assert_eq!(&tout[..], &tslice[..]);
        // A limited BufMut that is one byte short gets nothing.
        let mut small = [0u8; 3];
        let mut lim = &mut small[..];
        let short = matches!(b.build_to_buf(&mut lim), Err(BuildError::BufferTooSmall { .. }));
        prop_assert!(short, "a 3-byte BufMut is too small");
        prop_assert_eq!(small, [0u8; 3]);
    }
}
