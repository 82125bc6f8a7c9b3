//! Error types: what broke, which rule it broke, and what the receiver does.

use core::fmt;

use crate::message::MessageType;

/// The rule a message or frame broke. Each variant names one RFC check.
///
/// Every kind is a *message format error* in the sense of RFC 7252 §4.2/§4.3
/// (or the equivalent for RFC 8323 framing); [`ParseError::reaction`] turns
/// it into what the receiver must do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Fewer than the 4 header bytes of RFC 7252 §3 (or, for framing, a
    /// frame whose declared lengths do not fit).
    TooShort,
    /// RFC 7252 §3: "Messages with unknown version numbers MUST be silently
    /// ignored."
    UnknownVersion,
    /// RFC 7252 §3: TKL "Lengths 9-15 are reserved, MUST NOT be sent, and MUST
    /// be processed as a message format error." (RFC 8974 §2.1 keeps 15
    /// reserved and gives 13/14 to extended lengths.)
    ReservedTokenLength,
    /// RFC 8974 §2.1: the token is longer than the configured maximum
    /// ([`crate::Config::max_token_len`]).
    TokenTooLong,
    /// RFC 7252 §3: the token (or the RFC 8974 extended TKL bytes) is cut off.
    TruncatedToken,
    /// RFC 7252 §4.2/§4.3: the code uses a reserved class (1, 6 or 7 over
    /// UDP; 1 or 6 over RFC 8323 framing, where 7 is signaling).
    ReservedCodeClass,
    /// RFC 7252 §4.1: an Empty message (code 0.00) "Token Length field MUST be
    /// set to 0 and bytes of data MUST NOT be present after the Message ID".
    EmptyWithContent,
    /// RFC 7252 §3.1: option delta nibble 15 where "the entire byte is not the
    /// payload marker".
    ReservedOptionDelta,
    /// RFC 7252 §3.1: option length nibble 15, "Reserved for future use".
    ReservedOptionLength,
    /// RFC 7252 §3.1: an extended delta/length byte or the option value is
    /// cut off by the end of the message.
    TruncatedOption,
    /// RFC 7252 §3.1/§12.2: the summed option number exceeds 65535.
    OptionNumberTooLarge,
    /// RFC 7252 §3: "The presence of a marker followed by a zero-length
    /// payload MUST be processed as a message format error."
    EmptyPayload,
    /// RFC 8323 §3.2/§5.3.1: the frame is larger than the configured maximum
    /// message size (decided from the frame header alone).
    FrameTooLarge,
    /// RFC 8323 §4.2: a CoAP-over-WebSockets message whose Len nibble is not
    /// 0 ("the Length (Len) field MUST be set to zero").
    WebSocketLength,
}

impl ErrorKind {
    /// The RFC section this check enforces, e.g. `"RFC 7252 §3.1"`.
    ///
    /// ```
    /// assert_eq!(coap_codec::ErrorKind::EmptyPayload.spec(), "RFC 7252 §3");
    /// ```
    pub const fn spec(self) -> &'static str {
        match self {
            ErrorKind::TooShort | ErrorKind::UnknownVersion | ErrorKind::TruncatedToken => {
                "RFC 7252 §3"
            }
            ErrorKind::ReservedTokenLength | ErrorKind::EmptyPayload => "RFC 7252 §3",
            ErrorKind::TokenTooLong => "RFC 8974 §2.1",
            ErrorKind::ReservedCodeClass => "RFC 7252 §4.2",
            ErrorKind::EmptyWithContent => "RFC 7252 §4.1",
            ErrorKind::ReservedOptionDelta
            | ErrorKind::ReservedOptionLength
            | ErrorKind::TruncatedOption
            | ErrorKind::OptionNumberTooLarge => "RFC 7252 §3.1",
            ErrorKind::FrameTooLarge => "RFC 8323 §5.3.1",
            ErrorKind::WebSocketLength => "RFC 8323 §4.2",
        }
    }

    /// A stable snake_case name for the kind (used by the CLI's JSON).
    ///
    /// ```
    /// assert_eq!(coap_codec::ErrorKind::TruncatedOption.name(), "truncated_option");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            ErrorKind::TooShort => "too_short",
            ErrorKind::UnknownVersion => "unknown_version",
            ErrorKind::ReservedTokenLength => "reserved_token_length",
            ErrorKind::TokenTooLong => "token_too_long",
            ErrorKind::TruncatedToken => "truncated_token",
            ErrorKind::ReservedCodeClass => "reserved_code_class",
            ErrorKind::EmptyWithContent => "empty_with_content",
            ErrorKind::ReservedOptionDelta => "reserved_option_delta",
            ErrorKind::ReservedOptionLength => "reserved_option_length",
            ErrorKind::TruncatedOption => "truncated_option",
            ErrorKind::OptionNumberTooLarge => "option_number_too_large",
            ErrorKind::EmptyPayload => "empty_payload",
            ErrorKind::FrameTooLarge => "frame_too_large",
            ErrorKind::WebSocketLength => "websocket_length",
        }
    }

    /// A one-line description of the broken rule, without the RFC reference.
    ///
    /// ```
    /// assert_eq!(coap_codec::ErrorKind::EmptyPayload.description(), "payload marker followed by no payload");
    /// ```
    pub const fn description(self) -> &'static str {
        match self {
            ErrorKind::TooShort => "message shorter than its header",
            ErrorKind::UnknownVersion => "version is not 1",
            ErrorKind::ReservedTokenLength => "reserved token length",
            ErrorKind::TokenTooLong => "token longer than the configured maximum",
            ErrorKind::TruncatedToken => "token cut off by the end of the message",
            ErrorKind::ReservedCodeClass => "code uses a reserved class",
            ErrorKind::EmptyWithContent => "Empty message (0.00) with a token, options or payload",
            ErrorKind::ReservedOptionDelta => "option delta nibble 15 outside the payload marker",
            ErrorKind::ReservedOptionLength => "option length nibble 15",
            ErrorKind::TruncatedOption => "option cut off by the end of the message",
            ErrorKind::OptionNumberTooLarge => "option number above 65535",
            ErrorKind::EmptyPayload => "payload marker followed by no payload",
            ErrorKind::FrameTooLarge => "frame larger than the maximum message size",
            ErrorKind::WebSocketLength => "WebSocket message with a nonzero Len field",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.description(), self.spec())
    }
}

/// What a receiver does with a message it cannot accept (RFC 7252 §4.2,
/// §4.3, §5.4.1). Mapping errors to actions happens here, in one place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reaction {
    /// Reject a Confirmable message: send a Reset echoing `message_id` and
    /// otherwise ignore it (RFC 7252 §4.2).
    Reset {
        /// The Message ID the Reset must echo.
        message_id: u16,
    },
    /// Reject a Non-confirmable message: silently ignore it; sending a
    /// matching Reset is permitted but not required (RFC 7252 §4.3:
    /// "Rejecting a Non-confirmable message MAY involve sending a matching
    /// Reset message").
    IgnoreMayReset {
        /// The Message ID a Reset would echo.
        message_id: u16,
    },
    /// Silently ignore: Acknowledgement and Reset messages (RFC 7252 §4.2:
    /// "recipients of Acknowledgement and Reset messages MUST NOT respond with
    /// either Acknowledgement or Reset messages"), unknown versions (§3), and
    /// datagrams too short to carry a Message ID.
    Ignore,
    /// Answer with a 4.02 (Bad Option) response: an unrecognized critical
    /// option in a Confirmable request (RFC 7252 §5.4.1).
    BadOption,
    /// RFC 8323 framing: the byte stream cannot be resynchronised; send an
    /// Abort (7.05) and close the connection (RFC 8323 §5.6).
    Abort,
}

/// A rejected UDP message: the broken rule plus what the header revealed.
///
/// ```
/// use coap_codec::{Message, ErrorKind, Reaction};
/// // CON GET, message ID 0x1234, TKL 9 (reserved).
/// let err = Message::parse(&[0x49, 0x01, 0x12, 0x34]).unwrap_err();
/// assert_eq!(err.kind, ErrorKind::ReservedTokenLength);
/// assert_eq!(err.reaction(), Reaction::Reset { message_id: 0x1234 });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ParseError {
    /// The rule that was broken.
    pub kind: ErrorKind,
    /// The message type, when the header was readable (≥ 4 bytes, version 1).
    pub message_type: Option<MessageType>,
    /// The Message ID (0 when the header was not readable).
    pub message_id: u16,
}

impl ParseError {
    /// What the receiver must do (RFC 7252 §4.2 for CON, §4.3 for NON,
    /// silence for ACK/RST and unreadable headers).
    pub const fn reaction(&self) -> Reaction {
        match self.message_type {
            Some(MessageType::Confirmable) => Reaction::Reset {
                message_id: self.message_id,
            },
            Some(MessageType::NonConfirmable) => Reaction::IgnoreMayReset {
                message_id: self.message_id,
            },
            _ => Reaction::Ignore,
        }
    }

    /// The RFC section the broken rule comes from.
    pub const fn spec(&self) -> &'static str {
        self.kind.spec()
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.kind, f)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ParseError {}
#[cfg(feature = "std")]
impl std::error::Error for ErrorKind {}

/// Why a message could not be built. Nothing is written when one is returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BuildError {
    /// The output buffer is shorter than the encoded message.
    BufferTooSmall {
        /// The exact encoded size.
        needed: usize,
    },
    /// More options than the builder's capacity `N`.
    TooManyOptions,
    /// A token longer than 65804 bytes (RFC 8974 §2.1), or longer than 8
    /// bytes on a builder that does not allow extended tokens.
    TokenTooLong,
    /// An option value longer than 65804 bytes (RFC 7252 §3.1), or a
    /// message/frame too large for its length field.
    TooLong,
    /// RFC 7252 §4.1: an Empty message (0.00) must not carry a token,
    /// options or payload.
    EmptyWithContent,
    /// A value helper got an out-of-range value (e.g. Block SZX 7).
    InvalidValue,
    /// [`MessageWriter`](crate::MessageWriter): an option or a second
    /// payload after the payload.
    OptionAfterPayload,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::BufferTooSmall { needed } => {
                write!(f, "buffer too small: {needed} bytes needed")
            }
            BuildError::TooManyOptions => f.write_str("more options than the builder's capacity"),
            BuildError::TokenTooLong => f.write_str("token too long (RFC 8974 §2.1)"),
            BuildError::TooLong => {
                f.write_str("option value or message too long for its length field")
            }
            BuildError::EmptyWithContent => {
                f.write_str("Empty message with content (RFC 7252 §4.1)")
            }
            BuildError::InvalidValue => f.write_str("value out of range"),
            BuildError::OptionAfterPayload => f.write_str("option or payload after the payload"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for BuildError {}

/// An option value that does not decode per its format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValueError {
    /// A uint longer than the helper's width (RFC 7252 §3.2).
    UintTooLong,
    /// A Block option value longer than 3 bytes (RFC 7959 §2.2).
    BlockTooLong,
    /// Block SZX 7: "reserved, i.e., MUST NOT be sent" (RFC 7959 §2.2).
    ReservedSzx,
    /// Block NUM above 2^20 - 1 (RFC 7959 §2.2).
    BlockNumTooLarge,
    /// A string option that is not UTF-8 (RFC 7252 §3.2).
    NotUtf8,
    /// A value whose length is outside the option's registered bounds
    /// (RFC 7252 §5.4.3 says such options are treated as unrecognized).
    BadLength,
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValueError::UintTooLong => "uint value too long (RFC 7252 §3.2)",
            ValueError::BlockTooLong => "Block value longer than 3 bytes (RFC 7959 §2.2)",
            ValueError::ReservedSzx => "Block SZX 7 is reserved (RFC 7959 §2.2)",
            ValueError::BlockNumTooLarge => "Block NUM above 2^20-1 (RFC 7959 §2.2)",
            ValueError::NotUtf8 => "string option not UTF-8 (RFC 7252 §3.2)",
            ValueError::BadLength => "value length outside the option's bounds (RFC 7252 §5.4.3)",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ValueError {}

impl From<ValueError> for BuildError {
    fn from(_: ValueError) -> BuildError {
        BuildError::InvalidValue
    }
}
