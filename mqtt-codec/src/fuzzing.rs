//! Fuzz bodies (features `arbitrary` + `alloc`), kept in the library so
//! they compile and run in ordinary tests; the cargo-fuzz targets in
//! `fuzz/fuzz_targets/` are thin wrappers around them.
//!
//! Both panic when an invariant breaks — that is how a fuzzer reports it.

use crate::{
    Auth, ConnAck, Connect, DecodeOptions, Disconnect, Packet, Properties, Property, ProtocolLevel,
    PubResponse, Publish, QoS, ReasonCode, ReasonCodes, Status, SubAck, Subscribe,
    SubscribeFilters, Subscription, TopicFilters, UnsubAck, Unsubscribe, Will,
};
use alloc::vec;
use arbitrary::{Arbitrary, Unstructured};

/// Encodes `p` at `level` (if it encodes at all) and checks the decoder
/// reads back exactly the same packet from exactly those bytes.
fn check_roundtrip(
    p: &Packet<'_>,
    level: ProtocolLevel,
    opts: &DecodeOptions,
) -> Result<(), crate::EncodeError> {
    let len = p.encoded_len(level)?;
    let mut buf = vec![0u8; len];
    let n = p
        .encode(level, &mut buf)
        .expect("encoded_len succeeded, so encode must");
    assert_eq!(n, len, "encode wrote a different length than encoded_len");
    let opts = opts.with_level(level).with_max_packet_size(u32::MAX);
    match Packet::decode(&buf, &opts) {
        Ok(Status::Complete((back, used))) => {
            assert_eq!(used, n, "decoder used {used} of a {n}-byte frame");
            assert_eq!(&back, p, "decoded packet differs from the encoded one");
        }
        other => panic!("the encoder produced a frame its decoder refuses: {other:?} for {p:?}"),
    }
    // A short buffer is refused and left untouched.
    if n > 0 {
        let mut short = vec![0xA5u8; n - 1];
        assert_eq!(
            p.encode(level, &mut short),
            Err(crate::EncodeError::BufferTooSmall { needed: n })
        );
        assert!(
            short.iter().all(|&b| b == 0xA5),
            "encode wrote into a short buffer"
        );
    }
    Ok(())
}

/// Arbitrary bytes: the first byte picks the level and strictness, the next
/// four the maximum packet size; the rest is decoded frame by frame.
///
/// Invariants: no panic; a complete frame uses between 2 and the given
/// number of bytes; `Partial(n)` has `n > 0`; every decoded packet encodes,
/// and decodes back to itself.
pub fn decode_bytes(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let level = [ProtocolLevel::V3, ProtocolLevel::V4, ProtocolLevel::V5][usize::from(sel % 3)];
    let (max, mut rest) = match rest.split_first_chunk::<4>() {
        Some((m, r)) => (u32::from_be_bytes(*m), r),
        None => (u32::MAX, rest),
    };
    let mut opts = DecodeOptions::new(level).with_max_packet_size(if sel & 0x80 != 0 {
        max
    } else {
        u32::MAX
    });
    opts.allow_discouraged_code_points = sel & 0x40 != 0;
    while !rest.is_empty() {
        match Packet::decode(rest, &opts) {
            Ok(Status::Complete((p, used))) => {
                assert!(
                    (2..=rest.len()).contains(&used),
                    "used {used} of {}",
                    rest.len()
                );
                assert!(
                    used as u64 <= u64::from(opts.max_packet_size),
                    "frame above the limit accepted"
                );
                let at = match &p {
                    Packet::Connect(c) => c.level,
                    _ => opts.level,
                };
                match check_roundtrip(&p, at, &opts) {
                    Ok(()) => {}
                    // Decoded leniently: the encoder stays strict.
                    Err(crate::EncodeError::Invalid(
                        crate::DecodeError::Utf8DiscouragedCodePoint,
                    )) if opts.allow_discouraged_code_points => {}
                    Err(e) => panic!("decoded packet does not encode: {e:?}: {p:?}"),
                }
                if let Packet::Connect(c) = &p {
                    opts = opts.with_level(c.level);
                }
                rest = &rest[used..];
            }
            Ok(Status::Partial(n)) => {
                assert!(n > 0);
                return;
            }
            Err(e) => {
                // Every error names a rule and a reason code a peer accepts.
                assert!(!e.spec().is_empty());
                assert!(e.reason_code().is_error());
                return;
            }
        }
    }
}

/// Fields to build any packet from; what is not used by the chosen type is
/// ignored.
#[derive(Arbitrary, Debug)]
pub struct Input<'a> {
    level: ProtocolLevel,
    kind: u8,
    flags: [bool; 4],
    qos: QoS,
    packet_id: u16,
    number: u16,
    strings: [&'a str; 4],
    binary: [&'a [u8]; 2],
    props: [Option<Property<'a>>; 4],
    will_props: [Option<Property<'a>>; 2],
    subs: [Option<Subscription<'a>>; 3],
    codes: [Option<ReasonCode>; 3],
    reason: ReasonCode,
}

/// Copies the `Some`s to the front of `out`, returning how many.
fn compact<T: Copy, const N: usize>(items: &[Option<T>; N], out: &mut [T]) -> usize {
    let mut n = 0;
    for x in items.iter().flatten() {
        out[n] = *x;
        n += 1;
    }
    n
}

/// Arbitrary structured input → a packet → encode → decode → equal.
///
/// Invariants: whatever the encoder accepts, the strict decoder accepts and
/// reads back unchanged; the encoder never writes on error.
pub fn roundtrip(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(input) = Input::arbitrary(&mut u) else {
        return;
    };
    let Input {
        level,
        kind,
        flags,
        qos,
        packet_id,
        number,
        strings,
        binary,
        props,
        will_props,
        subs,
        codes,
        reason,
    } = input;
    let placeholder = Property::ReceiveMaximum(1);
    let mut pbuf = [placeholder; 4];
    let np = compact(&props, &mut pbuf);
    let properties = Properties::from_list(&pbuf[..np]);
    let mut wbuf = [placeholder; 2];
    let nw = compact(&will_props, &mut wbuf);
    let placeholder_sub = Subscription {
        filter: "".into(),
        options: crate::SubscriptionOptions::new(QoS::AtMostOnce),
    };
    let mut sbuf = [placeholder_sub; 3];
    let ns = compact(&subs, &mut sbuf);
    let mut cbuf = [ReasonCode::Success; 3];
    let nc = compact(&codes, &mut cbuf);
    let filters = [
        topic_filter(strings[0], number & 4 != 0),
        topic_filter(strings[1], number & 4 != 0),
        topic_filter(strings[2], number & 4 != 0),
    ];
    let nf = usize::from(number % 4);
    let pid = |qos: QoS| {
        if qos == QoS::AtMostOnce {
            None
        } else {
            Some(packet_id)
        }
    };
    let resp = PubResponse {
        packet_id,
        reason_code: reason,
        properties,
    };
    let packet = match kind % 15 {
        0 => Packet::Connect(Connect {
            level,
            clean_start: flags[0],
            keep_alive: number,
            properties,
            client_id: strings[0],
            will: flags[1].then_some(Will {
                qos,
                retain: flags[2],
                properties: Properties::from_list(&wbuf[..nw]),
                topic: topic_name(strings[1], number & 2 != 0),
                payload: binary[0],
            }),
            username: flags[3].then_some(strings[2]),
            password: (number & 1 == 1).then_some(binary[1]),
        }),
        1 => Packet::ConnAck(ConnAck {
            session_present: flags[0],
            reason_code: reason,
            properties,
        }),
        2 => Packet::Publish(Publish {
            dup: flags[0],
            qos,
            retain: flags[1],
            topic: topic_name(strings[0], number & 2 != 0),
            packet_id: pid(qos),
            properties,
            payload: binary[0],
        }),
        3 => Packet::PubAck(resp),
        4 => Packet::PubRec(resp),
        5 => Packet::PubRel(resp),
        6 => Packet::PubComp(resp),
        7 => Packet::Subscribe(Subscribe {
            packet_id,
            properties,
            filters: SubscribeFilters::from_list(&sbuf[..ns]),
        }),
        8 => Packet::SubAck(SubAck {
            packet_id,
            properties,
            reason_codes: ReasonCodes::from_list(&cbuf[..nc]),
        }),
        9 => Packet::Unsubscribe(Unsubscribe {
            packet_id,
            properties,
            filters: TopicFilters::from_list(&filters[..nf]),
        }),
        10 => Packet::UnsubAck(UnsubAck {
            packet_id,
            properties,
            reason_codes: ReasonCodes::from_list(&cbuf[..nc]),
        }),
        11 => Packet::PingReq,
        12 => Packet::PingResp,
        13 => Packet::Disconnect(Disconnect {
            reason_code: reason,
            properties,
        }),
        _ => Packet::Auth(Auth {
            reason_code: reason,
            properties,
        }),
    };
    let at = match &packet {
        Packet::Connect(c) => c.level,
        _ => level,
    };
    match check_roundtrip(&packet, at, &DecodeOptions::new(at)) {
        Ok(()) => {}
        Err(_) => {
            // Refused: nothing may have been written.
            let mut buf = [0x5Au8; 64];
            assert!(packet.encode(at, &mut buf).is_err());
            assert!(
                buf.iter().all(|&b| b == 0x5A),
                "encode wrote before failing"
            );
        }
    }
}

/// A Topic Name checked up front (`early`, when it is valid) or left to the
/// encoder, so both encode paths are exercised.
fn topic_name(s: &str, early: bool) -> crate::TopicName<'_> {
    match crate::TopicName::new(s) {
        Ok(t) if early => t,
        _ => s.into(),
    }
}

/// [`topic_name`] for a Topic Filter.
fn topic_filter(s: &str, early: bool) -> crate::TopicFilter<'_> {
    match crate::TopicFilter::new(s) {
        Ok(t) if early => t,
        _ => s.into(),
    }
}
