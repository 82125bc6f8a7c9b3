//! One named test per crash the fuzzers found, with the crashing input.

use mqtt_codec::*;

/// `mqtt_roundtrip` crash-1792de41: an UNSUBSCRIBE filter "\u{14}" was
/// accepted by the encoder but refused by the strict decoder (§1.5.4
/// control character). The encoder is strict now.
#[test]
fn fuzz_roundtrip_control_character_in_unsubscribe_filter_is_refused_on_encode() {
    let filters = ["\u{14}".into(), "u".into()];
    let p = Packet::Unsubscribe(Unsubscribe {
        packet_id: 5140,
        properties: Properties::EMPTY,
        filters: TopicFilters::from_list(&filters),
    });
    let mut buf = [0u8; 32];
    assert_eq!(
        p.encode(ProtocolLevel::V5, &mut buf),
        Err(EncodeError::Invalid(DecodeError::Utf8DiscouragedCodePoint))
    );
    assert_eq!(buf, [0u8; 32]);
    #[cfg(all(feature = "arbitrary", feature = "alloc"))]
    mqtt_codec::fuzzing::roundtrip(&[
        0x9d, 0x72, 0x72, 0x72, 0x72, 0x5e, 0x72, 0x72, 0x98, 0x98, 0x98, 0x98, 0xcd, 0x14, 0x14,
        0xfe, 0xff, 0x14, 0x75, 0xff, 0x29,
    ]);
}
