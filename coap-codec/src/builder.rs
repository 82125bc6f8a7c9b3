//! Writing messages into caller buffers: UDP (RFC 7252 §3), TCP/TLS and
//! WebSockets framing (RFC 8323 §3.2, §4.2).

use crate::block::Block;
use crate::code::Code;
use crate::error::BuildError;
use crate::message::MessageType;
use crate::option::{self, OptionNumber, MAX_VALUE_LEN};
use crate::uint;

/// The value of an option to be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OptionValue<'a> {
    /// Raw bytes (opaque, string, or an already encoded uint).
    Bytes(&'a [u8]),
    /// A uint, written in its shortest form (RFC 7252 §3.2).
    Uint(u32),
}

impl OptionValue<'_> {
    /// Encoded length in bytes.
    #[inline]
    pub const fn len(&self) -> usize {
        match self {
            OptionValue::Bytes(b) => b.len(),
            OptionValue::Uint(v) => uint::len(*v),
        }
    }

    /// Whether the encoded value is zero bytes long.
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    fn write(&self, out: &mut [u8]) {
        match self {
            OptionValue::Bytes(b) => option::copy_small(out, b),
            OptionValue::Uint(v) => {
                let be = v.to_be_bytes();
                out.copy_from_slice(&be[4 - out.len()..]);
            }
        }
    }
}

/// An option to be written: number and value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OptionEntry<'a> {
    /// Option number.
    pub number: OptionNumber,
    /// Value.
    pub value: OptionValue<'a>,
}

const NO_OPTION: OptionEntry<'static> = OptionEntry {
    number: OptionNumber(0),
    value: OptionValue::Uint(0),
};

/// Builder capacity when none is given.
pub const DEFAULT_OPTIONS: usize = 16;

/// Builds one CoAP message into a caller buffer, without allocating.
///
/// Options may be added in any order; they are kept sorted by number as they
/// are added, and options with the same number keep the order in which they
/// were added (so Uri-Path segments stay in path order). At most `N` options
/// fit; adding more records [`BuildError::TooManyOptions`], which
/// [`build`](Self::build) reports. Errors from the chaining methods are sticky:
/// the first one is returned by `build`/`encoded_len`.
///
/// [`build`](Self::build) computes the exact size first and writes nothing
/// unless the whole message fits; it never panics.
///
/// ```
/// use coap_codec::{MessageBuilder, MessageType, Code, Message, OptionNumber};
/// let mut buf = [0u8; 64];
/// let n = MessageBuilder::new(MessageType::Confirmable, Code::GET, 0x7d34)
///     .token(&[0xca, 0xfe])
///     .uri_query("unit=c")   // added first, written after Uri-Path
///     .uri_path("sensors")
///     .uri_path("temp")
///     .build(&mut buf)?;
/// let msg = Message::parse(&buf[..n]).unwrap();
/// let path: Vec<_> = msg.options_of(OptionNumber::URI_PATH).map(|o| o.str().unwrap()).collect();
/// assert_eq!(path, ["sensors", "temp"]);
/// # Ok::<(), coap_codec::BuildError>(())
/// ```
#[derive(Clone, Debug)]
pub struct MessageBuilder<'a, const N: usize = DEFAULT_OPTIONS> {
    ty: MessageType,
    code: Code,
    message_id: u16,
    token: &'a [u8],
    options: [OptionEntry<'a>; N],
    count: usize,
    /// Encoded size of the options, kept up to date while options are
    /// appended in number order; `usize::MAX` after an out-of-order insert
    /// (recomputed by `build`).
    options_len: usize,
    payload: &'a [u8],
    error: Option<BuildError>,
}

impl<'a> MessageBuilder<'a> {
    /// A message of type `ty`, code `code`, with `message_id`; no token,
    /// options or payload yet. Room for [`DEFAULT_OPTIONS`] options (use
    /// [`MessageBuilder::with_capacity`] for more).
    #[inline(always)]
    pub const fn new(ty: MessageType, code: Code, message_id: u16) -> Self {
        Self::with_capacity(ty, code, message_id)
    }

    /// An Empty (0.00) ACK: acknowledges a CON whose response follows
    /// separately (RFC 7252 §5.2.2).
    ///
    /// ```
    /// let mut buf = [0u8; 4];
    /// let n = coap_codec::MessageBuilder::empty_ack(0x1234).build(&mut buf).unwrap();
    /// assert_eq!(&buf[..n], &[0x60, 0x00, 0x12, 0x34]);
    /// ```
    pub const fn empty_ack(message_id: u16) -> Self {
        Self::new(MessageType::Acknowledgement, Code::EMPTY, message_id)
    }

    /// A Reset (RST, always Empty) rejecting `message_id` (RFC 7252 §4.2).
    ///
    /// ```
    /// let mut buf = [0u8; 4];
    /// let n = coap_codec::MessageBuilder::reset(0x1234).build(&mut buf).unwrap();
    /// assert_eq!(&buf[..n], &[0x70, 0x00, 0x12, 0x34]);
    /// ```
    pub const fn reset(message_id: u16) -> Self {
        Self::new(MessageType::Reset, Code::EMPTY, message_id)
    }

    /// An Empty CON, a "CoAP ping" that elicits a Reset (RFC 7252 §4.3).
    pub const fn ping(message_id: u16) -> Self {
        Self::new(MessageType::Confirmable, Code::EMPTY, message_id)
    }

    /// A piggybacked response: an ACK echoing `message_id` and `token`
    /// carrying `code` (RFC 7252 §5.2.1).
    ///
    /// ```
    /// use coap_codec::{MessageBuilder, Code};
    /// let mut buf = [0u8; 16];
    /// let n = MessageBuilder::ack(0x7d34, Code::CONTENT, &[0x20]).payload(b"22.3 C").build(&mut buf).unwrap();
    /// assert_eq!(&buf[..5], &[0x61, 0x45, 0x7d, 0x34, 0x20]);
    /// assert_eq!(n, 5 + 1 + 6);
    /// ```
    #[inline(always)]
    pub const fn ack(message_id: u16, code: Code, token: &'a [u8]) -> Self {
        let mut b = Self::new(MessageType::Acknowledgement, code, message_id);
        b.token = token;
        b
    }
}

impl<'a, const N: usize> MessageBuilder<'a, N> {
    /// Like [`MessageBuilder::new`] with room for `N` options.
    ///
    /// ```
    /// use coap_codec::{MessageBuilder, MessageType, Code};
    /// let b = MessageBuilder::<64>::with_capacity(MessageType::NonConfirmable, Code::POST, 1);
    /// assert_eq!(b.options().len(), 0);
    /// ```
    #[inline(always)]
    pub const fn with_capacity(ty: MessageType, code: Code, message_id: u16) -> Self {
        MessageBuilder {
            ty,
            code,
            message_id,
            token: &[],
            options: [NO_OPTION; N],
            count: 0,
            options_len: 0,
            payload: &[],
            error: None,
        }
    }

    /// Sets the message type.
    pub fn message_type(&mut self, ty: MessageType) -> &mut Self {
        self.ty = ty;
        self
    }

    /// Sets the code.
    pub fn code(&mut self, code: Code) -> &mut Self {
        self.code = code;
        self
    }

    /// Sets the Message ID.
    pub fn message_id(&mut self, id: u16) -> &mut Self {
        self.message_id = id;
        self
    }

    /// Sets the token (0–8 bytes; longer ones are written with the RFC 8974
    /// extended TKL encoding, up to 65804 bytes).
    pub fn token(&mut self, token: &'a [u8]) -> &mut Self {
        self.token = token;
        self
    }

    /// Sets the payload (written after a 0xFF marker when non-empty).
    pub fn payload(&mut self, payload: &'a [u8]) -> &mut Self {
        self.payload = payload;
        self
    }

    /// Adds an option, keeping number order and the relative order of equal
    /// numbers. Returns the entry back if the builder is full (heapless style).
    #[inline]
    pub fn push(&mut self, entry: OptionEntry<'a>) -> Result<(), OptionEntry<'a>> {
        if self.count >= N {
            return Err(entry);
        }
        let n = entry.number;
        let vlen = entry.value.len();
        if vlen > MAX_VALUE_LEN && self.error.is_none() {
            self.error = Some(BuildError::TooLong);
        }
        let last = match self.count.checked_sub(1) {
            Some(i) => self.options[i].number,
            None => OptionNumber(0),
        };
        if last <= n {
            // Usual case: options arrive in number order; append and keep the
            // encoded size current.
            self.options[self.count] = entry;
            if self.options_len != usize::MAX {
                self.options_len += option::header_len(n.0 - last.0, vlen) + vlen;
            }
        } else {
            let mut pos = self.count;
            while pos > 0 && self.options[pos - 1].number > n {
                pos -= 1;
            }
            self.options.copy_within(pos..self.count, pos + 1);
            self.options[pos] = entry;
            self.options_len = usize::MAX;
        }
        self.count += 1;
        Ok(())
    }

    fn add(&mut self, number: OptionNumber, value: OptionValue<'a>) -> &mut Self {
        if self.push(OptionEntry { number, value }).is_err() && self.error.is_none() {
            self.error = Some(BuildError::TooManyOptions);
        }
        self
    }

    /// Adds an option with raw value bytes (opaque, string or empty).
    pub fn option(&mut self, number: OptionNumber, value: &'a [u8]) -> &mut Self {
        self.add(number, OptionValue::Bytes(value))
    }

    /// Adds a string option.
    pub fn str_option(&mut self, number: OptionNumber, value: &'a str) -> &mut Self {
        self.add(number, OptionValue::Bytes(value.as_bytes()))
    }

    /// Adds a uint option, written in its shortest form.
    pub fn uint_option(&mut self, number: OptionNumber, value: u32) -> &mut Self {
        self.add(number, OptionValue::Uint(value))
    }

    /// Adds one Uri-Path segment (unescaped; no `/`).
    pub fn uri_path(&mut self, segment: &'a str) -> &mut Self {
        self.str_option(OptionNumber::URI_PATH, segment)
    }

    /// Adds one Uri-Query argument (unescaped, e.g. `"unit=c"`).
    pub fn uri_query(&mut self, arg: &'a str) -> &mut Self {
        self.str_option(OptionNumber::URI_QUERY, arg)
    }

    /// Sets Uri-Host.
    pub fn uri_host(&mut self, host: &'a str) -> &mut Self {
        self.str_option(OptionNumber::URI_HOST, host)
    }

    /// Sets Uri-Port.
    pub fn uri_port(&mut self, port: u16) -> &mut Self {
        self.uint_option(OptionNumber::URI_PORT, u32::from(port))
    }

    /// Sets Content-Format.
    pub fn content_format(&mut self, format: u16) -> &mut Self {
        self.uint_option(OptionNumber::CONTENT_FORMAT, u32::from(format))
    }

    /// Sets Accept.
    pub fn accept(&mut self, format: u16) -> &mut Self {
        self.uint_option(OptionNumber::ACCEPT, u32::from(format))
    }

    /// Sets Max-Age (seconds).
    pub fn max_age(&mut self, seconds: u32) -> &mut Self {
        self.uint_option(OptionNumber::MAX_AGE, seconds)
    }

    /// Adds an ETag.
    pub fn etag(&mut self, etag: &'a [u8]) -> &mut Self {
        self.option(OptionNumber::ETAG, etag)
    }

    /// Sets Observe (RFC 7641: 0 register, 1 deregister, or a notification
    /// sequence number; only the low 24 bits are sent).
    pub fn observe(&mut self, value: u32) -> &mut Self {
        self.uint_option(OptionNumber::OBSERVE, value & 0x00ff_ffff)
    }

    /// Sets Block1 (RFC 7959).
    pub fn block1(&mut self, block: Block) -> &mut Self {
        self.uint_option(OptionNumber::BLOCK1, block.to_uint())
    }

    /// Sets Block2 (RFC 7959).
    pub fn block2(&mut self, block: Block) -> &mut Self {
        self.uint_option(OptionNumber::BLOCK2, block.to_uint())
    }

    /// Sets Size1 (RFC 7959 §4).
    pub fn size1(&mut self, size: u32) -> &mut Self {
        self.uint_option(OptionNumber::SIZE1, size)
    }

    /// Sets Size2 (RFC 7959 §4).
    pub fn size2(&mut self, size: u32) -> &mut Self {
        self.uint_option(OptionNumber::SIZE2, size)
    }

    /// The options added so far, in the order they will be written.
    pub fn options(&self) -> &[OptionEntry<'a>] {
        self.options.get(..self.count).unwrap_or(&[])
    }

    fn check(&self) -> Result<(), BuildError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.token.len() > crate::MAX_TOKEN_LEN {
            return Err(BuildError::TokenTooLong);
        }
        // RFC 7252 §4.1: an Empty message has TKL 0 and nothing after the
        // Message ID.
        if self.code.is_empty()
            && (!self.token.is_empty() || self.count > 0 || !self.payload.is_empty())
        {
            return Err(BuildError::EmptyWithContent);
        }
        Ok(())
    }

    /// Length of options + payload marker + payload.
    #[inline]
    fn body_len(&self) -> Result<usize, BuildError> {
        let opts = if self.options_len != usize::MAX {
            self.options_len
        } else {
            let mut prev = 0u16;
            let mut n = 0usize;
            for e in self.options() {
                let vlen = e.value.len();
                n += option::header_len(e.number.0 - prev, vlen) + vlen;
                prev = e.number.0;
            }
            n
        };
        let payload = if self.payload.is_empty() {
            0
        } else {
            1 + self.payload.len()
        };
        Ok(opts + payload)
    }

    #[inline]
    fn write_body(&self, out: &mut [u8]) -> usize {
        let mut prev = 0u16;
        let mut i = 0;
        for e in self.options() {
            let vlen = e.value.len();
            i += option::write_header(&mut out[i..], e.number.0 - prev, vlen);
            e.value.write(&mut out[i..i + vlen]);
            i += vlen;
            prev = e.number.0;
        }
        if !self.payload.is_empty() {
            out[i] = 0xff;
            i += 1;
            out[i..i + self.payload.len()].copy_from_slice(self.payload);
            i += self.payload.len();
        }
        i
    }

    /// Writes TKL-extension bytes + token; returns bytes written.
    #[inline]
    fn write_token(&self, out: &mut [u8]) -> usize {
        write_token(out, self.token)
    }

    /// The exact UDP datagram size (RFC 7252 §3).
    pub fn encoded_len(&self) -> Result<usize, BuildError> {
        self.check()?;
        Ok(4 + option::ext_len(self.token.len()) + self.token.len() + self.body_len()?)
    }

    /// Writes the message as a UDP datagram (RFC 7252 §3) into `buf` and
    /// returns its length. On error nothing is written.
    #[inline]
    pub fn build(&self, buf: &mut [u8]) -> Result<usize, BuildError> {
        let len = self.encoded_len()?;
        let out = buf
            .get_mut(..len)
            .ok_or(BuildError::BufferTooSmall { needed: len })?;
        out[0] = 0x40 | (self.ty as u8) << 4 | option::nibble(self.token.len());
        out[1] = self.code.0;
        out[2..4].copy_from_slice(&self.message_id.to_be_bytes());
        let i = 4 + self.write_token(&mut out[4..]);
        let i = i + self.write_body(&mut out[i..]);
        debug_assert_eq!(i, len);
        Ok(len)
    }

    /// The exact frame size for CoAP over TCP/TLS (RFC 8323 §3.2). Type and
    /// Message ID are not part of that framing.
    pub fn tcp_len(&self) -> Result<usize, BuildError> {
        self.check()?;
        let body = self.body_len()?;
        Ok(
            1 + tcp_ext_len(body)?
                + 1
                + option::ext_len(self.token.len())
                + self.token.len()
                + body,
        )
    }

    /// Writes an RFC 8323 §3.2 (TCP/TLS) frame into `buf`; returns its length.
    ///
    /// ```
    /// use coap_codec::{MessageBuilder, MessageType, Code};
    /// let mut buf = [0u8; 16];
    /// // A Ping (7.02) with no options: Len 0, TKL 0, code 0xe2.
    /// let n = MessageBuilder::new(MessageType::Confirmable, Code::PING, 0).build_tcp(&mut buf).unwrap();
    /// assert_eq!(&buf[..n], &[0x00, 0xe2]);
    /// ```
    pub fn build_tcp(&self, buf: &mut [u8]) -> Result<usize, BuildError> {
        let len = self.tcp_len()?;
        let body = self.body_len()?;
        let out = buf
            .get_mut(..len)
            .ok_or(BuildError::BufferTooSmall { needed: len })?;
        let tkl = option::nibble(self.token.len());
        let mut i = 1;
        match body {
            0..=12 => out[0] = (body as u8) << 4 | tkl,
            13..=268 => {
                out[0] = 13 << 4 | tkl;
                out[1] = (body - 13) as u8;
                i = 2;
            }
            269..=65804 => {
                out[0] = 14 << 4 | tkl;
                out[1..3].copy_from_slice(&((body - 269) as u16).to_be_bytes());
                i = 3;
            }
            _ => {
                out[0] = 15 << 4 | tkl;
                out[1..5].copy_from_slice(&((body - 65805) as u32).to_be_bytes());
                i = 5;
            }
        }
        out[i] = self.code.0;
        i += 1;
        i += self.write_token(&mut out[i..]);
        i += self.write_body(&mut out[i..]);
        debug_assert_eq!(i, len);
        Ok(len)
    }

    /// The exact message size for CoAP over WebSockets (RFC 8323 §4.2: the
    /// Len nibble is 0 and there is no extended length).
    pub fn ws_len(&self) -> Result<usize, BuildError> {
        self.check()?;
        Ok(2 + option::ext_len(self.token.len()) + self.token.len() + self.body_len()?)
    }

    /// Writes an RFC 8323 §4.2 WebSocket message into `buf`; returns its length.
    pub fn build_ws(&self, buf: &mut [u8]) -> Result<usize, BuildError> {
        let len = self.ws_len()?;
        let out = buf
            .get_mut(..len)
            .ok_or(BuildError::BufferTooSmall { needed: len })?;
        out[0] = option::nibble(self.token.len());
        out[1] = self.code.0;
        let i = 2 + self.write_token(&mut out[2..]);
        let i = i + self.write_body(&mut out[i..]);
        debug_assert_eq!(i, len);
        Ok(len)
    }
}

#[cfg(feature = "bytes")]
impl<const N: usize> MessageBuilder<'_, N> {
    fn put_token(&self, dst: &mut impl bytes::BufMut) {
        let mut ext = [0u8; 2];
        let n = option::write_ext(&mut ext, self.token.len());
        dst.put_slice(&ext[..n]);
        dst.put_slice(self.token);
    }

    fn put_body(&self, dst: &mut impl bytes::BufMut) {
        let mut prev = 0u16;
        for e in self.options() {
            let vlen = e.value.len();
            let mut hdr = [0u8; 5];
            let h = option::write_header(&mut hdr, e.number.0 - prev, vlen);
            dst.put_slice(&hdr[..h]);
            match e.value {
                OptionValue::Bytes(b) => dst.put_slice(b),
                OptionValue::Uint(v) => dst.put_slice(&v.to_be_bytes()[4 - vlen..]),
            }
            prev = e.number.0;
        }
        if !self.payload.is_empty() {
            dst.put_u8(0xff);
            dst.put_slice(self.payload);
        }
    }

    /// Writes the UDP datagram into a [`bytes::BufMut`] (`bytes` feature) and
    /// returns its length. Checks
    /// [`remaining_mut`](bytes::BufMut::remaining_mut) first: on error
    /// nothing is written.
    ///
    /// ```
    /// let mut out = bytes::BytesMut::new();
    /// assert_eq!(coap_codec::MessageBuilder::reset(0x1234).build_to_buf(&mut out), Ok(4));
    /// assert_eq!(&out[..], [0x70, 0x00, 0x12, 0x34]);
    /// ```
    pub fn build_to_buf(&self, dst: &mut impl bytes::BufMut) -> Result<usize, BuildError> {
        let len = self.encoded_len()?;
        if dst.remaining_mut() < len {
            return Err(BuildError::BufferTooSmall { needed: len });
        }
        dst.put_u8(0x40 | (self.ty as u8) << 4 | option::nibble(self.token.len()));
        dst.put_u8(self.code.0);
        dst.put_u16(self.message_id);
        self.put_token(dst);
        self.put_body(dst);
        Ok(len)
    }

    /// Writes an RFC 8323 §3.2 (TCP/TLS) frame into a [`bytes::BufMut`]
    /// (`bytes` feature); nothing is written on error.
    ///
    /// ```
    /// use coap_codec::{MessageBuilder, MessageType, Code};
    /// let mut out = bytes::BytesMut::new();
    /// let n = MessageBuilder::new(MessageType::Confirmable, Code::PING, 0).build_tcp_to_buf(&mut out).unwrap();
    /// assert_eq!(&out[..n], [0x00, 0xe2]);
    /// ```
    pub fn build_tcp_to_buf(&self, dst: &mut impl bytes::BufMut) -> Result<usize, BuildError> {
        let len = self.tcp_len()?;
        if dst.remaining_mut() < len {
            return Err(BuildError::BufferTooSmall { needed: len });
        }
        let body = self.body_len()?;
        let tkl = option::nibble(self.token.len());
        match body {
            0..=12 => dst.put_u8((body as u8) << 4 | tkl),
            13..=268 => {
                dst.put_u8(13 << 4 | tkl);
                dst.put_u8((body - 13) as u8);
            }
            269..=65804 => {
                dst.put_u8(14 << 4 | tkl);
                dst.put_u16((body - 269) as u16);
            }
            _ => {
                dst.put_u8(15 << 4 | tkl);
                dst.put_u32((body - 65805) as u32);
            }
        }
        dst.put_u8(self.code.0);
        self.put_token(dst);
        self.put_body(dst);
        Ok(len)
    }
}

/// Writes the RFC 8974 TKL extension bytes and the token; returns the bytes
/// written. `out` must hold them.
#[inline]
pub(crate) fn write_token(out: &mut [u8], token: &[u8]) -> usize {
    let ext = option::write_ext(out, token.len());
    option::copy_small(&mut out[ext..ext + token.len()], token);
    ext + token.len()
}

#[inline]
fn tcp_ext_len(body: usize) -> Result<usize, BuildError> {
    Ok(match body {
        0..=12 => 0,
        13..=268 => 1,
        269..=65804 => 2,
        _ if body - 65805 <= u32::MAX as usize => 4,
        _ => return Err(BuildError::TooLong),
    })
}
