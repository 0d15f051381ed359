//! Kafka record batches: the bytes of a `records` field.
//!
//! * [`RecordBatches`] — a lazy, zero-copy iterator over a `records` field:
//!   magic-2 [`RecordBatch`]es (every header field, CRC-32C checked), legacy
//!   magic 0/1 [`LegacyMessage`]s, and a final [`Truncated`] item when a
//!   Fetch response cuts the last batch short (not an error).
//! * A batch is validated once when it is opened: its header is read from
//!   one fixed 61-byte slice, the CRC-32C is computed once over the batch,
//!   and for an uncompressed batch every record and header is checked by a
//!   walk that only skips (it builds nothing), so [`Records`] and [`Headers`]
//!   then read each field once from trusted bytes, without errors and
//!   without panics, whatever the input. Why two light walks rather than a
//!   fallible iterator: see [`record`].
//! * Compressed batches: [`RecordBatch::decompress_into`] (caller buffer) or
//!   `RecordBatch::decompress_to_vec` (with `alloc`), both bounded, then the
//!   same [`Records`] iterator.
//! * [`BatchWriter`] builds a batch in a caller buffer without heap;
//!   `RecordBatchBuilder` (with `alloc`) builds a `Vec<u8>`.
//! * [`ControlRecord`] decodes transaction markers.
//!
//! # Features
//!
//! Without `alloc` this module reads and writes uncompressed batches, checks
//! and computes CRCs, reads legacy message sets, and (with their features)
//! decompresses gzip, snappy and lz4 into caller buffers and compresses
//! snappy and lz4. gzip compression and zstd (both ways) need `alloc`. See
//! [`compression`] for the table. `hw-crc32c` uses the `crc32c` crate's
//! SSE 4.2 / ARMv8 instructions (targets with `std`); otherwise a portable
//! table-driven CRC is used.
//!
//! # Errors
//!
//! Every failure is a [`RecordsError`]: why ([`RecordsErrorKind`]), what was
//! being read, the byte offset and the batch index.

pub mod batch;
pub mod compression;
pub mod control;
pub mod crc;
pub mod error;
pub mod legacy;
pub mod record;
pub mod varint;
pub mod writer;

#[cfg(feature = "alloc")]
pub use batch::DecompressedRecords;
pub use batch::{
    BatchAttributes, BatchHeader, BatchItem, RecordBatch, RecordBatches, TimestampType, Truncated,
};
pub use compression::Compression;
pub use control::{ControlRecord, ControlRecordKey, ControlType, EndTxnMarker};
pub use error::{RecordsError, RecordsErrorKind};
#[cfg(feature = "alloc")]
pub use legacy::DecompressedLegacy;
pub use legacy::{LegacyMessage, LegacyMessages};
pub use record::{Header, Headers, Record, RecordContext, Records};
#[cfg(feature = "alloc")]
pub use writer::RecordBatchBuilder;
pub use writer::{BatchOptions, BatchWriter, NewRecord};
