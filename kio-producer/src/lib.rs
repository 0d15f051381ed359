//! # kio-producer: an idempotent Kafka producer for microcontrollers
//!
//! `#![no_std]`, no `alloc`, no copies of your records: a [`Producer`]
//! (blocking, over [`embedded_io`]) or an [`AsyncProducer`] (over
//! [`embedded_io_async`]) talks to one broker through a [`Link`] /
//! [`AsyncLink`] you implement (a socket, a UART bridged to TCP) and a
//! response buffer you own.
//!
//! * `connect` negotiates versions with ApiVersions (a broker that does not
//!   know our ApiVersions version answers at v0 with its own range, and we
//!   ask again at the highest version both know, as Kafka's clients do),
//!   finds the partition leaders with Metadata and gets a producer id and
//!   epoch with InitProducerId.
//! * You build a batch with kio-core's [`BatchWriter`](kio_core::records::BatchWriter)
//!   straight into your buffer ([`Producer::batch`]), optionally lz4- or
//!   snappy-compressed without a heap ([`Producer::finish`]).
//! * [`Producer::send`] stamps the producer id, epoch and the partition's
//!   next sequence number into the batch header (and its CRC), sends
//!   Produce with `acks=-1` and checks the partition's error code; see
//!   [`session`] for what happens on every broker error. The sequence only
//!   advances when the broker has the batch, so a retry (ours or yours) of
//!   the same batch can never be written twice.
//!
//! Responses are decoded with the generated types through kio-core's
//! error-free `read_valid` path ([`session::decode_lean`]: the same frames
//! accepted, the same values, but a refused frame is only
//! [`Error::Malformed`] with a byte offset), which keeps the error-building
//! decoders and their field names out of a firmware.
//!
//! The protocol logic (which request next, what an answer means) lives once,
//! sans-I/O, in [`session::Session`]; the blocking and async producers are
//! the same code expanded twice by one macro.
//!
//! With the `defmt` feature every step is logged with `defmt`.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[macro_use]
mod log;
pub mod config;
mod driver;
pub mod error;
pub mod link;
pub mod session;
pub mod stamp;

pub use config::Config;
pub use driver::asynch::AsyncProducer;
pub use driver::blocking::Producer;
#[cfg(feature = "fetch")]
pub use driver::Fetched;
pub use error::{Error, Failure};
pub use link::{AsyncLink, Link};
pub use session::Versions;
