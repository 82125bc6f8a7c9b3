//! Variable Byte Integer (§1.5.5): 1–4 bytes, 7 bits each, least
//! significant group first, the high bit saying "more follows".

/// The largest value a Variable Byte Integer can carry (§1.5.5).
pub const MAX_VARINT: u32 = 268_435_455;

/// The largest Remaining Length of a frame (§2.1.4), the same bound.
pub const MAX_REMAINING_LENGTH: usize = MAX_VARINT as usize;

/// What reading a Variable Byte Integer from a prefix of a slice found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Varint {
    /// The value and the number of bytes it took.
    Value(u32, usize),
    /// The slice ended before the last byte (its high bit clear).
    Incomplete,
    /// A fifth byte would be needed.
    TooLong,
    /// The value was not encoded in the fewest bytes [MQTT-1.5.5-1].
    NotMinimal,
}

/// Reads a Variable Byte Integer from the start of `buf`.
#[inline]
pub(crate) fn read(buf: &[u8]) -> Varint {
    // "The maximum number of bytes in the Variable Byte Integer field is
    // four. The encoded value MUST use the minimum number of bytes necessary
    // to represent the value [MQTT-1.5.5-1]."
    let mut value: u32 = 0;
    for i in 0..4 {
        let Some(&b) = buf.get(i) else {
            return Varint::Incomplete;
        };
        value |= u32::from(b & 0x7F) << (7 * i);
        if b & 0x80 == 0 {
            // A last byte of 0 after a continuation byte adds nothing: the
            // value fits in fewer bytes.
            if i > 0 && b == 0 {
                return Varint::NotMinimal;
            }
            return Varint::Value(value, i + 1);
        }
    }
    Varint::TooLong
}

/// How many bytes `value` takes; `value` must be at most [`MAX_VARINT`].
#[inline]
pub(crate) const fn len(value: u32) -> usize {
    if value < 0x80 {
        1
    } else if value < 0x4000 {
        2
    } else if value < 0x20_0000 {
        3
    } else {
        4
    }
}

/// Writes `value` (at most [`MAX_VARINT`]) at the start of `out`, which must
/// hold at least [`len`]`(value)` bytes; returns the bytes written.
/// (The encoder writes through `Writer::varint`, which tests check
/// against this.)
#[cfg(test)]
pub(crate) fn write(mut value: u32, out: &mut [u8]) -> usize {
    let mut i = 0;
    loop {
        let mut b = (value & 0x7F) as u8;
        value >>= 7;
        if value != 0 {
            b |= 0x80;
        }
        out[i] = b;
        i += 1;
        if value == 0 {
            return i;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_1_1_boundaries_decode_and_encode() {
        // §1.5.5 Table 1-1.
        let cases: &[(&[u8], u32)] = &[
            (&[0x00], 0),
            (&[0x7F], 127),
            (&[0x80, 0x01], 128),
            (&[0xFF, 0x7F], 16_383),
            (&[0x80, 0x80, 0x01], 16_384),
            (&[0xFF, 0xFF, 0x7F], 2_097_151),
            (&[0x80, 0x80, 0x80, 0x01], 2_097_152),
            (&[0xFF, 0xFF, 0xFF, 0x7F], 268_435_455),
        ];
        for &(bytes, value) in cases {
            assert_eq!(
                read(bytes),
                Varint::Value(value, bytes.len()),
                "{bytes:02x?}"
            );
            assert_eq!(len(value), bytes.len());
            let mut out = [0u8; 4];
            assert_eq!(write(value, &mut out), bytes.len());
            assert_eq!(&out[..bytes.len()], bytes);
        }
    }

    #[test]
    fn varint_longer_than_four_bytes_is_rejected() {
        assert_eq!(read(&[0xFF, 0xFF, 0xFF, 0xFF, 0x01]), Varint::TooLong);
        assert_eq!(read(&[0x80, 0x80, 0x80, 0x80]), Varint::TooLong);
    }

    #[test]
    fn varint_non_minimal_encoding_is_rejected_mqtt_1_5_5_1() {
        assert_eq!(read(&[0x80, 0x00]), Varint::NotMinimal);
        assert_eq!(read(&[0xFF, 0x80, 0x00]), Varint::NotMinimal);
        assert_eq!(read(&[0x80, 0x80, 0x80, 0x00]), Varint::NotMinimal);
    }

    #[test]
    fn varint_cut_short_is_incomplete() {
        assert_eq!(read(&[]), Varint::Incomplete);
        assert_eq!(read(&[0x80]), Varint::Incomplete);
        assert_eq!(read(&[0xFF, 0xFF, 0xFF]), Varint::Incomplete);
    }
}
