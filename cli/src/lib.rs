//! Blocking std-socket drivers for the mqcoap engines — the code behind the
//! `mqcoap` command line, small enough to copy into your own program.
//!
//! The engines (`qos_engine::mqtt::Session`, `qos_engine::coap::Endpoint`)
//! do no I/O and read no clock. A driver owns the socket and the clock and
//! runs the engines' contract: after every input, drain `poll_transmit` and
//! `poll_event`, then sleep until data arrives or `poll_timeout()` passes.
//!
//! - [`driver::mqtt::Driver`]: one TCP connection carrying an MQTT session.
//! - [`driver::coap::Driver`]: one UDP socket carrying a CoAP endpoint.
//! - [`driver::Clock`]: `std::time::Instant` → engine [`qos_engine::Instant`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod driver;
