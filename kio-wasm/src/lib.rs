//! # kio-wasm: Kafka devtools for the browser
//!
//! wasm-bindgen bindings over kio-core, published to npm as `@kio-rs/wasm`
//! (built by `scripts/build-wasm.sh`). Decode bytes into the `kio` CLI's
//! JSON shape, encode JSON back to identical bytes, get the byte span of
//! every field, browse the schemas and read pcap/pcapng captures into a
//! conversation.
//!
//! The browser path is driven by the static schema tables through kio-core's
//! schema-driven codec ([`kio_core::dynamic`], via [`kio_json::dynamic`]),
//! not by the generated per-message codecs: one small interpreter instead of
//! ~450 monomorphized structs, and the interpreter records byte spans. Tests
//! in `kio-json` check it against the generated codec on the same bytes.
//!
//! [`devtools`] holds the logic in plain Rust (tested on the host);
//! `bindings` is the thin JavaScript layer.
#![forbid(unsafe_code)]

mod bindings;
pub mod devtools;
pub mod facts;
pub mod meaning;
