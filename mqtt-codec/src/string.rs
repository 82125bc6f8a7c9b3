//! The wire data types of §1.5 — Two Byte Integer, Four Byte Integer, UTF-8
//! Encoded String, Binary Data, Variable Byte Integer — read from a frame body
//! whose length is already known, and written into a buffer already sized.

use crate::error::{DecodeError, PlanError};
use crate::varint::{self, Varint};

/// A cursor over a frame body of known length. Running out of bytes is a
/// malformed packet, never "incomplete": the Remaining Length said how long
/// the body is.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    #[inline]
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Everything not yet read.
    #[inline]
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.buf)
    }

    #[inline]
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.buf.len() {
            return Err(DecodeError::BodyTooShort);
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    #[inline]
    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        let (&b, tail) = self.buf.split_first().ok_or(DecodeError::BodyTooShort)?;
        self.buf = tail;
        Ok(b)
    }

    #[inline]
    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    #[inline]
    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A Variable Byte Integer inside a body (§1.5.5).
    #[inline]
    pub(crate) fn varint(&mut self) -> Result<u32, DecodeError> {
        match varint::read(self.buf) {
            Varint::Value(v, n) => {
                self.buf = &self.buf[n..];
                Ok(v)
            }
            Varint::NotMinimal => Err(DecodeError::VarintNotMinimal),
            Varint::Incomplete => Err(DecodeError::BodyTooShort),
            Varint::TooLong => Err(DecodeError::VarintTooLong),
        }
    }

    /// Binary Data: a two-byte length and that many bytes (§1.5.6).
    #[inline]
    pub(crate) fn binary(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = self.u16()?;
        self.take(usize::from(len))
    }

    /// A Topic Name: a UTF-8 Encoded String without wildcards.
    #[inline]
    pub(crate) fn topic_name(&mut self, strict: bool) -> Result<&'a str, DecodeError> {
        let bytes = self.binary()?;
        validate_topic_name(bytes, strict)
    }

    /// A UTF-8 Encoded String (§1.5.4), validated per [`check_str`].
    #[inline(always)]
    pub(crate) fn str(&mut self, strict: bool) -> Result<&'a str, DecodeError> {
        let bytes = self.binary()?;
        validate_utf8(bytes, strict)
    }

    /// The next (at most [`Utf8Region::WINDOW`]) bytes checked as UTF-8
    /// once, so that the string fields inside them need no `from_utf8`
    /// each (CONNECT: Client Identifier, Will Topic, User Name).
    #[inline]
    pub(crate) fn utf8_region(&self) -> Utf8Region<'a> {
        let window = &self.buf[..self.buf.len().min(Utf8Region::WINDOW)];
        Utf8Region {
            text: core::str::from_utf8(window).ok(),
            end: self.buf.len(),
        }
    }

    /// [`Reader::str`] taking the field from `region` (made by this reader)
    /// when it covers the field; the same result and errors either way.
    #[inline(always)]
    pub(crate) fn str_in(
        &mut self,
        region: &Utf8Region<'a>,
        strict: bool,
    ) -> Result<&'a str, DecodeError> {
        let bytes = self.binary()?;
        let s = region.get(bytes, self.buf.len())?;
        check_str(s, strict)?;
        Ok(s)
    }

    /// [`Reader::topic_name`] taking the field from `region` (made by this
    /// reader) when it covers the field; the same result and errors.
    #[inline(always)]
    pub(crate) fn topic_name_in(
        &mut self,
        region: &Utf8Region<'a>,
        strict: bool,
    ) -> Result<&'a str, DecodeError> {
        let bytes = self.binary()?;
        let s = region.get(bytes, self.buf.len())?;
        check_topic_name_str(s, strict)?;
        Ok(s)
    }
}

/// Bytes of a [`Reader`] already known to be well-formed UTF-8 (or not:
/// then every field is checked on its own).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Utf8Region<'a> {
    text: Option<&'a str>,
    /// How many bytes the reader had left when the region was made.
    end: usize,
}

impl<'a> Utf8Region<'a> {
    /// Bound on the bytes checked up front, so a large binary field (a Will
    /// Payload) is never scanned as text.
    const WINDOW: usize = 256;

    /// `bytes` (just read, with `left` bytes left in the reader after it)
    /// as a `&str`. A slice of well-formed UTF-8 that starts and ends on
    /// character boundaries is itself well-formed, so `str::get` gives the
    /// same answer `from_utf8` would; otherwise (outside the region, or not
    /// on a boundary) `from_utf8` decides.
    #[inline]
    fn get(&self, bytes: &'a [u8], left: usize) -> Result<&'a str, DecodeError> {
        let end = self.end - left;
        let start = end - bytes.len();
        match self.text.and_then(|t| t.get(start..end)) {
            Some(s) => Ok(s),
            // "The character data in a UTF-8 Encoded String MUST be
            // well-formed UTF-8 … [MQTT-1.5.4-1]" (see `validate_utf8`).
            None => core::str::from_utf8(bytes).map_err(|_| DecodeError::InvalidUtf8),
        }
    }
}

/// Validates the bytes of a UTF-8 Encoded String: well-formed UTF-8 without
/// surrogates [MQTT-1.5.4-1], no U+0000 [MQTT-1.5.4-2], and, when `strict`,
/// none of the code points §1.5.4 says SHOULD NOT be sent (controls
/// U+0001..U+001F and U+007F..U+009F, non-characters).
#[inline]
pub(crate) fn validate_utf8(bytes: &[u8], strict: bool) -> Result<&str, DecodeError> {
    // "The character data in a UTF-8 Encoded String MUST be well-formed UTF-8
    // as defined by the Unicode specification … In particular, the character
    // data MUST NOT include encodings of code points between U+D800 and
    // U+DFFF [MQTT-1.5.4-1]." core::str::from_utf8 rejects ill-formed
    // sequences, overlong forms and encoded surrogates.
    let s = core::str::from_utf8(bytes).map_err(|_| DecodeError::InvalidUtf8)?;
    check_str(s, strict)?;
    Ok(s)
}

/// Validates a Topic Name's bytes: [`validate_utf8`] plus no wildcard
/// characters [MQTT-3.3.2-2] (emptiness is the caller's rule).
#[inline]
pub(crate) fn validate_topic_name(bytes: &[u8], strict: bool) -> Result<&str, DecodeError> {
    let s = core::str::from_utf8(bytes).map_err(|_| DecodeError::InvalidUtf8)?;
    check_topic_name_str(s, strict)?;
    Ok(s)
}

/// [`check_str`] and the wildcard rule in one pass for the common case.
/// Always inlined (with the scan), so `strict` folds and no call is paid
/// per topic; the rare rest is out of line.
#[inline(always)]
pub(crate) fn check_topic_name_str(s: &str, strict: bool) -> Result<(), DecodeError> {
    if plain_ascii(s.as_bytes(), strict, true) {
        return Ok(());
    }
    check_topic_name_slow(s, strict)
}

/// The wildcard rule [MQTT-4.7.0-1], then the strict string rules: the
/// order in which a Response Topic is checked on encode. One pass when
/// both hold.
#[inline]
pub(crate) fn check_name_chars_then_strict_str(s: &str) -> Result<(), DecodeError> {
    if plain_ascii(s.as_bytes(), true, true) {
        return Ok(());
    }
    crate::topic::check_name_chars(s)?;
    check_str_slow(s, true)
}

#[cold]
#[inline(never)]
fn check_topic_name_slow(s: &str, strict: bool) -> Result<(), DecodeError> {
    check_str_slow(s, strict)?;
    crate::topic::check_name_chars(s)
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Whether some byte of `w` is zero (exact as a yes/no answer).
#[inline(always)]
const fn has_zero(w: u64) -> bool {
    w.wrapping_sub(LO) & !w & HI != 0
}

/// Whether some byte of `w` equals `b`.
#[inline(always)]
const fn has_byte(w: u64, b: u8) -> bool {
    has_zero(w ^ (LO * b as u64))
}

/// Up to eight bytes as a little-endian word (byte `k` of the word is
/// `b[k]`), padded with `'a'`, which no scan flags. Two overlapping loads
/// instead of a byte loop or a copy through the stack (a variable-length
/// `memcpy` into a word then read back stalls store forwarding).
#[inline(always)]
fn load_padded(b: &[u8]) -> u64 {
    let n = b.len();
    debug_assert!(n <= 8);
    let w = if n >= 4 {
        let lo = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let hi = u32::from_le_bytes([b[n - 4], b[n - 3], b[n - 2], b[n - 1]]);
        u64::from(lo) | u64::from(hi) << (8 * (n - 4))
    } else if n >= 2 {
        let lo = u16::from_le_bytes([b[0], b[1]]);
        let hi = u16::from_le_bytes([b[n - 2], b[n - 1]]);
        u64::from(lo) | u64::from(hi) << (8 * (n - 2))
    } else if n == 1 {
        u64::from(b[0])
    } else {
        0
    };
    if n >= 8 {
        w
    } else {
        w | (LO * u64::from(b'a')) << (8 * n)
    }
}

/// Whether `bytes` holds a `+` or `#`, eight bytes at a time.
#[inline]
pub(crate) fn contains_wildcard(bytes: &[u8]) -> bool {
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut a = [0u8; 8];
        a.copy_from_slice(c);
        // '+' and '#' differ only in bit 3 (see `plain_ascii`).
        if has_byte(u64::from_le_bytes(a) | (LO * 0x08), b'+') {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| b == b'+' || b == b'#')
}

/// Calls `f` with the index of every `+` and `#` in `bytes`, in order,
/// stopping at the first error; finds them a word at a time.
#[inline]
pub(crate) fn for_each_wildcard<E>(
    bytes: &[u8],
    mut f: impl FnMut(usize) -> Result<(), E>,
) -> Result<(), E> {
    const SEVEN: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let n = bytes.len();
    let mut i = 0;
    while i < n {
        let end = (i + 8).min(n);
        // '+' and '#' both become 0x2B with bit 3 set (see `plain_ascii`);
        // then bit 7 is set exactly in the bytes that became zero (no carry
        // leaves a byte: 0x7F + 0x7F < 0x100).
        let w = if end - i == 8 {
            let mut a = [0u8; 8];
            a.copy_from_slice(&bytes[i..end]);
            u64::from_le_bytes(a)
        } else {
            load_padded(&bytes[i..end])
        };
        let x = (w | (LO * 0x08)) ^ (LO * 0x2B);
        let mut z = !(((x & SEVEN).wrapping_add(SEVEN)) | x | SEVEN);
        while z != 0 {
            f(i + (z.trailing_zeros() / 8) as usize)?;
            z &= z - 1;
        }
        i = end;
    }
    Ok(())
}

/// Fast path, eight bytes at a time: true when every byte is ASCII and
/// none is NUL, a control character (when `controls`) or a wildcard (when
/// `wildcards`). False means "look closer", not necessarily "invalid".
#[inline(always)]
fn plain_ascii(bytes: &[u8], controls: bool, wildcards: bool) -> bool {
    // Flags, in bit 7 of each byte, any byte that needs a closer look. With
    // every byte below 0x80 (else bit 7 is set anyway): `w - 0x20..` borrows
    // into bit 7 exactly for bytes below 0x20, `w + 0x01..` carries into it
    // exactly for 0x7F; a borrow or carry crossing into the next byte only
    // adds flags next to a byte already flagged. '+' (0x2B) and '#' (0x23)
    // differ only in bit 3, and no other byte becomes 0x2B when bit 3 is set.
    #[inline(always)]
    fn flags(w: u64, controls: bool, wildcards: bool) -> u64 {
        let mut m = w;
        if controls {
            m |= w.wrapping_sub(LO * 0x20) | w.wrapping_add(LO);
        } else {
            m |= w.wrapping_sub(LO) & !w;
        }
        if wildcards {
            // A byte of `x` is zero exactly for '+' and '#'; `x - 0x01..`
            // borrows into bit 7 for it. Bit 7 of a byte of `x` is bit 7 of
            // the input byte (0x08 and 0x2B leave it alone), already in `m`,
            // so the usual `& !x` is not needed.
            let x = (w | (LO * 0x08)) ^ (LO * 0x2B);
            m |= x.wrapping_sub(LO);
        }
        m & HI
    }
    let n = bytes.len();
    if n < 8 {
        return flags(load_padded(bytes), controls, wildcards) == 0;
    }
    let word = |i: usize| {
        let mut a = [0u8; 8];
        a.copy_from_slice(&bytes[i..i + 8]);
        u64::from_le_bytes(a)
    };
    let mut acc = 0;
    let mut i = 0;
    // Whole words up to (not including) the last byte, then the last eight
    // bytes, overlapping bytes already checked: a length that is a multiple
    // of eight is not read twice.
    while i + 8 < n {
        acc |= flags(word(i), controls, wildcards);
        i += 8;
    }
    acc |= flags(word(n - 8), controls, wildcards);
    acc == 0
}

/// Fast path for a Topic Filter about to be encoded (the 3.x rules, or 5.0
/// for a filter not starting with `$share/`), one pass eight bytes at a
/// time: true when the filter is non-empty [MQTT-4.7.3-1], every byte is
/// printable ASCII (0x20..=0x7E, so the strict §1.5.4 rules hold: no
/// U+0000 [MQTT-1.5.4-2], no control character), and every `#` and `+` is
/// placed as [MQTT-4.7.1-1] and [MQTT-4.7.1-2] require. False means "look
/// closer" (the caller runs the full checks, which name the broken rule).
#[inline(always)]
pub(crate) fn plain_filter(bytes: &[u8]) -> bool {
    /// One word starting at byte `base`: false if a byte is outside
    /// 0x20..=0x7E or a wildcard in it is misplaced.
    #[inline(always)]
    fn word_ok(bytes: &[u8], w: u64, base: usize) -> bool {
        const SEVEN: u64 = 0x7F7F_7F7F_7F7F_7F7F;
        // Bit 7 flags a byte outside 0x20..=0x7E (see `plain_ascii`).
        if (w | w.wrapping_sub(LO * 0x20) | w.wrapping_add(LO)) & HI != 0 {
            return false;
        }
        // Every byte is now below 0x80, and so is every byte of `x` (0x08
        // and 0x2B leave bit 7 alone): `x + 0x7F` carries into bit 7 of a
        // byte exactly when that byte of `x` is non-zero, never into the
        // next byte. A byte of `x` is zero exactly for '+' and '#'; the
        // padding of a short filter ('a') is never flagged.
        let x = (w | (LO * 0x08)) ^ (LO * 0x2B);
        let mut z = !x.wrapping_add(SEVEN) & HI;
        let last = bytes.len() - 1;
        while z != 0 {
            let k = base + (z.trailing_zeros() / 8) as usize;
            z &= z - 1;
            // A wildcard starts its level; '#' ends the filter; '+' ends
            // its level.
            let starts_level = k == 0 || bytes.get(k - 1) == Some(&b'/');
            let ends_ok =
                k == last || (bytes.get(k) == Some(&b'+') && bytes.get(k + 1) == Some(&b'/'));
            if !(starts_level && ends_ok) {
                return false;
            }
        }
        true
    }
    let n = bytes.len();
    if n < 8 {
        return n != 0 && word_ok(bytes, load_padded(bytes), 0);
    }
    let word = |i: usize| {
        let mut a = [0u8; 8];
        a.copy_from_slice(&bytes[i..i + 8]);
        u64::from_le_bytes(a)
    };
    // Whole words up to (not including) the last byte, then the last eight
    // bytes, overlapping bytes already checked (checking a wildcard twice
    // gives the same answer).
    let mut i = 0;
    while i + 8 < n {
        if !word_ok(bytes, word(i), i) {
            return false;
        }
        i += 8;
    }
    word_ok(bytes, word(n - 8), n - 8)
}

/// The MQTT rules beyond well-formedness, for a string already known to be
/// UTF-8 (decoded, or a `&str` about to be encoded).
#[inline]
pub(crate) fn check_str(s: &str, strict: bool) -> Result<(), DecodeError> {
    if plain_ascii(s.as_bytes(), strict, false) {
        return Ok(());
    }
    check_str_slow(s, strict)
}

#[cold]
fn check_str_slow(s: &str, strict: bool) -> Result<(), DecodeError> {
    let bytes = s.as_bytes();
    if s.is_ascii() {
        // "A UTF-8 Encoded String MUST NOT include an encoding of the null
        // character U+0000 [MQTT-1.5.4-2]."
        if strict {
            // One pass for both: every byte below 0x20 or equal to 0x7F.
            if let Some(&b) = bytes.iter().find(|&&b| b < 0x20 || b == 0x7F) {
                return Err(if b == 0 {
                    DecodeError::Utf8Null
                } else {
                    DecodeError::Utf8DiscouragedCodePoint
                });
            }
        } else if bytes.contains(&0) {
            return Err(DecodeError::Utf8Null);
        }
        return Ok(());
    }
    for c in s.chars() {
        let cp = u32::from(c);
        if cp == 0 {
            return Err(DecodeError::Utf8Null);
        }
        // §1.5.4: "The data SHOULD NOT include encodings of the Unicode
        // [Unicode] code points listed below. If a receiver (Server or
        // Client) receives an MQTT Control Packet containing any of them it
        // MAY treat it as a Malformed Packet. These are the Unicode Code
        // Points: U+0001..U+001F control characters, U+007F..U+009F control
        // characters, Code points defined in the Unicode specification to be
        // non-characters (for example U+0FFFF)."
        if strict
            && (cp < 0x20
                || (0x7F..=0x9F).contains(&cp)
                || (0xFDD0..=0xFDEF).contains(&cp)
                || cp & 0xFFFE == 0xFFFE)
        {
            return Err(DecodeError::Utf8DiscouragedCodePoint);
        }
    }
    Ok(())
}

/// Checks a string's length for encoding and returns its encoded size.
#[inline]
pub(crate) fn str_len(s: &str) -> Result<usize, PlanError> {
    bin_len(s.as_bytes())
}

/// Checks a binary field's length for encoding and returns its encoded size.
#[inline]
pub(crate) fn bin_len(b: &[u8]) -> Result<usize, PlanError> {
    if b.len() > usize::from(u16::MAX) {
        return Err(PlanError::FieldTooLong);
    }
    Ok(2 + b.len())
}

/// `dst.copy_from_slice(src)` (equal lengths), with fields of up to 32
/// bytes — most topics, identifiers and property values — copied by two
/// overlapping moves instead of a `memcpy` call.
#[inline(always)]
fn copy_short(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    if n > 32 || dst.len() != n {
        dst.copy_from_slice(src);
    } else if n > 16 {
        dst[..16].copy_from_slice(&src[..16]);
        dst[n - 16..].copy_from_slice(&src[n - 16..]);
    } else if n >= 8 {
        dst[..8].copy_from_slice(&src[..8]);
        dst[n - 8..].copy_from_slice(&src[n - 8..]);
    } else if n >= 4 {
        dst[..4].copy_from_slice(&src[..4]);
        dst[n - 4..].copy_from_slice(&src[n - 4..]);
    } else if n >= 2 {
        dst[..2].copy_from_slice(&src[..2]);
        dst[n - 2..].copy_from_slice(&src[n - 2..]);
    } else if n == 1 {
        dst[0] = src[0];
    }
}

/// A cursor writing into a buffer whose size was checked against the
/// packet's exact length first; writing past its end is a bug in a length
/// computation, not something input can cause.
pub(crate) struct Writer<'a> {
    out: Out<'a>,
    pos: usize,
}

enum Out<'a> {
    Slice(&'a mut [u8]),
    /// A `bytes::BufMut` with room for the whole frame (checked first).
    #[cfg(feature = "bytes")]
    Buf(&'a mut dyn bytes::BufMut),
}

impl<'a> Writer<'a> {
    #[inline]
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        Writer {
            out: Out::Slice(buf),
            pos: 0,
        }
    }

    #[cfg(feature = "bytes")]
    pub(crate) fn new_buf(buf: &'a mut dyn bytes::BufMut) -> Self {
        Writer {
            out: Out::Buf(buf),
            pos: 0,
        }
    }

    #[inline]
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    #[inline]
    pub(crate) fn u8(&mut self, b: u8) {
        self.bytes(&[b]);
    }

    #[inline]
    pub(crate) fn u16(&mut self, v: u16) {
        self.bytes(&v.to_be_bytes());
    }

    #[inline]
    pub(crate) fn varint(&mut self, mut v: u32) {
        // Byte by byte straight into the output (a copy through a stack
        // array costs a variable-length memcpy per packet). Same bytes as
        // `varint::write`.
        loop {
            let b = (v & 0x7F) as u8;
            v >>= 7;
            if v == 0 {
                self.u8(b);
                return;
            }
            self.u8(b | 0x80);
        }
    }

    #[inline]
    pub(crate) fn bytes(&mut self, b: &[u8]) {
        match &mut self.out {
            Out::Slice(buf) => copy_short(&mut buf[self.pos..self.pos + b.len()], b),
            #[cfg(feature = "bytes")]
            Out::Buf(buf) => buf.put_slice(b),
        }
        self.pos += b.len();
    }

    /// Binary Data / UTF-8 string: length already checked by [`bin_len`].
    #[inline]
    pub(crate) fn binary(&mut self, b: &[u8]) {
        match &mut self.out {
            // One bounds check for the length prefix and the bytes.
            Out::Slice(buf) => {
                let end = self.pos + 2 + b.len();
                let dst = &mut buf[self.pos..end];
                dst[..2].copy_from_slice(&(b.len() as u16).to_be_bytes());
                copy_short(&mut dst[2..], b);
                self.pos = end;
            }
            #[cfg(feature = "bytes")]
            Out::Buf(_) => {
                self.u16(b.len() as u16);
                self.bytes(b);
            }
        }
    }

    #[inline]
    pub(crate) fn str(&mut self, s: &str) {
        self.binary(s.as_bytes());
    }

    /// A byte (a property identifier) then Binary Data / a UTF-8 string,
    /// with one bounds check.
    #[inline]
    pub(crate) fn tagged(&mut self, tag: u8, b: &[u8]) {
        match &mut self.out {
            Out::Slice(buf) => {
                let end = self.pos + 3 + b.len();
                let dst = &mut buf[self.pos..end];
                let [hi, lo] = (b.len() as u16).to_be_bytes();
                dst[..3].copy_from_slice(&[tag, hi, lo]);
                copy_short(&mut dst[3..], b);
                self.pos = end;
            }
            #[cfg(feature = "bytes")]
            Out::Buf(_) => {
                self.u8(tag);
                self.binary(b);
            }
        }
    }

    /// A byte (a property identifier) then a fixed-size value, with one
    /// bounds check and each part stored straight into the output (an
    /// array of both assembled on the stack and copied out was a
    /// store-forwarding stall).
    #[inline]
    pub(crate) fn tagged_fixed<const N: usize>(&mut self, tag: u8, value: [u8; N]) {
        match &mut self.out {
            Out::Slice(buf) => {
                let end = self.pos + 1 + N;
                let dst = &mut buf[self.pos..end];
                dst[0] = tag;
                dst[1..].copy_from_slice(&value);
                self.pos = end;
            }
            #[cfg(feature = "bytes")]
            Out::Buf(_) => {
                self.u8(tag);
                self.bytes(&value);
            }
        }
    }

    /// Binary Data / a UTF-8 string then a byte (a subscription's
    /// options), with one bounds check.
    #[inline]
    pub(crate) fn binary_then(&mut self, b: &[u8], after: u8) {
        match &mut self.out {
            Out::Slice(buf) => {
                let end = self.pos + 3 + b.len();
                let dst = &mut buf[self.pos..end];
                dst[..2].copy_from_slice(&(b.len() as u16).to_be_bytes());
                let (body, last) = dst[2..].split_at_mut(b.len());
                copy_short(body, b);
                last[0] = after;
                self.pos = end;
            }
            #[cfg(feature = "bytes")]
            Out::Buf(_) => {
                self.binary(b);
                self.u8(after);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrogate_encoding_is_ill_formed_mqtt_1_5_4_1() {
        // U+D800 encoded as ED A0 80.
        assert_eq!(
            validate_utf8(&[0x61, 0xED, 0xA0, 0x80], false),
            Err(DecodeError::InvalidUtf8)
        );
    }

    #[test]
    fn overlong_and_truncated_utf8_are_ill_formed() {
        assert_eq!(
            validate_utf8(&[0xC0, 0x80], false),
            Err(DecodeError::InvalidUtf8)
        );
        assert_eq!(
            validate_utf8(&[0xE2, 0x82], false),
            Err(DecodeError::InvalidUtf8)
        );
    }

    #[test]
    fn null_character_is_rejected_mqtt_1_5_4_2() {
        assert_eq!(validate_utf8(b"a\0b", false), Err(DecodeError::Utf8Null));
        assert_eq!(validate_utf8(b"a\0b", true), Err(DecodeError::Utf8Null));
        assert_eq!(
            validate_utf8("é\0".as_bytes(), false),
            Err(DecodeError::Utf8Null)
        );
    }

    #[test]
    fn bom_is_kept_not_stripped_mqtt_1_5_4_3() {
        // "A UTF-8 encoded sequence 0xEF 0xBB 0xBF is always interpreted as
        // U+FEFF ... and MUST NOT be skipped over or stripped off".
        let s = validate_utf8(&[0xEF, 0xBB, 0xBF, b'a'], true).unwrap();
        assert_eq!(s, "\u{FEFF}a");
    }

    #[test]
    fn spec_example_a_u2a6d4_is_accepted() {
        // §1.5.4 non-normative example: "A𪛔" = 00 05 41 F0 AA 9B 94.
        let mut r = Reader::new(&[0x00, 0x05, 0x41, 0xF0, 0xAA, 0x9B, 0x94]);
        assert_eq!(r.str(true), Ok("A\u{2A6D4}"));
        assert!(r.is_empty());
    }

    #[test]
    fn control_characters_rejected_only_in_strict_mode() {
        for s in [
            "a\u{1}",
            "\u{1F}",
            "\u{7F}",
            "x\u{80}",
            "\u{9F}",
            "\u{FFFF}",
            "\u{FDD0}",
            "\u{1FFFE}",
        ] {
            assert_eq!(
                validate_utf8(s.as_bytes(), true),
                Err(DecodeError::Utf8DiscouragedCodePoint),
                "{s:?}"
            );
            assert_eq!(validate_utf8(s.as_bytes(), false), Ok(s));
        }
        assert_eq!(
            validate_utf8("\u{A0}\u{FFFD}".as_bytes(), true),
            Ok("\u{A0}\u{FFFD}")
        );
    }

    #[test]
    fn word_at_a_time_scan_agrees_with_the_byte_loop() {
        // Every byte value at every position of strings of length 1..=25
        // (one, two and three whole words, and every tail in between).
        for len in 1..=25usize {
            for pos in 0..len {
                for b in 0..=0x7Fu8 {
                    let mut v = [b'x'; 25];
                    v[pos] = b;
                    let s = core::str::from_utf8(&v[..len]).unwrap();
                    for strict in [false, true] {
                        let slow = check_str_slow(s, strict);
                        assert_eq!(check_str(s, strict), slow, "{s:?} {strict}");
                        let slow_topic = slow.and_then(|()| crate::topic::check_name_chars(s));
                        assert_eq!(
                            check_topic_name_str(s, strict),
                            slow_topic,
                            "{s:?} {strict}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn writer_varint_writes_the_same_bytes_as_the_section_1_5_5_encoder() {
        for v in [
            0,
            1,
            127,
            128,
            16_383,
            16_384,
            2_097_151,
            2_097_152,
            268_435_455,
        ] {
            let mut want = [0u8; 4];
            let n = varint::write(v, &mut want);
            let mut got = [0u8; 4];
            let mut w = Writer::new(&mut got);
            w.varint(v);
            assert_eq!(w.pos(), n, "{v}");
            assert_eq!(got, want, "{v}");
        }
    }

    #[test]
    fn short_copy_copies_every_length_exactly() {
        let src: [u8; 40] = core::array::from_fn(|i| i as u8 + 1);
        for n in 0..=40 {
            for pad in [0usize, 1, 3] {
                let mut dst = [0xEEu8; 48];
                copy_short(&mut dst[pad..pad + n], &src[..n]);
                assert_eq!(dst[pad..pad + n], src[..n], "{n} {pad}");
                assert!(dst[..pad].iter().all(|&b| b == 0xEE), "{n} {pad}");
                assert!(dst[pad + n..].iter().all(|&b| b == 0xEE), "{n} {pad}");
            }
        }
    }

    #[test]
    fn padded_load_puts_each_byte_in_place_and_pads_with_a() {
        let src = [0x01, 0x82, 0x23, 0xF4, 0x2B, 0x06, 0x7F, 0x00];
        for n in 0..=8 {
            let mut want = [b'a'; 8];
            want[..n].copy_from_slice(&src[..n]);
            assert_eq!(load_padded(&src[..n]), u64::from_le_bytes(want), "{n}");
        }
    }

    /// The byte-at-a-time rules [`plain_filter`] stands for.
    fn plain_filter_reference(b: &[u8]) -> bool {
        !b.is_empty()
            && b.iter().all(|&c| (0x20..=0x7E).contains(&c))
            && crate::topic::check_plain_filter(core::str::from_utf8(b).unwrap()).is_ok()
    }

    #[test]
    fn filter_fast_path_agrees_with_the_byte_rules_for_every_byte_at_every_position() {
        // Every byte value at every position of filters of 0..=25 bytes (one
        // to three whole words and every tail), on backgrounds that put a
        // separator, a wildcard or a plain byte next to it.
        for len in 0..=25usize {
            for bg in [b'a', b'/', b'+', b'#'] {
                for pos in 0..len.max(1) {
                    for b in 0..=0xFFu8 {
                        let mut v = [bg; 25];
                        if pos < len {
                            v[pos] = b;
                        }
                        let input = &v[..len];
                        assert_eq!(
                            plain_filter(input),
                            plain_filter_reference(input),
                            "{input:02x?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn filter_fast_path_agrees_with_the_byte_rules_for_byte_pairs() {
        // Two interesting bytes at every pair of positions: wildcard
        // neighbours across word boundaries (7|8, 15|16), controls, DEL,
        // non-ASCII, the printable edges.
        let set = [
            b'a', b'/', b'+', b'#', 0x00, 0x1F, 0x20, 0x7E, 0x7F, 0x80, 0xAB, 0xA3, 0xFF,
        ];
        for len in 1..=18usize {
            for p in 0..len {
                for q in p + 1..len {
                    for &x in &set {
                        for &y in &set {
                            let mut v = [b'a'; 18];
                            v[p] = x;
                            v[q] = y;
                            let input = &v[..len];
                            assert_eq!(
                                plain_filter(input),
                                plain_filter_reference(input),
                                "{input:02x?}"
                            );
                        }
                    }
                }
            }
        }
        for ok in [
            &b"+"[..],
            b"#",
            b"+/+",
            b"a/+/b/#",
            b"sensors/+/temp",
            b"$SYS/broker/load/#",
        ] {
            assert!(plain_filter(ok), "{ok:02x?}");
        }
        for bad in [
            &b""[..],
            b"a+",
            b"+a",
            b"#/",
            b"a#",
            b"a/b\x00",
            b"a/\x7F",
            b"\xC3\xA9",
        ] {
            assert!(!plain_filter(bad), "{bad:02x?}");
        }
    }

    #[test]
    fn wildcard_positions_are_found_exactly() {
        // Every position in inputs of 1..=20 bytes, with non-ASCII
        // neighbours and every other byte value around.
        for len in 1..=20usize {
            for pos in 0..len {
                for other in [
                    b'a', b'+', b'#', 0x2A, 0x2C, 0x22, 0x24, 0xAB, 0xA3, 0x03, 0x0B, 0xFF,
                ] {
                    let mut v = [other; 20];
                    v[pos] = b'#';
                    if pos + 1 < len {
                        v[pos + 1] = b'+';
                    }
                    let input = &v[..len];
                    let mut found = [0usize; 20];
                    let mut n = 0;
                    for_each_wildcard::<()>(input, |i| {
                        found[n] = i;
                        n += 1;
                        Ok(())
                    })
                    .unwrap();
                    let mut m = 0;
                    for (i, &b) in input.iter().enumerate() {
                        if b == b'+' || b == b'#' {
                            assert_eq!(found.get(m), Some(&i), "{input:02x?}");
                            m += 1;
                        }
                    }
                    assert_eq!(n, m, "{input:02x?}");
                }
            }
        }
    }

    #[test]
    fn reader_running_past_the_body_is_malformed() {
        let mut r = Reader::new(&[0x00, 0x05, b'a']);
        assert_eq!(r.str(true), Err(DecodeError::BodyTooShort));
        assert_eq!(
            Reader::new(&[0x80]).varint(),
            Err(DecodeError::BodyTooShort)
        );
        assert_eq!(
            Reader::new(&[0x80, 0x80, 0x80, 0x80, 0x01]).varint(),
            Err(DecodeError::VarintTooLong)
        );
        assert_eq!(
            Reader::new(&[0x80, 0x00]).varint(),
            Err(DecodeError::VarintNotMinimal)
        );
    }
}
