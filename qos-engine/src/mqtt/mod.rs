//! The MQTT session state machine ([`Session`]), client and server roles,
//! protocol levels 3 (3.1), 4 (3.1.1) and 5 (5.0).
//!
//! A [`Session`] is one MQTT session — the state the specification says
//! outlives a network connection (§4.1) — plus the connection it is
//! currently using. It reads no clock, draws no randomness, does no I/O and
//! never allocates: bytes, time and commands come in as arguments; bytes to
//! send, events and the next deadline come out of three polls.
//!
//! # The four groups of methods
//!
//! * getters (`&self`): [`Session::is_connected`], [`Session::stats`],
//!   [`Session::inflight`], [`Session::snapshot`] …
//! * inputs, each carrying `now`: [`Session::handle_transport_up`],
//!   [`Session::handle_bytes`], [`Session::handle_timeout`],
//!   [`Session::handle_transport_down`];
//! * commands, returning `Result` (an `Err` changes nothing):
//!   [`Session::connect`], [`Session::publish`], [`Session::subscribe`],
//!   [`Session::unsubscribe`], [`Session::ack`], [`Session::auth`],
//!   [`Session::disconnect`]; at a server [`Session::accept`],
//!   [`Session::reject`], [`Session::suback`], [`Session::unsuback`];
//! * outputs: [`Session::poll_transmit`] (bytes into the caller's buffer),
//!   [`Session::poll_event`], [`Session::poll_timeout`].
//!
//! # The contract
//!
//! After every input or command, drain the polls — `poll_transmit` and
//! `poll_event` until both return `None` — then re-arm the timer with
//! `poll_timeout()`; call `handle_timeout` when it fires (early is harmless,
//! time never runs backwards inside: an earlier `now` than one already seen
//! counts as that one). Write every [`Transmit`] in order; close the
//! connection when [`Transmit::close`] says so and report it with
//! `handle_transport_down`. `handle_bytes` takes at most the free room of the
//! receive buffer and says how much it took: offer the rest again after
//! draining. Nothing taken is lost.
//!
//! # Received messages: zero copy, bounded
//!
//! A received PUBLISH is handed out as [`Event::Message`], borrowing topic
//! and payload from the session's `RX`-byte receive buffer (the Maximum
//! Packet Size the session announces, so a peer cannot send more). The frame
//! stays in the buffer until the next call on the session; only then are the
//! frames behind it processed. So memory is bounded by `RX`, nothing is
//! copied out, and nothing is dropped: while an event is unread the session
//! simply takes fewer bytes in `handle_bytes`.
//!
//! # Outgoing messages: kept until acknowledged, bounded
//!
//! [`Session::publish`] encodes the PUBLISH once into a `BUF`-byte store
//! with one of `INFLIGHT` slots; a QoS 1 / QoS 2 message stays there —
//! frame, payload and packet identifier — until its PUBACK / PUBCOMP, and is
//! resent (DUP set, without a Topic Alias, in the original order) when a
//! later connection resumes the session; after PUBREC only the PUBREL is.
//! A full store is an `Err` that changes nothing. A message with a Message
//! Expiry Interval that passes before it is first written is dropped and
//! reported ([`Event::MessageExpired`]); one written later carries what is
//! left of the interval. [`Session::snapshot`] /
//! [`Session::restore`] write and read this state as bytes so that a device
//! can power-cycle in the middle of a QoS 2 exchange and still deliver
//! exactly once.
//!
//! # The driver loop
//!
//! A client and a server in one process, bytes passed by hand: the loop
//! below is all an embedding needs (a socket instead of the `Vec`s, a real
//! clock instead of `now`).
//!
//! ```
//! use qos_engine::mqtt::{AcceptOptions, Config, ConnectOptions, Event, PublishOptions, Session};
//! use qos_engine::{Duration, Instant};
//! use mqtt_codec::{ProtocolLevel, QoS};
//!
//! /// Drains one session: bytes to `wire`, events to `seen`. Returns the
//! /// next deadline.
//! fn drain<const I: usize, const B: usize, const R: usize>(
//!     s: &mut Session<I, B, R>,
//!     now: Instant,
//!     wire: &mut Vec<u8>,
//!     seen: &mut Vec<String>,
//! ) -> Option<Instant> {
//!     let mut buf = [0u8; 4200];
//!     loop {
//!         let mut progress = false;
//!         while let Some(t) = s.poll_transmit(now, &mut buf) {
//!             wire.extend_from_slice(&buf[..t.len]);
//!             progress = true;
//!         }
//!         let mut accept = false;
//!         while let Some(ev) = s.poll_event() {
//!             progress = true;
//!             match ev {
//!                 Event::ConnectReceived { .. } => accept = true,
//!                 Event::Message { topic, payload, .. } => {
//!                     seen.push(format!("{topic}={}", String::from_utf8_lossy(payload)))
//!                 }
//!                 other => seen.push(format!("{other:?}")),
//!             }
//!         }
//!         if accept {
//!             s.accept(now, &AcceptOptions::default()).unwrap();
//!         }
//!         if !progress {
//!             return s.poll_timeout();
//!         }
//!     }
//! }
//!
//! let now = Instant::ZERO;
//! let mut client: Session = Session::new(Config::client(ProtocolLevel::V5), now);
//! let mut server: Session = Session::new(Config::server(), now);
//! client.handle_transport_up(now);
//! server.handle_transport_up(now);
//! client.connect(now, &ConnectOptions::new("sensor-1")).unwrap();
//! client.publish(now, &PublishOptions::new("t/temp", b"21.5", QoS::ExactlyOnce)).unwrap();
//!
//! let (mut to_server, mut to_client) = (Vec::new(), Vec::new());
//! let (mut client_seen, mut server_seen) = (Vec::new(), Vec::new());
//! for _ in 0..10 {
//!     drain(&mut client, now, &mut to_server, &mut client_seen);
//!     let mut input = &to_server[..];
//!     while !input.is_empty() {
//!         let n = server.handle_bytes(now, input);
//!         input = &input[n..];
//!         drain(&mut server, now, &mut to_client, &mut server_seen);
//!     }
//!     to_server.clear();
//!     let mut input = &to_client[..];
//!     while !input.is_empty() {
//!         let n = client.handle_bytes(now, input);
//!         input = &input[n..];
//!         drain(&mut client, now, &mut to_server, &mut client_seen);
//!     }
//!     to_client.clear();
//! }
//! assert_eq!(server_seen, ["t/temp=21.5"]);
//! assert_eq!(client.inflight(), 0); // PUBCOMP received
//! // Keep-alive: the client's next deadline is its PINGREQ, 60 s on.
//! assert_eq!(client.poll_timeout(), Some(now + Duration::from_secs(60)));
//! ```

mod alias;
mod frames;
mod inbound;
mod packet_id;
mod ring;
mod session;
mod snapshot;
mod store;
mod timer;
mod types;

#[cfg(feature = "sim")]
pub mod script;
#[cfg(feature = "sim")]
pub mod sim;

pub use alias::{ALIASES, ALIAS_BYTES};
pub use packet_id::{PacketIds, PacketIdsExhausted};
pub use session::Session;
pub use snapshot::SnapshotError;
pub use types::{
    AcceptOptions, AckKind, CommandError, Config, ConnectOptions, DisconnectCause, Event,
    PeerError, PublishOptions, Role, Stats, Transmit, WillOptions,
};
