//! Property tests: arbitrary valid packets at every level round-trip
//! exactly (owned generators, borrowed views compared); arbitrary and
//! mutated bytes never make the decoder panic, claim bytes it was not
//! given, or accept something it cannot re-encode.

use mqtt_codec::*;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

// ---- owned model -------------------------------------------------------

#[derive(Clone, Debug)]
enum OwnedProp {
    Byte(PropertyId, u8),
    U16(PropertyId, u16),
    U32(PropertyId, u32),
    Str(PropertyId, String),
    Bin(PropertyId, Vec<u8>),
    User(String, String),
    SubId(u32),
}

impl OwnedProp {
    fn id(&self) -> PropertyId {
        match self {
            OwnedProp::Byte(id, _)
            | OwnedProp::U16(id, _)
            | OwnedProp::U32(id, _)
            | OwnedProp::Str(id, _)
            | OwnedProp::Bin(id, _) => *id,
            OwnedProp::User(..) => PropertyId::UserProperty,
            OwnedProp::SubId(_) => PropertyId::SubscriptionIdentifier,
        }
    }

    fn borrow(&self) -> Property<'_> {
        use PropertyId as I;
        match self {
            OwnedProp::Byte(I::PayloadFormatIndicator, v) => Property::PayloadFormatIndicator(*v),
            OwnedProp::Byte(I::RequestProblemInformation, v) => {
                Property::RequestProblemInformation(*v)
            }
            OwnedProp::Byte(I::RequestResponseInformation, v) => {
                Property::RequestResponseInformation(*v)
            }
            OwnedProp::Byte(I::MaximumQoS, v) => Property::MaximumQoS(*v),
            OwnedProp::Byte(I::RetainAvailable, v) => Property::RetainAvailable(*v),
            OwnedProp::Byte(I::WildcardSubscriptionAvailable, v) => {
                Property::WildcardSubscriptionAvailable(*v)
            }
            OwnedProp::Byte(I::SubscriptionIdentifierAvailable, v) => {
                Property::SubscriptionIdentifierAvailable(*v)
            }
            OwnedProp::Byte(I::SharedSubscriptionAvailable, v) => {
                Property::SharedSubscriptionAvailable(*v)
            }
            OwnedProp::U16(I::ServerKeepAlive, v) => Property::ServerKeepAlive(*v),
            OwnedProp::U16(I::ReceiveMaximum, v) => Property::ReceiveMaximum(*v),
            OwnedProp::U16(I::TopicAliasMaximum, v) => Property::TopicAliasMaximum(*v),
            OwnedProp::U16(I::TopicAlias, v) => Property::TopicAlias(*v),
            OwnedProp::U32(I::MessageExpiryInterval, v) => Property::MessageExpiryInterval(*v),
            OwnedProp::U32(I::SessionExpiryInterval, v) => Property::SessionExpiryInterval(*v),
            OwnedProp::U32(I::WillDelayInterval, v) => Property::WillDelayInterval(*v),
            OwnedProp::U32(I::MaximumPacketSize, v) => Property::MaximumPacketSize(*v),
            OwnedProp::Str(I::ContentType, s) => Property::ContentType(s),
            OwnedProp::Str(I::ResponseTopic, s) => Property::ResponseTopic(s),
            OwnedProp::Str(I::AssignedClientIdentifier, s) => Property::AssignedClientIdentifier(s),
            OwnedProp::Str(I::AuthenticationMethod, s) => Property::AuthenticationMethod(s),
            OwnedProp::Str(I::ResponseInformation, s) => Property::ResponseInformation(s),
            OwnedProp::Str(I::ServerReference, s) => Property::ServerReference(s),
            OwnedProp::Str(I::ReasonString, s) => Property::ReasonString(s),
            OwnedProp::Bin(I::CorrelationData, b) => Property::CorrelationData(b),
            OwnedProp::Bin(I::AuthenticationData, b) => Property::AuthenticationData(b),
            OwnedProp::User(k, v) => Property::UserProperty(k, v),
            OwnedProp::SubId(v) => Property::SubscriptionIdentifier(*v),
            other => unreachable!("generator made {other:?}"),
        }
    }
}

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 _.é€😀-]{0,12}"
}

fn topic_name() -> impl Strategy<Value = String> {
    "[a-z0-9$]{1,4}(/[a-zA-Z0-9é]{0,4}){0,3}"
}

fn topic_filter() -> impl Strategy<Value = String> {
    (
        vec(select(vec!["a", "b", "+", "", "x1", "é"]), 1..4),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(levels, hash, shared)| {
            let mut f = levels.join("/");
            if hash {
                f.push_str(if f.is_empty() { "#" } else { "/#" });
            }
            if f.is_empty() {
                f.push('a');
            }
            if shared {
                f = format!("$share/grp/{f}");
            }
            f
        })
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..24)
}

/// One property valid somewhere; `allowed` filters it to a packet.
fn any_prop() -> impl Strategy<Value = OwnedProp> {
    use PropertyId as I;
    prop_oneof![
        (
            select(vec![
                I::PayloadFormatIndicator,
                I::RequestProblemInformation,
                I::RequestResponseInformation,
                I::MaximumQoS,
                I::RetainAvailable,
                I::WildcardSubscriptionAvailable,
                I::SubscriptionIdentifierAvailable,
                I::SharedSubscriptionAvailable
            ]),
            0u8..2
        )
            .prop_map(|(i, v)| OwnedProp::Byte(i, v)),
        (
            select(vec![
                I::ServerKeepAlive,
                I::ReceiveMaximum,
                I::TopicAliasMaximum,
                I::TopicAlias
            ]),
            1u16..
        )
            .prop_map(|(i, v)| OwnedProp::U16(i, v)),
        (
            select(vec![
                I::MessageExpiryInterval,
                I::SessionExpiryInterval,
                I::WillDelayInterval,
                I::MaximumPacketSize
            ]),
            1u32..
        )
            .prop_map(|(i, v)| OwnedProp::U32(i, v)),
        (
            select(vec![
                I::ContentType,
                I::AssignedClientIdentifier,
                I::AuthenticationMethod,
                I::ResponseInformation,
                I::ServerReference,
                I::ReasonString
            ]),
            text()
        )
            .prop_map(|(i, s)| OwnedProp::Str(i, s)),
        topic_name().prop_map(|s| OwnedProp::Str(I::ResponseTopic, s)),
        (
            select(vec![I::CorrelationData, I::AuthenticationData]),
            bytes()
        )
            .prop_map(|(i, b)| OwnedProp::Bin(i, b)),
        (text(), text()).prop_map(|(k, v)| OwnedProp::User(k, v)),
        (1u32..=268_435_455).prop_map(OwnedProp::SubId),
    ]
}

/// Allowed property ids per packet kind (Table 2-4), and whether
/// Subscription Identifier may repeat.
fn allowed(kind: &str) -> (&'static [PropertyId], bool) {
    use PropertyId as I;
    match kind {
        "connect" => (
            &[
                I::SessionExpiryInterval,
                I::AuthenticationMethod,
                I::AuthenticationData,
                I::RequestProblemInformation,
                I::RequestResponseInformation,
                I::ReceiveMaximum,
                I::TopicAliasMaximum,
                I::MaximumPacketSize,
                I::UserProperty,
            ],
            false,
        ),
        "connack" => (
            &[
                I::SessionExpiryInterval,
                I::AssignedClientIdentifier,
                I::ServerKeepAlive,
                I::AuthenticationMethod,
                I::AuthenticationData,
                I::ResponseInformation,
                I::ServerReference,
                I::ReasonString,
                I::ReceiveMaximum,
                I::TopicAliasMaximum,
                I::MaximumQoS,
                I::RetainAvailable,
                I::MaximumPacketSize,
                I::WildcardSubscriptionAvailable,
                I::SubscriptionIdentifierAvailable,
                I::SharedSubscriptionAvailable,
                I::UserProperty,
            ],
            false,
        ),
        "publish" => (
            &[
                I::PayloadFormatIndicator,
                I::MessageExpiryInterval,
                I::ContentType,
                I::ResponseTopic,
                I::CorrelationData,
                I::SubscriptionIdentifier,
                I::TopicAlias,
                I::UserProperty,
            ],
            true,
        ),
        "will" => (
            &[
                I::PayloadFormatIndicator,
                I::MessageExpiryInterval,
                I::ContentType,
                I::ResponseTopic,
                I::CorrelationData,
                I::WillDelayInterval,
                I::UserProperty,
            ],
            false,
        ),
        "subscribe" => (&[I::SubscriptionIdentifier, I::UserProperty], false),
        "unsubscribe" => (&[I::UserProperty], false),
        "disconnect" => (
            &[
                I::SessionExpiryInterval,
                I::ServerReference,
                I::ReasonString,
                I::UserProperty,
            ],
            false,
        ),
        "auth" => (
            &[
                I::AuthenticationMethod,
                I::AuthenticationData,
                I::ReasonString,
                I::UserProperty,
            ],
            false,
        ),
        _ => (&[I::ReasonString, I::UserProperty], false),
    }
}

/// A valid property list for `kind`: allowed ids only, no forbidden
/// duplicates, Authentication Data only with a Method.
fn props(kind: &'static str) -> impl Strategy<Value = Vec<OwnedProp>> {
    vec(any_prop(), 0..8).prop_map(move |all| {
        let (ok, sub_id_repeats) = allowed(kind);
        let mut out: Vec<OwnedProp> = Vec::new();
        for p in all {
            let id = p.id();
            let repeatable = id == PropertyId::UserProperty
                || (id == PropertyId::SubscriptionIdentifier && sub_id_repeats);
            if ok.contains(&id) && (repeatable || !out.iter().any(|q| q.id() == id)) {
                out.push(p);
            }
        }
        let has_method = out
            .iter()
            .any(|p| p.id() == PropertyId::AuthenticationMethod);
        out.retain(|p| has_method || p.id() != PropertyId::AuthenticationData);
        out
    })
}

fn qos() -> impl Strategy<Value = QoS> {
    select(vec![QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce])
}

fn level() -> impl Strategy<Value = ProtocolLevel> {
    select(vec![
        ProtocolLevel::V3,
        ProtocolLevel::V4,
        ProtocolLevel::V5,
    ])
}

fn codes_for(ty: PacketType) -> Vec<ReasonCode> {
    ReasonCode::ALL
        .iter()
        .copied()
        .filter(|c| c.allowed_in(ty))
        .collect()
}

/// Will QoS, retain, properties, topic, payload.
type OwnedWill = (QoS, bool, Vec<OwnedProp>, String, Vec<u8>);

#[derive(Clone, Debug)]
enum Owned {
    Connect {
        clean: bool,
        keep_alive: u16,
        props: Vec<OwnedProp>,
        client_id: String,
        will: Option<OwnedWill>,
        username: Option<String>,
        password: Option<Vec<u8>>,
    },
    ConnAck {
        sp: bool,
        rc: ReasonCode,
        props: Vec<OwnedProp>,
    },
    Publish {
        dup: bool,
        qos: QoS,
        retain: bool,
        topic: String,
        pid: u16,
        props: Vec<OwnedProp>,
        payload: Vec<u8>,
    },
    Resp {
        ty: PacketType,
        pid: u16,
        rc: ReasonCode,
        props: Vec<OwnedProp>,
    },
    Subscribe {
        pid: u16,
        props: Vec<OwnedProp>,
        subs: Vec<(String, SubscriptionOptions)>,
    },
    SubAck {
        pid: u16,
        props: Vec<OwnedProp>,
        codes: Vec<ReasonCode>,
    },
    Unsubscribe {
        pid: u16,
        props: Vec<OwnedProp>,
        filters: Vec<String>,
    },
    UnsubAck {
        pid: u16,
        props: Vec<OwnedProp>,
        codes: Vec<ReasonCode>,
    },
    PingReq,
    PingResp,
    Disconnect {
        rc: ReasonCode,
        props: Vec<OwnedProp>,
    },
    Auth {
        rc: ReasonCode,
        props: Vec<OwnedProp>,
    },
}

fn owned(level: ProtocolLevel) -> BoxedStrategy<Owned> {
    let v5 = level == ProtocolLevel::V5;
    let p = move |kind: &'static str| -> BoxedStrategy<Vec<OwnedProp>> {
        if v5 {
            props(kind).boxed()
        } else {
            Just(Vec::new()).boxed()
        }
    };
    let client_id = match level {
        ProtocolLevel::V3 => "[a-zA-Z0-9]{1,23}".boxed(),
        _ => "[a-zA-Z0-9é-]{0,30}".boxed(),
    };
    let connect = (
        any::<bool>(),
        any::<u16>(),
        p("connect"),
        client_id,
        proptest::option::of((qos(), any::<bool>(), p("will"), topic_name(), bytes())),
        proptest::option::of(text()),
        proptest::option::of(bytes()),
    )
        .prop_map(
            move |(clean, keep_alive, props, client_id, will, username, password)| {
                // 3.1.1: empty id needs clean session; 3.x: no password alone.
                let clean = clean || (level == ProtocolLevel::V4 && client_id.is_empty());
                let password = if !v5 && username.is_none() {
                    None
                } else {
                    password
                };
                Owned::Connect {
                    clean,
                    keep_alive,
                    props,
                    client_id,
                    will,
                    username,
                    password,
                }
            },
        );
    let connack_codes: Vec<ReasonCode> = if v5 {
        codes_for(PacketType::ConnAck)
    } else {
        (0..=5).filter_map(ReasonCode::from_v3_connack).collect()
    };
    let connack =
        (any::<bool>(), select(connack_codes), p("connack")).prop_map(|(sp, rc, props)| {
            Owned::ConnAck {
                sp: sp && rc == ReasonCode::Success,
                rc,
                props,
            }
        });
    let publish = (
        any::<bool>(),
        qos(),
        any::<bool>(),
        topic_name(),
        1u16..,
        p("publish"),
        vec(any::<u8>(), 0..64),
    )
        .prop_map(
            |(dup, qos, retain, topic, pid, props, payload)| Owned::Publish {
                dup: dup && qos != QoS::AtMostOnce,
                qos,
                retain,
                topic,
                pid,
                props,
                payload,
            },
        );
    let resp = (
        select(vec![
            PacketType::PubAck,
            PacketType::PubRec,
            PacketType::PubRel,
            PacketType::PubComp,
        ]),
        1u16..,
        any::<prop::sample::Index>(),
        p("ack"),
    )
        .prop_map(move |(ty, pid, i, props)| {
            let rc = if v5 {
                let c = codes_for(ty);
                c[i.index(c.len())]
            } else {
                ReasonCode::Success
            };
            Owned::Resp { ty, pid, rc, props }
        });
    let sub_opts = (
        qos(),
        any::<bool>(),
        any::<bool>(),
        select(vec![
            RetainHandling::SendAtSubscribe,
            RetainHandling::SendIfNewSubscription,
            RetainHandling::DoNotSend,
        ]),
    )
        .prop_map(move |(qos, nl, rap, rh)| {
            if v5 {
                SubscriptionOptions {
                    qos,
                    no_local: nl,
                    retain_as_published: rap,
                    retain_handling: rh,
                }
            } else {
                SubscriptionOptions::new(qos)
            }
        });
    let subscribe = (
        1u16..,
        p("subscribe"),
        vec((topic_filter(), sub_opts), 1..5),
    )
        .prop_map(|(pid, props, mut subs)| {
            for (f, o) in &mut subs {
                if f.starts_with("$share/") {
                    o.no_local = false;
                }
            }
            Owned::Subscribe { pid, props, subs }
        });
    let suback_codes: Vec<ReasonCode> = if v5 {
        codes_for(PacketType::SubAck)
    } else {
        vec![
            ReasonCode::Success,
            ReasonCode::GrantedQoS1,
            ReasonCode::GrantedQoS2,
            ReasonCode::UnspecifiedError,
        ]
    };
    let suback = (1u16.., p("ack"), vec(select(suback_codes), 1..5))
        .prop_map(|(pid, props, codes)| Owned::SubAck { pid, props, codes });
    let unsubscribe =
        (1u16.., p("unsubscribe"), vec(topic_filter(), 1..5)).prop_map(|(pid, props, filters)| {
            Owned::Unsubscribe {
                pid,
                props,
                filters,
            }
        });
    let unsuback = (
        1u16..,
        p("ack"),
        vec(select(codes_for(PacketType::UnsubAck)), 1..5),
    )
        .prop_map(move |(pid, props, codes)| Owned::UnsubAck {
            pid,
            props,
            codes: if v5 { codes } else { Vec::new() },
        });
    let disconnect = (select(codes_for(PacketType::Disconnect)), p("disconnect")).prop_map(
        move |(rc, props)| Owned::Disconnect {
            rc: if v5 { rc } else { ReasonCode::Success },
            props,
        },
    );
    let mut all = vec![
        connect.boxed(),
        connack.boxed(),
        publish.boxed(),
        resp.boxed(),
        subscribe.boxed(),
        suback.boxed(),
        unsubscribe.boxed(),
        unsuback.boxed(),
        Just(Owned::PingReq).boxed(),
        Just(Owned::PingResp).boxed(),
        disconnect.boxed(),
    ];
    if v5 {
        all.push(
            (select(codes_for(PacketType::Auth)), p("auth"))
                .prop_map(|(rc, props)| Owned::Auth { rc, props })
                .boxed(),
        );
    }
    proptest::strategy::Union::new(all).boxed()
}

/// Builds the borrowed packet from the owned model and hands it to `f`.
fn with_packet<R>(o: &Owned, level: ProtocolLevel, f: impl FnOnce(Packet<'_>) -> R) -> R {
    fn list(v: &[OwnedProp]) -> Vec<Property<'_>> {
        v.iter().map(OwnedProp::borrow).collect()
    }
    match o {
        Owned::Connect {
            clean,
            keep_alive,
            props,
            client_id,
            will,
            username,
            password,
        } => {
            let pl = list(props);
            let wl = will.as_ref().map(|w| list(&w.2)).unwrap_or_default();
            f(Packet::Connect(Connect {
                level,
                clean_start: *clean,
                keep_alive: *keep_alive,
                properties: Properties::from_list(&pl),
                client_id,
                will: will.as_ref().map(|(qos, retain, _, topic, payload)| Will {
                    qos: *qos,
                    retain: *retain,
                    properties: Properties::from_list(&wl),
                    topic: name(topic, *keep_alive % 2 == 0),
                    payload,
                }),
                username: username.as_deref(),
                password: password.as_deref(),
            }))
        }
        Owned::ConnAck { sp, rc, props } => {
            let pl = list(props);
            f(Packet::ConnAck(ConnAck {
                session_present: *sp,
                reason_code: *rc,
                properties: Properties::from_list(&pl),
            }))
        }
        Owned::Publish {
            dup,
            qos,
            retain,
            topic,
            pid,
            props,
            payload,
        } => {
            let pl = list(props);
            f(Packet::Publish(Publish {
                dup: *dup,
                qos: *qos,
                retain: *retain,
                topic: name(topic, *pid % 2 == 0),
                packet_id: (*qos != QoS::AtMostOnce).then_some(*pid),
                properties: Properties::from_list(&pl),
                payload,
            }))
        }
        Owned::Resp { ty, pid, rc, props } => {
            let pl = list(props);
            let r = PubResponse {
                packet_id: *pid,
                reason_code: *rc,
                properties: Properties::from_list(&pl),
            };
            f(match ty {
                PacketType::PubAck => Packet::PubAck(r),
                PacketType::PubRec => Packet::PubRec(r),
                PacketType::PubRel => Packet::PubRel(r),
                _ => Packet::PubComp(r),
            })
        }
        Owned::Subscribe { pid, props, subs } => {
            let pl = list(props);
            let sl: Vec<Subscription<'_>> = subs
                .iter()
                .map(|(filter, options)| Subscription {
                    filter: if options.no_local {
                        filter.as_str().into()
                    } else {
                        TopicFilter::new(filter).unwrap()
                    },
                    options: *options,
                })
                .collect();
            f(Packet::Subscribe(Subscribe {
                packet_id: *pid,
                properties: Properties::from_list(&pl),
                filters: SubscribeFilters::from_list(&sl),
            }))
        }
        Owned::SubAck { pid, props, codes } => {
            let pl = list(props);
            f(Packet::SubAck(SubAck {
                packet_id: *pid,
                properties: Properties::from_list(&pl),
                reason_codes: ReasonCodes::from_list(codes),
            }))
        }
        Owned::Unsubscribe {
            pid,
            props,
            filters,
        } => {
            let pl = list(props);
            // Alternately checked up front and checked by the encoder.
            let fl: Vec<TopicFilter<'_>> = filters
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    if (i + usize::from(*pid)) % 2 == 0 {
                        TopicFilter::new(f).unwrap()
                    } else {
                        f.as_str().into()
                    }
                })
                .collect();
            f(Packet::Unsubscribe(Unsubscribe {
                packet_id: *pid,
                properties: Properties::from_list(&pl),
                filters: TopicFilters::from_list(&fl),
            }))
        }
        Owned::UnsubAck { pid, props, codes } => {
            let pl = list(props);
            f(Packet::UnsubAck(UnsubAck {
                packet_id: *pid,
                properties: Properties::from_list(&pl),
                reason_codes: ReasonCodes::from_list(codes),
            }))
        }
        Owned::PingReq => f(Packet::PingReq),
        Owned::PingResp => f(Packet::PingResp),
        Owned::Disconnect { rc, props } => {
            let pl = list(props);
            f(Packet::Disconnect(Disconnect {
                reason_code: *rc,
                properties: Properties::from_list(&pl),
            }))
        }
        Owned::Auth { rc, props } => {
            let pl = list(props);
            f(Packet::Auth(Auth {
                reason_code: *rc,
                properties: Properties::from_list(&pl),
            }))
        }
    }
}

fn level_and_packet() -> impl Strategy<Value = (ProtocolLevel, Owned)> {
    level().prop_flat_map(|l| (Just(l), owned(l)))
}

/// Encodes, then decodes with `extra` bytes appended; returns the frame.
fn encode(p: &Packet<'_>, level: ProtocolLevel) -> Vec<u8> {
    let n = p
        .encoded_len(level)
        .unwrap_or_else(|e| panic!("valid packet refused: {e:?}: {p:?}"));
    let mut buf = vec![0u8; n];
    assert_eq!(p.encode(level, &mut buf), Ok(n));
    buf
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn valid_packets_round_trip_exactly_at_every_level((level, o) in level_and_packet(), extra in vec(any::<u8>(), 0..8)) {
        with_packet(&o, level, |p| {
            let frame = encode(&p, level);
            let mut input = frame.clone();
            input.extend_from_slice(&extra);
            let opts = DecodeOptions::new(level);
            // Trailing bytes of the next frame are not read.
            let Ok(Status::Complete((back, used))) = Packet::decode(&input, &opts) else {
                panic!("decode failed: {:?}", Packet::decode(&input, &opts))
            };
            prop_assert_eq!(used, frame.len());
            prop_assert_eq!(back, p);
            // Every proper prefix is Partial, exact once the header is in.
            for cut in [0, 1, frame.len() / 2, frame.len() - 1] {
                match Packet::decode(&frame[..cut], &opts) {
                    Ok(Status::Partial(n)) => prop_assert!(n >= 1 && cut + n <= frame.len().max(2)),
                    other => prop_assert!(false, "prefix {cut}: {other:?}"),
                }
            }
            let header = frame.len() - frame[1..].iter().position(|b| b & 0x80 == 0).map(|i| frame.len() - 2 - i).unwrap();
            if frame.len() - 1 > header {
                prop_assert_eq!(Packet::decode(&frame[..header], &opts), Ok(Status::Partial(frame.len() - header)));
            }
            Ok(())
        })?;
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_never_overread(level in level(), bytes in vec(any::<u8>(), 0..300), max in any::<u32>()) {
        let opts = DecodeOptions::new(level).with_max_packet_size(max);
        match Packet::decode(&bytes, &opts) {
            Ok(Status::Complete((p, used))) => {
                prop_assert!(used <= bytes.len() && used as u64 <= u64::from(max));
                // Whatever decodes, re-encodes and decodes to itself.
                let at = if let Packet::Connect(c) = &p { c.level } else { level };
                let frame = encode(&p, at);
                let again = Packet::decode(&frame, &DecodeOptions::new(at));
                prop_assert_eq!(again, Ok(Status::Complete((p, frame.len()))));
            }
            Ok(Status::Partial(n)) => prop_assert!(n >= 1),
            Err(e) => prop_assert!(e.reason_code().is_error()),
        }
    }

    #[test]
    fn mutated_valid_frames_never_panic((level, o) in level_and_packet(), flips in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
        with_packet(&o, level, |p| {
            let mut frame = encode(&p, level);
            for (i, x) in &flips {
                let at = i.index(frame.len());
                frame[at] ^= x;
            }
            if let Ok(Status::Complete((q, used))) = Packet::decode(&frame, &DecodeOptions::new(level)) {
                prop_assert!(used <= frame.len());
                let at = if let Packet::Connect(c) = &q { c.level } else { level };
                let again = encode(&q, at);
                prop_assert_eq!(Packet::decode(&again, &DecodeOptions::new(at)), Ok(Status::Complete((q, again.len()))));
            }
            Ok(())
        })?;
    }
}

#[cfg(all(feature = "arbitrary", feature = "alloc"))]
proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    /// The fuzz bodies run in ordinary CI too.
    #[test]
    fn fuzz_bodies_hold_their_invariants_on_random_input(data in vec(any::<u8>(), 0..400)) {
        mqtt_codec::fuzzing::decode_bytes(&data);
        mqtt_codec::fuzzing::roundtrip(&data);
    }
}

/// A generated (valid) Topic Name, checked when built (`early`) or left to
/// the encoder: both encode paths must round-trip.
fn name(topic: &str, early: bool) -> TopicName<'_> {
    if early {
        TopicName::new(topic).unwrap()
    } else {
        topic.into()
    }
}
