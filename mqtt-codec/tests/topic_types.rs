//! `TopicName` and `TopicFilter`: checked once when built with `new`, or by
//! the encoder on every encode when made from a `&str`. Both paths must give
//! the same bytes and the same errors, and the encoder must never trust a
//! name it did not see checked.

use mqtt_codec::*;

const V4: ProtocolLevel = ProtocolLevel::V4;
const V5: ProtocolLevel = ProtocolLevel::V5;

fn publish(topic: TopicName<'_>) -> Publish<'_> {
    Publish {
        dup: false,
        qos: QoS::AtLeastOnce,
        retain: false,
        topic,
        packet_id: Some(1),
        properties: Properties::EMPTY,
        payload: b"x",
    }
}

fn encode(p: &Packet<'_>, level: ProtocolLevel) -> Result<Vec<u8>, EncodeError> {
    let mut buf = vec![0u8; 70_000 + 64];
    let n = p.encode(level, &mut buf)?;
    assert_eq!(p.encoded_len(level), Ok(n));
    buf.truncate(n);
    Ok(buf)
}

/// Names and filters that break each rule, and some that do not.
const TEXTS: &[&str] = &[
    "a/b",
    "/",
    "",
    "a/+",
    "+",
    "#",
    "a/#",
    "a/b#",
    "a+/b",
    "+/+/#",
    "a\0b",
    "a\u{1}b",
    "a\u{7f}",
    "\u{85}",
    "a/\u{fffe}",
    "t/ü",
    "$SYS/x",
    "$share/g/a/+",
    "$share/g",
    "$share//a",
    "$share/g+/a",
    "$share/g/a#",
];

#[test]
fn a_checked_and_an_unchecked_topic_name_encode_alike_mqtt_3_3_2_2() {
    for &t in TEXTS {
        let lazy = encode(&Packet::Publish(publish(t.into())), V4);
        match TopicName::new(t) {
            Ok(name) => {
                assert!(name.is_checked());
                assert_eq!(encode(&Packet::Publish(publish(name)), V4), lazy, "{t:?}");
            }
            // `new` refuses exactly what the encoder refuses (an empty name
            // is the packet's rule: allowed with a 5.0 Topic Alias).
            Err(e) if !t.is_empty() => assert_eq!(lazy, Err(e), "{t:?}"),
            Err(e) => panic!("{t:?}: {e:?}"),
        }
    }
    // The empty name stays the packet's rule, checked or not [MQTT-4.7.3-1].
    let empty = TopicName::new("").unwrap();
    assert_eq!(
        encode(&Packet::Publish(publish(empty)), V4),
        Err(EncodeError::Invalid(DecodeError::TopicEmpty))
    );
}

#[test]
fn a_checked_will_topic_encodes_like_an_unchecked_one() {
    for &t in TEXTS {
        let connect = |topic| {
            Packet::Connect(Connect {
                level: V4,
                clean_start: true,
                keep_alive: 30,
                properties: Properties::EMPTY,
                client_id: "c",
                will: Some(Will {
                    qos: QoS::AtMostOnce,
                    retain: false,
                    properties: Properties::EMPTY,
                    topic,
                    payload: b"bye",
                }),
                username: None,
                password: None,
            })
        };
        let lazy = encode(&connect(t.into()), V4);
        match TopicName::new(t) {
            Ok(name) => assert_eq!(encode(&connect(name), V4), lazy, "{t:?}"),
            Err(e) => assert_eq!(lazy, Err(e), "{t:?}"),
        }
    }
}

#[test]
fn a_checked_and_an_unchecked_topic_filter_encode_alike_at_every_level() {
    for &f in TEXTS {
        for level in [ProtocolLevel::V3, V4, V5] {
            let sub = |filter| {
                let list = [Subscription {
                    filter,
                    options: SubscriptionOptions::new(QoS::AtLeastOnce),
                }];
                encode(
                    &Packet::Subscribe(Subscribe {
                        packet_id: 2,
                        properties: Properties::EMPTY,
                        filters: SubscribeFilters::from_list(&list),
                    }),
                    level,
                )
            };
            let lazy = sub(f.into());
            match TopicFilter::new(f) {
                // At 5.0 a `$share/` filter still meets the shared
                // subscription rules when encoded [MQTT-4.8.2-1],
                // [MQTT-4.8.2-2], checked or not.
                Ok(filter) => assert_eq!(sub(filter), lazy, "{f:?} at {level:?}"),
                // The level-independent rules fail the same way at 3.x; at
                // 5.0 a `$share/` filter may fail a shared subscription rule
                // first, but fails either way.
                Err(e) if level != V5 || !f.starts_with("$share/") => {
                    assert_eq!(lazy, Err(e), "{f:?} at {level:?}")
                }
                Err(_) => assert!(lazy.is_err(), "{f:?} at {level:?}"),
            }
            if f == "$share/g" {
                // Passes the rules of every level, not 5.0's ShareName rule.
                assert!(TopicFilter::new(f).is_ok());
                let want = if level == V5 {
                    Err(EncodeError::Invalid(DecodeError::SharedSubscriptionInvalid))
                } else {
                    Ok(15)
                };
                assert_eq!(sub(TopicFilter::new(f).unwrap()).map(|b| b.len()), want);
            }
        }
    }
}

#[test]
fn a_checked_shared_filter_still_refuses_no_local_at_5_mqtt_3_8_3_4() {
    let list = [Subscription {
        filter: TopicFilter::new("$share/g/a").unwrap(),
        options: SubscriptionOptions {
            no_local: true,
            ..SubscriptionOptions::new(QoS::AtMostOnce)
        },
    }];
    let sub = Packet::Subscribe(Subscribe {
        packet_id: 2,
        properties: Properties::EMPTY,
        filters: SubscribeFilters::from_list(&list),
    });
    assert_eq!(
        encode(&sub, V5),
        Err(EncodeError::Invalid(
            DecodeError::NoLocalOnSharedSubscription
        ))
    );
}

#[test]
fn a_strictly_decoded_topic_is_checked_and_a_leniently_decoded_one_is_not() {
    let frame = encode(&Packet::Publish(publish("a/b".into())), V4).unwrap();
    let strict = DecodeOptions::new(V4);
    let Ok(Status::Complete((Packet::Publish(p), _))) = Packet::decode(&frame, &strict) else {
        panic!("decode")
    };
    assert!(p.topic.is_checked());
    // Forwarded as decoded: the same bytes.
    assert_eq!(encode(&Packet::Publish(p), V4).unwrap(), frame);

    // A control character is only let through by a lenient decoder (§1.5.4);
    // the encoder stays strict and checks that name again.
    let mut lenient = DecodeOptions::new(V4);
    lenient.allow_discouraged_code_points = true;
    let bad = [0x32, 8, 0, 3, b'a', 0x01, b'b', 0, 1, b'x'];
    assert_eq!(
        Packet::decode(&bad, &strict),
        Err(DecodeError::Utf8DiscouragedCodePoint)
    );
    let Ok(Status::Complete((Packet::Publish(p), _))) = Packet::decode(&bad, &lenient) else {
        panic!("lenient decode")
    };
    assert!(!p.topic.is_checked());
    assert_eq!(
        encode(&Packet::Publish(p), V4),
        Err(EncodeError::Invalid(DecodeError::Utf8DiscouragedCodePoint))
    );
}

#[test]
fn topic_names_compare_hash_and_print_as_their_text() {
    use std::collections::HashSet;
    let checked = TopicName::new("a/b").unwrap();
    let lazy: TopicName<'_> = "a/b".into();
    assert_eq!(checked, lazy);
    assert_eq!(checked, "a/b");
    assert_eq!("a/b", checked);
    assert_eq!(format!("{checked} {checked:?}"), "a/b \"a/b\"");
    assert_eq!(checked.len(), 3);
    assert!(checked.starts_with("a/"));
    let set: HashSet<TopicName<'_>> = [checked, lazy].into_iter().collect();
    assert_eq!(set.len(), 1);
    const F: TopicFilter<'static> = TopicFilter::from_static("a/+/#");
    assert!(F.is_checked());
    assert_eq!(F.as_str(), "a/+/#");
}
