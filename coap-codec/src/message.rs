//! RFC 7252 §3 messages over UDP: the checked, borrowed view.

use core::fmt;

use crate::block::Block;
use crate::code::Code;
use crate::error::{ErrorKind, ParseError, ValueError};
use crate::option::{self, OptionNumber, OptionRef, Options};

/// The message type (RFC 7252 §3, §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum MessageType {
    /// Confirmable (0): must be acknowledged or rejected.
    Confirmable = 0,
    /// Non-confirmable (1).
    NonConfirmable = 1,
    /// Acknowledgement (2).
    Acknowledgement = 2,
    /// Reset (3).
    Reset = 3,
}

impl MessageType {
    /// From the 2-bit T field.
    pub const fn from_bits(t: u8) -> MessageType {
        match t & 3 {
            0 => MessageType::Confirmable,
            1 => MessageType::NonConfirmable,
            2 => MessageType::Acknowledgement,
            _ => MessageType::Reset,
        }
    }

    /// `"CON"`, `"NON"`, `"ACK"` or `"RST"`.
    ///
    /// ```
    /// assert_eq!(coap_codec::MessageType::Acknowledgement.name(), "ACK");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            MessageType::Confirmable => "CON",
            MessageType::NonConfirmable => "NON",
            MessageType::Acknowledgement => "ACK",
            MessageType::Reset => "RST",
        }
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Parse limits. The default accepts RFC 7252 tokens (0–8 bytes) only.
///
/// ```
/// use coap_codec::Config;
/// let cfg = Config::default().extended_tokens(32); // RFC 8974, up to 32 bytes
/// assert_eq!(cfg.max_token_len, 32);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Config {
    /// Longest token accepted. Above 8 enables RFC 8974 extended token
    /// lengths (TKL 9–12 direct, 13/14 extended) up to this many bytes.
    pub max_token_len: u32,
    /// Largest RFC 8323 frame accepted (whole frame, header included);
    /// larger frames are rejected from their header alone. Unused for UDP.
    pub max_frame_len: u32,
}

impl Config {
    /// RFC 7252 tokens, RFC 8323 frames up to 1152 bytes (the default
    /// Max-Message-Size of RFC 8323 §5.3.1).
    pub const DEFAULT: Config = Config {
        max_token_len: 8,
        max_frame_len: 1152,
    };

    /// Enables RFC 8974 extended tokens up to `max` bytes (≤ 65804).
    pub const fn extended_tokens(mut self, max: u32) -> Config {
        self.max_token_len = if max > crate::MAX_TOKEN_LEN as u32 {
            crate::MAX_TOKEN_LEN as u32
        } else {
            max
        };
        self
    }

    /// Sets the largest RFC 8323 frame accepted.
    pub const fn max_frame_len(mut self, max: u32) -> Config {
        self.max_frame_len = max;
        self
    }
}

impl Default for Config {
    fn default() -> Config {
        Config::DEFAULT
    }
}

/// Reads the token length given the TKL nibble, honouring RFC 8974 when the
/// configured maximum exceeds 8. `rest` starts right after the fixed header;
/// returns `(token_len, extended_bytes)`.
#[inline]
pub(crate) fn token_len(tkl: u8, rest: &[u8], cfg: &Config) -> Result<(usize, usize), ErrorKind> {
    let (len, ext) = match tkl {
        0..=8 => return Ok((usize::from(tkl), 0)),
        // RFC 7252 §3: "Lengths 9-15 are reserved, MUST NOT be sent, and MUST
        // be processed as a message format error."
        _ if cfg.max_token_len <= 8 => return Err(ErrorKind::ReservedTokenLength),
        9..=12 => (usize::from(tkl), 0),
        // RFC 8974 §2.1: "13: An 8-bit unsigned integer directly precedes the
        // 'Token' field and indicates the length of the 'Token' field minus 13."
        13 => (
            usize::from(*rest.first().ok_or(ErrorKind::TruncatedToken)?) + 13,
            1,
        ),
        // "14: A 16-bit unsigned integer in network byte order ... minus 269."
        14 => {
            let e = rest.get(..2).ok_or(ErrorKind::TruncatedToken)?;
            ((usize::from(e[0]) << 8 | usize::from(e[1])) + 269, 2)
        }
        // "15: Reserved. This value MUST NOT be sent and MUST be processed as
        // a message-format error."
        _ => return Err(ErrorKind::ReservedTokenLength),
    };
    if len > cfg.max_token_len as usize {
        return Err(ErrorKind::TokenTooLong);
    }
    Ok((len, ext))
}

/// A validated CoAP message borrowed from a UDP datagram (RFC 7252 §3).
///
/// [`Message::parse`] checks everything once — header, token, every option
/// header and value length, the payload marker, the Empty-message rules —
/// so no accessor can fail or panic afterwards and [`Message::options`]
/// iterates without error checks. Nothing is copied or allocated.
///
/// ```
/// use coap_codec::{Message, MessageType, Code, OptionNumber};
/// // RFC 7252 Appendix A, Figure 16: CON GET, MID 0x7d34, Uri-Path "temperature".
/// let bytes = [0x40, 0x01, 0x7d, 0x34, 0xbb,
///              b't', b'e', b'm', b'p', b'e', b'r', b'a', b't', b'u', b'r', b'e'];
/// let msg = Message::parse(&bytes)?;
/// assert_eq!(msg.message_type(), MessageType::Confirmable);
/// assert_eq!(msg.code(), Code::GET);
/// assert_eq!(msg.message_id(), 0x7d34);
/// for opt in msg.options() {
///     assert_eq!(opt.number, OptionNumber::URI_PATH);
///     assert_eq!(opt.str(), Ok("temperature"));
/// }
/// assert!(msg.payload().is_empty());
/// # Ok::<(), coap_codec::ParseError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Message<'a> {
    ty: MessageType,
    code: Code,
    message_id: u16,
    token: &'a [u8],
    options: &'a [u8],
    payload: &'a [u8],
}

impl<'a> Message<'a> {
    /// Parses and validates one datagram with the default [`Config`]
    /// (tokens of 0–8 bytes).
    #[inline]
    pub fn parse(bytes: &'a [u8]) -> Result<Message<'a>, ParseError> {
        Message::parse_with(bytes, &Config::DEFAULT)
    }

    /// Parses and validates one datagram with explicit limits.
    ///
    /// ```
    /// use coap_codec::{Message, Config, ErrorKind};
    /// // NON GET with a 10-byte token: TKL 10 is reserved by RFC 7252 ...
    /// let mut d = vec![0x5a, 0x01, 0, 7];
    /// d.extend_from_slice(&[0xaa; 10]);
    /// assert_eq!(Message::parse(&d).unwrap_err().kind, ErrorKind::ReservedTokenLength);
    /// // ... and a token length under RFC 8974 when enabled.
    /// let msg = Message::parse_with(&d, &Config::default().extended_tokens(16))?;
    /// assert_eq!(msg.token().len(), 10);
    /// # Ok::<(), coap_codec::ParseError>(())
    /// ```
    pub fn parse_with(bytes: &'a [u8], cfg: &Config) -> Result<Message<'a>, ParseError> {
        let Some((&[b0, code, m0, m1], rest)) = bytes.split_first_chunk::<4>() else {
            return Err(ParseError {
                kind: ErrorKind::TooShort,
                message_type: None,
                message_id: 0,
            });
        };
        // RFC 7252 §3: "Messages with unknown version numbers MUST be silently
        // ignored."
        if b0 >> 6 != 1 {
            return Err(ParseError {
                kind: ErrorKind::UnknownVersion,
                message_type: None,
                message_id: 0,
            });
        }
        let ty = MessageType::from_bits(b0 >> 4);
        let message_id = u16::from_be_bytes([m0, m1]);
        let err = |kind| ParseError {
            kind,
            message_type: Some(ty),
            message_id,
        };
        let code = Code(code);
        if code.is_empty() {
            // RFC 7252 §4.1: "The Token Length field MUST be set to 0 and bytes
            // of data MUST NOT be present after the Message ID field. If there
            // are any bytes, they MUST be processed as a message format error."
            if b0 & 0x0f != 0 || !rest.is_empty() {
                return Err(err(ErrorKind::EmptyWithContent));
            }
            return Ok(Message {
                ty,
                code,
                message_id,
                token: &[],
                options: &[],
                payload: &[],
            });
        }
        // RFC 7252 §4.2/§4.3: reject "a code with a reserved class (1, 6, or 7)".
        if matches!(code.class(), 1 | 6 | 7) {
            return Err(err(ErrorKind::ReservedCodeClass));
        }
        let (tlen, ext) = token_len(b0 & 0x0f, rest, cfg).map_err(err)?;
        let rest = rest.get(ext..).ok_or(err(ErrorKind::TruncatedToken))?;
        let (token, rest) = rest
            .split_at_checked(tlen)
            .ok_or(err(ErrorKind::TruncatedToken))?;
        let (opt_end, payload_start) = option::scan(rest).map_err(err)?;
        Ok(Message {
            ty,
            code,
            message_id,
            token,
            options: rest.get(..opt_end).unwrap_or(&[]),
            payload: rest.get(payload_start..).unwrap_or(&[]),
        })
    }

    /// The message type.
    pub const fn message_type(&self) -> MessageType {
        self.ty
    }

    /// The code (method, response code, or 0.00 Empty).
    pub const fn code(&self) -> Code {
        self.code
    }

    /// The Message ID.
    pub const fn message_id(&self) -> u16 {
        self.message_id
    }

    /// The token (0–8 bytes, or longer under RFC 8974).
    pub const fn token(&self) -> &'a [u8] {
        self.token
    }

    /// The payload (empty when there is no payload marker).
    pub const fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// Whether this is an Empty message (code 0.00).
    pub const fn is_empty(&self) -> bool {
        self.code.is_empty()
    }
}

/// Accessors shared by UDP messages and RFC 8323 frames.
macro_rules! option_accessors {
    ($ty:ident) => {
        impl<'a> $ty<'a> {
            /// The options in wire (= number) order. Never fails; never allocates.
            #[inline]
            pub fn options(&self) -> Options<'a> {
                Options::new(self.options)
            }

            /// The encoded option bytes (between the token and the payload marker).
            pub const fn options_bytes(&self) -> &'a [u8] {
                self.options
            }

            /// The first option with number `n`.
            pub fn option(&self, n: OptionNumber) -> Option<OptionRef<'a>> {
                self.options().find_number(n)
            }

            /// Every option with number `n`, in order (e.g. each Uri-Path segment).
            pub fn options_of(
                &self,
                n: OptionNumber,
            ) -> impl Iterator<Item = OptionRef<'a>> + Clone + 'a {
                self.options()
                    .skip_while(move |o| o.number < n)
                    .take_while(move |o| o.number == n)
            }

            /// The first option `n` as a uint; `Ok(None)` when absent.
            pub fn uint_option(&self, n: OptionNumber) -> Result<Option<u32>, ValueError> {
                self.option(n).map(|o| o.uint()).transpose()
            }

            /// Observe (RFC 7641 §2): registration (0), deregistration (1), or
            /// a notification's sequence number.
            pub fn observe(&self) -> Result<Option<u32>, ValueError> {
                self.uint_option(OptionNumber::OBSERVE)
            }

            /// Block1 (RFC 7959 §2.1).
            pub fn block1(&self) -> Result<Option<Block>, ValueError> {
                self.option(OptionNumber::BLOCK1)
                    .map(|o| o.block())
                    .transpose()
            }

            /// Block2 (RFC 7959 §2.1).
            pub fn block2(&self) -> Result<Option<Block>, ValueError> {
                self.option(OptionNumber::BLOCK2)
                    .map(|o| o.block())
                    .transpose()
            }

            /// Content-Format (RFC 7252 §5.10.3).
            pub fn content_format(&self) -> Result<Option<u16>, ValueError> {
                match self.uint_option(OptionNumber::CONTENT_FORMAT)? {
                    Some(v) => u16::try_from(v)
                        .map(Some)
                        .map_err(|_| ValueError::UintTooLong),
                    None => Ok(None),
                }
            }

            /// The first critical option that `known` does not recognise:
            /// RFC 7252 §5.4.1 — in a CON request answer 4.02 (Bad Option); in
            /// a response or a NON, reject the message. `known` decides, so a
            /// caller can recognise fewer (or more) options than the registry.
            ///
            /// ```
            /// use coap_codec::{Message, OptionNumber};
            /// // CON GET with option 65001 (critical, unregistered), empty value.
            /// let m = Message::parse(&[0x40, 0x01, 0, 1, 0xe0, 0xfc, 0xdc])?;
            /// let bad = m.unrecognized_critical(|n| n.info().is_some());
            /// assert_eq!(bad, Some(OptionNumber(65001)));
            /// # Ok::<(), coap_codec::ParseError>(())
            /// ```
            pub fn unrecognized_critical(
                &self,
                mut known: impl FnMut(OptionNumber) -> bool,
            ) -> Option<OptionNumber> {
                self.options()
                    .map(|o| o.number)
                    .find(|&n| n.is_critical() && !known(n))
            }

            /// Like [`unrecognized_critical`](Self::unrecognized_critical),
            /// and also treats as unrecognized, as RFC 7252 requires, a
            /// registered option whose value length is outside its bounds
            /// (§5.4.3: such an option instance "MUST be treated like an
            /// unrecognized option") and every supernumerary occurrence of a
            /// non-repeatable option (§5.4.5). Returns the first such critical
            /// option (elective ones are simply ignored).
            ///
            /// ```
            /// use coap_codec::{Message, OptionNumber};
            /// // CON GET with Uri-Port twice (not repeatable, critical).
            /// let m = Message::parse(&[0x40, 0x01, 0, 1, 0x71, 0x16, 0x01, 0x17])?;
            /// assert_eq!(m.unrecognized_critical(|n| n.info().is_some()), None);
            /// assert_eq!(m.unprocessable_critical(|n| n.info().is_some()), Some(OptionNumber::URI_PORT));
            /// # Ok::<(), coap_codec::ParseError>(())
            /// ```
            pub fn unprocessable_critical(
                &self,
                mut known: impl FnMut(OptionNumber) -> bool,
            ) -> Option<OptionNumber> {
                let mut prev: Option<OptionNumber> = None;
                for o in self.options() {
                    let n = o.number;
                    let repeated = prev == Some(n);
                    prev = Some(n);
                    if !n.is_critical() {
                        continue;
                    }
                    if !known(n) {
                        return Some(n);
                    }
                    if let Some(info) = n.info() {
                        if !info.len_ok(o.value.len()) || (repeated && !info.repeatable) {
                            return Some(n);
                        }
                    }
                }
                None
            }
        }
    };
}
pub(crate) use option_accessors;

option_accessors!(Message);
