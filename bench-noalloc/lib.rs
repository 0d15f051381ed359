//! Nothing here: see `benches/walk.rs` and the crate's description.
#![no_std]
