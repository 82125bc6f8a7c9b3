//! Byte-literal tests against RFC 7252: the Appendix A examples, every
//! extended option delta/length boundary, and each rejection of §3/§4.

use coap_codec::{
    BuildError, Code, Config, ErrorKind, Message, MessageBuilder, MessageType, OptionNumber,
    OptionValue, Reaction,
};

const TEMPERATURE: &[u8] = b"temperature";

fn build(b: &MessageBuilder<'_>) -> Vec<u8> {
    let len = b.encoded_len().expect("encodable");
    let mut buf = vec![0u8; len];
    assert_eq!(b.build(&mut buf), Ok(len));
    buf
}

fn kind(bytes: &[u8]) -> ErrorKind {
    Message::parse(bytes).expect_err("must be rejected").kind
}

/// RFC 7252 Appendix A, Figure 16 request: 16 bytes.
const FIG16_REQ: [u8; 16] = [
    0x40, 0x01, 0x7d, 0x34, 0xbb, b't', b'e', b'm', b'p', b'e', b'r', b'a', b't', b'u', b'r', b'e',
];
/// Figure 16 response: ACK 2.05 (69), MID 0x7d34, payload "22.3 C": 11 bytes.
const FIG16_RSP: [u8; 11] = [
    0x60, 0x45, 0x7d, 0x34, 0xff, b'2', b'2', b'.', b'3', b' ', b'C',
];

#[test]
fn appendix_a_figure_16_get_request_parses_and_builds_16_bytes() {
    let m = Message::parse(&FIG16_REQ).unwrap();
    assert_eq!(
        (m.message_type(), m.code(), m.message_id()),
        (MessageType::Confirmable, Code::GET, 0x7d34)
    );
    assert!(m.token().is_empty());
    let opts: Vec<_> = m.options().collect();
    assert_eq!(opts.len(), 1);
    assert_eq!(
        (opts[0].number, opts[0].value),
        (OptionNumber::URI_PATH, TEMPERATURE)
    );
    assert!(m.payload().is_empty());
    let built = build(
        MessageBuilder::new(MessageType::Confirmable, Code::GET, 0x7d34).uri_path("temperature"),
    );
    assert_eq!(built, FIG16_REQ);
}

#[test]
fn appendix_a_figure_16_piggybacked_response_is_11_bytes() {
    let m = Message::parse(&FIG16_RSP).unwrap();
    assert_eq!(
        (m.message_type(), m.code(), m.message_id()),
        (MessageType::Acknowledgement, Code::CONTENT, 0x7d34)
    );
    assert_eq!(m.code().0, 69);
    assert_eq!(m.payload(), b"22.3 C");
    assert_eq!(m.options().count(), 0);
    assert_eq!(
        build(MessageBuilder::ack(0x7d34, Code::CONTENT, &[]).payload(b"22.3 C")),
        FIG16_RSP
    );
}

#[test]
fn appendix_a_figure_17_token_0x20_gives_17_and_12_bytes() {
    let mut req = vec![0x41, 0x01, 0x7d, 0x35, 0x20, 0xbb];
    req.extend_from_slice(TEMPERATURE);
    assert_eq!(req.len(), 17);
    let m = Message::parse(&req).unwrap();
    assert_eq!(m.token(), &[0x20]);
    assert_eq!(
        build(
            MessageBuilder::new(MessageType::Confirmable, Code::GET, 0x7d35)
                .token(&[0x20])
                .uri_path("temperature")
        ),
        req
    );
    let rsp = [
        0x61, 0x45, 0x7d, 0x35, 0x20, 0xff, b'2', b'2', b'.', b'3', b' ', b'C',
    ];
    let m = Message::parse(&rsp).unwrap();
    assert_eq!((m.token(), m.payload()), (&[0x20][..], &b"22.3 C"[..]));
    assert_eq!(
        build(MessageBuilder::ack(0x7d35, Code::CONTENT, &[0x20]).payload(b"22.3 C")),
        rsp
    );
}

#[test]
fn appendix_a_figure_20_separate_response_empty_ack_and_con_2_05() {
    // Empty ACK for MID 0x7d38.
    let ack = [0x60, 0x00, 0x7d, 0x38];
    let m = Message::parse(&ack).unwrap();
    assert!(m.is_empty());
    assert_eq!(m.message_type(), MessageType::Acknowledgement);
    assert_eq!(build(&MessageBuilder::empty_ack(0x7d38)), ack);
    // CON 2.05, MID 0xad7b, token 0x53, "22.3 C".
    let rsp = [
        0x41, 0x45, 0xad, 0x7b, 0x53, 0xff, b'2', b'2', b'.', b'3', b' ', b'C',
    ];
    let m = Message::parse(&rsp).unwrap();
    assert_eq!(
        (m.message_type(), m.message_id(), m.token()),
        (MessageType::Confirmable, 0xad7b, &[0x53][..])
    );
    assert_eq!(
        build(
            MessageBuilder::new(MessageType::Confirmable, Code::CONTENT, 0xad7b)
                .token(&[0x53])
                .payload(b"22.3 C")
        ),
        rsp
    );
}

#[test]
fn appendix_a_figure_21_unexpected_response_is_rejected_with_rst() {
    let rst = [0x70, 0x00, 0xad, 0x7c];
    assert_eq!(build(&MessageBuilder::reset(0xad7c)), rst);
    let m = Message::parse(&rst).unwrap();
    assert_eq!(
        (m.message_type(), m.code(), m.message_id()),
        (MessageType::Reset, Code::EMPTY, 0xad7c)
    );
}

#[test]
fn appendix_a_figure_23_non_multicast_get_and_4_04() {
    let mut req = vec![0x51, 0x01, 0x7d, 0x41, 0x86, 0xbb];
    req.extend_from_slice(TEMPERATURE);
    let m = Message::parse(&req).unwrap();
    assert_eq!(m.message_type(), MessageType::NonConfirmable);
    let nf = [0x51, 0x84, 0x95, 0x2a, 0x86];
    let m = Message::parse(&nf).unwrap();
    assert_eq!(
        (m.code(), m.code().name()),
        (Code::NOT_FOUND, Some("Not Found"))
    );
    assert_eq!(
        build(
            MessageBuilder::new(MessageType::NonConfirmable, Code::NOT_FOUND, 0x952a)
                .token(&[0x86])
        ),
        nf
    );
}

/// Expected option header bytes for a single option `number` with a
/// value of `len` bytes, per RFC 7252 §3.1.
fn header(number: u32, len: usize) -> Vec<u8> {
    fn nib(v: usize) -> (u8, Vec<u8>) {
        match v {
            0..=12 => (v as u8, vec![]),
            13..=268 => (13, vec![(v - 13) as u8]),
            _ => (14, ((v - 269) as u16).to_be_bytes().to_vec()),
        }
    }
    let (dn, de) = nib(number as usize);
    let (ln, le) = nib(len);
    let mut h = vec![dn << 4 | ln];
    h.extend(de);
    h.extend(le);
    h
}

#[test]
fn rfc7252_3_1_every_extended_delta_boundary_round_trips() {
    // Delta 12 (nibble), 13 (1 byte ext, 0), 268 (1 byte ext, 255),
    // 269 (2 byte ext, 0), 65535 (2 byte ext, 65266 — the largest number).
    for (number, ext) in [
        (12u16, &[][..]),
        (13, &[0x00][..]),
        (268, &[0xff][..]),
        (269, &[0x00, 0x00][..]),
        (65535, &[0xfe, 0xf2][..]),
    ] {
        let mut b = MessageBuilder::new(MessageType::NonConfirmable, Code::POST, 7);
        b.option(OptionNumber(number), &[0xab]);
        let wire = build(&b);
        let mut expect = vec![0x50, 0x02, 0x00, 0x07];
        expect.extend(header(u32::from(number), 1));
        expect.push(0xab);
        assert_eq!(wire, expect, "delta {number}");
        assert_eq!(
            &wire[5..5 + ext.len()],
            ext,
            "delta {number} extension bytes"
        );
        let m = Message::parse(&wire).unwrap();
        let o: Vec<_> = m.options().collect();
        assert_eq!(
            (o.len(), o[0].number, o[0].value),
            (1, OptionNumber(number), &[0xab][..])
        );
    }
}

#[test]
fn rfc7252_3_1_every_extended_length_boundary_round_trips() {
    // Lengths 12, 13, 268, 269 and 65804 (= 65535 + 269, the largest).
    for len in [12usize, 13, 268, 269, 65804] {
        let value = vec![0x5a; len];
        let mut b = MessageBuilder::new(MessageType::NonConfirmable, Code::POST, 7);
        b.option(OptionNumber(4), &value);
        let wire = build(&b);
        let h = header(4, len);
        assert_eq!(&wire[4..4 + h.len()], &h[..], "length {len}");
        assert_eq!(wire.len(), 4 + h.len() + len);
        let m = Message::parse(&wire).unwrap();
        let o = m.options().next().unwrap();
        assert_eq!(o.value.len(), len);
        assert!(m.payload().is_empty());
    }
    // Extension byte values at the boundaries.
    assert_eq!(header(4, 13), [0x4d, 0x00]);
    assert_eq!(header(4, 268), [0x4d, 0xff]);
    assert_eq!(header(4, 269), [0x4e, 0x00, 0x00]);
    assert_eq!(header(4, 65804), [0x4e, 0xff, 0xff]);
}

#[test]
fn rfc7252_3_1_option_value_over_65804_bytes_cannot_be_built() {
    let value = vec![0u8; 65805];
    let mut buf = vec![0u8; 70000];
    let mut b = MessageBuilder::new(MessageType::NonConfirmable, Code::POST, 7);
    b.option(OptionNumber(4), &value);
    assert_eq!(b.build(&mut buf), Err(BuildError::TooLong));
    assert!(buf.iter().all(|&x| x == 0), "nothing written on error");
}

#[test]
fn rfc7252_3_1_deltas_accumulate_across_options_in_number_order() {
    // Options added out of order come out sorted; equal numbers keep order.
    let mut b = MessageBuilder::new(MessageType::Confirmable, Code::GET, 1);
    b.uri_query("q")
        .uri_path("a")
        .option(OptionNumber(2000), b"x")
        .uri_path("b")
        .uri_host("h")
        .accept(50);
    let wire = build(&b);
    let m = Message::parse(&wire).unwrap();
    let got: Vec<_> = m
        .options()
        .map(|o| (o.number.0, o.value.to_vec()))
        .collect();
    assert_eq!(
        got,
        [
            (3, b"h".to_vec()),
            (11, b"a".to_vec()),
            (11, b"b".to_vec()),
            (15, b"q".to_vec()),
            (17, vec![50]),
            (2000, b"x".to_vec())
        ]
    );
    // 2000 - 17 = 1983 needs the 2-byte delta extension: 1983 - 269 = 0x06b2.
    assert!(wire.windows(4).any(|w| w == [0xe1, 0x06, 0xb2, b'x']));
}

#[test]
fn options_iterator_supports_ordinary_iterator_adapters() {
    let m = Message::parse(&FIG16_REQ).unwrap();
    let by_closure = m.options().find(|o| o.number == OptionNumber::URI_PATH);
    assert_eq!(by_closure, m.options().find_number(OptionNumber::URI_PATH));
    assert_eq!(m.options().find_number(OptionNumber::ETAG), None);
    assert_eq!(
        m.option(OptionNumber::URI_PATH).map(|o| o.value),
        Some(TEMPERATURE)
    );
}

#[test]
fn rfc7252_3_version_other_than_1_is_silently_ignored() {
    for b0 in [0x00u8, 0x80, 0xc0] {
        let e = Message::parse(&[b0, 0x01, 0x12, 0x34]).unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnknownVersion);
        assert_eq!(e.reaction(), Reaction::Ignore);
    }
}

#[test]
fn rfc7252_3_fewer_than_4_bytes_are_ignored() {
    for len in 0..4 {
        let e = Message::parse(&[0x40, 0x01, 0x12][..len.min(3)]).unwrap_err();
        assert_eq!(
            (e.kind, e.reaction()),
            (ErrorKind::TooShort, Reaction::Ignore)
        );
    }
}

#[test]
fn rfc7252_3_tkl_9_to_15_is_a_format_error_answered_by_rst_on_con() {
    for tkl in 9u8..=15 {
        let mut d = vec![0x40 | tkl, 0x01, 0x12, 0x34];
        d.extend_from_slice(&[0u8; 20]);
        let e = Message::parse(&d).unwrap_err();
        assert_eq!(e.kind, ErrorKind::ReservedTokenLength, "TKL {tkl}");
        assert_eq!(e.reaction(), Reaction::Reset { message_id: 0x1234 });
    }
}

#[test]
fn rfc7252_3_truncated_token_is_rejected() {
    assert_eq!(
        kind(&[0x44, 0x01, 0x12, 0x34, 0xaa, 0xbb]),
        ErrorKind::TruncatedToken
    );
}

#[test]
fn rfc7252_3_1_delta_nibble_15_outside_payload_marker_is_rejected() {
    // 0xf0: delta 15, length 0 — not the marker byte 0xff.
    assert_eq!(
        kind(&[0x40, 0x01, 0, 1, 0xf0]),
        ErrorKind::ReservedOptionDelta
    );
    assert_eq!(
        kind(&[0x40, 0x01, 0, 1, 0xb1, b'a', 0xf1, 0x00]),
        ErrorKind::ReservedOptionDelta
    );
}

#[test]
fn rfc7252_3_1_length_nibble_15_is_rejected() {
    assert_eq!(
        kind(&[0x40, 0x01, 0, 1, 0x0f]),
        ErrorKind::ReservedOptionLength
    );
    assert_eq!(
        kind(&[0x40, 0x01, 0, 1, 0xbf, b'a']),
        ErrorKind::ReservedOptionLength
    );
}

#[test]
fn rfc7252_3_1_option_numbers_past_65535_are_rejected() {
    // 65535 is fine; one more (delta 1 after it) is not.
    assert!(Message::parse(&[0x40, 0x01, 0, 1, 0xe0, 0xfe, 0xf2]).is_ok());
    assert_eq!(
        kind(&[0x40, 0x01, 0, 1, 0xe0, 0xfe, 0xf2, 0x10]),
        ErrorKind::OptionNumberTooLarge
    );
    // A single delta of 65536 (ext 0xff 0xff -> 65804) is too.
    assert_eq!(
        kind(&[0x40, 0x01, 0, 1, 0xe0, 0xff, 0xff]),
        ErrorKind::OptionNumberTooLarge
    );
}

#[test]
fn rfc7252_3_1_truncated_option_values_and_extensions_are_rejected() {
    // Value shorter than its length.
    assert_eq!(
        kind(&[0x40, 0x01, 0, 1, 0xb3, b'a', b'b']),
        ErrorKind::TruncatedOption
    );
    // Missing 1-byte and 2-byte delta extensions.
    assert_eq!(kind(&[0x40, 0x01, 0, 1, 0xd0]), ErrorKind::TruncatedOption);
    assert_eq!(
        kind(&[0x40, 0x01, 0, 1, 0xe0, 0x01]),
        ErrorKind::TruncatedOption
    );
    // Missing length extensions.
    assert_eq!(kind(&[0x40, 0x01, 0, 1, 0x1d]), ErrorKind::TruncatedOption);
    assert_eq!(
        kind(&[0x40, 0x01, 0, 1, 0x1e, 0x00]),
        ErrorKind::TruncatedOption
    );
    // Length 269 announced, 268 present.
    let mut d = vec![0x40, 0x01, 0, 1, 0x1e, 0x00, 0x00];
    d.extend(vec![0u8; 268]);
    assert_eq!(kind(&d), ErrorKind::TruncatedOption);
}

#[test]
fn rfc7252_3_payload_marker_followed_by_nothing_is_rejected() {
    assert_eq!(kind(&[0x40, 0x01, 0, 1, 0xff]), ErrorKind::EmptyPayload);
    assert_eq!(
        kind(&[0x40, 0x01, 0, 1, 0xb1, b'a', 0xff]),
        ErrorKind::EmptyPayload
    );
}

#[test]
fn rfc7252_3_0xff_inside_option_values_is_not_a_marker() {
    let m = Message::parse(&[0x40, 0x01, 0, 1, 0x42, 0xff, 0xff, 0xff, 0xff]).unwrap();
    let o = m.options().next().unwrap();
    assert_eq!((o.number, o.value), (OptionNumber::ETAG, &[0xff, 0xff][..]));
    assert_eq!(m.payload(), &[0xff]);
}

#[test]
fn rfc7252_4_1_empty_message_with_token_options_or_payload_is_rejected() {
    // TKL 1 on 0.00.
    let e = Message::parse(&[0x41, 0x00, 0x12, 0x34, 0xaa]).unwrap_err();
    assert_eq!(
        (e.kind, e.reaction()),
        (
            ErrorKind::EmptyWithContent,
            Reaction::Reset { message_id: 0x1234 }
        )
    );
    // Bytes after the Message ID: an option, a payload, even a lone marker.
    for tail in [&[0xb1, b'a'][..], &[0xff, 0x01], &[0xff]] {
        let mut d = vec![0x60, 0x00, 0x12, 0x34];
        d.extend_from_slice(tail);
        let e = Message::parse(&d).unwrap_err();
        // RFC 7252 §4.2: a rejected ACK is silently ignored.
        assert_eq!(
            (e.kind, e.reaction()),
            (ErrorKind::EmptyWithContent, Reaction::Ignore)
        );
    }
    // And the builder refuses to produce one.
    let mut buf = [0u8; 16];
    assert_eq!(
        MessageBuilder::reset(1).payload(b"x").build(&mut buf),
        Err(BuildError::EmptyWithContent)
    );
    assert_eq!(
        MessageBuilder::empty_ack(1).token(b"t").build(&mut buf),
        Err(BuildError::EmptyWithContent)
    );
    assert_eq!(buf, [0u8; 16]);
}

#[test]
fn rfc7252_4_2_reserved_code_classes_1_6_7_are_rejected_over_udp() {
    for class in [1u8, 6, 7] {
        let e = Message::parse(&[0x50, class << 5 | 1, 0, 9]).unwrap_err();
        assert_eq!(e.kind, ErrorKind::ReservedCodeClass);
        // RFC 7252 §4.3: a NON is ignored; a Reset is allowed.
        assert_eq!(e.reaction(), Reaction::IgnoreMayReset { message_id: 9 });
    }
}

#[test]
fn rfc7252_4_2_rejection_reaction_follows_the_message_type() {
    let con = Message::parse(&[0x40, 0x01, 0, 5, 0xff]).unwrap_err();
    let non = Message::parse(&[0x50, 0x01, 0, 5, 0xff]).unwrap_err();
    let ack = Message::parse(&[0x60, 0x45, 0, 5, 0xff]).unwrap_err();
    let rst = Message::parse(&[0x70, 0x45, 0, 5, 0xff]).unwrap_err();
    assert_eq!(con.reaction(), Reaction::Reset { message_id: 5 });
    assert_eq!(non.reaction(), Reaction::IgnoreMayReset { message_id: 5 });
    assert_eq!(ack.reaction(), Reaction::Ignore);
    assert_eq!(rst.reaction(), Reaction::Ignore);
    assert_eq!(con.spec(), "RFC 7252 §3");
}

#[test]
fn rfc7252_5_4_1_unrecognized_critical_option_is_reported_elective_ones_are_not() {
    // Elective unknown 65000 (even) then critical unknown 65001 (odd).
    let m = Message::parse(&[0x40, 0x01, 0, 1, 0xe0, 0xfc, 0xdb, 0x10]).unwrap();
    assert_eq!(
        m.unrecognized_critical(|n| n.info().is_some()),
        Some(OptionNumber(65001))
    );
    let m = Message::parse(&[0x40, 0x01, 0, 1, 0xe0, 0xfc, 0xdb]).unwrap();
    assert_eq!(m.unrecognized_critical(|n| n.info().is_some()), None);
    // Registered critical options are recognised by the registry.
    let m = Message::parse(&FIG16_REQ).unwrap();
    assert_eq!(m.unrecognized_critical(|n| n.info().is_some()), None);
    // A caller that does not support Uri-Path would answer 4.02.
    assert_eq!(
        m.unrecognized_critical(|_| false),
        Some(OptionNumber::URI_PATH)
    );
}

#[test]
fn rfc7252_5_4_3_and_5_4_5_bad_length_and_repeated_critical_options_are_unprocessable() {
    let known = |n: OptionNumber| n.info().is_some();
    // Uri-Host (critical) with an empty value: below its 1-byte minimum.
    let m = Message::parse(&[0x40, 0x01, 0, 1, 0x30]).unwrap();
    assert_eq!(
        m.unprocessable_critical(known),
        Some(OptionNumber::URI_HOST)
    );
    // Accept (critical) repeated: the second occurrence is supernumerary.
    let m = Message::parse(&[0x40, 0x01, 0, 1, 0xd1, 0x04, 50, 0x01, 60]).unwrap();
    assert_eq!(m.unprocessable_critical(known), Some(OptionNumber::ACCEPT));
    // Uri-Path is repeatable; Max-Age (elective) with 5 bytes is ignored, not fatal.
    let m = Message::parse(&[
        0x40, 0x01, 0, 1, 0xb1, b'a', 0x01, b'b', 0x35, 1, 2, 3, 4, 5,
    ])
    .unwrap();
    assert_eq!(m.unprocessable_critical(known), None);
}

#[test]
fn rfc8974_extended_token_lengths_need_an_explicit_maximum() {
    // TKL 13 + ext 0x00 => 13-byte token; TKL 14 + ext 0x0000 => 269 bytes.
    let mut d13 = vec![0x4d, 0x01, 0, 1, 0x00];
    d13.extend(vec![7u8; 13]);
    let mut d269 = vec![0x4e, 0x01, 0, 1, 0x00, 0x00];
    d269.extend(vec![7u8; 269]);
    assert_eq!(kind(&d13), ErrorKind::ReservedTokenLength);
    let cfg = Config::default().extended_tokens(300);
    assert_eq!(Message::parse_with(&d13, &cfg).unwrap().token().len(), 13);
    assert_eq!(Message::parse_with(&d269, &cfg).unwrap().token().len(), 269);
    let small = Config::default().extended_tokens(12);
    assert_eq!(
        Message::parse_with(&d13, &small).unwrap_err().kind,
        ErrorKind::TokenTooLong
    );
    // TKL 15 stays reserved (RFC 8974 §2.1).
    assert_eq!(
        Message::parse_with(&[0x4f, 0x01, 0, 1, 0, 0], &cfg)
            .unwrap_err()
            .kind,
        ErrorKind::ReservedTokenLength
    );
    // Truncated extension byte.
    assert_eq!(
        Message::parse_with(&[0x4e, 0x01, 0, 1, 0], &cfg)
            .unwrap_err()
            .kind,
        ErrorKind::TruncatedToken
    );
    // The builder writes the same bytes.
    let token = [7u8; 269];
    assert_eq!(
        build(MessageBuilder::new(MessageType::Confirmable, Code::GET, 1).token(&token)),
        d269
    );
    let token = [7u8; 13];
    assert_eq!(
        build(MessageBuilder::new(MessageType::Confirmable, Code::GET, 1).token(&token)),
        d13
    );
}

#[test]
fn builder_writes_nothing_when_the_buffer_is_one_byte_short() {
    let b = {
        let mut b = MessageBuilder::new(MessageType::Confirmable, Code::GET, 0x7d34);
        b.uri_path("temperature");
        b
    };
    let mut buf = [0xeeu8; 15];
    assert_eq!(
        b.build(&mut buf),
        Err(BuildError::BufferTooSmall { needed: 16 })
    );
    assert_eq!(buf, [0xee; 15]);
}

#[test]
fn builder_capacity_overflow_is_reported_and_returns_the_entry() {
    let mut b = MessageBuilder::<2>::with_capacity(MessageType::Confirmable, Code::GET, 1);
    b.uri_path("a").uri_path("b");
    let e = coap_codec::OptionEntry {
        number: OptionNumber::URI_PATH,
        value: OptionValue::Uint(3),
    };
    assert_eq!(b.push(e), Err(e));
    b.uri_path("c");
    assert_eq!(b.encoded_len(), Err(BuildError::TooManyOptions));
}

#[test]
fn uint_options_are_written_in_shortest_form() {
    // RFC 7252 §3.2: 0 is the empty value; 256 takes two bytes.
    let wire = build(
        MessageBuilder::new(MessageType::NonConfirmable, Code::CONTENT, 1)
            .content_format(0)
            .max_age(256),
    );
    assert_eq!(wire, [0x50, 0x45, 0, 1, 0xc0, 0x22, 0x01, 0x00]);
}

#[test]
fn streaming_writer_inserts_out_of_order_options_and_reencodes_the_next_delta() {
    // Option 300 first (delta 300: 2-byte extension), then 11 inserted before
    // it: 300's delta becomes 288 (after 12) and Uri-Path goes first.
    let mut buf = [0u8; 32];
    let mut w =
        coap_codec::MessageWriter::new(&mut buf, MessageType::Confirmable, Code::GET, 1, &[])
            .unwrap();
    w.option(OptionNumber(300), b"z").unwrap();
    w.option(OptionNumber::URI_PATH, b"a").unwrap();
    w.option(OptionNumber(12), &[]).unwrap();
    let n = w.finish();
    // 0xb1 'a' | 0x10 (delta 1, len 0) | 0xe1 0x00 0x13 (delta 288 = 269 + 19) 'z'
    assert_eq!(
        &buf[..n],
        &[0x40, 0x01, 0, 1, 0xb1, b'a', 0x10, 0xe1, 0x00, 0x13, b'z']
    );
    let m = Message::parse(&buf[..n]).unwrap();
    let nums: Vec<_> = m.options().map(|o| o.number.0).collect();
    assert_eq!(nums, [11, 12, 300]);
}

#[test]
fn streaming_writer_refuses_options_after_the_payload_and_content_on_empty() {
    let mut buf = [0u8; 32];
    let mut w = coap_codec::MessageWriter::new(
        &mut buf,
        MessageType::NonConfirmable,
        Code::CONTENT,
        1,
        &[],
    )
    .unwrap();
    w.payload(b"x").unwrap();
    assert_eq!(
        w.option(OptionNumber::ETAG, b"e").err(),
        Some(BuildError::OptionAfterPayload)
    );
    assert_eq!(w.finish(), 6);
    let mut w =
        coap_codec::MessageWriter::new(&mut buf, MessageType::Reset, Code::EMPTY, 1, &[]).unwrap();
    assert_eq!(w.payload(b"x").err(), Some(BuildError::EmptyWithContent));
    assert_eq!(w.finish(), 4);
    assert_eq!(
        coap_codec::MessageWriter::new(&mut buf, MessageType::Reset, Code::EMPTY, 1, b"t").err(),
        Some(BuildError::EmptyWithContent)
    );
}
