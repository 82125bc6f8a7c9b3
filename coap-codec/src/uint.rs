//! The uint option format (RFC 7252 §3.2): network byte order, as few bytes
//! as possible ("A sender SHOULD represent the integer with as few bytes as
//! possible"), 0 as the empty value.

use crate::error::ValueError;

/// Decodes a uint value of up to 4 bytes. Leading zero bytes are accepted
/// (the RFC only says a sender SHOULD strip them).
///
/// ```
/// assert_eq!(coap_codec::uint::decode(&[]), Ok(0));
/// assert_eq!(coap_codec::uint::decode(&[0x01, 0x00]), Ok(256));
/// assert!(coap_codec::uint::decode(&[1, 2, 3, 4, 5]).is_err());
/// ```
#[inline]
pub fn decode(bytes: &[u8]) -> Result<u32, ValueError> {
    if bytes.len() > 4 {
        return Err(ValueError::UintTooLong);
    }
    Ok(bytes.iter().fold(0u32, |acc, &b| acc << 8 | u32::from(b)))
}

/// Decodes a uint value of up to 8 bytes.
///
/// ```
/// assert_eq!(coap_codec::uint::decode_u64(&[1, 0, 0, 0, 0]), Ok(1 << 32));
/// ```
pub fn decode_u64(bytes: &[u8]) -> Result<u64, ValueError> {
    if bytes.len() > 8 {
        return Err(ValueError::UintTooLong);
    }
    Ok(bytes.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b)))
}

/// A uint encoded in its shortest form, held inline (no allocation).
///
/// ```
/// let v = coap_codec::uint::encode(300);
/// assert_eq!(v.as_bytes(), &[0x01, 0x2c]);
/// assert_eq!(coap_codec::uint::encode(0).as_bytes(), &[] as &[u8]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UintBytes {
    buf: [u8; 4],
    len: u8,
}

impl UintBytes {
    /// The shortest big-endian bytes.
    pub fn as_bytes(&self) -> &[u8] {
        let start = 4 - usize::from(self.len);
        self.buf.get(start..).unwrap_or(&[])
    }

    /// Number of bytes (0–4).
    pub const fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether the value is 0 (encoded as zero bytes).
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Encodes `v` in as few bytes as possible.
#[inline]
pub const fn encode(v: u32) -> UintBytes {
    UintBytes {
        buf: v.to_be_bytes(),
        len: len(v) as u8,
    }
}

/// The encoded length of `v` (0–4).
#[inline]
pub const fn len(v: u32) -> usize {
    4 - (v.leading_zeros() as usize / 8)
}
