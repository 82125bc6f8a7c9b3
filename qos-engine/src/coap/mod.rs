//! The CoAP endpoint state machine ([`Endpoint`]): client and server roles
//! over UDP — RFC 7252 confirmable messaging, deduplication and
//! piggybacked/separate/NON responses, RFC 7959 block-wise transfers and
//! RFC 7641 Observe (block-wise notifications fetched whole, RFC 7959 §2.6).
//!
//! With [`Config::transport`] = [`Transport::Reliable`] the same endpoint
//! runs one RFC 8323 connection (CoAP over TCP/TLS): [`Endpoint::open`]
//! sends the CSM, [`Endpoint::handle_stream`] takes stream bytes,
//! [`Endpoint::poll_transmit`] gives frames; no retransmission, Message IDs
//! or deduplication; [`Endpoint::ping`], [`Endpoint::release`],
//! [`Endpoint::abort`] and [`Event::Connection`] for signaling.
//!
//! # The contract
//!
//! The endpoint never reads a clock, never draws entropy of its own (its
//! [`Rng`](crate::Rng) is seeded from [`Config::seed`]), never allocates and
//! never panics on input. Its state is bounded by the const generics chosen
//! by the caller. Every input carries `now`; time never runs backwards inside
//! (an earlier `now` counts as the latest seen) and calling
//! [`Endpoint::handle_timeout`] before [`Endpoint::poll_timeout`] is a no-op.
//!
//! After every `handle_*` call or command, drain the outputs —
//! [`Endpoint::poll_transmit`] until `None`, [`Endpoint::poll_event`] until
//! `None` — then arm the timer with [`Endpoint::poll_timeout`]. A datagram
//! arriving while events are still queued is dropped (and, for CON,
//! retransmitted by the peer), so drain before handling the next one.
//!
//! # The driver loop
//!
//! A client and a server in memory, talking through a `Vec` standing in for
//! the network (a socket, in real life):
//!
//! ```
//! use qos_engine::coap::{Config, Endpoint, Event, Request, Response};
//! use qos_engine::Instant;
//! use coap_codec::{Code, OptionEntry, OptionNumber, OptionValue};
//!
//! let now = Instant::ZERO;
//! let mut client: Endpoint<&str> = Endpoint::new(Config { seed: 1, ..Config::default() }, now);
//! let mut server: Endpoint<&str> = Endpoint::new(Config { seed: 2, ..Config::default() }, now);
//! let path = [OptionEntry { number: OptionNumber::URI_PATH, value: OptionValue::Bytes(b"temp") }];
//! let h = client.request(now, "server", &Request::get(&path)).unwrap();
//!
//! let mut buf = [0u8; 1152];
//! let mut answer = None;
//! for _ in 0..4 {
//!     // 1. Drain what each side wants to send, hand it to the other side.
//!     while let Some(t) = client.poll_transmit(now, &mut buf) {
//!         server.handle_datagram(now, "client", &buf[..t.len]);
//!         // 2. Drain events after every input.
//!         while let Some(ev) = server.poll_event() {
//!             if let Event::Request { id, .. } = ev {
//!                 server.respond(now, id, &Response::new(Code::CONTENT, b"21.5 C")).unwrap();
//!             }
//!         }
//!     }
//!     while let Some(t) = server.poll_transmit(now, &mut buf) {
//!         client.handle_datagram(now, "server", &buf[..t.len]);
//!         while let Some(ev) = client.poll_event() {
//!             if let Event::Response { handle, code, .. } = ev {
//!                 assert_eq!(handle, h);
//!                 answer = Some((code, client.message().unwrap().payload().to_vec()));
//!             }
//!         }
//!     }
//!     // 3. Arm the timer; when it fires, call handle_timeout(now).
//!     if let Some(t) = client.poll_timeout() { let _ = t; }
//! }
//! assert_eq!(answer, Some((Code::CONTENT, b"21.5 C".to_vec())));
//! ```
//!
//! The [`sim`](crate::sim) feature's [`sim::Pair`] runs exactly this loop over
//! a seeded lossy link on virtual time.

mod blockwise;
mod config;
mod endpoint;
mod observe;
mod reliability;
mod types;

#[cfg(feature = "sim")]
pub mod sim;

#[cfg(all(feature = "arbitrary", feature = "std"))]
pub mod fuzz;

pub use blockwise::{szx_size, BodyBuffer, ReassemblyError};
pub use config::{Config, TransmissionParameters, Transport};
pub use endpoint::Endpoint;
pub use observe::{is_fresher, Freshness};
pub use reliability::{MessageIds, Retransmission, RetransmitAction, Token};
pub use types::{
    BodyPart, ConnectionEvent, Error, Event, Failure, Handle, ObserverGone, Rejection, Request,
    RequestId, Response, Stats, Transmit,
};
