//! Strict, zero-copy, allocation-free CoAP codec: RFC 7252 (+ RFC 8974
//! extended tokens) over UDP, RFC 8323 framing over TCP/TLS/WebSockets, and
//! the option registry.
//!
//! - [`Message::parse`] validates a datagram once and hands out a borrowed
//!   view: header, token, a lazy [`Options`] iterator that cannot fail, payload.
//!   A rejection is a [`ParseError`] whose [`reaction`](ParseError::reaction)
//!   says whether to send a Reset, ignore, or (via
//!   [`Message::unrecognized_critical`]) answer 4.02.
//! - [`MessageBuilder`] writes a message into `&mut [u8]`, options in number
//!   order whatever order they were added in, after computing the exact size;
//!   nothing is written on error.
//! - [`MessageWriter`] writes each option straight into the output buffer —
//!   the lowest-overhead way to build, for senders that do not need the
//!   builder's "nothing written on error".
//! - [`OptionNumber`] carries the registry ([`option::REGISTRY`]); values:
//!   [`uint`], [`Block`], [`content_format`], [`Code`].
//! - [`tcp`]: RFC 8323 framing over TCP/TLS and WebSockets, incremental
//!   ([`tcp::Status::Partial`]), signaling options.
//! - [`uri`]: URI ↔ Uri-Host/Port/Path/Query (RFC 7252 §6.4/§6.5) into caller
//!   storage; [`link`]: RFC 6690 link format, reading and writing.
//!
//! Features: none by default (no_std, no alloc); `std` adds
//! `std::error::Error` impls; `arbitrary` adds the `fuzz` module, the
//! bodies of the cargo-fuzz targets.
//!
//! ```
//! use coap_codec::{Message, MessageBuilder, MessageType, Code, OptionNumber, Block};
//! let mut buf = [0u8; 128];
//! let n = MessageBuilder::ack(0x1234, Code::CONTENT, b"tk")
//!     .content_format(0)
//!     .block2(Block::new(0, true, 2).unwrap())
//!     .payload(&[b'x'; 64])
//!     .build(&mut buf)?;
//! let msg = Message::parse(&buf[..n]).unwrap();
//! assert_eq!(msg.message_type(), MessageType::Acknowledgement);
//! assert_eq!(msg.block2(), Ok(Some(Block::new(0, true, 2).unwrap())));
//! assert_eq!(msg.payload().len(), 64);
//! # Ok::<(), coap_codec::BuildError>(())
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod block;
pub mod builder;
pub mod code;
pub mod content_format;
pub mod error;
pub mod link;
pub mod message;
pub mod option;
pub mod tcp;
pub mod uint;
pub mod uri;
pub mod writer;

pub use block::Block;
pub use builder::{MessageBuilder, OptionEntry, OptionValue};
pub use code::Code;
pub use error::{BuildError, ErrorKind, ParseError, Reaction, ValueError};
pub use message::{Config, Message, MessageType};
pub use option::{OptionNumber, OptionRef, Options};
pub use writer::MessageWriter;

/// The longest token RFC 8974's extended TKL can express (65535 + 269).
pub const MAX_TOKEN_LEN: usize = 65535 + 269;

#[cfg(feature = "arbitrary")]
pub mod fuzz;
