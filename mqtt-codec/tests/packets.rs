//! Byte-literal decode and encode of every packet type at every protocol
//! level, including the specification's own examples.

mod common;

use common::unhex;
use mqtt_codec::*;

/// Decodes a whole frame (asserting every byte is used) at `level`.
fn decode(level: ProtocolLevel, bytes: &[u8]) -> Result<Packet<'_>, DecodeError> {
    match Packet::decode(bytes, &DecodeOptions::new(level))? {
        Status::Complete((p, used)) => {
            assert_eq!(used, bytes.len(), "frame length");
            Ok(p)
        }
        Status::Partial(n) => panic!("partial, {n} more needed"),
    }
}

/// Decodes `hex` at `level`, checks it equals `expected`, and checks that
/// encoding `expected` reproduces the bytes exactly.
fn both_ways(level: ProtocolLevel, hex: &str, expected: Packet<'_>) {
    let bytes = unhex(hex);
    let got = decode(level, &bytes).unwrap_or_else(|e| panic!("{hex}: {e}"));
    assert_eq!(got, expected, "{hex}");
    assert_eq!(expected.encoded_len(level), Ok(bytes.len()), "{hex}");
    let mut buf = vec![0u8; bytes.len()];
    assert_eq!(expected.encode(level, &mut buf), Ok(bytes.len()));
    assert_eq!(buf, bytes, "{hex}");
    // The per-packet encoders write the same bytes.
    let mut direct = vec![0u8; bytes.len()];
    let n = match expected {
        Packet::Publish(p) => Some((p.encoded_len(level), p.encode(level, &mut direct))),
        Packet::Subscribe(p) => Some((p.encoded_len(level), p.encode(level, &mut direct))),
        Packet::Connect(p) => Some((p.encoded_len(), p.encode(&mut direct))),
        _ => None,
    };
    if let Some((len, n)) = n {
        assert_eq!((len, n), (Ok(bytes.len()), Ok(bytes.len())), "{hex}");
        assert_eq!(direct, bytes, "{hex}");
    }
    // Re-encoding the decoded view gives the same bytes too.
    let mut again = vec![0u8; bytes.len()];
    assert_eq!(got.encode(level, &mut again), Ok(bytes.len()));
    assert_eq!(again, bytes);
}

const E: Properties<'static> = Properties::EMPTY;

fn pub_resp(packet_id: u16) -> PubResponse<'static> {
    PubResponse::new(packet_id)
}

#[test]
fn v5_connect_spec_figure_3_6_variable_header_with_will_and_credentials() {
    // Figure 3-6: "MQTT", version 5, flags CE (user name, password, will QoS
    // 1, will flag, clean start), keep alive 10, Session Expiry Interval 10.
    let props = [Property::SessionExpiryInterval(10)];
    let expected = Packet::Connect(Connect {
        level: ProtocolLevel::V5,
        clean_start: true,
        keep_alive: 10,
        properties: Properties::from_list(&props),
        client_id: "cid",
        will: Some(Will {
            qos: QoS::AtLeastOnce,
            retain: false,
            properties: E,
            topic: "w".into(),
            payload: b"hi",
        }),
        username: Some("u"),
        password: Some(b"pw"),
    });
    both_ways(
        ProtocolLevel::V5,
        "10 24 00044d515454 05 ce 000a 05 110000000a 0003636964 00 000177 00026869 000175 00027077",
        expected,
    );
}

#[test]
fn v5_connack_with_topic_alias_maximum() {
    let props = [Property::TopicAliasMaximum(10)];
    both_ways(
        ProtocolLevel::V5,
        "20 06 01 00 03 22000a",
        Packet::ConnAck(ConnAck {
            session_present: true,
            reason_code: ReasonCode::Success,
            properties: Properties::from_list(&props),
        }),
    );
}

#[test]
fn v5_publish_spec_figure_3_9_topic_a_b_packet_id_10_no_properties() {
    both_ways(
        ProtocolLevel::V5,
        "32 0a 0003612f62 000a 00 6869",
        Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtLeastOnce,
            retain: false,
            topic: "a/b".into(),
            packet_id: Some(10),
            properties: E,
            payload: b"hi",
        }),
    );
}

#[test]
fn v5_publish_qos2_dup_retain_with_topic_alias_and_empty_topic() {
    let props = [Property::TopicAlias(7)];
    both_ways(
        ProtocolLevel::V5,
        "3d 08 0000 0102 03 230007",
        Packet::Publish(Publish {
            dup: true,
            qos: QoS::ExactlyOnce,
            retain: true,
            topic: "".into(),
            packet_id: Some(0x0102),
            properties: Properties::from_list(&props),
            payload: b"",
        }),
    );
}

#[test]
fn v5_pub_responses_long_short_and_reason_only_forms() {
    let reason = [Property::ReasonString("x")];
    both_ways(
        ProtocolLevel::V5,
        "40 08 000a 10 04 1f000178",
        Packet::PubAck(PubResponse {
            packet_id: 10,
            reason_code: ReasonCode::NoMatchingSubscribers,
            properties: Properties::from_list(&reason),
        }),
    );
    both_ways(
        ProtocolLevel::V5,
        "50 02 000a",
        Packet::PubRec(pub_resp(10)),
    );
    both_ways(
        ProtocolLevel::V5,
        "62 03 000a 92",
        Packet::PubRel(PubResponse {
            packet_id: 10,
            reason_code: ReasonCode::PacketIdentifierNotFound,
            properties: E,
        }),
    );
    both_ways(
        ProtocolLevel::V5,
        "70 02 000a",
        Packet::PubComp(pub_resp(10)),
    );
    // The long form of Success with no properties decodes to the same packet.
    assert_eq!(
        decode(ProtocolLevel::V5, &unhex("40 04 000a 00 00")),
        Ok(Packet::PubAck(pub_resp(10)))
    );
    assert_eq!(
        decode(ProtocolLevel::V5, &unhex("40 03 000a 00")),
        Ok(Packet::PubAck(pub_resp(10)))
    );
}

#[test]
fn v5_subscribe_spec_figures_3_19_and_3_21() {
    // Packet Identifier 10, no properties; "a/b" QoS 1, "c/d" QoS 2.
    let subs = [
        Subscription {
            filter: "a/b".into(),
            options: SubscriptionOptions::new(QoS::AtLeastOnce),
        },
        Subscription {
            filter: "c/d".into(),
            options: SubscriptionOptions::new(QoS::ExactlyOnce),
        },
    ];
    both_ways(
        ProtocolLevel::V5,
        "82 0f 000a 00 0003612f62 01 0003632f64 02",
        Packet::Subscribe(Subscribe {
            packet_id: 10,
            properties: E,
            filters: SubscribeFilters::from_list(&subs),
        }),
    );
}

#[test]
fn v5_subscribe_all_options_and_subscription_identifier() {
    let subs = [Subscription {
        filter: "$share/g/#".into(),
        options: SubscriptionOptions {
            qos: QoS::AtMostOnce,
            no_local: false,
            retain_as_published: true,
            retain_handling: RetainHandling::DoNotSend,
        },
    }];
    let props = [Property::SubscriptionIdentifier(268_435_455)];
    both_ways(
        ProtocolLevel::V5,
        "82 15 0001 05 0bffffff7f 000a2473686172652f672f23 28",
        Packet::Subscribe(Subscribe {
            packet_id: 1,
            properties: Properties::from_list(&props),
            filters: SubscribeFilters::from_list(&subs),
        }),
    );
}

#[test]
fn v5_suback_and_unsuback_reason_codes() {
    let codes = [
        ReasonCode::GrantedQoS1,
        ReasonCode::GrantedQoS2,
        ReasonCode::NotAuthorized,
    ];
    both_ways(
        ProtocolLevel::V5,
        "90 06 000a 00 01 02 87",
        Packet::SubAck(SubAck {
            packet_id: 10,
            properties: E,
            reason_codes: ReasonCodes::from_list(&codes),
        }),
    );
    let codes = [ReasonCode::Success, ReasonCode::NoSubscriptionExisted];
    both_ways(
        ProtocolLevel::V5,
        "b0 05 000b 00 00 11",
        Packet::UnsubAck(UnsubAck {
            packet_id: 11,
            properties: E,
            reason_codes: ReasonCodes::from_list(&codes),
        }),
    );
}

#[test]
fn v5_unsubscribe_spec_figure_3_30() {
    let filters = ["a/b".into(), "c/d".into()];
    both_ways(
        ProtocolLevel::V5,
        "a2 0d 000b 00 0003612f62 0003632f64",
        Packet::Unsubscribe(Unsubscribe {
            packet_id: 11,
            properties: E,
            filters: TopicFilters::from_list(&filters),
        }),
    );
}

#[test]
fn v5_disconnect_spec_figure_3_24_and_short_forms() {
    // Figure 3-24: Reason Code 0, Properties length 5, Session Expiry 0.
    let props = [Property::SessionExpiryInterval(0)];
    both_ways(
        ProtocolLevel::V5,
        "e0 07 00 05 1100000000",
        Packet::Disconnect(Disconnect {
            reason_code: ReasonCode::Success,
            properties: Properties::from_list(&props),
        }),
    );
    both_ways(
        ProtocolLevel::V5,
        "e0 00",
        Packet::Disconnect(Disconnect::NORMAL),
    );
    both_ways(
        ProtocolLevel::V5,
        "e0 01 8e",
        Packet::Disconnect(Disconnect {
            reason_code: ReasonCode::SessionTakenOver,
            properties: E,
        }),
    );
}

#[test]
fn v5_auth_continue_with_method_and_success_short_form() {
    let props = [Property::AuthenticationMethod("SCRM")];
    both_ways(
        ProtocolLevel::V5,
        "f0 09 18 07 1500045343524d",
        Packet::Auth(Auth {
            reason_code: ReasonCode::ContinueAuthentication,
            properties: Properties::from_list(&props),
        }),
    );
    both_ways(
        ProtocolLevel::V5,
        "f0 00",
        Packet::Auth(Auth {
            reason_code: ReasonCode::Success,
            properties: E,
        }),
    );
}

#[test]
fn ping_at_every_level() {
    for level in [ProtocolLevel::V3, ProtocolLevel::V4, ProtocolLevel::V5] {
        both_ways(level, "c0 00", Packet::PingReq);
        both_ways(level, "d0 00", Packet::PingResp);
    }
}

#[test]
fn v311_connect_with_credentials() {
    both_ways(
        ProtocolLevel::V4,
        "10 15 00044d515454 04 c2 003c 0003636964 000175 000170",
        Packet::Connect(Connect {
            level: ProtocolLevel::V4,
            clean_start: true,
            keep_alive: 60,
            properties: E,
            client_id: "cid",
            will: None,
            username: Some("u"),
            password: Some(b"p"),
        }),
    );
}

#[test]
fn v31_connect_uses_protocol_name_mqisdp() {
    let will = Will {
        qos: QoS::ExactlyOnce,
        retain: true,
        properties: E,
        topic: "w".into(),
        payload: b"",
    };
    both_ways(
        ProtocolLevel::V3,
        "10 16 00064d5149736470 03 36 003c 0003636964 000177 0000",
        Packet::Connect(Connect {
            level: ProtocolLevel::V3,
            clean_start: true,
            keep_alive: 60,
            properties: E,
            client_id: "cid",
            will: Some(will),
            username: None,
            password: None,
        }),
    );
}

/// The packets whose wire format is the same in 3.1 and 3.1.1.
fn check_v3_family(level: ProtocolLevel) {
    both_ways(
        level,
        "20 02 01 00",
        Packet::ConnAck(ConnAck {
            session_present: true,
            reason_code: ReasonCode::Success,
            properties: E,
        }),
    );
    for (code, rc) in [
        (1, ReasonCode::UnsupportedProtocolVersion),
        (2, ReasonCode::ClientIdentifierNotValid),
        (3, ReasonCode::ServerUnavailable),
        (4, ReasonCode::BadUserNameOrPassword),
        (5, ReasonCode::NotAuthorized),
    ] {
        both_ways(
            level,
            &format!("20 02 00 {code:02x}"),
            Packet::ConnAck(ConnAck {
                session_present: false,
                reason_code: rc,
                properties: E,
            }),
        );
    }
    both_ways(
        level,
        "30 07 0003612f62 6869",
        Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic: "a/b".into(),
            packet_id: None,
            properties: E,
            payload: b"hi",
        }),
    );
    both_ways(
        level,
        "3b 09 0003612f62 0007 6869",
        Packet::Publish(Publish {
            dup: true,
            qos: QoS::AtLeastOnce,
            retain: true,
            topic: "a/b".into(),
            packet_id: Some(7),
            properties: E,
            payload: b"hi",
        }),
    );
    both_ways(level, "40 02 0001", Packet::PubAck(pub_resp(1)));
    both_ways(level, "50 02 0001", Packet::PubRec(pub_resp(1)));
    both_ways(level, "62 02 0001", Packet::PubRel(pub_resp(1)));
    both_ways(level, "70 02 0001", Packet::PubComp(pub_resp(1)));
    let subs = [
        Subscription {
            filter: "a/b".into(),
            options: SubscriptionOptions::new(QoS::AtLeastOnce),
        },
        Subscription {
            filter: "c/d".into(),
            options: SubscriptionOptions::new(QoS::ExactlyOnce),
        },
    ];
    both_ways(
        level,
        "82 0e 0001 0003612f62 01 0003632f64 02",
        Packet::Subscribe(Subscribe {
            packet_id: 1,
            properties: E,
            filters: SubscribeFilters::from_list(&subs),
        }),
    );
    let codes = [ReasonCode::GrantedQoS1, ReasonCode::UnspecifiedError];
    both_ways(
        level,
        "90 04 0001 01 80",
        Packet::SubAck(SubAck {
            packet_id: 1,
            properties: E,
            reason_codes: ReasonCodes::from_list(&codes),
        }),
    );
    let filters = ["a/b".into()];
    both_ways(
        level,
        "a2 07 0001 0003612f62",
        Packet::Unsubscribe(Unsubscribe {
            packet_id: 1,
            properties: E,
            filters: TopicFilters::from_list(&filters),
        }),
    );
    both_ways(
        level,
        "b0 02 0001",
        Packet::UnsubAck(UnsubAck {
            packet_id: 1,
            properties: E,
            reason_codes: ReasonCodes::from_list(&[]),
        }),
    );
    both_ways(level, "e0 00", Packet::Disconnect(Disconnect::NORMAL));
}

#[test]
fn v311_every_other_packet_type() {
    check_v3_family(ProtocolLevel::V4);
}

#[test]
fn v31_every_other_packet_type() {
    check_v3_family(ProtocolLevel::V3);
}

#[test]
fn auth_does_not_exist_below_v5() {
    for level in [ProtocolLevel::V3, ProtocolLevel::V4] {
        assert_eq!(
            decode(level, &[0xF0, 0x00]),
            Err(DecodeError::ReservedPacketType)
        );
    }
}

#[test]
fn v3x_packets_carry_no_properties_on_encode() {
    let props = [Property::ReasonString("x")];
    let ack = Packet::PubAck(PubResponse {
        packet_id: 1,
        reason_code: ReasonCode::Success,
        properties: Properties::from_list(&props),
    });
    let mut buf = [0u8; 16];
    assert_eq!(
        ack.encode(ProtocolLevel::V4, &mut buf),
        Err(EncodeError::NotAtThisLevel)
    );
    let refused = Packet::PubAck(PubResponse {
        packet_id: 1,
        reason_code: ReasonCode::QuotaExceeded,
        properties: E,
    });
    assert_eq!(
        refused.encode(ProtocolLevel::V4, &mut buf),
        Err(EncodeError::NotAtThisLevel)
    );
    assert_eq!(buf, [0u8; 16], "nothing written on error");
}

#[test]
fn partial_reports_exact_missing_bytes_once_length_is_known() {
    let frame = unhex("32 0a 0003612f62 000a 00 6869");
    let opts = DecodeOptions::new(ProtocolLevel::V5);
    assert_eq!(Packet::decode(&[], &opts), Ok(Status::Partial(2)));
    assert_eq!(Packet::decode(&frame[..1], &opts), Ok(Status::Partial(1)));
    for cut in 2..frame.len() {
        assert_eq!(
            Packet::decode(&frame[..cut], &opts),
            Ok(Status::Partial(frame.len() - cut)),
            "cut at {cut}"
        );
    }
    // A multi-byte Remaining Length cut in the middle: at least one more.
    assert_eq!(Packet::decode(&[0x30, 0x80], &opts), Ok(Status::Partial(1)));
    assert_eq!(
        Packet::decode(&[0x30, 0x80, 0x01], &opts),
        Ok(Status::Partial(128))
    );
}

#[test]
fn back_to_back_frames_decode_one_at_a_time() {
    let bytes = unhex("c000 40020001 d000");
    let opts = DecodeOptions::new(ProtocolLevel::V4);
    let mut rest = &bytes[..];
    let mut seen = Vec::new();
    while !rest.is_empty() {
        let Status::Complete((p, used)) = Packet::decode(rest, &opts).unwrap() else {
            panic!()
        };
        seen.push(p.packet_type());
        rest = &rest[used..];
    }
    assert_eq!(
        seen,
        [
            PacketType::PingReq,
            PacketType::PubAck,
            PacketType::PingResp
        ]
    );
}

#[test]
fn oversized_frame_rejected_from_fixed_header_before_body() {
    let opts = DecodeOptions::new(ProtocolLevel::V5).with_max_packet_size(100);
    // 1 + 1 + 98 = 100 bytes: allowed, so only "need more".
    assert_eq!(Packet::decode(&[0x30, 98], &opts), Ok(Status::Partial(98)));
    // 1 + 1 + 99 = 101 bytes: refused with only 2 bytes in hand.
    assert_eq!(
        Packet::decode(&[0x30, 99], &opts),
        Err(DecodeError::PacketTooLarge)
    );
    assert_eq!(
        DecodeError::PacketTooLarge.reason_code(),
        ReasonCode::PacketTooLarge
    );
    // A 256 MiB announcement is refused from 5 bytes.
    assert_eq!(
        Packet::decode(&[0x30, 0xFF, 0xFF, 0xFF, 0x7F], &opts),
        Err(DecodeError::PacketTooLarge)
    );
}

#[test]
fn publish_header_only_encoding_then_payload_equals_whole_frame() {
    let payload = vec![0xA5u8; 300];
    let props = [
        Property::MessageExpiryInterval(9),
        Property::ContentType("bin"),
    ];
    let p = Publish {
        dup: false,
        qos: QoS::AtLeastOnce,
        retain: false,
        topic: "big/one".into(),
        packet_id: Some(3),
        properties: Properties::from_list(&props),
        payload: &payload,
    };
    let mut whole = vec![0u8; Packet::Publish(p).encoded_len(ProtocolLevel::V5).unwrap()];
    Packet::Publish(p)
        .encode(ProtocolLevel::V5, &mut whole)
        .unwrap();
    let n = p.header_len(ProtocolLevel::V5).unwrap();
    let mut head = vec![0u8; n];
    assert_eq!(p.encode_header(ProtocolLevel::V5, &mut head), Ok(n));
    assert_eq!([&head[..], &payload[..]].concat(), whole);
}

#[test]
fn encode_into_short_buffer_writes_nothing() {
    let p = Packet::PubAck(pub_resp(5));
    let mut buf = [0xEEu8; 3];
    assert_eq!(
        p.encode(ProtocolLevel::V4, &mut buf),
        Err(EncodeError::BufferTooSmall { needed: 4 })
    );
    assert_eq!(buf, [0xEE; 3]);
}

#[test]
fn decoded_publish_payload_is_borrowed_from_the_input() {
    let frame = unhex("30 07 0003612f62 6869");
    let Packet::Publish(p) = decode(ProtocolLevel::V4, &frame).unwrap() else {
        panic!()
    };
    assert!(std::ptr::eq(p.payload.as_ptr(), frame[7..].as_ptr()));
}

#[cfg(feature = "bytes")]
#[test]
fn bufmut_encoding_matches_slice_encoding() {
    let p = Packet::PubAck(pub_resp(5));
    let mut b = bytes::BytesMut::new();
    assert_eq!(p.encode_to_buf(ProtocolLevel::V4, &mut b), Ok(4));
    assert_eq!(&b[..], [0x40, 2, 0, 5]);
}
