//! # kio-core: the Kafka wire protocol, no_std, zero-copy, no heap
//!
//! Every request and response of every version of Kafka 3.9 to 4.3, generated from
//! Kafka's own JSON schemas. One type per message covers all its versions; the
//! version is a runtime argument. Decoding borrows strings, bytes and arrays
//! from the input and allocates nothing; encoding writes into any [`Sink`]
//! (a `&mut [u8]`, an `embedded_io::Write`, a `Vec` with `alloc`).
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
//! Features: `alloc` (owned forms, `into_owned`), `serde` (lossless JSON with
//! Kafka's field names), `defmt` (firmware logging), and the record-batch
//! compression codecs.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;

pub mod codec;
#[cfg(feature = "alloc")]
pub mod dynamic;
pub mod error;
pub mod frame;
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
