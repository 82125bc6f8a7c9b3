//! Deterministic simulation: seeded lossy links on virtual time.
//!
//! Used by the engines' tests, the fuzz targets and `mqcoap demo`.
