//! # kio-core: the Kafka wire protocol, no_std, zero-copy, no heap
//!
//! Every request and response of every version of Kafka 3.9.0 and 4.3.1 (93
//! APIs, 198 message schemas, 744 message versions), generated from Kafka's own JSON
//! schemas. One type per message covers all its versions; the version is a
//! runtime argument. Decoding borrows strings, bytes and arrays from the input
//! and allocates nothing; encoding writes into any [`Sink`] (a `&mut [u8]`, an
//! `embedded_io::Write`, a `Vec` with `alloc`). Decode → encode gives the same
//! bytes back, and hostile input is an error naming the field and byte offset,
//! never a panic.
//!
//! ```
//! use kio_core::messages::MetadataRequest;
//! use kio_core::messages::metadata_request::MetadataRequestTopic;
//! use kio_core::{Array, Message, SliceSink, Str};
//!
//! let topics = [MetadataRequestTopic { name: Some(Str::new("kp-test")), ..Default::default() }];
//! let req = MetadataRequest { topics: Some(Array::from(&topics)), ..Default::default() };
//! let mut buf = [0u8; 64];
//! let mut sink = SliceSink::new(&mut buf);
//! req.encode(&mut sink, 12).unwrap();
//! let n = sink.len();
//! assert_eq!(req.encoded_len(12).unwrap(), n);
//!
//! let back = MetadataRequest::decode(&buf[..n], 12).unwrap();
//! let first = back.topics.as_ref().unwrap().iter().next().unwrap();
//! assert_eq!(first.name.unwrap(), "kp-test");
//! ```
//!
//! ## Where to start
//!
//! ### Firmware (no heap, `embedded-io`)
//!
//! Build messages from stack data ([`Str::new`], [`Array::from`] over a slice)
//! and write whole frames straight into a UART or socket with
//! [`frame::write_request_frame`] (blocking, [`embedded_io::Write`]) or
//! [`frame::write_request_frame_async`] (Embassy, [`embedded_io_async::Write`]);
//! read the answer into a buffer you own with [`frame::read_frame`] /
//! [`frame::read_frame_async`] and decode it in place with
//! [`frame::decode_response`]. To produce, [`records::BatchWriter`] builds a
//! record batch in a caller buffer (compressed with snappy or lz4 through a
//! scratch buffer, still no heap); to consume,
//! [`records::RecordBatch::decompress_into`]. Build with
//! `default-features = false` plus only the codecs you need: the features
//! table below says what each costs in flash. `defmt` gives every message a
//! `defmt::Format` for logs. `examples/firmware` in the repository (a
//! Cortex-M4F Metadata exchange) takes about 13 KB of flash.
//!
//! ### Servers (brokers, mocks, test doubles)
//!
//! [`frame::decode_request`] reads the header and dispatches on it alone to a
//! [`RequestBody`] (one variant per API); answer with a [`ResponseBody`] or a
//! message type through [`frame::encode_response_frame`] /
//! [`frame::write_response_frame`], which pick the response header version
//! (including ApiVersions' v0 quirk). [`ApiKey`] knows every API's valid
//! versions, [`ErrorCode`] every error (name, message, retriable). With tokio,
//! [`kio-std`](https://docs.rs/kio-std)'s `server` and `codec` modules do the
//! accepting and framing.
//!
//! ```
//! use kio_core::frame::{decode_request, encode_response_frame};
//! use kio_core::messages::api_versions_response::{ApiVersion, ApiVersionsResponse};
//! use kio_core::messages::response_header::ResponseHeader;
//! use kio_core::{ApiKey, Array, RequestBody, SliceSink};
//!
//! /// Answers one request frame (without its size prefix) into `out`.
//! fn answer(frame: &[u8], out: &mut [u8]) -> Result<usize, Box<dyn std::error::Error>> {
//!     let (header, body) = decode_request(frame)?;
//!     let RequestBody::ApiVersions(_) = body else { return Err("not ApiVersions".into()) };
//!     let keys = [ApiVersion { api_key: ApiKey::ApiVersions.key(), min_version: 0, max_version: 4, ..Default::default() }];
//!     let response = ApiVersionsResponse { api_keys: Array::from(&keys), ..Default::default() };
//!     let rh = ResponseHeader { correlation_id: header.correlation_id, ..Default::default() };
//!     let version = header.request_api_version;
//!     Ok(encode_response_frame(&mut SliceSink::new(out), ApiKey::ApiVersions, version, &rh, &response)?)
//! }
//! # use kio_core::messages::{request_header::RequestHeader, ApiVersionsRequest};
//! # let header = RequestHeader { request_api_key: 18, request_api_version: 3, correlation_id: 9, ..Default::default() };
//! # let (mut req, mut out) = ([0u8; 64], [0u8; 64]);
//! # let n = kio_core::frame::encode_request_frame(&mut SliceSink::new(&mut req), &header, &ApiVersionsRequest::default()).unwrap();
//! # let m = answer(&req[4..n], &mut out).unwrap();
//! # let (rh, _) = kio_core::frame::decode_response(&out[4..m], ApiKey::ApiVersions, 3).unwrap();
//! # assert_eq!(rh.correlation_id, 9);
//! ```
//!
//! ### Proxies and traffic inspectors
//!
//! [`frame::peek_request`] reads a request's API, version and correlation id
//! without decoding its body; a response names neither its API nor its
//! version, so keep those per correlation id and decode the response with
//! [`frame::decode_response`]. Frames of APIs or versions you do not know can
//! be forwarded untouched. Because decoding is byte-exact (unknown tagged
//! fields are kept), a proxy can change one field — a broker's advertised
//! host in a Metadata response — and re-encode the rest unchanged. With
//! `alloc`, `IntoOwned::into_owned` keeps a decoded message past its
//! buffer, and `serde` gives lossless JSON in Kafka's own field names (the
//! `kio` CLI and proxy log, [`kio-json`](https://docs.rs/kio-json)).
//!
//! ```
//! use kio_core::frame::{decode_response, peek_request};
//! use kio_core::{ApiKey, DecodeError, ResponseBody};
//!
//! /// Looks into one exchange; the proxy forwards the bytes either way.
//! fn inspect(request: &[u8], response: &[u8]) -> Result<(), DecodeError> {
//!     let req = peek_request(request)?; // key, version, correlation id
//!     let Some(api) = ApiKey::from_i16(req.api_key) else { return Ok(()) }; // unknown API
//!     let (header, body) = decode_response(response, api, req.api_version)?;
//!     if let ResponseBody::Metadata(m) = body {
//!         for b in m.brokers.iter() {
//!             println!("{}: broker {} advertises {}:{}", header.correlation_id, b.node_id, b.host, b.port);
//!         }
//!     }
//!     Ok(())
//! }
//! ```
//!
//! ### Tools
//!
//! [`ALL_SCHEMAS`] / [`find_schema`] are the static schema of every message
//! (versions, fields, types, defaults, about-text); with `alloc`, `dynamic`
//! decodes and encodes any message by walking them, recording each field's
//! byte span (the browser devtools use it).
//!
//! ## Cargo features
//!
//! No feature is on by default. "Flash" is what using the feature adds to a
//! Cortex-M4F firmware (`thumbv7em-none-eabihf`, `opt-level = "s"`, LTO),
//! measured by `scripts/feature-size.sh` with the probe in
//! `examples/feature-size`: a Metadata request and response plus one record
//! batch written and one read (35.2 KiB with no feature). Enabling a feature
//! and not using it costs nothing after LTO.
//!
//! | feature | gives | needs | flash when used |
//! |---|---|---|---|
//! | `alloc` | owned forms (`String`/`Vec`-backed strings, bytes and arrays), `IntoOwned`, `Vec` sinks, `decompress_to_vec`, `RecordBatchBuilder`, `dynamic` | a global allocator | +22.5 KiB (`into_owned()` of a Metadata response) |
//! | `serde` | `Serialize`/`Deserialize` for every message: lossless JSON in Kafka's field names | `alloc` | +20.9 KiB (a Metadata response to JSON, `serde_json` included) |
//! | `defmt` | `defmt::Format` for every message, for firmware logs | a `defmt` logger | +5.5 KiB (a Metadata response printed; the format strings stay on the host) |
//! | `gzip` | gzip batches: decompression into caller buffers; compression | compression: `alloc` | +9.9 KiB (decompression) |
//! | `snappy` | snappy batches (raw and xerial framing), both ways | — | +3.2 KiB |
//! | `lz4` | LZ4-frame batches, both ways (`lz4_flex`) | — | +6.9 KiB |
//! | `zstd` | zstd batches, both ways (pure-Rust `ruzstd`) | `alloc` | +47.7 KiB |
//! | `compression` | all four codecs | `alloc` (for zstd) | +69.1 KiB (gzip, snappy and lz4 alone: +20.8 KiB) |
//! | `hw-crc32c` | hardware CRC-32C (SSE 4.2, ARMv8) through `crc32c` | `std` | — (std targets only) |
//! | `index` | `Message::decode_indexed` and `wire::Index`: a decode index in caller storage that makes walking nested arrays faster (docs/PERFORMANCE.md); every decoded array view grows by 16 bytes | atomics (`AtomicU32`) | not measured: a speed feature for hosted targets |
//!
//! Without `alloc` you can read and write uncompressed batches, decompress
//! gzip, snappy and lz4 into caller buffers, and compress snappy and lz4;
//! gzip compression and zstd need `alloc`. On docs.rs every feature is on and
//! each gated item is marked with the feature it needs.
//!
//! ## Versions
//!
//! This release speaks Kafka 3.9's protocol. The minimum supported Rust
//! version is 1.87. How kio versions follow Kafka releases, and what counts as
//! a breaking change: `docs/VERSIONING.md` in the
//! [repository](https://github.com/kio-rs/kio/blob/main/docs/VERSIONING.md).
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;

pub mod codec;
pub mod consumer_protocol;
#[cfg(feature = "alloc")]
pub mod dynamic;
pub mod error;
pub mod frame;
// Formatted by kio-gen (prettyplease); rustfmt must leave it as generated.
#[rustfmt::skip]
pub mod internal_records;
pub mod internal_topics;
// Formatted by kio-gen (prettyplease); rustfmt must leave it as generated.
#[rustfmt::skip]
pub mod generated;
#[cfg(feature = "alloc")]
pub mod owned;
pub mod records;
mod rt;
pub mod schema;
#[cfg(feature = "serde")]
mod serde_impls;
pub mod types;
pub mod wire;

/// The README's examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// This crate's README (the one crates.io shows), compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;

/// Every message type, one module per message (re-exported from the generated code).
pub mod messages {
    pub use crate::generated::*;
}

pub use codec::{Cx, Message, Request, Response, Struct, Wire};
pub use error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
pub use generated::{
    find_schema, ApiKey, ErrorCode, RequestBody, ResponseBody, ALL_SCHEMAS, RELEASES,
};
#[cfg(feature = "alloc")]
pub use owned::IntoOwned;
pub use schema::{
    FieldSchema, FieldType, MessageKind, MessageSchema, Provenance, ReleaseVersions, VersionRange,
};
#[cfg(feature = "serde")]
pub use serde_impls::float64;
pub use types::{Array, Bytes, RawTag, RecordsBytes, Str, UnknownTags, Uuid};
pub use wire::{CountingSink, IoSink, Reader, Sink, SliceSink};
