//! Every rejection the strict decoder makes, one test per rule, named for
//! the normative statement it proves. conformance/mqtt-5.0-codec.txt maps
//! each statement to these tests.

use mqtt_codec::topic::{check_filter, check_name, matches};
mod common;

use common::unhex;
use mqtt_codec::*;

/// Decodes a frame written as hex; a second token `LL` stands for the
/// (one-byte) Remaining Length of the bytes that follow.
fn decode_at(level: ProtocolLevel, hex: &str) -> Result<Packet<'static>, DecodeError> {
    let bytes: &'static [u8] = Box::leak(frame(hex).into_boxed_slice());
    match Packet::decode(bytes, &DecodeOptions::new(level))? {
        Status::Complete((p, used)) => {
            assert_eq!(used, bytes.len());
            Ok(p)
        }
        Status::Partial(n) => panic!("{hex}: partial ({n})"),
    }
}

fn frame(hex: &str) -> Vec<u8> {
    let body_len = unhex(&hex.replacen("LL", "", 1)).len() - 1;
    assert!(body_len < 0x80, "LL stands for a one-byte Remaining Length");
    unhex(&hex.replacen("LL", &format!("{body_len:02x}"), 1))
}

fn v5(hex: &str) -> Result<Packet<'static>, DecodeError> {
    decode_at(ProtocolLevel::V5, hex)
}

fn v4(hex: &str) -> Result<Packet<'static>, DecodeError> {
    decode_at(ProtocolLevel::V4, hex)
}

/// Asserts `hex` is rejected at 5.0 with `err`, which maps to `rc` and
/// names `spec`.
fn rejects(hex: &str, err: DecodeError, rc: ReasonCode, spec: &str) {
    assert_eq!(v5(hex), Err(err), "{hex}");
    assert_eq!(err.reason_code(), rc);
    assert_eq!(err.spec(), spec);
}

fn encode_err(p: Packet<'_>, level: ProtocolLevel) -> EncodeError {
    let mut buf = [0x5Au8; 256];
    let e = p.encode(level, &mut buf).expect_err("encode should refuse");
    assert!(buf.iter().all(|&b| b == 0x5A), "nothing written on error");
    // The per-packet encoders refuse with the same error, writing nothing.
    let direct = match p {
        Packet::Publish(q) => Some(q.encode(level, &mut buf)),
        Packet::Subscribe(q) => Some(q.encode(level, &mut buf)),
        Packet::Connect(q) => Some(q.encode(&mut buf)),
        _ => None,
    };
    if let Some(direct) = direct {
        assert_eq!(direct, Err(e));
        assert!(buf.iter().all(|&b| b == 0x5A), "nothing written on error");
    }
    e
}

const E: Properties<'static> = Properties::EMPTY;

fn publish<'a>(topic: &'a str, props: Properties<'a>) -> Publish<'a> {
    Publish {
        dup: false,
        qos: QoS::AtLeastOnce,
        retain: false,
        topic: topic.into(),
        packet_id: Some(1),
        properties: props,
        payload: b"",
    }
}

// ---- §1.5 data representation -------------------------------------------

#[test]
fn mqtt_1_5_4_1_ill_formed_utf8_and_surrogates_are_malformed() {
    // PUBLISH topic "\xED\xA0\x80" (U+D800 encoded).
    rejects(
        "30 LL 0003 eda080 00",
        DecodeError::InvalidUtf8,
        ReasonCode::MalformedPacket,
        "MQTT-1.5.4-1",
    );
    // Overlong encoding of '/'.
    assert_eq!(v5("30 LL 0002 c0af 00"), Err(DecodeError::InvalidUtf8));
    // In a property string (Content Type) too.
    assert_eq!(
        v5("30 LL 0001 61 05 030002 c0af"),
        Err(DecodeError::InvalidUtf8)
    );
}

#[test]
fn mqtt_1_5_4_2_null_character_is_malformed() {
    rejects(
        "30 LL 0003 610062 00",
        DecodeError::Utf8Null,
        ReasonCode::MalformedPacket,
        "MQTT-1.5.4-2",
    );
    // Client Identifier containing U+0000.
    assert_eq!(
        v4("10 LL 00044d515454 04 02 003c 0003 610062"),
        Err(DecodeError::Utf8Null)
    );
    // Encoding a string with U+0000 is refused.
    assert_eq!(
        encode_err(Packet::Publish(publish("a\0", E)), ProtocolLevel::V5),
        EncodeError::Invalid(DecodeError::Utf8Null)
    );
}

#[test]
fn mqtt_1_5_4_3_bom_is_kept_as_u_feff() {
    let Ok(Packet::Publish(p)) = v5("30 LL 0004 efbbbf61 00") else {
        panic!()
    };
    assert_eq!(p.topic, "\u{FEFF}a");
}

#[test]
fn control_characters_rejected_by_default_accepted_when_allowed() {
    // §1.5.4: U+0001..U+001F SHOULD NOT be sent; receivers MAY treat as malformed.
    let bytes = frame("30 LL 0002 6101 00");
    assert_eq!(
        Packet::decode(&bytes, &DecodeOptions::new(ProtocolLevel::V5)),
        Err(DecodeError::Utf8DiscouragedCodePoint)
    );
    let mut lax = DecodeOptions::new(ProtocolLevel::V5);
    lax.allow_discouraged_code_points = true;
    assert!(matches!(
        Packet::decode(&bytes, &lax),
        Ok(Status::Complete((Packet::Publish(_), 7)))
    ));
}

#[test]
fn mqtt_1_5_5_1_non_minimal_variable_byte_integers_are_malformed() {
    // Remaining Length 0 in two bytes.
    rejects(
        "c0 80 00",
        DecodeError::VarintNotMinimal,
        ReasonCode::MalformedPacket,
        "MQTT-1.5.5-1",
    );
    // Property Length 0 in two bytes.
    assert_eq!(
        v5("30 LL 0003612f62 8000"),
        Err(DecodeError::VarintNotMinimal)
    );
    // Subscription Identifier 1 in two bytes.
    assert_eq!(
        v5("30 LL 0001 61 03 0b 8100"),
        Err(DecodeError::VarintNotMinimal)
    );
}

#[test]
fn remaining_length_of_five_bytes_is_malformed() {
    assert_eq!(
        v5("30 ff ff ff ff 01"),
        Err(DecodeError::RemainingLengthTooLong)
    );
}

#[test]
fn mqtt_1_5_7_1_both_strings_of_a_user_property_are_checked() {
    // Key fine, value contains U+0000.
    assert_eq!(
        v5("40 LL 0001 00 07 26 0001 6b 0001 00"),
        Err(DecodeError::Utf8Null)
    );
    // Key ill-formed.
    assert_eq!(
        v5("40 LL 0001 00 07 26 0001 ff 0001 76"),
        Err(DecodeError::InvalidUtf8)
    );
}

/// A 3.1.1 CONNECT frame: `flags`, keep alive 60, then `payload` as is.
fn connect_v4_frame(flags: u8, payload: &[u8]) -> Vec<u8> {
    let mut body = vec![0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, flags, 0x00, 0x3C];
    body.extend_from_slice(payload);
    let mut f = vec![0x10];
    let mut n = body.len();
    loop {
        let b = (n & 0x7F) as u8;
        n >>= 7;
        if n == 0 {
            f.push(b);
            break;
        }
        f.push(b | 0x80);
    }
    f.extend_from_slice(&body);
    f
}

fn decode_connect(frame: &[u8]) -> Result<Connect<'_>, DecodeError> {
    match Packet::decode(frame, &DecodeOptions::new(ProtocolLevel::V4))? {
        Status::Complete((Packet::Connect(c), used)) => {
            assert_eq!(used, frame.len());
            Ok(c)
        }
        other => panic!("not a complete CONNECT: {other:?}"),
    }
}

/// Length-prefixed field.
fn field(b: &[u8]) -> Vec<u8> {
    let mut v = (b.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(b);
    v
}

#[test]
fn mqtt_1_5_4_1_connect_strings_are_checked_alone_when_the_password_is_not_utf8() {
    // User Name + Password flags; the password is not UTF-8, so the
    // payload is not UTF-8 as a whole: each string is still checked.
    let pw = [0xFF, 0xFE, 0x80];
    let ok = [field(b"c"), field(b"u"), field(&pw)].concat();
    let f = connect_v4_frame(0xC2, &ok);
    let c = decode_connect(&f).unwrap();
    assert_eq!(
        (c.client_id, c.username, c.password),
        ("c", Some("u"), Some(&pw[..]))
    );
    // Overlong '/' in the User Name.
    let bad = [field(b"c"), field(&[0xC0, 0xAF]), field(&pw)].concat();
    assert_eq!(
        decode_connect(&connect_v4_frame(0xC2, &bad)),
        Err(DecodeError::InvalidUtf8)
    );
    // U+0000 in the User Name [MQTT-1.5.4-2].
    let nul = [field(b"c"), field(b"u\0"), field(&pw)].concat();
    assert_eq!(
        decode_connect(&connect_v4_frame(0xC2, &nul)),
        Err(DecodeError::Utf8Null)
    );
}

#[test]
fn mqtt_1_5_4_1_connect_string_starting_inside_a_character_is_ill_formed() {
    // Client Identifier of length 0x00C3 starting with 0xA9: the payload
    // reads as well-formed UTF-8 ("\0é…"), but the field alone starts with
    // a continuation byte.
    let mut id = vec![0xA9];
    id.resize(0xC3, b'a');
    let f = connect_v4_frame(0x02, &field(&id));
    assert_eq!(decode_connect(&f), Err(DecodeError::InvalidUtf8));
}

#[test]
fn connect_strings_beyond_the_first_256_payload_bytes_decode_exactly() {
    // A client id whose 'é' straddles payload offset 256, then a Will
    // Topic and a User Name past it, one with a wildcard.
    let id = format!("{}é", "a".repeat(253));
    let payload = [
        field(id.as_bytes()),
        field("t/ü".as_bytes()),
        field(b"\xFF"),
        field("usér".as_bytes()),
    ]
    .concat();
    let f = connect_v4_frame(0x86, &payload);
    let c = decode_connect(&f).unwrap();
    assert_eq!(c.client_id, id);
    assert_eq!(
        c.will.map(|w| (w.topic, w.payload)),
        Some(("t/ü".into(), &[0xFFu8][..]))
    );
    assert_eq!(c.username, Some("usér"));
    let wild = [field(id.as_bytes()), field(b"t/+"), field(b"x")].concat();
    assert_eq!(
        decode_connect(&connect_v4_frame(0x06, &wild)),
        Err(DecodeError::TopicNameWildcard)
    );
}

// ---- §2 fixed header, packet ids, properties ------------------------------

#[test]
fn mqtt_2_1_3_1_reserved_flags_checked_on_every_packet_type() {
    // Every type but PUBLISH with each wrong flag nibble.
    for (ty, good) in [
        (1u8, 0u8),
        (2, 0),
        (4, 0),
        (5, 0),
        (6, 2),
        (7, 0),
        (8, 2),
        (9, 0),
        (10, 2),
        (11, 0),
        (12, 0),
        (13, 0),
        (14, 0),
        (15, 0),
    ] {
        for flags in 0..16u8 {
            if flags == good {
                continue;
            }
            let frame = [ty << 4 | flags, 0];
            assert_eq!(
                Packet::decode(&frame, &DecodeOptions::new(ProtocolLevel::V5)),
                Err(DecodeError::InvalidFixedHeaderFlags),
                "type {ty} flags {flags:04b}"
            );
        }
    }
    assert_eq!(DecodeError::InvalidFixedHeaderFlags.spec(), "MQTT-2.1.3-1");
    assert!(DecodeError::InvalidFixedHeaderFlags.is_malformed());
}

#[test]
fn packet_type_zero_is_reserved() {
    assert_eq!(v5("00 LL"), Err(DecodeError::ReservedPacketType));
}

#[test]
fn mqtt_2_2_1_2_qos0_publish_has_no_packet_identifier() {
    // At QoS 0 the two bytes after the topic are payload, not an identifier.
    let Ok(Packet::Publish(p)) = v4("30 LL 0003612f62 0001") else {
        panic!()
    };
    assert_eq!((p.packet_id, p.payload), (None, &[0u8, 1][..]));
    // Encoding QoS 0 with an identifier (or QoS 1 without) is refused.
    let p0 = Publish {
        qos: QoS::AtMostOnce,
        ..publish("a", E)
    };
    assert_eq!(
        encode_err(Packet::Publish(p0), ProtocolLevel::V5),
        EncodeError::Invalid(DecodeError::PacketIdPresence)
    );
    let p1 = Publish {
        packet_id: None,
        ..publish("a", E)
    };
    assert_eq!(
        encode_err(Packet::Publish(p1), ProtocolLevel::V5),
        EncodeError::Invalid(DecodeError::PacketIdPresence)
    );
}

#[test]
fn mqtt_2_2_1_3_zero_packet_identifier_rejected_in_subscribe_unsubscribe_publish() {
    rejects(
        "32 LL 0001 61 0000 00",
        DecodeError::PacketIdZero,
        ReasonCode::ProtocolError,
        "MQTT-2.2.1-3",
    );
    assert_eq!(
        v5("82 LL 0000 00 0001 61 00"),
        Err(DecodeError::PacketIdZero)
    );
    assert_eq!(v5("a2 LL 0000 00 0001 61"), Err(DecodeError::PacketIdZero));
    assert_eq!(v4("82 LL 0000 0001 61 00"), Err(DecodeError::PacketIdZero));
    assert_eq!(
        encode_err(
            Packet::Publish(Publish {
                packet_id: Some(0),
                ..publish("a", E)
            }),
            ProtocolLevel::V5
        ),
        EncodeError::Invalid(DecodeError::PacketIdZero)
    );
}

#[test]
fn mqtt_2_2_1_4_server_publish_with_zero_packet_identifier_rejected() {
    // The same rule for a Server-sent QoS 2 PUBLISH decoded by a Client.
    assert_eq!(v4("34 LL 0001 61 0000"), Err(DecodeError::PacketIdZero));
}

#[test]
fn zero_packet_identifier_rejected_in_acknowledgements() {
    for hex in [
        "40 LL 0000",
        "50 LL 0000",
        "62 LL 0000",
        "70 LL 0000",
        "90 LL 0000 00",
        "b0 LL 0000",
    ] {
        assert_eq!(v4(hex), Err(DecodeError::PacketIdZero), "{hex}");
    }
}

#[test]
fn mqtt_2_2_2_1_absent_property_length_is_malformed_and_encoder_always_writes_it() {
    // A 5.0 PUBLISH that ends after the topic: no Property Length.
    assert_eq!(v5("30 LL 0003612f62"), Err(DecodeError::BodyTooShort));
    // A 5.0 SUBSCRIBE without the Property Length byte reads the filter
    // length as properties and fails.
    assert!(v5("82 LL 0001 0003612f62 01").is_err());
    // The encoder writes a zero Property Length.
    let mut buf = [0u8; 16];
    let n = Packet::Publish(publish("a", E))
        .encode(ProtocolLevel::V5, &mut buf)
        .unwrap();
    assert_eq!(buf[..n], [0x32, 6, 0, 1, b'a', 0, 1, 0]);
}

#[test]
fn property_not_allowed_in_packet_is_a_protocol_error() {
    // Session Expiry Interval in PUBLISH.
    rejects(
        "30 LL 0001 61 05 1100000001",
        DecodeError::PropertyNotAllowed,
        ReasonCode::ProtocolError,
        "§2.2.2.2",
    );
    // Will Delay Interval in CONNECT properties (it belongs to the Will).
    assert_eq!(
        v5("10 LL 00044d515454 05 02 003c 05 1800000001 0000"),
        Err(DecodeError::PropertyNotAllowed)
    );
    // Any property other than User Property in UNSUBSCRIBE.
    assert_eq!(
        v5("a2 LL 0001 04 1f000178 0001 61"),
        Err(DecodeError::PropertyNotAllowed)
    );
    let props = [Property::TopicAlias(1)];
    let ack = PubResponse {
        packet_id: 1,
        reason_code: ReasonCode::Success,
        properties: Properties::from_list(&props),
    };
    assert_eq!(
        encode_err(Packet::PubAck(ack), ProtocolLevel::V5),
        EncodeError::Invalid(DecodeError::PropertyNotAllowed)
    );
}

#[test]
fn every_property_allowed_somewhere_and_table_2_4_is_enforced() {
    // One packet per context where each property is legal, checked by
    // moving it to a packet where it is not.
    assert_eq!(
        v5("e0 LL 00 03 230001"),
        Err(DecodeError::PropertyNotAllowed)
    ); // Topic Alias in DISCONNECT
    assert_eq!(v5("f0 LL 00 02 2400"), Err(DecodeError::PropertyNotAllowed)); // Maximum QoS in AUTH
    assert_eq!(
        v5("20 LL 00 00 02 0101"),
        Err(DecodeError::PropertyNotAllowed)
    ); // Payload Format in CONNACK
}

#[test]
fn duplicate_property_is_a_protocol_error_user_property_repeats() {
    rejects(
        "30 LL 0001 61 0a 020000000a 020000000b",
        DecodeError::DuplicateProperty,
        ReasonCode::ProtocolError,
        "§2.2.2.2",
    );
    let Ok(Packet::Publish(p)) = v5("30 LL 0001 61 0e 2600016b000176 2600016b000177") else {
        panic!()
    };
    assert_eq!(
        p.properties.user_properties().collect::<Vec<_>>(),
        [("k", "v"), ("k", "w")]
    );
    let props = [Property::ReceiveMaximum(1), Property::ReceiveMaximum(2)];
    let c = Connect {
        level: ProtocolLevel::V5,
        clean_start: true,
        keep_alive: 0,
        properties: Properties::from_list(&props),
        client_id: "c",
        will: None,
        username: None,
        password: None,
    };
    assert_eq!(
        encode_err(Packet::Connect(c), ProtocolLevel::V5),
        EncodeError::Invalid(DecodeError::DuplicateProperty)
    );
}

#[test]
fn subscription_identifier_repeats_in_publish_but_not_in_subscribe() {
    let Ok(Packet::Publish(p)) = v5("30 LL 0001 61 04 0b01 0b02") else {
        panic!()
    };
    assert_eq!(
        p.properties.subscription_identifiers().collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(
        v5("82 LL 0001 04 0b01 0b02 0001 61 00"),
        Err(DecodeError::DuplicateProperty)
    );
}

#[test]
fn unknown_property_identifier_is_malformed() {
    assert_eq!(
        v5("30 LL 0001 61 02 0401"),
        Err(DecodeError::UnknownProperty)
    );
    assert!(DecodeError::UnknownProperty.is_malformed());
}

#[test]
fn property_value_rules() {
    let cases = [
        (
            "10 LL 00044d515454 05 02 003c 03 210000 0000",
            DecodeError::ReceiveMaximumZero,
        ),
        (
            "10 LL 00044d515454 05 02 003c 05 2700000000 0000",
            DecodeError::MaximumPacketSizeZero,
        ),
        (
            "10 LL 00044d515454 05 02 003c 02 1702 0000",
            DecodeError::InvalidRequestProblemInformation,
        ),
        (
            "10 LL 00044d515454 05 02 003c 02 1902 0000",
            DecodeError::InvalidRequestResponseInformation,
        ),
        ("20 LL 00 00 02 2402", DecodeError::InvalidMaximumQoS),
        ("20 LL 00 00 02 2502", DecodeError::InvalidAvailabilityFlag),
        ("20 LL 00 00 02 2802", DecodeError::InvalidAvailabilityFlag),
        ("20 LL 00 00 02 2902", DecodeError::InvalidAvailabilityFlag),
        ("20 LL 00 00 02 2a02", DecodeError::InvalidAvailabilityFlag),
        (
            "30 LL 0001 61 02 0102",
            DecodeError::InvalidPayloadFormatIndicator,
        ),
        (
            "30 LL 0001 61 02 0b00",
            DecodeError::SubscriptionIdentifierZero,
        ),
        (
            "82 LL 0001 02 0b00 0001 61 00",
            DecodeError::SubscriptionIdentifierZero,
        ),
        (
            "f0 LL 18 04 16000100",
            DecodeError::AuthenticationDataWithoutMethod,
        ),
    ];
    for (hex, err) in cases {
        assert_eq!(v5(hex), Err(err), "{hex}");
        assert_eq!(err.reason_code(), ReasonCode::ProtocolError);
    }
}

// ---- §3.1 CONNECT -----------------------------------------------------------

#[test]
fn mqtt_3_1_2_1_protocol_name_must_be_mqtt() {
    rejects(
        "10 LL 0004 4d515458 05 02 003c 00 0000",
        DecodeError::InvalidProtocolName,
        ReasonCode::ProtocolError,
        "MQTT-3.1.2-1",
    );
    // Prefixes, extensions, case and the other name's length.
    for name in [
        "0003 4d5154",
        "0005 4d51545454",
        "0004 6d717474",
        "0006 4d5149736478",
        "0000",
    ] {
        let hex = format!("10 LL {name} 05 02 003c 00 0000");
        assert_eq!(v5(&hex), Err(DecodeError::InvalidProtocolName), "{hex}");
    }
}

#[test]
fn mqtt_3_1_2_2_unsupported_protocol_version_answered_with_0x84() {
    rejects(
        "10 LL 00044d515454 06 02 003c 00 0000",
        DecodeError::UnsupportedProtocolVersion,
        ReasonCode::UnsupportedProtocolVersion,
        "MQTT-3.1.2-2",
    );
    // "MQIsdp" with level 4, "MQTT" with level 3: name and level disagree.
    assert_eq!(
        v5("10 LL 00064d5149736470 04 02 003c 0000"),
        Err(DecodeError::UnsupportedProtocolVersion)
    );
    assert_eq!(
        v5("10 LL 00044d515454 03 02 003c 0000"),
        Err(DecodeError::UnsupportedProtocolVersion)
    );
    assert_eq!(
        ReasonCode::UnsupportedProtocolVersion.to_v3_connack(),
        Some(1)
    );
}

#[test]
fn mqtt_3_1_2_3_connect_reserved_flag_is_malformed() {
    rejects(
        "10 LL 00044d515454 05 03 003c 00 0000",
        DecodeError::ConnectReservedFlag,
        ReasonCode::MalformedPacket,
        "MQTT-3.1.2-3",
    );
    assert_eq!(
        v4("10 LL 00044d515454 04 01 003c 0000"),
        Err(DecodeError::ConnectReservedFlag)
    );
}

#[test]
fn mqtt_3_1_2_11_will_qos_without_will_flag() {
    rejects(
        "10 LL 00044d515454 05 0a 003c 00 0000",
        DecodeError::WillQoSWithoutWill,
        ReasonCode::MalformedPacket,
        "MQTT-3.1.2-11",
    );
}

#[test]
fn mqtt_3_1_2_12_will_qos_3_is_malformed() {
    rejects(
        "10 LL 00044d515454 05 1e 003c 00 0000 00 000177 0000",
        DecodeError::WillQoS3,
        ReasonCode::MalformedPacket,
        "MQTT-3.1.2-12",
    );
    // 0, 1 and 2 are accepted.
    for (flags, qos) in [
        ("06", QoS::AtMostOnce),
        ("0e", QoS::AtLeastOnce),
        ("16", QoS::ExactlyOnce),
    ] {
        let Ok(Packet::Connect(c)) = v5(&format!(
            "10 LL 00044d515454 05 {flags} 003c 00 0000 00 000177 0000"
        )) else {
            panic!("{flags}")
        };
        assert_eq!(c.will.unwrap().qos, qos);
    }
}

#[test]
fn mqtt_3_1_2_13_will_retain_without_will_flag() {
    rejects(
        "10 LL 00044d515454 05 22 003c 00 0000",
        DecodeError::WillRetainWithoutWill,
        ReasonCode::MalformedPacket,
        "MQTT-3.1.2-13",
    );
}

#[test]
fn mqtt_3_1_2_16_to_19_user_name_and_password_presence_follows_the_flags() {
    // Flags say no user name but one follows: trailing bytes [MQTT-3.1.2-16].
    assert_eq!(
        v5("10 LL 00044d515454 05 02 003c 00 0000 000175"),
        Err(DecodeError::TrailingBytes)
    );
    // Flag says user name but none follows [MQTT-3.1.2-17].
    assert_eq!(
        v5("10 LL 00044d515454 05 82 003c 00 0000"),
        Err(DecodeError::BodyTooShort)
    );
    // No password flag but one follows [MQTT-3.1.2-18].
    assert_eq!(
        v5("10 LL 00044d515454 05 82 003c 00 0000 000175 000170"),
        Err(DecodeError::TrailingBytes)
    );
    // Password flag but none follows [MQTT-3.1.2-19].
    assert_eq!(
        v5("10 LL 00044d515454 05 c2 003c 00 0000 000175"),
        Err(DecodeError::BodyTooShort)
    );
    // 5.0 allows a password without a user name.
    let Ok(Packet::Connect(c)) = v5("10 LL 00044d515454 05 42 003c 00 0000 000170") else {
        panic!()
    };
    assert_eq!((c.username, c.password), (None, Some(&b"p"[..])));
}

#[test]
fn v311_password_without_user_name_is_refused() {
    assert_eq!(
        v4("10 LL 00044d515454 04 42 003c 0000 000170"),
        Err(DecodeError::PasswordWithoutUsername)
    );
    let c = Connect {
        level: ProtocolLevel::V4,
        clean_start: true,
        keep_alive: 0,
        properties: E,
        client_id: "c",
        will: None,
        username: None,
        password: Some(b"p"),
    };
    assert_eq!(
        encode_err(Packet::Connect(c), ProtocolLevel::V4),
        EncodeError::Invalid(DecodeError::PasswordWithoutUsername)
    );
}

#[test]
fn mqtt_3_1_3_1_payload_fields_in_order_client_id_will_props_topic_payload_user_password() {
    // Will properties (Will Delay 5) come before the Will Topic.
    let Ok(Packet::Connect(c)) =
        v5("10 LL 00044d515454 05 c6 003c 00 0001 63 05 1800000005 000177 00026869 000175 000170")
    else {
        panic!()
    };
    let w = c.will.unwrap();
    assert_eq!(
        (
            c.client_id,
            w.properties.will_delay_interval(),
            w.topic,
            w.payload
        ),
        ("c", Some(5), "w".into(), &b"hi"[..])
    );
    assert_eq!((c.username, c.password), (Some("u"), Some(&b"p"[..])));
}

#[test]
fn mqtt_3_1_3_3_client_identifier_must_be_present() {
    assert_eq!(
        v5("10 LL 00044d515454 05 02 003c 00"),
        Err(DecodeError::BodyTooShort)
    );
}

#[test]
fn mqtt_3_1_3_4_client_identifier_is_a_utf8_string() {
    assert_eq!(
        v5("10 LL 00044d515454 05 02 003c 00 0002 c0af"),
        Err(DecodeError::InvalidUtf8)
    );
}

#[test]
fn mqtt_3_1_3_5_client_ids_of_1_to_23_alphanumerics_are_accepted_at_every_level() {
    let id = "0123456789abcdefghijXYZ";
    for (level, name, lv) in [
        (ProtocolLevel::V3, "MQIsdp", 3u8),
        (ProtocolLevel::V4, "MQTT", 4),
        (ProtocolLevel::V5, "MQTT", 5),
    ] {
        let c = Connect {
            level,
            clean_start: true,
            keep_alive: 0,
            properties: E,
            client_id: id,
            will: None,
            username: None,
            password: None,
        };
        let mut buf = [0u8; 64];
        let n = Packet::Connect(c).encode(level, &mut buf).unwrap();
        let Status::Complete((Packet::Connect(back), _)) =
            Packet::decode(&buf[..n], &DecodeOptions::new(level)).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (
                back.client_id,
                back.level.protocol_name(),
                back.level.as_u8()
            ),
            (id, name, lv)
        );
    }
}

#[test]
fn v31_client_identifier_longer_than_23_bytes_is_identifier_rejected() {
    let long = "0123456789abcdefghijXYZW"; // 24
    let c = Connect {
        level: ProtocolLevel::V3,
        clean_start: true,
        keep_alive: 0,
        properties: E,
        client_id: long,
        will: None,
        username: None,
        password: None,
    };
    assert_eq!(
        encode_err(Packet::Connect(c), ProtocolLevel::V3),
        EncodeError::Invalid(DecodeError::ClientIdLength)
    );
    let Ok(Packet::Connect(ok)) = decode_at(
        ProtocolLevel::V4,
        "10 LL 00064d5149736470 03 02 003c 0001 63",
    ) else {
        panic!()
    };
    assert_eq!(ok.level, ProtocolLevel::V3);
    let frame = format!(
        "10 LL 00064d5149736470 03 02 003c 0018 {}",
        long.bytes().map(|b| format!("{b:02x}")).collect::<String>()
    );
    assert_eq!(
        decode_at(ProtocolLevel::V3, &frame),
        Err(DecodeError::ClientIdLength)
    );
    assert_eq!(
        DecodeError::ClientIdLength.reason_code().to_v3_connack(),
        Some(2)
    );
    // 3.1 also requires at least one character.
    assert_eq!(
        decode_at(ProtocolLevel::V3, "10 LL 00064d5149736470 03 02 003c 0000"),
        Err(DecodeError::ClientIdLength)
    );
}

#[test]
fn v311_empty_client_id_requires_clean_session() {
    assert_eq!(
        v4("10 LL 00044d515454 04 00 003c 0000"),
        Err(DecodeError::EmptyClientIdWithoutCleanSession)
    );
    assert!(v4("10 LL 00044d515454 04 02 003c 0000").is_ok());
    // 5.0: a Server may assign one [MQTT-3.1.3-6]; the codec accepts it.
    assert!(v5("10 LL 00044d515454 05 00 003c 00 0000").is_ok());
}

#[test]
fn mqtt_3_1_3_11_will_topic_is_a_utf8_topic_name() {
    assert_eq!(
        v5("10 LL 00044d515454 05 06 003c 00 0000 00 0002 c0af 0000"),
        Err(DecodeError::InvalidUtf8)
    );
    assert_eq!(
        v5("10 LL 00044d515454 05 06 003c 00 0000 00 000123 0000"),
        Err(DecodeError::TopicNameWildcard)
    );
    assert_eq!(
        v5("10 LL 00044d515454 05 06 003c 00 0000 00 0000 0000"),
        Err(DecodeError::TopicEmpty)
    );
}

#[test]
fn mqtt_3_1_3_12_user_name_is_a_utf8_string() {
    assert_eq!(
        v5("10 LL 00044d515454 05 82 003c 00 0000 0002 c0af"),
        Err(DecodeError::InvalidUtf8)
    );
}

#[test]
fn mqtt_3_1_4_1_connect_not_matching_the_format_is_rejected() {
    // Cut inside the keep alive; trailing garbage after the password.
    assert_eq!(
        v5("10 LL 00044d515454 05 02 00"),
        Err(DecodeError::BodyTooShort)
    );
    assert_eq!(
        v5("10 LL 00044d515454 05 02 003c 00 0000 ff"),
        Err(DecodeError::TrailingBytes)
    );
}

// ---- §3.2 CONNACK -------------------------------------------------------

#[test]
fn mqtt_3_2_2_1_connack_reserved_flags_are_malformed() {
    rejects(
        "20 LL 02 00 00",
        DecodeError::ConnAckReservedFlags,
        ReasonCode::MalformedPacket,
        "MQTT-3.2.2-1",
    );
    assert_eq!(v4("20 LL 80 00"), Err(DecodeError::ConnAckReservedFlags));
}

#[test]
fn mqtt_3_2_2_6_session_present_with_error_code_is_refused() {
    rejects(
        "20 LL 01 87 00",
        DecodeError::SessionPresentWithError,
        ReasonCode::ProtocolError,
        "MQTT-3.2.2-6",
    );
    assert_eq!(v4("20 LL 01 05"), Err(DecodeError::SessionPresentWithError));
    let c = ConnAck {
        session_present: true,
        reason_code: ReasonCode::Banned,
        properties: E,
    };
    assert_eq!(
        encode_err(Packet::ConnAck(c), ProtocolLevel::V5),
        EncodeError::Invalid(DecodeError::SessionPresentWithError)
    );
}

#[test]
fn mqtt_3_2_2_8_connack_uses_a_connect_reason_code() {
    // 0x04 (Disconnect with Will) and 0x8E (Session taken over) are not CONNACK codes.
    assert_eq!(v5("20 LL 00 04 00"), Err(DecodeError::InvalidReasonCode));
    assert_eq!(v5("20 LL 00 8e 00"), Err(DecodeError::InvalidReasonCode));
    assert_eq!(
        v4("20 LL 00 06"),
        Err(DecodeError::InvalidConnectReturnCode)
    );
    for rc in ReasonCode::ALL
        .iter()
        .filter(|rc| rc.allowed_in(PacketType::ConnAck))
    {
        assert!(
            v5(&format!("20 LL 00 {:02x} 00", rc.as_u8())).is_ok(),
            "{rc}"
        );
    }
}

// ---- §3.3 PUBLISH -------------------------------------------------------

#[test]
fn mqtt_3_3_1_2_dup_set_on_qos0_is_malformed() {
    rejects(
        "38 LL 0003612f62 00",
        DecodeError::DupWithQoS0,
        ReasonCode::MalformedPacket,
        "MQTT-3.3.1-2",
    );
    let p = Publish {
        dup: true,
        qos: QoS::AtMostOnce,
        packet_id: None,
        ..publish("a", E)
    };
    assert_eq!(
        encode_err(Packet::Publish(p), ProtocolLevel::V5),
        EncodeError::Invalid(DecodeError::DupWithQoS0)
    );
}

#[test]
fn mqtt_3_3_1_4_publish_qos_3_is_malformed() {
    rejects(
        "36 LL 0003612f62 00",
        DecodeError::PublishQoS3,
        ReasonCode::MalformedPacket,
        "MQTT-3.3.1-4",
    );
    // Refused from the first byte alone.
    assert_eq!(
        Packet::decode(&[0x36], &DecodeOptions::new(ProtocolLevel::V4)),
        Err(DecodeError::PublishQoS3)
    );
}

#[test]
fn mqtt_3_3_2_1_topic_name_is_the_first_field_and_utf8() {
    assert_eq!(v5("30 LL 0002 c0af 00"), Err(DecodeError::InvalidUtf8));
    // Topic length running past the frame.
    assert_eq!(v5("30 LL 0009 61"), Err(DecodeError::BodyTooShort));
}

#[test]
fn mqtt_3_3_2_2_topic_name_wildcards_are_rejected() {
    rejects(
        "30 LL 0003 612f2b 00",
        DecodeError::TopicNameWildcard,
        ReasonCode::MalformedPacket,
        "MQTT-3.3.2-2",
    );
    assert_eq!(v4("30 LL 0003 612f23"), Err(DecodeError::TopicNameWildcard));
    assert_eq!(
        encode_err(Packet::Publish(publish("a/#", E)), ProtocolLevel::V5),
        EncodeError::Invalid(DecodeError::TopicNameWildcard)
    );
}

#[test]
fn empty_topic_name_needs_a_topic_alias() {
    assert_eq!(v5("30 LL 0000 00"), Err(DecodeError::TopicEmpty));
    assert_eq!(v4("30 LL 0000"), Err(DecodeError::TopicEmpty));
    assert!(v5("30 LL 0000 03 230001").is_ok());
    let alias = [Property::TopicAlias(1)];
    assert_eq!(
        encode_err(
            Packet::Publish(publish("", Properties::from_list(&alias))),
            ProtocolLevel::V4
        ),
        EncodeError::NotAtThisLevel
    );
}

#[test]
fn mqtt_3_3_2_8_topic_alias_zero_is_a_protocol_error() {
    rejects(
        "30 LL 0001 61 03 230000",
        DecodeError::TopicAliasZero,
        ReasonCode::ProtocolError,
        "MQTT-3.3.2-8",
    );
    let alias = [Property::TopicAlias(0)];
    assert_eq!(
        encode_err(
            Packet::Publish(publish("a", Properties::from_list(&alias))),
            ProtocolLevel::V5
        ),
        EncodeError::Invalid(DecodeError::TopicAliasZero)
    );
}

#[test]
fn mqtt_3_3_2_13_response_topic_is_utf8() {
    assert_eq!(
        v5("30 LL 0001 61 05 080002 c0af"),
        Err(DecodeError::InvalidUtf8)
    );
}

#[test]
fn mqtt_3_3_2_14_response_topic_has_no_wildcards() {
    rejects(
        "30 LL 0001 61 05 080002 612b",
        DecodeError::ResponseTopicWildcard,
        ReasonCode::ProtocolError,
        "MQTT-3.3.2-14",
    );
    let rt = [Property::ResponseTopic("reply/#")];
    assert_eq!(
        encode_err(
            Packet::Publish(publish("a", Properties::from_list(&rt))),
            ProtocolLevel::V5
        ),
        EncodeError::Invalid(DecodeError::ResponseTopicWildcard)
    );
}

#[test]
fn mqtt_3_3_2_19_content_type_is_utf8() {
    assert_eq!(
        v5("30 LL 0001 61 05 030002 00ff"),
        Err(DecodeError::InvalidUtf8)
    );
    assert_eq!(
        v5("30 LL 0001 61 05 030002 0061"),
        Err(DecodeError::Utf8Null)
    );
}

#[test]
fn forwarded_publish_properties_are_byte_identical_and_in_order() {
    // Payload Format, Response Topic, Correlation Data, User Properties,
    // Content Type: re-encoding the decoded PUBLISH reproduces them unaltered
    // and in order (the codec's share of [MQTT-3.3.2-4/15/16/17/18/20]).
    let hex = "30 LL 0001 61 22 0101 080003722f31 090002abcd 2600016b000131 2600016b000132 03000474657874 78";
    let bytes = frame(hex);
    let p = v5(hex).unwrap();
    let Packet::Publish(publ) = &p else { panic!() };
    let names: Vec<PropertyId> = publ.properties.iter().map(|p| p.id()).collect();
    assert_eq!(
        names,
        [
            PropertyId::PayloadFormatIndicator,
            PropertyId::ResponseTopic,
            PropertyId::CorrelationData,
            PropertyId::UserProperty,
            PropertyId::UserProperty,
            PropertyId::ContentType
        ]
    );
    assert_eq!(
        publ.properties.user_properties().collect::<Vec<_>>(),
        [("k", "1"), ("k", "2")]
    );
    let mut out = vec![0u8; bytes.len()];
    assert_eq!(p.encode(ProtocolLevel::V5, &mut out), Ok(bytes.len()));
    assert_eq!(out, bytes);
    // Rebuilt from the typed values, too.
    let list: Vec<Property<'_>> = publ.properties.iter().collect();
    let rebuilt = Publish {
        properties: Properties::from_list(&list),
        ..*publ
    };
    let mut out2 = vec![0u8; bytes.len()];
    Packet::Publish(rebuilt)
        .encode(ProtocolLevel::V5, &mut out2)
        .unwrap();
    assert_eq!(out2, bytes);
}

// ---- §3.4–3.7 PUBACK/PUBREC/PUBREL/PUBCOMP ------------------------------

#[test]
fn mqtt_3_4_2_1_puback_reason_codes() {
    assert!(v5("40 LL 0001 97").is_ok());
    assert_eq!(v5("40 LL 0001 92"), Err(DecodeError::InvalidReasonCode));
    assert_eq!(v5("40 LL 0001 05"), Err(DecodeError::InvalidReasonCode));
}

#[test]
fn mqtt_3_5_2_1_pubrec_reason_codes() {
    assert!(v5("50 LL 0001 10").is_ok());
    assert_eq!(v5("50 LL 0001 92"), Err(DecodeError::InvalidReasonCode));
}

#[test]
fn mqtt_3_6_2_1_pubrel_reason_codes() {
    assert!(v5("62 LL 0001 92").is_ok());
    assert_eq!(v5("62 LL 0001 80"), Err(DecodeError::InvalidReasonCode));
    let r = PubResponse {
        packet_id: 1,
        reason_code: ReasonCode::UnspecifiedError,
        properties: E,
    };
    assert_eq!(
        encode_err(Packet::PubRel(r), ProtocolLevel::V5),
        EncodeError::Invalid(DecodeError::InvalidReasonCode)
    );
}

#[test]
fn mqtt_3_7_2_1_pubcomp_reason_codes() {
    assert!(v5("70 LL 0001 92").is_ok());
    assert_eq!(v5("70 LL 0001 10"), Err(DecodeError::InvalidReasonCode));
}

#[test]
fn mqtt_3_6_1_1_pubrel_fixed_header_flags_must_be_0010() {
    assert_eq!(v5("60 LL 0001"), Err(DecodeError::InvalidFixedHeaderFlags));
    assert_eq!(v4("63 LL 0001"), Err(DecodeError::InvalidFixedHeaderFlags));
    assert!(v4("62 LL 0001").is_ok());
}

#[test]
fn v3x_acks_have_exactly_two_bytes() {
    assert_eq!(v4("40 LL 0001 00"), Err(DecodeError::TrailingBytes));
    assert_eq!(v4("40 LL 00"), Err(DecodeError::BodyTooShort));
    assert_eq!(v4("e0 LL 00"), Err(DecodeError::TrailingBytes));
    assert_eq!(v4("c0 LL 00"), Err(DecodeError::TrailingBytes));
}

// ---- §3.8–3.11 SUBSCRIBE/SUBACK/UNSUBSCRIBE/UNSUBACK --------------------

#[test]
fn mqtt_3_8_1_1_subscribe_fixed_header_flags_must_be_0010() {
    assert_eq!(
        v5("80 LL 0001 00 0001 61 00"),
        Err(DecodeError::InvalidFixedHeaderFlags)
    );
    assert_eq!(
        DecodeError::InvalidFixedHeaderFlags.reason_code(),
        ReasonCode::MalformedPacket
    );
}

#[test]
fn mqtt_3_8_3_1_topic_filters_are_utf8() {
    assert_eq!(
        v5("82 LL 0001 00 0002 c0af 00"),
        Err(DecodeError::InvalidUtf8)
    );
}

#[test]
fn mqtt_3_8_3_2_subscribe_needs_at_least_one_filter() {
    rejects(
        "82 LL 0001 00",
        DecodeError::SubscribeWithoutFilters,
        ReasonCode::ProtocolError,
        "MQTT-3.8.3-2",
    );
    assert_eq!(v4("82 LL 0001"), Err(DecodeError::SubscribeWithoutFilters));
    let s = Subscribe {
        packet_id: 1,
        properties: E,
        filters: SubscribeFilters::from_list(&[]),
    };
    assert_eq!(
        encode_err(Packet::Subscribe(s), ProtocolLevel::V5),
        EncodeError::Invalid(DecodeError::SubscribeWithoutFilters)
    );
}

#[test]
fn mqtt_3_8_3_4_no_local_on_shared_subscription_is_a_protocol_error() {
    rejects(
        "82 LL 0001 00 000a 2473686172652f672f61 04",
        DecodeError::NoLocalOnSharedSubscription,
        ReasonCode::ProtocolError,
        "MQTT-3.8.3-4",
    );
    // Without No Local it is fine.
    assert!(v5("82 LL 0001 00 000a 2473686172652f672f61 00").is_ok());
}

#[test]
fn mqtt_3_8_3_5_reserved_subscription_option_bits_are_malformed() {
    rejects(
        "82 LL 0001 00 0001 61 40",
        DecodeError::SubscriptionOptionsReserved,
        ReasonCode::MalformedPacket,
        "MQTT-3.8.3-5",
    );
    assert_eq!(
        v5("82 LL 0001 00 0001 61 80"),
        Err(DecodeError::SubscriptionOptionsReserved)
    );
    // At 3.1.1 bits 2-7 are reserved.
    assert_eq!(
        v4("82 LL 0001 0001 61 04"),
        Err(DecodeError::SubscriptionOptionsReserved)
    );
}

#[test]
fn subscription_qos_3_and_retain_handling_3_are_protocol_errors() {
    rejects(
        "82 LL 0001 00 0001 61 03",
        DecodeError::SubscriptionQoS3,
        ReasonCode::ProtocolError,
        "§3.8.3.1",
    );
    rejects(
        "82 LL 0001 00 0001 61 30",
        DecodeError::RetainHandling3,
        ReasonCode::ProtocolError,
        "§3.8.3.1",
    );
    assert_eq!(
        v4("82 LL 0001 0001 61 03"),
        Err(DecodeError::SubscriptionQoS3)
    );
}

/// A SUBSCRIBE of one filter with options `options`.
fn subscribe_err(filter: &str, options: SubscriptionOptions, level: ProtocolLevel) -> EncodeError {
    let subs = [Subscription {
        filter: filter.into(),
        options,
    }];
    let s = Subscribe {
        packet_id: 1,
        properties: E,
        filters: SubscribeFilters::from_list(&subs),
    };
    encode_err(Packet::Subscribe(s), level)
}

#[test]
fn subscribe_encode_refuses_what_a_strict_decoder_refuses_with_the_same_error() {
    use DecodeError as D;
    let q0 = SubscriptionOptions::new(QoS::AtMostOnce);
    let inv = EncodeError::Invalid;
    for level in [ProtocolLevel::V4, ProtocolLevel::V5] {
        // [MQTT-4.7.3-1], [MQTT-4.7.1-1], [MQTT-4.7.1-2], on each side of
        // an eight-byte word boundary.
        assert_eq!(subscribe_err("", q0, level), inv(D::TopicEmpty));
        for (f, e) in [
            ("a+", D::SingleLevelWildcardNotAlone),
            ("+a", D::SingleLevelWildcardNotAlone),
            ("abcdefg+/x", D::SingleLevelWildcardNotAlone),
            ("abcdefg/+x", D::SingleLevelWildcardNotAlone),
            ("abcdefgh/+/+x", D::SingleLevelWildcardNotAlone),
            ("#/", D::MultiLevelWildcardNotLast),
            ("abcdefg#", D::MultiLevelWildcardNotLast),
            ("abcdefgh/#/", D::MultiLevelWildcardNotLast),
        ] {
            assert_eq!(subscribe_err(f, q0, level), inv(e), "{f}");
        }
        // [MQTT-1.5.4-2] and the §1.5.4 control characters: reported before
        // a misplaced wildcard in the same filter, as the decoder does.
        assert_eq!(subscribe_err("a/\0", q0, level), inv(D::Utf8Null));
        assert_eq!(subscribe_err("a+\0", q0, level), inv(D::Utf8Null));
        assert_eq!(
            subscribe_err("x\u{7F}/+a", q0, level),
            inv(D::Utf8DiscouragedCodePoint)
        );
        assert_eq!(
            subscribe_err("abcdefgh/\u{85}", q0, level),
            inv(D::Utf8DiscouragedCodePoint)
        );
    }
    // 5.0 shared subscriptions [MQTT-4.8.2-1], [MQTT-4.8.2-2], [MQTT-3.8.3-4].
    let v5 = ProtocolLevel::V5;
    assert_eq!(
        subscribe_err("$share//a", q0, v5),
        inv(D::SharedSubscriptionInvalid)
    );
    assert_eq!(
        subscribe_err("$share/g", q0, v5),
        inv(D::SharedSubscriptionInvalid)
    );
    let no_local = SubscriptionOptions {
        no_local: true,
        ..q0
    };
    assert_eq!(
        subscribe_err("$share/g/a/+", no_local, v5),
        inv(D::NoLocalOnSharedSubscription)
    );
    // 5.0-only options at 3.1.1.
    assert_eq!(
        subscribe_err("a/+", no_local, ProtocolLevel::V4),
        EncodeError::NotAtThisLevel
    );
    // Valid filters, short and long, non-ASCII included, encode.
    let long = "a/".repeat(40) + "+/#";
    for f in ["+", "#", "+/+/#", "é/+", "$share/g/a/+", long.as_str()] {
        let subs = [Subscription {
            filter: f.into(),
            options: q0,
        }];
        let s = Subscribe {
            packet_id: 1,
            properties: E,
            filters: SubscribeFilters::from_list(&subs),
        };
        let mut buf = [0u8; 128];
        assert_eq!(s.encode(v5, &mut buf), Ok(8 + f.len()), "{f}");
        assert_eq!(s.encoded_len(v5), Ok(8 + f.len()), "{f}");
    }
}

#[test]
fn invalid_topic_filters_are_rejected_in_subscribe_and_unsubscribe() {
    assert_eq!(
        v5("82 LL 0001 00 0002 612b 00"),
        Err(DecodeError::SingleLevelWildcardNotAlone)
    );
    assert_eq!(
        v5("82 LL 0001 00 0003 23 2f61 00"),
        Err(DecodeError::MultiLevelWildcardNotLast)
    );
    assert_eq!(v5("82 LL 0001 00 0000 00"), Err(DecodeError::TopicEmpty));
    assert_eq!(
        v5("a2 LL 0001 00 0003 2b2b2f"),
        Err(DecodeError::SingleLevelWildcardNotAlone)
    );
    assert_eq!(
        v5("82 LL 0001 00 0008 247368617265 2f61 00"),
        Err(DecodeError::SharedSubscriptionInvalid)
    );
    // At 3.1.1 "$share/a" is an ordinary filter.
    assert!(v4("82 LL 0001 0008 2473686172652f61 00").is_ok());
}

#[test]
fn mqtt_3_9_3_2_suback_uses_subscribe_reason_codes() {
    assert_eq!(v5("90 LL 0001 00 03"), Err(DecodeError::InvalidReasonCode));
    assert_eq!(v5("90 LL 0001 00 11"), Err(DecodeError::InvalidReasonCode));
    assert!(v5("90 LL 0001 00 a2").is_ok());
    assert_eq!(
        v4("90 LL 0001 87"),
        Err(DecodeError::InvalidSubAckReturnCode)
    );
    assert_eq!(v5("90 LL 0001 00"), Err(DecodeError::AckWithoutReasonCodes));
    let codes = [ReasonCode::NotAuthorized];
    let s = SubAck {
        packet_id: 1,
        properties: E,
        reason_codes: ReasonCodes::from_list(&codes),
    };
    assert_eq!(
        encode_err(Packet::SubAck(s), ProtocolLevel::V4),
        EncodeError::Invalid(DecodeError::InvalidSubAckReturnCode)
    );
}

#[test]
fn mqtt_3_10_1_1_unsubscribe_fixed_header_flags_must_be_0010() {
    assert_eq!(
        v5("a0 LL 0001 00 0001 61"),
        Err(DecodeError::InvalidFixedHeaderFlags)
    );
}

#[test]
fn mqtt_3_10_3_1_unsubscribe_filters_are_utf8() {
    assert_eq!(v5("a2 LL 0001 00 0002 eda0"), Err(DecodeError::InvalidUtf8));
}

#[test]
fn mqtt_3_10_3_2_unsubscribe_needs_at_least_one_filter() {
    rejects(
        "a2 LL 0001 00",
        DecodeError::UnsubscribeWithoutFilters,
        ReasonCode::ProtocolError,
        "MQTT-3.10.3-2",
    );
    let u = Unsubscribe {
        packet_id: 1,
        properties: E,
        filters: TopicFilters::from_list(&[]),
    };
    assert_eq!(
        encode_err(Packet::Unsubscribe(u), ProtocolLevel::V4),
        EncodeError::Invalid(DecodeError::UnsubscribeWithoutFilters)
    );
}

#[test]
fn mqtt_3_11_3_2_unsuback_uses_unsubscribe_reason_codes() {
    assert!(v5("b0 LL 0001 00 11").is_ok());
    assert_eq!(v5("b0 LL 0001 00 01"), Err(DecodeError::InvalidReasonCode));
    assert_eq!(v5("b0 LL 0001 00"), Err(DecodeError::AckWithoutReasonCodes));
}

// ---- §3.14 DISCONNECT, §3.15 AUTH -----------------------------------------

#[test]
fn mqtt_3_14_1_1_disconnect_reserved_bits_are_malformed() {
    assert_eq!(v5("e1 LL"), Err(DecodeError::InvalidFixedHeaderFlags));
    assert!(DecodeError::InvalidFixedHeaderFlags.is_malformed());
}

#[test]
fn mqtt_3_14_2_1_disconnect_uses_disconnect_reason_codes() {
    assert_eq!(v5("e0 LL 8a"), Err(DecodeError::InvalidReasonCode)); // Banned: CONNACK only
    assert_eq!(v5("e0 LL 01"), Err(DecodeError::InvalidReasonCode));
    for rc in ReasonCode::ALL
        .iter()
        .filter(|rc| rc.allowed_in(PacketType::Disconnect))
    {
        assert!(v5(&format!("e0 LL {:02x}", rc.as_u8())).is_ok(), "{rc}");
    }
}

#[test]
fn mqtt_3_15_1_1_auth_reserved_bits_are_malformed() {
    assert_eq!(v5("f1 LL"), Err(DecodeError::InvalidFixedHeaderFlags));
}

#[test]
fn mqtt_3_15_2_1_auth_uses_authenticate_reason_codes() {
    assert!(v5("f0 LL 19 00").is_ok());
    assert_eq!(v5("f0 LL 87 00"), Err(DecodeError::InvalidReasonCode));
    let a = Auth {
        reason_code: ReasonCode::NotAuthorized,
        properties: E,
    };
    assert_eq!(
        encode_err(Packet::Auth(a), ProtocolLevel::V5),
        EncodeError::Invalid(DecodeError::InvalidReasonCode)
    );
}

// ---- §4.7, §4.8 topics ----------------------------------------------------

#[test]
fn mqtt_4_7_0_1_wildcards_only_in_filters() {
    assert_eq!(check_name("a/+/b"), Err(DecodeError::TopicNameWildcard));
    assert_eq!(check_filter("a/+/b"), Ok(()));
    assert_eq!(DecodeError::TopicNameWildcard.spec(), "MQTT-3.3.2-2");
}

#[test]
fn mqtt_4_7_1_1_multi_level_wildcard_alone_and_last() {
    for ok in ["#", "a/#", "/#", "+/#"] {
        assert_eq!(check_filter(ok), Ok(()), "{ok}");
    }
    for bad in ["a#", "#/a", "a/#/b", "##", "a/b#"] {
        assert_eq!(
            check_filter(bad),
            Err(DecodeError::MultiLevelWildcardNotLast),
            "{bad}"
        );
    }
}

#[test]
fn mqtt_4_7_1_2_single_level_wildcard_occupies_a_whole_level() {
    for ok in ["+", "+/+", "/+", "+/", "a/+/b"] {
        assert_eq!(check_filter(ok), Ok(()), "{ok}");
    }
    for bad in ["a+", "+a", "a/+b/c", "++"] {
        assert_eq!(
            check_filter(bad),
            Err(DecodeError::SingleLevelWildcardNotAlone),
            "{bad}"
        );
    }
}

#[test]
fn mqtt_4_7_2_1_leading_wildcards_do_not_match_dollar_topics() {
    assert!(!matches("#", "$SYS/x"));
    assert!(!matches("+/x", "$SYS/x"));
    assert!(matches("$SYS/+", "$SYS/x"));
    assert!(matches("#", "SYS/x"));
}

#[test]
fn mqtt_4_7_3_1_topics_at_least_one_character() {
    assert_eq!(check_name(""), Err(DecodeError::TopicEmpty));
    assert_eq!(check_filter(""), Err(DecodeError::TopicEmpty));
    assert_eq!(check_name("/"), Ok(()));
}

#[test]
fn mqtt_4_7_3_2_topics_exclude_null() {
    assert_eq!(v5("82 LL 0001 00 0002 6100 00"), Err(DecodeError::Utf8Null));
    assert_eq!(v4("30 LL 0002 0061"), Err(DecodeError::Utf8Null));
}

#[test]
fn mqtt_4_7_3_3_topics_longer_than_65535_bytes_cannot_be_encoded() {
    let long = "a".repeat(65_536);
    assert_eq!(
        encode_err(Packet::Publish(publish(&long, E)), ProtocolLevel::V5),
        EncodeError::FieldTooLong
    );
    let max = "a".repeat(65_535);
    assert!(Packet::Publish(publish(&max, E))
        .encoded_len(ProtocolLevel::V5)
        .is_ok());
}

#[test]
fn mqtt_4_7_3_4_matching_does_not_normalise() {
    assert!(!matches("a/B", "a/b"));
    // "é" precomposed vs "e" + combining acute: different bytes, no match.
    assert!(!matches("caf\u{e9}", "cafe\u{301}"));
    assert!(!matches("a/b", "a/b/"));
}

#[test]
fn mqtt_4_8_2_1_shared_subscription_needs_a_share_name() {
    assert_eq!(
        check_filter("$share//a"),
        Err(DecodeError::SharedSubscriptionInvalid)
    );
    assert_eq!(check_filter("$share/g/a"), Ok(()));
}

#[test]
fn mqtt_4_8_2_2_share_name_excludes_separators_and_wildcards_and_is_followed_by_a_filter() {
    for bad in ["$share/g", "$share/g/", "$share/a+b/x", "$share/#/x"] {
        assert_eq!(
            check_filter(bad),
            Err(DecodeError::SharedSubscriptionInvalid),
            "{bad}"
        );
    }
    let shared = topic::SharedSubscription::parse("$share/g/a/+")
        .unwrap()
        .unwrap();
    assert_eq!((shared.group, shared.filter), ("g", "a/+"));
}

// ---- errors as values -------------------------------------------------------

#[test]
fn every_decode_error_names_a_statement_and_a_disconnect_reason() {
    // Sample across kinds: each maps to a reason code DISCONNECT/CONNACK allows.
    for e in [
        DecodeError::InvalidFixedHeaderFlags,
        DecodeError::TopicAliasZero,
        DecodeError::PacketTooLarge,
        DecodeError::DuplicateProperty,
        DecodeError::WillQoS3,
    ] {
        assert!(
            e.spec().starts_with("MQTT-") || e.spec().starts_with('§'),
            "{e:?}"
        );
        assert!(e.reason_code().allowed_in(PacketType::Disconnect), "{e:?}");
        assert!(!e.kind().is_empty() && !e.description().is_empty());
    }
    for e in [
        DecodeError::UnsupportedProtocolVersion,
        DecodeError::ClientIdLength,
    ] {
        assert!(e.reason_code().allowed_in(PacketType::ConnAck), "{e:?}");
    }
}

#[test]
fn remaining_length_limit_2_1_4_is_exact_on_encode() {
    // §2.1.4: the Remaining Length is at most 268,435,455. 4095 filters of
    // 65,535 bytes and one of 57,340 make a SUBSCRIBE of exactly that
    // (2 + 4095 × 65,538 + 57,343); one byte more is refused.
    let long = "a".repeat(65_535);
    let short = "b".repeat(57_340);
    let longer = "b".repeat(57_341);
    let q0 = SubscriptionOptions::new(QoS::AtMostOnce);
    let mut subs: Vec<Subscription<'_>> = (0..4095)
        .map(|_| Subscription {
            filter: long.as_str().into(),
            options: q0,
        })
        .collect();
    subs.push(Subscription {
        filter: short.as_str().into(),
        options: q0,
    });
    let at_limit = Subscribe {
        packet_id: 1,
        properties: E,
        filters: SubscribeFilters::from_list(&subs),
    };
    let max = MAX_REMAINING_LENGTH;
    assert_eq!(at_limit.encoded_len(ProtocolLevel::V4), Ok(1 + 4 + max));
    let mut buf = [0x5Au8; 16];
    assert_eq!(
        at_limit.encode(ProtocolLevel::V4, &mut buf),
        Err(EncodeError::BufferTooSmall {
            needed: 1 + 4 + max
        })
    );
    let mut over_subs = subs.clone();
    over_subs.pop();
    over_subs.push(Subscription {
        filter: longer.as_str().into(),
        options: q0,
    });
    let over = Subscribe {
        filters: SubscribeFilters::from_list(&over_subs),
        ..at_limit
    };
    assert_eq!(
        over.encoded_len(ProtocolLevel::V4),
        Err(EncodeError::TooLarge)
    );
    assert_eq!(
        encode_err(Packet::Subscribe(over), ProtocolLevel::V4),
        EncodeError::TooLarge
    );
}
