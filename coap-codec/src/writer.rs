//! A streaming writer: each option goes straight into the output buffer.

use crate::code::Code;
use crate::error::BuildError;
use crate::message::MessageType;
use crate::option::{self, OptionNumber, MAX_VALUE_LEN};

/// Writes a UDP message (RFC 7252 §3) directly into a caller buffer as the
/// parts are added — the lowest-overhead way to build a message.
///
/// Options may come in any order: an option with a number lower than one
/// already written is inserted in place (the bytes after it are moved and
/// the next option's delta is re-encoded), and equal numbers keep the order
/// they were added in, exactly like [`MessageBuilder`](crate::MessageBuilder).
/// Unlike the builder, a failed call (buffer full, option after the payload)
/// leaves the message as it was before that call but the buffer may hold
/// partial work beyond [`len`](Self::len); use the builder when the
/// buffer must stay untouched on error. No method panics.
///
/// ```
/// use coap_codec::{MessageWriter, MessageType, Code, OptionNumber, Message};
/// let mut buf = [0u8; 64];
/// let mut w = MessageWriter::new(&mut buf, MessageType::Confirmable, Code::GET, 0x7d34, &[0xca, 0xfe])?;
/// w.option(OptionNumber::URI_QUERY, b"unit=c")?;  // written first …
/// w.option(OptionNumber::URI_PATH, b"sensors")?;  // … inserted before it
/// w.option(OptionNumber::URI_PATH, b"temp")?;
/// let n = w.finish();
/// let m = Message::parse(&buf[..n]).unwrap();
/// let v: Vec<_> = m.options().map(|o| o.value).collect();
/// assert_eq!(v, [&b"sensors"[..], b"temp", b"unit=c"]);
/// # Ok::<(), coap_codec::BuildError>(())
/// ```
#[derive(Debug)]
pub struct MessageWriter<'b> {
    buf: &'b mut [u8],
    /// Where the options start (after header and token).
    opts_start: usize,
    /// Bytes written.
    len: usize,
    /// Highest option number written so far.
    last: u16,
    empty: bool,
    has_payload: bool,
}

impl<'b> MessageWriter<'b> {
    /// Writes the header and token. Fails (writing nothing) if the buffer is
    /// too small, the token longer than 65804 bytes (RFC 8974), or an Empty
    /// message (0.00) gets a token (RFC 7252 §4.1).
    pub fn new(
        buf: &'b mut [u8],
        ty: MessageType,
        code: Code,
        message_id: u16,
        token: &[u8],
    ) -> Result<MessageWriter<'b>, BuildError> {
        let t = token.len();
        if t > crate::MAX_TOKEN_LEN {
            return Err(BuildError::TokenTooLong);
        }
        if code.is_empty() && t > 0 {
            return Err(BuildError::EmptyWithContent);
        }
        let len = 4 + option::ext_len(t) + t;
        let out = buf
            .get_mut(..len)
            .ok_or(BuildError::BufferTooSmall { needed: len })?;
        out[0] = 0x40 | (ty as u8) << 4 | option::nibble(t);
        out[1] = code.0;
        out[2..4].copy_from_slice(&message_id.to_be_bytes());
        crate::builder::write_token(&mut out[4..], token);
        Ok(MessageWriter {
            buf,
            opts_start: len,
            len,
            last: 0,
            empty: code.is_empty(),
            has_payload: false,
        })
    }

    /// Adds an option (raw value bytes). See the type docs for ordering.
    #[inline]
    pub fn option(&mut self, number: OptionNumber, value: &[u8]) -> Result<&mut Self, BuildError> {
        if self.empty {
            return Err(BuildError::EmptyWithContent);
        }
        if self.has_payload {
            return Err(BuildError::OptionAfterPayload);
        }
        let vlen = value.len();
        if vlen > MAX_VALUE_LEN {
            return Err(BuildError::TooLong);
        }
        let n = number.0;
        if n >= self.last {
            let hl = option::header_len(n - self.last, vlen);
            let end = self.len + hl + vlen;
            let out = self
                .buf
                .get_mut(self.len..end)
                .ok_or(BuildError::BufferTooSmall { needed: end })?;
            let h = option::write_header(out, n - self.last, vlen);
            option::copy_small(&mut out[h..], value);
            self.len = end;
            self.last = n;
            return Ok(self);
        }
        self.insert(n, value)
    }

    /// Out-of-order insertion: find the first option numbered above `n`,
    /// re-encode its delta, and move the rest up.
    fn insert(&mut self, n: u16, value: &[u8]) -> Result<&mut Self, BuildError> {
        let vlen = value.len();
        let written = self.buf.get(self.opts_start..self.len).unwrap_or(&[]);
        let mut it = crate::Options::new(written);
        let mut prev = 0u16;
        // Offset (within options) of the first option with number > n.
        let mut at = 0usize;
        let mut next = None;
        loop {
            let before = it.as_bytes().len();
            match it.next() {
                Some(o) if o.number.0 <= n => {
                    prev = o.number.0;
                    at += before - it.as_bytes().len();
                }
                Some(o) => {
                    next = Some((o.number.0, o.value.len(), before - it.as_bytes().len()));
                    break;
                }
                None => break,
            }
        }
        // `n < self.last`, so some option is numbered above `n`.
        let Some((next_num, next_vlen, next_size)) = next else {
            return Err(BuildError::InvalidValue);
        };
        let new_hl = option::header_len(n - prev, vlen);
        let next_hl_old = next_size - next_vlen;
        let next_hl_new = option::header_len(next_num - n, next_vlen);
        let grow = new_hl + vlen + next_hl_new - next_hl_old;
        let end = self.len + grow;
        if end > self.buf.len() {
            return Err(BuildError::BufferTooSmall { needed: end });
        }
        let at = self.opts_start + at;
        // Move the next option's value and everything after it.
        let tail_from = at + next_hl_old;
        self.buf.copy_within(tail_from..self.len, tail_from + grow);
        let mut i = at;
        i += option::write_header(&mut self.buf[i..], n - prev, vlen);
        self.buf[i..i + vlen].copy_from_slice(value);
        i += vlen;
        option::write_header(&mut self.buf[i..], next_num - n, next_vlen);
        self.len = end;
        Ok(self)
    }

    /// Adds a uint option in its shortest form (RFC 7252 §3.2).
    pub fn uint_option(
        &mut self,
        number: OptionNumber,
        value: u32,
    ) -> Result<&mut Self, BuildError> {
        let v = crate::uint::encode(value);
        self.option(number, v.as_bytes())
    }

    /// Adds a string option.
    pub fn str_option(
        &mut self,
        number: OptionNumber,
        value: &str,
    ) -> Result<&mut Self, BuildError> {
        self.option(number, value.as_bytes())
    }

    /// Writes the payload marker and payload (nothing for an empty payload).
    /// No option can follow.
    pub fn payload(&mut self, payload: &[u8]) -> Result<&mut Self, BuildError> {
        if payload.is_empty() {
            return Ok(self);
        }
        if self.empty {
            return Err(BuildError::EmptyWithContent);
        }
        if self.has_payload {
            return Err(BuildError::OptionAfterPayload);
        }
        let end = self.len + 1 + payload.len();
        let out = self
            .buf
            .get_mut(self.len..end)
            .ok_or(BuildError::BufferTooSmall { needed: end })?;
        out[0] = 0xff;
        out[1..].copy_from_slice(payload);
        self.len = end;
        self.has_payload = true;
        Ok(self)
    }

    /// Bytes written so far.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Never true: a message has at least its 4-byte header.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The message length; the message is `buf[..len]`.
    pub const fn finish(self) -> usize {
        self.len
    }
}
