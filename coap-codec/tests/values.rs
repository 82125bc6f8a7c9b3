//! Option values and registries: RFC 7959 Block values, the option registry,
//! codes and Content-Formats.

use coap_codec::option::{Format, REGISTRY};
use coap_codec::{
    content_format, uint, Block, Code, Message, MessageBuilder, MessageType, OptionNumber,
    ValueError,
};

#[test]
fn rfc7959_2_block_value_33_is_2_0_32_and_59_is_3_1_128() {
    // RFC 7959 §2 examples: "a Block2 Option value of 33 would be shown as
    // 2:2/0/32) and a Block1 Option value of 59 would be shown as 1:3/1/128".
    let b = Block::from_uint(33).unwrap();
    assert_eq!((b.num(), b.more(), b.size()), (2, false, 32));
    let b = Block::from_uint(59).unwrap();
    assert_eq!((b.num(), b.more(), b.size()), (3, true, 128));
}

#[test]
fn rfc7959_3_1_figure_2_exchange_block2_values_encode_as_expected() {
    // "ACK [MID=1234], 2.05 Content, 2:0/1/128" then "2:1/0/128" and "2:2/0/128".
    for (num, more, size, wire) in [
        (0u32, true, 128u32, &[0x0b][..]),
        (1, false, 128, &[0x13][..]),
        (2, false, 128, &[0x23][..]),
    ] {
        let b = Block::new(num, more, Block::szx_for_size(size).unwrap()).unwrap();
        let mut buf = [0u8; 16];
        let n = MessageBuilder::ack(1234, Code::CONTENT, &[])
            .block2(b)
            .build(&mut buf)
            .unwrap();
        let m = Message::parse(&buf[..n]).unwrap();
        assert_eq!(m.option(OptionNumber::BLOCK2).unwrap().value, wire);
        assert_eq!(m.block2(), Ok(Some(b)));
    }
}

#[test]
fn rfc7959_2_2_block_value_zero_is_the_empty_option_and_three_bytes_is_the_maximum() {
    assert_eq!(Block::decode(&[]), Ok(Block::new(0, false, 0).unwrap()));
    let max = Block::new(Block::MAX_NUM, true, 6).unwrap();
    assert_eq!(max.to_uint(), 0x00ff_fffe);
    assert_eq!(Block::decode(&[0xff, 0xff, 0xfe]), Ok(max));
    assert_eq!(Block::decode(&[0, 0, 0, 1]), Err(ValueError::BlockTooLong));
    assert_eq!(
        Block::new(Block::MAX_NUM + 1, false, 0),
        Err(ValueError::BlockNumTooLarge)
    );
}

#[test]
fn rfc7959_2_2_szx_7_is_reserved_both_ways() {
    // "The value 7 for SZX (which would indicate a block size of 2048) is
    // reserved, i.e., MUST NOT be sent and MUST lead to a 4.00 Bad Request".
    assert_eq!(Block::from_uint(0x07), Err(ValueError::ReservedSzx));
    assert_eq!(Block::decode(&[0x1f]), Err(ValueError::ReservedSzx));
    assert_eq!(Block::new(0, false, 7), Err(ValueError::ReservedSzx));
    let m = Message::parse(&[0x40, 0x01, 0, 1, 0xd1, 0x0a, 0x07]).unwrap();
    assert_eq!(m.block2(), Err(ValueError::ReservedSzx));
}

#[test]
fn rfc7959_block_offset_and_size_follow_num_and_szx() {
    let b = Block::new(5, false, 2).unwrap();
    assert_eq!((b.size(), b.offset()), (64, 320));
    assert_eq!(b.to_string(), "5/0/64");
    assert_eq!(Block::szx_for_size(2048), None);
}

#[test]
fn rfc7252_3_2_uint_decoding_accepts_leading_zeros_and_rejects_over_4_bytes() {
    assert_eq!(uint::decode(&[0, 0, 1]), Ok(1));
    assert_eq!(uint::decode(&[0xff; 4]), Ok(u32::MAX));
    assert_eq!(uint::decode(&[0; 5]), Err(ValueError::UintTooLong));
    for (v, len) in [
        (0u32, 0usize),
        (1, 1),
        (255, 1),
        (256, 2),
        (65535, 2),
        (65536, 3),
        (1 << 24, 4),
        (u32::MAX, 4),
    ] {
        assert_eq!(uint::encode(v).len(), len, "{v}");
        assert_eq!(uint::decode(uint::encode(v).as_bytes()), Ok(v));
    }
}

#[test]
fn registry_lists_every_registered_option_with_its_properties() {
    /// number, name, critical, unsafe, no-cache-key, repeatable, format, min, max
    type Row = (u16, &'static str, bool, bool, bool, bool, Format, u16, u16);
    let expect: &[Row] = &[
        // number, name, critical, unsafe, no-cache-key, repeatable, format, min, max
        (
            1,
            "If-Match",
            true,
            false,
            false,
            true,
            Format::Opaque,
            0,
            8,
        ),
        (
            3,
            "Uri-Host",
            true,
            true,
            false,
            false,
            Format::String,
            1,
            255,
        ),
        (4, "ETag", false, false, false, true, Format::Opaque, 1, 8),
        (
            5,
            "If-None-Match",
            true,
            false,
            false,
            false,
            Format::Empty,
            0,
            0,
        ),
        (6, "Observe", false, true, false, false, Format::Uint, 0, 3),
        (7, "Uri-Port", true, true, false, false, Format::Uint, 0, 2),
        (
            8,
            "Location-Path",
            false,
            false,
            false,
            true,
            Format::String,
            0,
            255,
        ),
        (
            9,
            "OSCORE",
            true,
            false,
            false,
            false,
            Format::Opaque,
            0,
            255,
        ),
        (
            11,
            "Uri-Path",
            true,
            true,
            false,
            true,
            Format::String,
            0,
            255,
        ),
        (
            12,
            "Content-Format",
            false,
            false,
            false,
            false,
            Format::Uint,
            0,
            2,
        ),
        (14, "Max-Age", false, true, false, false, Format::Uint, 0, 4),
        (
            15,
            "Uri-Query",
            true,
            true,
            false,
            true,
            Format::String,
            0,
            255,
        ),
        (
            16,
            "Hop-Limit",
            false,
            false,
            false,
            false,
            Format::Uint,
            1,
            1,
        ),
        (17, "Accept", true, false, false, false, Format::Uint, 0, 2),
        (19, "Q-Block1", true, true, false, false, Format::Uint, 0, 3),
        (
            20,
            "Location-Query",
            false,
            false,
            false,
            true,
            Format::String,
            0,
            255,
        ),
        (23, "Block2", true, true, false, false, Format::Uint, 0, 3),
        (27, "Block1", true, true, false, false, Format::Uint, 0, 3),
        (28, "Size2", false, false, true, false, Format::Uint, 0, 4),
        (31, "Q-Block2", true, true, false, false, Format::Uint, 0, 3),
        (
            35,
            "Proxy-Uri",
            true,
            true,
            false,
            false,
            Format::String,
            1,
            1034,
        ),
        (
            39,
            "Proxy-Scheme",
            true,
            true,
            false,
            false,
            Format::String,
            1,
            255,
        ),
        (60, "Size1", false, false, true, false, Format::Uint, 0, 4),
        (
            252,
            "Echo",
            false,
            false,
            true,
            false,
            Format::Opaque,
            1,
            40,
        ),
        (
            258,
            "No-Response",
            false,
            true,
            false,
            false,
            Format::Uint,
            0,
            1,
        ),
        (
            292,
            "Request-Tag",
            false,
            false,
            false,
            true,
            Format::Opaque,
            0,
            8,
        ),
    ];
    assert_eq!(REGISTRY.len(), expect.len());
    for &(n, name, crit, unsafe_, nck, rep, fmt, min, max) in expect {
        let i = OptionNumber(n)
            .info()
            .unwrap_or_else(|| panic!("{n} registered"));
        assert_eq!(i.name, name);
        assert_eq!(
            (
                i.critical(),
                i.unsafe_to_forward(),
                i.no_cache_key() && !i.unsafe_to_forward()
            ),
            (crit, unsafe_, nck),
            "{name}"
        );
        assert_eq!(
            (i.repeatable, i.format, i.min_len, i.max_len),
            (rep, fmt, min, max),
            "{name}"
        );
    }
    assert!(
        REGISTRY.windows(2).all(|w| w[0].number < w[1].number),
        "sorted for binary search"
    );
}

#[test]
fn unknown_options_are_kept_and_classified_by_their_number() {
    let m = Message::parse(&[0x50, 0x45, 0, 1, 0xe2, 0xfc, 0xdc, 0xbe, 0xef]).unwrap();
    let o = m.options().next().unwrap();
    assert_eq!(
        (o.number, o.value, o.info()),
        (OptionNumber(65001), &[0xbe, 0xef][..], None)
    );
    assert!(o.number.is_critical() && !o.number.is_repeatable());
    assert_eq!(o.number.to_string(), "Option 65001");
}

#[test]
fn codes_have_names_for_every_registered_method_and_response() {
    let named = [
        (0, 1, "GET"),
        (0, 2, "POST"),
        (0, 3, "PUT"),
        (0, 4, "DELETE"),
        (0, 5, "FETCH"),
        (0, 6, "PATCH"),
        (0, 7, "iPATCH"),
        (2, 1, "Created"),
        (2, 2, "Deleted"),
        (2, 3, "Valid"),
        (2, 4, "Changed"),
        (2, 5, "Content"),
        (2, 31, "Continue"),
        (4, 0, "Bad Request"),
        (4, 1, "Unauthorized"),
        (4, 2, "Bad Option"),
        (4, 3, "Forbidden"),
        (4, 4, "Not Found"),
        (4, 5, "Method Not Allowed"),
        (4, 6, "Not Acceptable"),
        (4, 8, "Request Entity Incomplete"),
        (4, 9, "Conflict"),
        (4, 12, "Precondition Failed"),
        (4, 13, "Request Entity Too Large"),
        (4, 15, "Unsupported Content-Format"),
        (4, 22, "Unprocessable Entity"),
        (4, 29, "Too Many Requests"),
        (5, 0, "Internal Server Error"),
        (5, 1, "Not Implemented"),
        (5, 2, "Bad Gateway"),
        (5, 3, "Service Unavailable"),
        (5, 4, "Gateway Timeout"),
        (5, 5, "Proxying Not Supported"),
        (5, 8, "Hop Limit Reached"),
        (7, 1, "CSM"),
        (7, 2, "Ping"),
        (7, 3, "Pong"),
        (7, 4, "Release"),
        (7, 5, "Abort"),
    ];
    for (c, d, name) in named {
        assert_eq!(Code::new(c, d).name(), Some(name), "{c}.{d:02}");
    }
    assert_eq!(Code::new(2, 6).name(), None);
    assert_eq!(Code::TOO_MANY_REQUESTS.to_string(), "4.29");
    assert_eq!(Code::CONTINUE.0, 0x5f);
}

#[test]
fn content_formats_map_both_ways() {
    for (n, t) in [
        (0, "text/plain; charset=utf-8"),
        (40, "application/link-format"),
        (60, "application/cbor"),
        (112, "application/senml+cbor"),
    ] {
        assert_eq!(content_format::media_type(n), Some(t));
        assert_eq!(content_format::from_media_type(t), Some(n));
    }
    assert_eq!(content_format::media_type(1), None);
}

#[test]
fn observe_builder_keeps_24_bits_and_reads_back() {
    let mut buf = [0u8; 16];
    let n = MessageBuilder::new(MessageType::NonConfirmable, Code::CONTENT, 3)
        .observe(0x0100_0005)
        .build(&mut buf)
        .unwrap();
    assert_eq!(&buf[..n], &[0x50, 0x45, 0, 3, 0x61, 0x05]);
    assert_eq!(Message::parse(&buf[..n]).unwrap().observe(), Ok(Some(5)));
}
