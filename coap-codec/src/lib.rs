//! Strict, zero-copy, allocation-free CoAP codec: RFC 7252 (+ RFC 8974 tokens)
//! over UDP, RFC 8323 framing over TCP/WebSockets, and the option registry.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;
