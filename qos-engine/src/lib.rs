//! Sans-IO, allocation-free protocol engines: the MQTT session
//! (`mqtt::Session`) and the CoAP endpoint (`coap::Endpoint`).
//!
//! Every engine has the same shape: `new(config, now)`, `handle_*` inputs that
//! carry `now`, application commands that return `Result`, and `poll_transmit`,
//! `poll_event`, `poll_timeout` outputs. After every input or command, drain the
//! polls until they return `None` and re-arm the timer with `poll_timeout()`.
//! No engine reads a clock, draws randomness on its own, or allocates.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod rng;
pub mod time;

pub mod coap;
pub mod mqtt;

#[cfg(feature = "sim")]
pub mod sim;

pub use rng::Rng;
pub use time::{Duration, Instant};
