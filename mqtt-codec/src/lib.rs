//! Strict, zero-copy, allocation-free MQTT codec for protocol levels 3 (3.1),
//! 4 (3.1.1) and 5 (5.0).
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;
