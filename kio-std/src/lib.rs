//! # kio-std: kio for servers, proxies and tools
//!
//! Re-exports [`kio_core`] (with `alloc`, `serde` and every compression codec)
//! and adds what needs `std`:
//!
//! - [`io`]: bridges from `std::io` and tokio streams to kio-core's
//!   `embedded-io` frame functions (through `embedded-io-adapters`);
//! - [`codec`]: `tokio-util` frame codecs for servers and clients;
//! - [`connection`]: a tokio client connection with version negotiation;
//! - [`blocking`]: the same over `std::net`;
//! - [`server`]: accept connections, decode requests, answer them;
//! - [`json`]: the one JSON shape of frames used by the CLI, the proxy log and the browser;
//! - [`inspect`]: pair captured frames into a conversation (from kio-json);
//! - [`proxy`]: the inspecting proxy behind `kio proxy`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// This crate's README, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub use kio_core;

pub mod blocking;
pub mod codec;
pub mod connection;
pub use kio_json::inspect;
pub mod io;
pub use kio_json as json;
pub mod proxy;
pub mod server;
