//! RFC 8323 framing: Len/TKL nibble, 1/2/4-byte extended lengths,
//! incremental parsing, WebSockets, signaling.

use coap_codec::tcp::{self, Status};
use coap_codec::{Code, Config, ErrorKind, MessageBuilder, MessageType, OptionNumber, Reaction};

fn big() -> Config {
    Config::default().max_frame_len(u32::MAX)
}

fn frame_with_payload(len: usize) -> Vec<u8> {
    let payload = vec![0x42u8; len];
    let mut b = MessageBuilder::new(MessageType::Confirmable, Code::CONTENT, 0);
    b.token(&[0xaa]).payload(&payload);
    let mut buf = vec![0u8; b.tcp_len().unwrap()];
    let n = b.build_tcp(&mut buf).unwrap();
    assert_eq!(n, buf.len());
    buf
}

#[test]
fn rfc8323_3_2_len_nibble_and_extended_lengths_at_every_boundary() {
    // Body = marker + payload, so payload p gives Len p + 1.
    // Len 12 (nibble), 13 (ext 1 byte = 0), 268 (0xff), 269 (ext 2 bytes = 0),
    // 65804 (0xffff), 65805 (ext 4 bytes = 0).
    for (body, first, ext) in [
        (12usize, 0xc1u8, &[][..]),
        (13, 0xd1, &[0x00][..]),
        (268, 0xd1, &[0xff][..]),
        (269, 0xe1, &[0x00, 0x00][..]),
        (65804, 0xe1, &[0xff, 0xff][..]),
        (65805, 0xf1, &[0, 0, 0, 0][..]),
    ] {
        let f = frame_with_payload(body - 1);
        assert_eq!(f[0], first, "Len {body}");
        assert_eq!(&f[1..1 + ext.len()], ext, "Len {body}");
        assert_eq!(f[1 + ext.len()], Code::CONTENT.0);
        let Ok(Status::Complete((frame, used))) = tcp::parse(&f, &big()) else {
            panic!("Len {body}")
        };
        assert_eq!(used, f.len());
        assert_eq!(
            (frame.token(), frame.payload().len()),
            (&[0xaa][..], body - 1)
        );
    }
}

#[test]
fn rfc8323_3_2_incremental_parse_reports_exact_bytes_needed() {
    let f = frame_with_payload(300); // Len 301 → 2-byte extension
    for cut in 0..f.len() {
        match tcp::parse(&f[..cut], &big()).unwrap() {
            Status::Partial(n) => {
                assert!(n >= 1);
                // Once header + code are in, the count is exact.
                if cut >= 4 {
                    assert_eq!(cut + n, f.len(), "cut at {cut}");
                }
                assert!(
                    cut + n <= f.len(),
                    "never asks for more than the frame at {cut}"
                );
            }
            Status::Complete(_) => panic!("complete at {cut}"),
        }
    }
    assert!(matches!(tcp::parse(&f, &big()), Ok(Status::Complete((_, n))) if n == f.len()));
}

#[test]
fn rfc8323_3_2_frames_back_to_back_are_split_by_used_length() {
    let mut stream = frame_with_payload(5);
    stream.extend(frame_with_payload(20));
    stream.extend([0x00, 0xe2]); // Ping
    let mut rest = &stream[..];
    let mut codes = vec![];
    while !rest.is_empty() {
        let Status::Complete((f, used)) = tcp::parse(rest, &big()).unwrap() else {
            panic!()
        };
        codes.push(f.code());
        rest = &rest[used..];
    }
    assert_eq!(codes, [Code::CONTENT, Code::CONTENT, Code::PING]);
}

#[test]
fn rfc8323_5_3_1_oversized_frame_is_rejected_from_its_header_alone() {
    // Len nibble 15 with a 4-byte extension announcing ~4 GiB: rejected
    // before any body byte arrives.
    let hdr = [0xf0, 0xff, 0xff, 0xff, 0x00];
    assert_eq!(
        tcp::parse(&hdr, &Config::default()),
        Err(ErrorKind::FrameTooLarge)
    );
    assert_eq!(tcp::reaction(ErrorKind::FrameTooLarge), Reaction::Abort);
    // Default maximum 1152: a 1200-byte body is too large.
    let f = frame_with_payload(1200);
    assert_eq!(
        tcp::parse(&f[..3], &Config::default()),
        Err(ErrorKind::FrameTooLarge)
    );
}

#[test]
fn rfc8323_framing_applies_the_rfc7252_option_rules() {
    // Len 1, code 2.05, option byte 0xf0 (delta nibble 15).
    assert_eq!(
        tcp::parse(&[0x10, 0x45, 0xf0], &big()),
        Err(ErrorKind::ReservedOptionDelta)
    );
    // Len 1: a lone payload marker.
    assert_eq!(
        tcp::parse(&[0x10, 0x45, 0xff], &big()),
        Err(ErrorKind::EmptyPayload)
    );
    // TKL 9 is reserved without RFC 8974.
    let mut f = vec![0x09, 0x01];
    f.extend([0u8; 9]);
    assert_eq!(tcp::parse(&f, &big()), Err(ErrorKind::ReservedTokenLength));
    // Reserved class 6.
    assert_eq!(
        tcp::parse(&[0x00, 0xc1], &big()),
        Err(ErrorKind::ReservedCodeClass)
    );
}

#[test]
fn rfc8323_5_3_csm_with_max_message_size_and_block_wise_transfer() {
    let mut buf = [0u8; 16];
    let n = MessageBuilder::new(MessageType::Confirmable, Code::CSM, 0)
        .uint_option(tcp::MAX_MESSAGE_SIZE, 1152)
        .option(tcp::BLOCK_WISE_TRANSFER, &[])
        .build_tcp(&mut buf)
        .unwrap();
    assert_eq!(&buf[..n], &[0x40, 0xe1, 0x22, 0x04, 0x80, 0x20]);
    let Status::Complete((f, _)) = tcp::parse(&buf[..n], &Config::default()).unwrap() else {
        panic!()
    };
    assert_eq!(f.max_message_size(), Ok(Some(1152)));
    assert!(f.block_wise_transfer());
    assert_eq!(f.option_name(OptionNumber(2)), Some("Max-Message-Size"));
}

#[test]
fn rfc8323_5_signaling_codes_and_options_are_registered() {
    for (code, n, name) in [
        (Code::CSM, 2, "Max-Message-Size"),
        (Code::CSM, 4, "Block-Wise-Transfer"),
        (Code::PING, 2, "Custody"),
        (Code::PONG, 2, "Custody"),
        (Code::RELEASE, 2, "Alternative-Address"),
        (Code::RELEASE, 4, "Hold-Off"),
        (Code::ABORT, 2, "Bad-CSM-Option"),
    ] {
        assert_eq!(
            tcp::signal_option(code, OptionNumber(n)).map(|s| s.name),
            Some(name)
        );
    }
    // The same number means Uri-Host-like nothing outside signaling.
    let Status::Complete((f, _)) = tcp::parse(&[0x10, 0x45, 0x20], &big()).unwrap() else {
        panic!()
    };
    assert_eq!(f.option_name(OptionNumber(2)), None);
}

#[test]
fn rfc8323_4_2_websocket_messages_have_len_zero_and_no_extension() {
    let payload = [1u8; 300];
    let mut b = MessageBuilder::new(MessageType::Confirmable, Code::POST, 0);
    b.token(&[1, 2]).uri_path("x").payload(&payload);
    let mut buf = [0u8; 400];
    let n = b.build_ws(&mut buf).unwrap();
    assert_eq!(n, b.ws_len().unwrap());
    assert_eq!(&buf[..4], &[0x02, 0x02, 1, 2]);
    let f = tcp::parse_ws(&buf[..n], &Config::default()).unwrap();
    assert_eq!(
        (f.code(), f.token(), f.payload().len()),
        (Code::POST, &[1, 2][..], 300)
    );
    // A nonzero Len nibble is not a WebSocket message.
    assert_eq!(
        tcp::parse_ws(&[0x10, 0x01, 0x00], &Config::default()),
        Err(ErrorKind::WebSocketLength)
    );
    assert_eq!(
        tcp::parse_ws(&[0x00], &Config::default()),
        Err(ErrorKind::TooShort)
    );
}

#[test]
fn rfc8323_5_5_and_5_6_release_and_abort_carry_their_options() {
    let mut buf = [0u8; 64];
    // Release with Alternative-Address "coap+tcp://h" and Hold-Off 30 s.
    let n = MessageBuilder::new(MessageType::Confirmable, Code::RELEASE, 0)
        .str_option(tcp::ALTERNATIVE_ADDRESS, "coap+tcp://h")
        .uint_option(tcp::HOLD_OFF, 30)
        .build_tcp(&mut buf)
        .unwrap();
    // Len 15 (0x2c + 12 bytes, 0x21 + 1 byte) → nibble 13 + ext 2; code 0xe4.
    assert_eq!(&buf[..3], &[0xd0, 0x02, 0xe4]);
    let Status::Complete((f, used)) = tcp::parse(&buf[..n], &big()).unwrap() else {
        panic!()
    };
    assert_eq!(used, n);
    let opts: Vec<_> = f
        .options()
        .map(|o| (f.option_name(o.number), o.value.len()))
        .collect();
    assert_eq!(
        opts,
        [(Some("Alternative-Address"), 12), (Some("Hold-Off"), 1)]
    );
    // Abort naming the bad CSM option 2, with a diagnostic payload.
    let n = MessageBuilder::new(MessageType::Confirmable, Code::ABORT, 0)
        .uint_option(tcp::BAD_CSM_OPTION, 2)
        .payload(b"bad")
        .build_tcp(&mut buf)
        .unwrap();
    assert_eq!(&buf[..n], &[0x60, 0xe5, 0x21, 0x02, 0xff, b'b', b'a', b'd']);
    let Status::Complete((f, _)) = tcp::parse(&buf[..n], &big()).unwrap() else {
        panic!()
    };
    assert_eq!(f.uint_option(tcp::BAD_CSM_OPTION), Ok(Some(2)));
    assert_eq!(f.payload(), b"bad");
}

#[test]
fn rfc8974_extended_tokens_over_tcp_need_the_explicit_maximum() {
    // Len 0, TKL 13 (ext 0x02 → 15-byte token), code GET.
    let mut f = vec![0x0d, 0x01, 0x02];
    f.extend([0x77u8; 15]);
    assert_eq!(tcp::parse(&f, &big()), Err(ErrorKind::ReservedTokenLength));
    let cfg = big().extended_tokens(16);
    let Status::Complete((fr, used)) = tcp::parse(&f, &cfg).unwrap() else {
        panic!()
    };
    assert_eq!((fr.token().len(), used), (15, f.len()));
    // Before the TKL extension byte arrives the parser asks for it.
    assert_eq!(tcp::parse(&f[..2], &cfg), Ok(Status::Partial(1)));
}
