//! Option numbers, the option registry, and the lazy option iterator
//! (RFC 7252 §3.1, §5.4, §5.10, §12.2 and the RFCs that registered more).

use core::fmt;

use crate::block::Block;
use crate::error::{ErrorKind, ValueError};
use crate::uint;

/// An option number (0–65535). Unregistered numbers are kept as they are.
///
/// The critical / unsafe / no-cache-key properties follow from the number
/// itself (RFC 7252 §5.4.6), so they are answered for unknown options too.
///
/// ```
/// use coap_codec::OptionNumber;
/// assert!(OptionNumber::URI_PATH.is_critical());
/// assert!(OptionNumber::URI_HOST.is_unsafe());
/// assert!(OptionNumber::SIZE1.is_no_cache_key());
/// assert_eq!(OptionNumber::BLOCK2.name(), Some("Block2"));
/// assert_eq!(OptionNumber(65000).name(), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct OptionNumber(pub u16);

/// How an option's value is encoded (RFC 7252 §3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Zero-length value.
    Empty,
    /// Opaque bytes.
    Opaque,
    /// Non-negative integer, network byte order, leading zeros stripped.
    Uint,
    /// UTF-8 string (Net-Unicode, RFC 5198).
    String,
}

/// A registered option's properties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OptionInfo {
    /// The option's number.
    pub number: OptionNumber,
    /// Registered name, e.g. `"Content-Format"`.
    pub name: &'static str,
    /// snake_case name, e.g. `"content_format"` (used by JSON output).
    pub snake_name: &'static str,
    /// Value format.
    pub format: Format,
    /// Minimum value length in bytes.
    pub min_len: u16,
    /// Maximum value length in bytes.
    pub max_len: u16,
    /// Whether it may occur more than once (RFC 7252 §5.4.5).
    pub repeatable: bool,
    /// The RFC that registered it.
    pub spec: &'static str,
}

impl OptionInfo {
    /// Critical (RFC 7252 §5.4.1): odd number.
    pub const fn critical(&self) -> bool {
        self.number.is_critical()
    }
    /// Unsafe to forward (RFC 7252 §5.4.2).
    pub const fn unsafe_to_forward(&self) -> bool {
        self.number.is_unsafe()
    }
    /// NoCacheKey (RFC 7252 §5.4.6).
    pub const fn no_cache_key(&self) -> bool {
        self.number.is_no_cache_key()
    }
    /// Whether `len` is within the registered length bounds.
    pub const fn len_ok(&self, len: usize) -> bool {
        len >= self.min_len as usize && len <= self.max_len as usize
    }
}

macro_rules! registry {
    ($($(#[$doc:meta])* $konst:ident = $num:literal, $name:literal, $snake:literal, $fmt:ident, $min:literal..=$max:literal, $rep:literal, $spec:literal;)*) => {
        impl OptionNumber {
            $($(#[$doc])* pub const $konst: OptionNumber = OptionNumber($num);)*
        }

        /// Every registered option, in number order.
        pub static REGISTRY: &[OptionInfo] = &[
            $(OptionInfo {
                number: OptionNumber($num),
                name: $name,
                snake_name: $snake,
                format: Format::$fmt,
                min_len: $min,
                max_len: $max,
                repeatable: $rep,
                spec: $spec,
            },)*
        ];
    };
}

registry! {
    /// If-Match (1): opaque 0–8, repeatable (RFC 7252 §5.10.8.1).
    IF_MATCH = 1, "If-Match", "if_match", Opaque, 0..=8, true, "RFC 7252";
    /// Uri-Host (3): string 1–255 (RFC 7252 §5.10.1).
    URI_HOST = 3, "Uri-Host", "uri_host", String, 1..=255, false, "RFC 7252";
    /// ETag (4): opaque 1–8, repeatable in requests (RFC 7252 §5.10.6).
    ETAG = 4, "ETag", "etag", Opaque, 1..=8, true, "RFC 7252";
    /// If-None-Match (5): empty (RFC 7252 §5.10.8.2).
    IF_NONE_MATCH = 5, "If-None-Match", "if_none_match", Empty, 0..=0, false, "RFC 7252";
    /// Observe (6): uint 0–3 (RFC 7641 §2).
    OBSERVE = 6, "Observe", "observe", Uint, 0..=3, false, "RFC 7641";
    /// Uri-Port (7): uint 0–2 (RFC 7252 §5.10.1).
    URI_PORT = 7, "Uri-Port", "uri_port", Uint, 0..=2, false, "RFC 7252";
    /// Location-Path (8): string 0–255, repeatable (RFC 7252 §5.10.7).
    LOCATION_PATH = 8, "Location-Path", "location_path", String, 0..=255, true, "RFC 7252";
    /// OSCORE (9): opaque 0–255, kept opaque here (RFC 8613 §2).
    OSCORE = 9, "OSCORE", "oscore", Opaque, 0..=255, false, "RFC 8613";
    /// Uri-Path (11): string 0–255, repeatable (RFC 7252 §5.10.1).
    URI_PATH = 11, "Uri-Path", "uri_path", String, 0..=255, true, "RFC 7252";
    /// Content-Format (12): uint 0–2 (RFC 7252 §5.10.3).
    CONTENT_FORMAT = 12, "Content-Format", "content_format", Uint, 0..=2, false, "RFC 7252";
    /// Max-Age (14): uint 0–4, default 60 (RFC 7252 §5.10.5).
    MAX_AGE = 14, "Max-Age", "max_age", Uint, 0..=4, false, "RFC 7252";
    /// Uri-Query (15): string 0–255, repeatable (RFC 7252 §5.10.1).
    URI_QUERY = 15, "Uri-Query", "uri_query", String, 0..=255, true, "RFC 7252";
    /// Hop-Limit (16): uint 1 (RFC 8768 §3).
    HOP_LIMIT = 16, "Hop-Limit", "hop_limit", Uint, 1..=1, false, "RFC 8768";
    /// Accept (17): uint 0–2 (RFC 7252 §5.10.4).
    ACCEPT = 17, "Accept", "accept", Uint, 0..=2, false, "RFC 7252";
    /// Q-Block1 (19): uint 0–3 (RFC 9177 §4).
    Q_BLOCK1 = 19, "Q-Block1", "q_block1", Uint, 0..=3, false, "RFC 9177";
    /// Location-Query (20): string 0–255, repeatable (RFC 7252 §5.10.7).
    LOCATION_QUERY = 20, "Location-Query", "location_query", String, 0..=255, true, "RFC 7252";
    /// Block2 (23): uint 0–3 (RFC 7959 §2.1).
    BLOCK2 = 23, "Block2", "block2", Uint, 0..=3, false, "RFC 7959";
    /// Block1 (27): uint 0–3 (RFC 7959 §2.1).
    BLOCK1 = 27, "Block1", "block1", Uint, 0..=3, false, "RFC 7959";
    /// Size2 (28): uint 0–4 (RFC 7959 §4).
    SIZE2 = 28, "Size2", "size2", Uint, 0..=4, false, "RFC 7959";
    /// Q-Block2 (31): uint 0–3 (RFC 9177 §4).
    Q_BLOCK2 = 31, "Q-Block2", "q_block2", Uint, 0..=3, false, "RFC 9177";
    /// Proxy-Uri (35): string 1–1034 (RFC 7252 §5.10.2).
    PROXY_URI = 35, "Proxy-Uri", "proxy_uri", String, 1..=1034, false, "RFC 7252";
    /// Proxy-Scheme (39): string 1–255 (RFC 7252 §5.10.2).
    PROXY_SCHEME = 39, "Proxy-Scheme", "proxy_scheme", String, 1..=255, false, "RFC 7252";
    /// Size1 (60): uint 0–4 (RFC 7252 §5.10.9, RFC 7959 §4).
    SIZE1 = 60, "Size1", "size1", Uint, 0..=4, false, "RFC 7252";
    /// Echo (252): opaque 1–40 (RFC 9175 §2.2.1).
    ECHO = 252, "Echo", "echo", Opaque, 1..=40, false, "RFC 9175";
    /// No-Response (258): uint 0–1 (RFC 7967 §2).
    NO_RESPONSE = 258, "No-Response", "no_response", Uint, 0..=1, false, "RFC 7967";
    /// Request-Tag (292): opaque 0–8, repeatable (RFC 9175 §3.2.1).
    REQUEST_TAG = 292, "Request-Tag", "request_tag", Opaque, 0..=8, true, "RFC 9175";
}

impl OptionNumber {
    /// The registry entry, or `None` for an unregistered number.
    ///
    /// ```
    /// use coap_codec::{OptionNumber, option::Format};
    /// let info = OptionNumber::MAX_AGE.info().unwrap();
    /// assert_eq!((info.format, info.max_len, info.repeatable), (Format::Uint, 4, false));
    /// ```
    pub fn info(self) -> Option<&'static OptionInfo> {
        REGISTRY
            .binary_search_by_key(&self.0, |i| i.number.0)
            .ok()
            .and_then(|i| REGISTRY.get(i))
    }

    /// Registered name (`"Uri-Path"`), or `None`.
    pub fn name(self) -> Option<&'static str> {
        self.info().map(|i| i.name)
    }

    /// Critical (RFC 7252 §5.4.6: odd numbers): an unrecognized one must not
    /// be ignored.
    pub const fn is_critical(self) -> bool {
        self.0 & 1 == 1
    }

    /// Unsafe to forward (RFC 7252 §5.4.6: bit 1 set).
    pub const fn is_unsafe(self) -> bool {
        self.0 & 2 == 2
    }

    /// NoCacheKey (RFC 7252 §5.4.6: `(number & 0x1e) == 0x1c`). Only
    /// meaningful for safe-to-forward options.
    pub const fn is_no_cache_key(self) -> bool {
        self.0 & 0x1e == 0x1c
    }

    /// Whether it may occur more than once. Unknown options are treated as
    /// non-repeatable, as RFC 7252 §5.4.5 prescribes for unrecognized ones.
    pub fn is_repeatable(self) -> bool {
        self.info().is_some_and(|i| i.repeatable)
    }
}

impl fmt::Display for OptionNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "Option {}", self.0),
        }
    }
}

impl From<u16> for OptionNumber {
    fn from(n: u16) -> OptionNumber {
        OptionNumber(n)
    }
}

/// One option of a parsed message: its number and its raw value bytes.
///
/// ```
/// use coap_codec::{Message, OptionNumber};
/// // NON 2.05, MID 1, Content-Format 50 (application/json).
/// let msg = Message::parse(&[0x50, 0x45, 0, 1, 0xc1, 50]).unwrap();
/// let opt = msg.options().next().unwrap();
/// assert_eq!(opt.number, OptionNumber::CONTENT_FORMAT);
/// assert_eq!(opt.uint(), Ok(50));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OptionRef<'a> {
    /// The option number.
    pub number: OptionNumber,
    /// The value bytes, borrowed from the message.
    pub value: &'a [u8],
}

impl<'a> OptionRef<'a> {
    /// The value as a uint (RFC 7252 §3.2), up to 4 bytes.
    pub fn uint(&self) -> Result<u32, ValueError> {
        uint::decode(self.value)
    }

    /// The value as a UTF-8 string.
    pub fn str(&self) -> Result<&'a str, ValueError> {
        core::str::from_utf8(self.value).map_err(|_| ValueError::NotUtf8)
    }

    /// The value as a Block1/Block2/Q-Block value (RFC 7959 §2.2).
    pub fn block(&self) -> Result<Block, ValueError> {
        Block::decode(self.value)
    }

    /// Registry entry for this option's number.
    pub fn info(&self) -> Option<&'static OptionInfo> {
        self.number.info()
    }
}

/// A lazy iterator over the options of a validated message, in wire order
/// (which is number order). Construction validated every option, so
/// iteration cannot fail; it never allocates.
#[derive(Clone, Debug)]
pub struct Options<'a> {
    bytes: &'a [u8],
    number: u16,
}

impl<'a> Options<'a> {
    /// Iterator over already-validated option bytes.
    pub(crate) const fn new(bytes: &'a [u8]) -> Options<'a> {
        Options { bytes, number: 0 }
    }

    /// An iterator that yields nothing.
    pub const fn empty() -> Options<'a> {
        Options {
            bytes: &[],
            number: 0,
        }
    }

    /// The raw option bytes still to be iterated (no payload marker).
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The first option with number `n` among those not yet iterated.
    pub fn find_number(mut self, n: OptionNumber) -> Option<OptionRef<'a>> {
        for o in self.by_ref() {
            if o.number == n {
                return Some(o);
            }
            if o.number > n {
                return None;
            }
        }
        None
    }
}

impl<'a> Iterator for Options<'a> {
    type Item = OptionRef<'a>;

    #[inline]
    fn next(&mut self) -> Option<OptionRef<'a>> {
        let (&first, mut rest) = self.bytes.split_first()?;
        let delta = match first >> 4 {
            d @ 0..=12 => u32::from(d),
            13 => {
                let (&b, r) = rest.split_first()?;
                rest = r;
                u32::from(b) + 13
            }
            _ => {
                let (ext, r) = rest.split_first_chunk::<2>()?;
                rest = r;
                u32::from(u16::from_be_bytes(*ext)) + 269
            }
        };
        let len = match first & 0x0f {
            l @ 0..=12 => usize::from(l),
            13 => {
                let (&b, r) = rest.split_first()?;
                rest = r;
                usize::from(b) + 13
            }
            _ => {
                let (ext, r) = rest.split_first_chunk::<2>()?;
                rest = r;
                usize::from(u16::from_be_bytes(*ext)) + 269
            }
        };
        let (value, rest) = rest.split_at_checked(len)?;
        // Validation guaranteed the sum fits; stay panic-free regardless.
        let number = u16::try_from(u32::from(self.number) + delta).ok()?;
        self.number = number;
        self.bytes = rest;
        Some(OptionRef {
            number: OptionNumber(number),
            value,
        })
    }
}

impl core::iter::FusedIterator for Options<'_> {}

/// Validates the options and payload marker in `bytes` (everything after
/// the token). Returns `(options_end, payload_start)`.
#[inline]
pub(crate) fn scan(bytes: &[u8]) -> Result<(usize, usize), ErrorKind> {
    let len = bytes.len();
    let mut i = 0usize;
    let mut number = 0u32;
    while let Some(&b) = bytes.get(i) {
        if b == 0xff {
            // RFC 7252 §3: "The presence of a marker followed by a zero-length
            // payload MUST be processed as a message format error."
            if i + 1 == len {
                return Err(ErrorKind::EmptyPayload);
            }
            return Ok((i, i + 1));
        }
        i += 1;
        let delta = match b >> 4 {
            d @ 0..=12 => u32::from(d),
            13 => {
                let e = *bytes.get(i).ok_or(ErrorKind::TruncatedOption)?;
                i += 1;
                u32::from(e) + 13
            }
            14 => {
                let e = bytes.get(i..i + 2).ok_or(ErrorKind::TruncatedOption)?;
                i += 2;
                (u32::from(e[0]) << 8 | u32::from(e[1])) + 269
            }
            // RFC 7252 §3.1: "If the field is set to this value but the entire
            // byte is not the payload marker, this MUST be processed as a
            // message format error."
            _ => return Err(ErrorKind::ReservedOptionDelta),
        };
        let vlen = match b & 0x0f {
            l @ 0..=12 => usize::from(l),
            13 => {
                let e = *bytes.get(i).ok_or(ErrorKind::TruncatedOption)?;
                i += 1;
                usize::from(e) + 13
            }
            14 => {
                let e = bytes.get(i..i + 2).ok_or(ErrorKind::TruncatedOption)?;
                i += 2;
                (usize::from(e[0]) << 8 | usize::from(e[1])) + 269
            }
            // RFC 7252 §3.1: length nibble 15 "Reserved for future use. If the
            // field is set to this value, it MUST be processed as a message
            // format error."
            _ => return Err(ErrorKind::ReservedOptionLength),
        };
        number += delta;
        if number > 0xffff {
            return Err(ErrorKind::OptionNumberTooLarge);
        }
        // RFC 7252 §3.1: "Value: A sequence of exactly Option Length bytes."
        if len - i < vlen {
            return Err(ErrorKind::TruncatedOption);
        }
        i += vlen;
    }
    Ok((len, len))
}

/// Size of an option header (first byte + extended delta + extended length).
#[inline]
pub(crate) const fn header_len(delta: u16, len: usize) -> usize {
    if delta < 13 && len < 13 {
        return 1;
    }
    1 + ext_len(delta as usize) + ext_len(len)
}

// The 4-bit nibble + 0/1/2-byte extension encoding (values 0–12 in the
// nibble, 13 → one byte of value − 13, 14 → two bytes of value − 269) is
// shared by option deltas and lengths (RFC 7252 §3.1) and by extended token
// lengths (RFC 8974 §2.1).

/// Extension bytes the nibble encoding needs for `v`.
#[inline]
pub(crate) const fn ext_len(v: usize) -> usize {
    if v < 13 {
        0
    } else if v < 269 {
        1
    } else {
        2
    }
}

/// The nibble for `v` (the value itself, 13 or 14).
#[inline]
pub(crate) const fn nibble(v: usize) -> u8 {
    if v < 13 {
        v as u8
    } else if v < 269 {
        13
    } else {
        14
    }
}

/// Writes an option header into `out` (which must hold `header_len` bytes);
/// returns the bytes written. `len` must be ≤ 65804.
#[inline(always)]
pub(crate) fn write_header(out: &mut [u8], delta: u16, len: usize) -> usize {
    let d = delta as usize;
    if d < 13 && len < 13 {
        // By far the most common case: one byte.
        out[0] = (d as u8) << 4 | len as u8;
        return 1;
    }
    out[0] = nibble(d) << 4 | nibble(len);
    let mut i = 1;
    i += write_ext(&mut out[i..], d);
    i += write_ext(&mut out[i..], len);
    i
}

/// Writes the extension bytes for `v`; returns how many.
#[inline(always)]
pub(crate) fn write_ext(out: &mut [u8], v: usize) -> usize {
    if v >= 269 {
        let x = (v - 269) as u16;
        out[..2].copy_from_slice(&x.to_be_bytes());
        2
    } else if v >= 13 {
        out[0] = (v - 13) as u8;
        1
    } else {
        0
    }
}

/// Copies `src` into `out` (same length). Short slices — most option values
/// and tokens — are copied with two possibly overlapping fixed-size moves
/// instead of a call into the platform `memcpy`, which dominates at these sizes.
#[inline(always)]
pub(crate) fn copy_small(out: &mut [u8], src: &[u8]) {
    let n = src.len();
    if out.len() != n {
        out.copy_from_slice(src); // unreachable for callers; keeps the panic message
        return;
    }
    match n {
        0 => {}
        1 => out[0] = src[0],
        2..=3 => {
            out[..2].copy_from_slice(&src[..2]);
            out[n - 2..].copy_from_slice(&src[n - 2..]);
        }
        4..=7 => {
            out[..4].copy_from_slice(&src[..4]);
            out[n - 4..].copy_from_slice(&src[n - 4..]);
        }
        8..=16 => {
            out[..8].copy_from_slice(&src[..8]);
            out[n - 8..].copy_from_slice(&src[n - 8..]);
        }
        _ => out.copy_from_slice(src),
    }
}

/// The largest option value length the encoding can express.
pub const MAX_VALUE_LEN: usize = 65535 + 269;
