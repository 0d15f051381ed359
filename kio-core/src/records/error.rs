//! The error type of the `records` module: what was being read, where, and why.

use core::fmt;

/// Why reading or writing records failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordsErrorKind {
    /// The bytes ended before the item did (inside a region whose length was
    /// already known, so this is corruption, not a truncated batch).
    UnexpectedEof {
        /// Bytes the item needed from `offset` on.
        needed: usize,
        /// Bytes that were there.
        available: usize,
    },
    /// A varint longer than 5 bytes or a varlong longer than 10 bytes.
    VarintTooLong,
    /// A batch or message length that cannot hold even its own header.
    InvalidBatchLength(i32),
    /// A magic byte this module does not know (only 0, 1 and 2 exist).
    UnsupportedMagic(i8),
    /// The stored CRC does not match the bytes.
    CrcMismatch {
        /// The CRC stored in the batch or message.
        stored: u32,
        /// The CRC computed over the bytes.
        computed: u32,
        /// The batch's (or message's) base offset, to name it in logs.
        base_offset: i64,
    },
    /// A length prefix below -1, or -1 where null is not allowed.
    InvalidLength(i64),
    /// The batch declares a negative record count or more records than its
    /// bytes can possibly hold.
    InvalidRecordCount(i32),
    /// The records section held a different number of records than declared.
    RecordCountMismatch {
        /// The count in the batch header.
        declared: i32,
        /// Records actually found before the bytes ran out.
        found: u32,
    },
    /// A record's length prefix disagrees with the fields inside it.
    RecordLengthMismatch,
    /// Bytes left over after the last record of a batch.
    TrailingBytes(usize),
    /// A header key that is not UTF-8.
    InvalidUtf8,
    /// The batch is compressed: decompress its records first.
    Compressed,
    /// A compression codec id outside 0..=4.
    UnknownCodec(u8),
    /// A known codec whose cargo feature is not enabled (or which needs `alloc`).
    CodecNotEnabled(super::Compression),
    /// The compressed data is corrupt (the codec's reason).
    Decompression(&'static str),
    /// Decompressed data would exceed the caller's limit or buffer
    /// (a decompression bomb, or a buffer that is too small).
    OutputTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The output buffer of a writer is too small.
    BufferTooSmall {
        /// Bytes needed at least.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// A value that the wire format cannot carry (a delta out of `i32`
    /// range, more than `i32::MAX` records, a length over `i32::MAX`, ...).
    OutOfRange,
    /// Records are appended out of offset order or after `finish`.
    InvalidState,
    /// A control record whose key or value has an unknown layout.
    InvalidControlRecord,
}

/// An error reading or writing records: what, where (byte offset) and why.
///
/// `offset` counts from the start of the bytes handed to the view (the
/// `records` field), or of the decompressed buffer for records inside a
/// compressed batch. `batch` is the index of the batch (or legacy message) in
/// the `records` field, when known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordsError {
    /// Why it failed.
    pub kind: RecordsErrorKind,
    /// What was being read or written (a field name such as `"record key"`).
    pub what: &'static str,
    /// Byte offset where the failing item starts.
    pub offset: usize,
    /// Index of the batch in the `records` field, if known.
    pub batch: Option<usize>,
}

impl RecordsError {
    /// A new error with no batch index.
    pub const fn new(kind: RecordsErrorKind, what: &'static str, offset: usize) -> Self {
        RecordsError {
            kind,
            what,
            offset,
            batch: None,
        }
    }

    /// The same error, naming the batch index (kept if already set).
    pub const fn in_batch(mut self, index: usize) -> Self {
        if self.batch.is_none() {
            self.batch = Some(index);
        }
        self
    }

    /// The same error with `delta` added to its offset (saturating).
    pub const fn shifted(mut self, delta: usize) -> Self {
        self.offset = self.offset.saturating_add(delta);
        self
    }
}

impl fmt::Display for RecordsErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::UnexpectedEof { needed, available } => {
                write!(f, "needs {needed} bytes, {available} available")
            }
            Self::VarintTooLong => f.write_str("varint too long"),
            Self::InvalidBatchLength(l) => write!(f, "invalid length {l}"),
            Self::UnsupportedMagic(m) => write!(f, "unsupported magic {m}"),
            Self::CrcMismatch {
                stored,
                computed,
                base_offset,
            } => write!(
                f,
                "CRC mismatch at base offset {base_offset}: stored {stored:#010x}, computed {computed:#010x}"
            ),
            Self::InvalidLength(l) => write!(f, "invalid length prefix {l}"),
            Self::InvalidRecordCount(c) => write!(f, "invalid record count {c}"),
            Self::RecordCountMismatch { declared, found } => {
                write!(f, "declared {declared} records, found {found}")
            }
            Self::RecordLengthMismatch => f.write_str("record length disagrees with its fields"),
            Self::TrailingBytes(n) => write!(f, "{n} trailing bytes after the last record"),
            Self::InvalidUtf8 => f.write_str("not UTF-8"),
            Self::Compressed => f.write_str("batch is compressed; decompress it first"),
            Self::UnknownCodec(c) => write!(f, "unknown compression codec {c}"),
            Self::CodecNotEnabled(c) => write!(f, "codec {c:?} not enabled in this build"),
            Self::Decompression(why) => write!(f, "corrupt compressed data: {why}"),
            Self::OutputTooLarge { limit } => {
                write!(f, "decompressed data exceeds the limit of {limit} bytes")
            }
            Self::BufferTooSmall { needed, available } => {
                write!(f, "buffer too small: needs {needed} bytes, has {available}")
            }
            Self::OutOfRange => f.write_str("value out of range for the wire format"),
            Self::InvalidState => f.write_str("invalid writer state"),
            Self::InvalidControlRecord => f.write_str("invalid control record"),
        }
    }
}

impl fmt::Display for RecordsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} at byte {}", self.what, self.kind, self.offset)?;
        if let Some(b) = self.batch {
            write!(f, " (batch {b})")?;
        }
        Ok(())
    }
}

impl core::error::Error for RecordsError {}

/// Shorthand for results of this module.
pub type Result<T> = core::result::Result<T, RecordsError>;
