//! Deterministic simulation: seeded lossy links on virtual time.
//!
//! Used by the engines' tests, the fuzz targets and `mqcoap demo`. Everything
//! here is driven by a seed and by [`Instant`](crate::Instant) values the
//! caller advances; nothing reads a clock.

pub mod datagram;
pub mod stream;
