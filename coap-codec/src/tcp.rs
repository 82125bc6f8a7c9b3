//! CoAP over TCP, TLS and WebSockets (RFC 8323): incremental framing and
//! signaling messages (7.01–7.05).
//!
//! Frames have no type and no Message ID; the builder writes them with
//! [`MessageBuilder::build_tcp`](crate::MessageBuilder::build_tcp) and
//! [`build_ws`](crate::MessageBuilder::build_ws).

use crate::block::Block;
use crate::code::Code;
use crate::error::{ErrorKind, Reaction, ValueError};
use crate::message::{option_accessors, token_len, Config};
use crate::option::{self, OptionNumber, OptionRef, Options};

/// Result of an incremental parse: a complete value, or how many more bytes
/// are needed at least (httparse style — not an error).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status<T> {
    /// A complete value.
    Complete(T),
    /// At least this many more bytes are needed. Exact once the frame
    /// header (Len and its extension) has arrived.
    Partial(usize),
}

/// A validated RFC 8323 frame borrowed from the receive buffer.
///
/// ```
/// use coap_codec::{tcp, Code, Config};
/// // RFC 8323 §3.2 framing of a GET with token 0x01 and Uri-Path "a":
/// // Len 2 (one option: 0xb1 'a'), TKL 1.
/// let bytes = [0x21, 0x01, 0x01, 0xb1, b'a', /* next frame starts */ 0x00];
/// let tcp::Status::Complete((frame, used)) = tcp::parse(&bytes, &Config::default())? else { panic!() };
/// assert_eq!((frame.code(), frame.token(), used), (Code::GET, &[0x01][..], 5));
/// assert_eq!(frame.options().next().unwrap().value, b"a");
/// // The second frame is only one byte: the code byte is still missing.
/// assert_eq!(tcp::parse(&bytes[used..], &Config::default())?, tcp::Status::Partial(1));
/// # Ok::<(), coap_codec::ErrorKind>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Frame<'a> {
    code: Code,
    token: &'a [u8],
    options: &'a [u8],
    payload: &'a [u8],
}

impl<'a> Frame<'a> {
    /// The code (a method, a response, or 7.01–7.05 signaling).
    pub const fn code(&self) -> Code {
        self.code
    }

    /// The token.
    pub const fn token(&self) -> &'a [u8] {
        self.token
    }

    /// The payload (empty without a payload marker).
    pub const fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// The signaling option registry applies to this frame's options
    /// (RFC 8323 §5.2: option numbers in signaling messages are per code).
    pub const fn is_signaling(&self) -> bool {
        self.code.is_signaling()
    }

    /// The registered name of `n` in this frame: a signaling option name for
    /// 7.xx codes, otherwise the ordinary registry's.
    pub fn option_name(&self, n: OptionNumber) -> Option<&'static str> {
        if self.is_signaling() {
            signal_option(self.code, n).map(|s| s.name)
        } else {
            n.name()
        }
    }
}

option_accessors!(Frame);

/// What to do with a framing error: the stream cannot be resynchronised,
/// so RFC 8323 §5.6 — send Abort (7.05) and close.
pub const fn reaction(_e: ErrorKind) -> Reaction {
    Reaction::Abort
}

/// Reads the Len nibble extension; returns `(header_len, body_len)` where
/// `header_len` covers the first byte and extended length.
fn frame_header(buf: &[u8]) -> Result<Status<(usize, usize)>, ErrorKind> {
    let Some(&b0) = buf.first() else {
        return Ok(Status::Partial(2));
    };
    let (ext, base) = match b0 >> 4 {
        l @ 0..=12 => return Ok(Status::Complete((1, usize::from(l)))),
        13 => (1, 13usize),
        14 => (2, 269),
        _ => (4, 65805),
    };
    let Some(e) = buf.get(1..1 + ext) else {
        return Ok(Status::Partial(1 + ext + 1 - buf.len()));
    };
    let v = e.iter().fold(0usize, |a, &b| a << 8 | usize::from(b));
    Ok(Status::Complete((1 + ext, v + base)))
}

/// Parses one RFC 8323 §3.2 (TCP/TLS) frame from the front of `buf`.
///
/// Returns the frame and the bytes it used, or [`Status::Partial`] with the
/// number of bytes still needed. A frame larger than
/// [`Config::max_frame_len`] is rejected as soon as its header is in, before
/// the caller buffers its body. Never panics, never allocates.
pub fn parse<'a>(buf: &'a [u8], cfg: &Config) -> Result<Status<(Frame<'a>, usize)>, ErrorKind> {
    let (hdr, body) = match frame_header(buf)? {
        Status::Complete(v) => v,
        Status::Partial(n) => return Ok(Status::Partial(n)),
    };
    // Fixed part: header + code byte. The token length is known only once the
    // code (and TKL extension) has arrived, so ask for those first.
    let tkl = buf.first().map_or(0, |b| b & 0x0f);
    let tkl_ext = match tkl {
        13 => 1,
        14 => 2,
        _ => 0,
    };
    let need_fixed = hdr + 1 + tkl_ext;
    // Reject oversize from what is known: header + code + body at least.
    if (hdr + 1).saturating_add(body) > cfg.max_frame_len as usize {
        return Err(ErrorKind::FrameTooLarge);
    }
    if buf.len() < need_fixed {
        return Ok(Status::Partial(need_fixed - buf.len()));
    }
    let code = Code(buf[hdr]);
    let (tlen, ext) = token_len(tkl, &buf[hdr + 1..], cfg)?;
    let total = hdr + 1 + ext + tlen + body;
    if total > cfg.max_frame_len as usize {
        return Err(ErrorKind::FrameTooLarge);
    }
    if buf.len() < total {
        return Ok(Status::Partial(total - buf.len()));
    }
    let frame = body_of(code, &buf[hdr + 1 + ext..total], tlen)?;
    Ok(Status::Complete((frame, total)))
}

/// Parses one complete RFC 8323 §4.2 WebSocket message (the whole WebSocket
/// binary message; its Len nibble must be 0).
///
/// ```
/// use coap_codec::{tcp, Code, Config};
/// let f = tcp::parse_ws(&[0x00, 0xe2], &Config::default())?; // Ping
/// assert_eq!(f.code(), Code::PING);
/// # Ok::<(), coap_codec::ErrorKind>(())
/// ```
pub fn parse_ws<'a>(msg: &'a [u8], cfg: &Config) -> Result<Frame<'a>, ErrorKind> {
    let [b0, code, rest @ ..] = msg else {
        return Err(ErrorKind::TooShort);
    };
    // RFC 8323 §4.2: "the Length (Len) field MUST be set to zero".
    if b0 >> 4 != 0 {
        return Err(ErrorKind::WebSocketLength);
    }
    let (tlen, ext) = token_len(b0 & 0x0f, rest, cfg)?;
    let rest = rest.get(ext..).ok_or(ErrorKind::TruncatedToken)?;
    body_of(Code(*code), rest, tlen)
}

fn body_of(code: Code, rest: &[u8], tlen: usize) -> Result<Frame<'_>, ErrorKind> {
    // RFC 7252 §4.2 as applied by RFC 8323: classes 1 and 6 are reserved;
    // class 7 is signaling here.
    if matches!(code.class(), 1 | 6) {
        return Err(ErrorKind::ReservedCodeClass);
    }
    let (token, rest) = rest
        .split_at_checked(tlen)
        .ok_or(ErrorKind::TruncatedToken)?;
    let (opt_end, payload_start) = option::scan(rest)?;
    Ok(Frame {
        code,
        token,
        options: rest.get(..opt_end).unwrap_or(&[]),
        payload: rest.get(payload_start..).unwrap_or(&[]),
    })
}

/// A signaling option's registration (RFC 8323 §5.3–§5.6, §11.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SignalOption {
    /// The signaling code it belongs to.
    pub code: Code,
    /// Its number (per code).
    pub number: OptionNumber,
    /// Registered name.
    pub name: &'static str,
    /// snake_case name.
    pub snake_name: &'static str,
    /// Value format.
    pub format: option::Format,
    /// Minimum value length.
    pub min_len: u16,
    /// Maximum value length.
    pub max_len: u16,
}

/// Max-Message-Size in a CSM (7.01): uint 0–4 (RFC 8323 §5.3.1).
pub const MAX_MESSAGE_SIZE: OptionNumber = OptionNumber(2);
/// Block-Wise-Transfer in a CSM (7.01): empty (RFC 8323 §5.3.2).
pub const BLOCK_WISE_TRANSFER: OptionNumber = OptionNumber(4);
/// Custody in a Ping/Pong (7.02/7.03): empty (RFC 8323 §5.4.1).
pub const CUSTODY: OptionNumber = OptionNumber(2);
/// Alternative-Address in a Release (7.04): string 1–255, repeatable (RFC 8323 §5.5).
pub const ALTERNATIVE_ADDRESS: OptionNumber = OptionNumber(2);
/// Hold-Off in a Release (7.04): uint 0–3 seconds (RFC 8323 §5.5).
pub const HOLD_OFF: OptionNumber = OptionNumber(4);
/// Bad-CSM-Option in an Abort (7.05): uint 0–2 (RFC 8323 §5.6).
pub const BAD_CSM_OPTION: OptionNumber = OptionNumber(2);

macro_rules! sig {
    ($code:ident, $n:literal, $name:literal, $snake:literal, $fmt:ident, $min:literal, $max:literal) => {
        SignalOption {
            code: Code::$code,
            number: OptionNumber($n),
            name: $name,
            snake_name: $snake,
            format: option::Format::$fmt,
            min_len: $min,
            max_len: $max,
        }
    };
}

/// Every registered signaling option (RFC 8323 §11.2).
pub static SIGNAL_OPTIONS: &[SignalOption] = &[
    sig!(CSM, 2, "Max-Message-Size", "max_message_size", Uint, 0, 4),
    sig!(
        CSM,
        4,
        "Block-Wise-Transfer",
        "block_wise_transfer",
        Empty,
        0,
        0
    ),
    sig!(PING, 2, "Custody", "custody", Empty, 0, 0),
    sig!(PONG, 2, "Custody", "custody", Empty, 0, 0),
    sig!(
        RELEASE,
        2,
        "Alternative-Address",
        "alternative_address",
        String,
        1,
        255
    ),
    sig!(RELEASE, 4, "Hold-Off", "hold_off", Uint, 0, 3),
    sig!(ABORT, 2, "Bad-CSM-Option", "bad_csm_option", Uint, 0, 2),
];

/// The signaling option `n` of signaling code `code`, if registered.
///
/// ```
/// use coap_codec::{tcp, Code};
/// assert_eq!(tcp::signal_option(Code::CSM, tcp::MAX_MESSAGE_SIZE).unwrap().name, "Max-Message-Size");
/// assert!(tcp::signal_option(Code::PING, tcp::HOLD_OFF).is_none());
/// ```
pub fn signal_option(code: Code, n: OptionNumber) -> Option<&'static SignalOption> {
    SIGNAL_OPTIONS
        .iter()
        .find(|s| s.code == code && s.number == n)
}

impl<'a> Frame<'a> {
    /// A CSM's Max-Message-Size (RFC 8323 §5.3.1); `Ok(None)` when absent or
    /// not a CSM.
    pub fn max_message_size(&self) -> Result<Option<u32>, ValueError> {
        if self.code != Code::CSM {
            return Ok(None);
        }
        self.uint_option(MAX_MESSAGE_SIZE)
    }

    /// Whether a CSM carries Block-Wise-Transfer (RFC 8323 §5.3.2).
    pub fn block_wise_transfer(&self) -> bool {
        self.code == Code::CSM && self.option(BLOCK_WISE_TRANSFER).is_some()
    }
}
