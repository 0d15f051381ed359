//! Magic-2 record batches: the header view, validation at open, and the
//! iterator over a `records` field.

use super::compression::Compression;
use super::crc::crc32c;
use super::error::{RecordsError, RecordsErrorKind, Result};
use super::legacy::LegacyMessage;
use super::record::{RecordContext, Records};
use super::varint::Reader;

/// Bytes before a batch's length field is complete: base offset + length.
pub const LOG_OVERHEAD: usize = 12;
/// Bytes up to and including the magic byte, common to every message format.
pub const HEADER_SIZE_UP_TO_MAGIC: usize = 17;
/// Size of a magic-2 batch header (records start here).
pub const RECORD_BATCH_OVERHEAD: usize = 61;
/// Offset of the CRC field in a magic-2 batch.
pub const CRC_OFFSET: usize = 17;
/// Offset of the attributes field: the CRC covers from here to the end.
pub const ATTRIBUTES_OFFSET: usize = 21;
/// Offset of the record count field.
pub const RECORDS_COUNT_OFFSET: usize = 57;
/// Producer id meaning "no producer id".
pub const NO_PRODUCER_ID: i64 = -1;
/// Producer epoch meaning "no producer epoch".
pub const NO_PRODUCER_EPOCH: i16 = -1;
/// Base sequence meaning "no sequence".
pub const NO_SEQUENCE: i32 = -1;
/// Partition leader epoch meaning "unknown".
pub const NO_PARTITION_LEADER_EPOCH: i32 = -1;

/// How a batch's timestamps are to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimestampType {
    /// Set by the producer.
    CreateTime,
    /// Set by the broker on append; every record's timestamp is the batch's max timestamp.
    LogAppendTime,
}

/// The 16-bit attributes of a magic-2 batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BatchAttributes(pub i16);

impl BatchAttributes {
    /// Bits 0-2: the compression codec id.
    pub const COMPRESSION_MASK: i16 = 0x07;
    /// Bit 3: log-append time.
    pub const TIMESTAMP_TYPE: i16 = 0x08;
    /// Bit 4: part of a transaction.
    pub const TRANSACTIONAL: i16 = 0x10;
    /// Bit 5: a control batch (transaction markers and the like).
    pub const CONTROL: i16 = 0x20;
    /// Bit 6: the batch's base timestamp is a delete horizon (compaction).
    pub const DELETE_HORIZON: i16 = 0x40;

    /// The compression codec id (0-7; 5-7 are unknown).
    pub const fn codec_id(self) -> u8 {
        (self.0 & Self::COMPRESSION_MASK) as u8
    }

    /// The compression codec, or an error naming an unknown id.
    pub fn compression(self) -> core::result::Result<Compression, u8> {
        Compression::from_id(self.codec_id())
    }

    /// The timestamp type.
    pub const fn timestamp_type(self) -> TimestampType {
        if self.0 & Self::TIMESTAMP_TYPE != 0 {
            TimestampType::LogAppendTime
        } else {
            TimestampType::CreateTime
        }
    }

    /// `true` if the batch is part of a transaction.
    pub const fn is_transactional(self) -> bool {
        self.0 & Self::TRANSACTIONAL != 0
    }

    /// `true` if the batch holds control records.
    pub const fn is_control(self) -> bool {
        self.0 & Self::CONTROL != 0
    }

    /// `true` if the base timestamp is a delete horizon.
    pub const fn has_delete_horizon(self) -> bool {
        self.0 & Self::DELETE_HORIZON != 0
    }

    /// Attributes built from their parts.
    pub const fn new(
        compression: Compression,
        timestamp_type: TimestampType,
        transactional: bool,
        control: bool,
    ) -> Self {
        let mut a = compression.id() as i16;
        if matches!(timestamp_type, TimestampType::LogAppendTime) {
            a |= Self::TIMESTAMP_TYPE;
        }
        if transactional {
            a |= Self::TRANSACTIONAL;
        }
        if control {
            a |= Self::CONTROL;
        }
        BatchAttributes(a)
    }
}

/// Every field of a magic-2 batch header, as on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BatchHeader {
    /// Offset of the first record.
    pub base_offset: i64,
    /// Bytes after the length field (the batch is `12 + batch_length` bytes).
    pub batch_length: i32,
    /// Leader epoch stamped by the broker.
    pub partition_leader_epoch: i32,
    /// Message format version: 2.
    pub magic: i8,
    /// Stored CRC-32C over attributes..end.
    pub crc: u32,
    /// Attributes: codec, timestamp type, transactional, control.
    pub attributes: BatchAttributes,
    /// Offset delta of the last record.
    pub last_offset_delta: i32,
    /// Timestamp of the first record (or delete horizon).
    pub base_timestamp: i64,
    /// Largest record timestamp.
    pub max_timestamp: i64,
    /// Producer id, -1 if none.
    pub producer_id: i64,
    /// Producer epoch, -1 if none.
    pub producer_epoch: i16,
    /// Sequence number of the first record, -1 if none.
    pub base_sequence: i32,
    /// Number of records declared.
    pub record_count: i32,
}

impl BatchHeader {
    /// Reads the 61-byte header at the start of `bytes` (no checks beyond lengths).
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn read(bytes: &[u8], base: usize) -> Result<Self> {
        match bytes.first_chunk::<RECORD_BATCH_OVERHEAD>() {
            Some(h) => Ok(Self::from_array(h)),
            None => Self::read_short(bytes, base),
        }
    }

    /// The header fields of a complete 61-byte header.
    fn from_array(h: &[u8; RECORD_BATCH_OVERHEAD]) -> Self {
        fn be<const N: usize>(h: &[u8; RECORD_BATCH_OVERHEAD], at: usize) -> [u8; N] {
            let mut a = [0u8; N];
            if let Some(s) = h.get(at..at + N) {
                a.copy_from_slice(s);
            }
            a
        }
        BatchHeader {
            base_offset: i64::from_be_bytes(be(h, 0)),
            batch_length: i32::from_be_bytes(be(h, 8)),
            partition_leader_epoch: i32::from_be_bytes(be(h, 12)),
            magic: i8::from_be_bytes(be(h, 16)),
            crc: u32::from_be_bytes(be(h, CRC_OFFSET)),
            attributes: BatchAttributes(i16::from_be_bytes(be(h, ATTRIBUTES_OFFSET))),
            last_offset_delta: i32::from_be_bytes(be(h, 23)),
            base_timestamp: i64::from_be_bytes(be(h, 27)),
            max_timestamp: i64::from_be_bytes(be(h, 35)),
            producer_id: i64::from_be_bytes(be(h, 43)),
            producer_epoch: i16::from_be_bytes(be(h, 51)),
            base_sequence: i32::from_be_bytes(be(h, 53)),
            record_count: i32::from_be_bytes(be(h, RECORDS_COUNT_OFFSET)),
        }
    }

    /// A header cut short: the error names the first missing field.
    #[cold]
    #[inline(never)]
    fn read_short(bytes: &[u8], base: usize) -> Result<Self> {
        let mut r = Reader::new(bytes, base);
        Ok(BatchHeader {
            base_offset: r.i64("batch base offset")?,
            batch_length: r.i32("batch length")?,
            partition_leader_epoch: r.i32("batch partition leader epoch")?,
            magic: r.i8("batch magic")?,
            crc: r.u32("batch crc")?,
            attributes: BatchAttributes(r.i16("batch attributes")?),
            last_offset_delta: r.i32("batch last offset delta")?,
            base_timestamp: r.i64("batch base timestamp")?,
            max_timestamp: r.i64("batch max timestamp")?,
            producer_id: r.i64("batch producer id")?,
            producer_epoch: r.i16("batch producer epoch")?,
            base_sequence: r.i32("batch base sequence")?,
            record_count: r.i32("batch record count")?,
        })
    }

    /// Writes the 61-byte header into `out[..61]`; `None` if `out` is shorter.
    pub fn write(&self, out: &mut [u8]) -> Option<()> {
        let out = out.get_mut(..RECORD_BATCH_OVERHEAD)?;
        let parts: [&[u8]; 13] = [
            &self.base_offset.to_be_bytes(),
            &self.batch_length.to_be_bytes(),
            &self.partition_leader_epoch.to_be_bytes(),
            &self.magic.to_be_bytes(),
            &self.crc.to_be_bytes(),
            &self.attributes.0.to_be_bytes(),
            &self.last_offset_delta.to_be_bytes(),
            &self.base_timestamp.to_be_bytes(),
            &self.max_timestamp.to_be_bytes(),
            &self.producer_id.to_be_bytes(),
            &self.producer_epoch.to_be_bytes(),
            &self.base_sequence.to_be_bytes(),
            &self.record_count.to_be_bytes(),
        ];
        let mut pos = 0;
        for p in parts {
            out.get_mut(pos..pos + p.len())?.copy_from_slice(p);
            pos += p.len();
        }
        Some(())
    }

    /// The context records need to compute absolute offsets and timestamps.
    pub fn record_context(&self) -> RecordContext {
        RecordContext {
            base_offset: self.base_offset,
            base_timestamp: self.base_timestamp,
            max_timestamp: self.max_timestamp,
            log_append_time: matches!(
                self.attributes.timestamp_type(),
                TimestampType::LogAppendTime
            ),
        }
    }
}

/// A validated magic-2 record batch borrowing from the input.
///
/// Made by [`RecordBatches`] or [`RecordBatch::parse`]: the length, magic,
/// codec and (unless turned off) CRC are checked, and for an uncompressed
/// batch every record is checked too, so [`RecordBatch::records`] cannot fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordBatch<'a> {
    header: BatchHeader,
    compression: Compression,
    bytes: &'a [u8],
    position: usize,
    index: usize,
    records: Option<Records<'a>>,
}

impl<'a> RecordBatch<'a> {
    /// Parses and validates exactly one batch occupying all of `bytes`
    /// (checking the CRC).
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let b = Self::open(bytes, 0, true)?;
        if b.bytes.len() != bytes.len() {
            return Err(RecordsError::new(
                RecordsErrorKind::TrailingBytes(bytes.len().saturating_sub(b.bytes.len())),
                "record batch",
                b.bytes.len(),
            ));
        }
        Ok(b)
    }

    /// Opens the batch at the start of `bytes` (which may hold more after it);
    /// `position` is its absolute offset, for errors.
    pub(crate) fn open(bytes: &'a [u8], position: usize, verify_crc: bool) -> Result<Self> {
        let header = BatchHeader::read(bytes, position)?;
        let len = header.batch_length;
        let total = usize::try_from(len)
            .ok()
            .filter(|&l| l >= RECORD_BATCH_OVERHEAD - LOG_OVERHEAD)
            .and_then(|l| l.checked_add(LOG_OVERHEAD))
            .ok_or(RecordsError::new(
                RecordsErrorKind::InvalidBatchLength(len),
                "batch length",
                position.saturating_add(8),
            ))?;
        if header.magic != 2 {
            return Err(RecordsError::new(
                RecordsErrorKind::UnsupportedMagic(header.magic),
                "batch magic",
                position.saturating_add(16),
            ));
        }
        let bytes = bytes.get(..total).ok_or(RecordsError::new(
            RecordsErrorKind::UnexpectedEof {
                needed: total,
                available: bytes.len(),
            },
            "record batch",
            position,
        ))?;
        if verify_crc {
            let computed = crc32c(bytes.get(ATTRIBUTES_OFFSET..).unwrap_or(&[]));
            if computed != header.crc {
                return Err(RecordsError::new(
                    RecordsErrorKind::CrcMismatch {
                        stored: header.crc,
                        computed,
                        base_offset: header.base_offset,
                    },
                    "batch crc",
                    position.saturating_add(CRC_OFFSET),
                ));
            }
        }
        let compression = header.attributes.compression().map_err(|id| {
            RecordsError::new(
                RecordsErrorKind::UnknownCodec(id),
                "batch attributes",
                position.saturating_add(ATTRIBUTES_OFFSET),
            )
        })?;
        if header.record_count < 0 {
            return Err(RecordsError::new(
                RecordsErrorKind::InvalidRecordCount(header.record_count),
                "batch record count",
                position.saturating_add(RECORDS_COUNT_OFFSET),
            ));
        }
        let records_bytes = bytes.get(RECORD_BATCH_OVERHEAD..).unwrap_or(&[]);
        let records = if compression == Compression::None {
            Some(Records::parse(
                records_bytes,
                header.record_count,
                header.record_context(),
                position.saturating_add(RECORD_BATCH_OVERHEAD),
            )?)
        } else {
            None
        };
        Ok(RecordBatch {
            header,
            compression,
            bytes,
            position,
            index: 0,
            records,
        })
    }

    /// All header fields.
    pub fn header(&self) -> &BatchHeader {
        &self.header
    }
    /// Offset of the first record.
    pub fn base_offset(&self) -> i64 {
        self.header.base_offset
    }
    /// The batch length field (bytes after it).
    pub fn batch_length(&self) -> i32 {
        self.header.batch_length
    }
    /// Leader epoch stamped by the broker.
    pub fn partition_leader_epoch(&self) -> i32 {
        self.header.partition_leader_epoch
    }
    /// Magic byte (always 2 here).
    pub fn magic(&self) -> i8 {
        self.header.magic
    }
    /// Stored CRC-32C.
    pub fn crc(&self) -> u32 {
        self.header.crc
    }
    /// Raw attributes.
    pub fn attributes(&self) -> BatchAttributes {
        self.header.attributes
    }
    /// Compression codec of the records section.
    pub fn compression(&self) -> Compression {
        self.compression
    }
    /// Timestamp type.
    pub fn timestamp_type(&self) -> TimestampType {
        self.header.attributes.timestamp_type()
    }
    /// Part of a transaction.
    pub fn is_transactional(&self) -> bool {
        self.header.attributes.is_transactional()
    }
    /// Holds control records.
    pub fn is_control(&self) -> bool {
        self.header.attributes.is_control()
    }
    /// Offset delta of the last record.
    pub fn last_offset_delta(&self) -> i32 {
        self.header.last_offset_delta
    }
    /// Base timestamp.
    pub fn base_timestamp(&self) -> i64 {
        self.header.base_timestamp
    }
    /// Max timestamp.
    pub fn max_timestamp(&self) -> i64 {
        self.header.max_timestamp
    }
    /// Producer id.
    pub fn producer_id(&self) -> i64 {
        self.header.producer_id
    }
    /// Producer epoch.
    pub fn producer_epoch(&self) -> i16 {
        self.header.producer_epoch
    }
    /// Base sequence.
    pub fn base_sequence(&self) -> i32 {
        self.header.base_sequence
    }
    /// Declared record count (validated non-negative).
    pub fn record_count(&self) -> i32 {
        self.header.record_count
    }
    /// Offset of the last record: base offset + last offset delta.
    pub fn last_offset(&self) -> i64 {
        self.header
            .base_offset
            .wrapping_add(i64::from(self.header.last_offset_delta))
    }
    /// The whole batch's bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }
    /// The records section as stored (compressed or not).
    pub fn records_bytes(&self) -> &'a [u8] {
        self.bytes.get(RECORD_BATCH_OVERHEAD..).unwrap_or(&[])
    }
    /// Byte offset of the batch in the input.
    pub fn position(&self) -> usize {
        self.position
    }
    /// Index of the batch in the input (0 when parsed alone).
    pub fn index(&self) -> usize {
        self.index
    }
    /// CRC-32C of the bytes as they are (compare with [`Self::crc`]).
    pub fn computed_crc(&self) -> u32 {
        crc32c(self.bytes.get(ATTRIBUTES_OFFSET..).unwrap_or(&[]))
    }

    /// The records of an uncompressed batch (validated at open, so iteration
    /// cannot fail); [`RecordsErrorKind::Compressed`] for a compressed batch.
    pub fn records(&self) -> Result<Records<'a>> {
        self.records.clone().ok_or(RecordsError::new(
            RecordsErrorKind::Compressed,
            "batch records",
            self.position.saturating_add(RECORD_BATCH_OVERHEAD),
        ))
    }

    /// Decompresses the records section into `out` and validates it.
    ///
    /// The decompressed size may not exceed `out.len()` (a larger one is
    /// [`RecordsErrorKind::OutputTooLarge`]). For an uncompressed batch this
    /// copies. Error offsets inside the records count from `out[0]`.
    pub fn decompress_into<'o>(&self, out: &'o mut [u8]) -> Result<Records<'o>> {
        let n = super::compression::decompress_into(self.compression, self.records_bytes(), out)
            .map_err(|e| e.in_batch(self.index))?;
        let out: &'o [u8] = out;
        let data = out.get(..n).unwrap_or(&[]);
        Records::parse(
            data,
            self.header.record_count,
            self.header.record_context(),
            0,
        )
        .map_err(|e| e.in_batch(self.index))
    }

    /// Decompresses the records section into a new `Vec` of at most
    /// `max_len` bytes and validates it.
    #[cfg(feature = "alloc")]
    pub fn decompress_to_vec(&self, max_len: usize) -> Result<DecompressedRecords> {
        let data =
            super::compression::decompress_to_vec(self.compression, self.records_bytes(), max_len)
                .map_err(|e| e.in_batch(self.index))?;
        Records::parse(
            &data,
            self.header.record_count,
            self.header.record_context(),
            0,
        )
        .map_err(|e| e.in_batch(self.index))?;
        Ok(DecompressedRecords {
            data,
            count: self.header.record_count,
            ctx: self.header.record_context(),
        })
    }
}

/// Decompressed records of one batch, owned; iterate with [`Self::records`].
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecompressedRecords {
    data: alloc::vec::Vec<u8>,
    count: i32,
    ctx: RecordContext,
}

#[cfg(feature = "alloc")]
impl DecompressedRecords {
    /// The decompressed records section.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// The records (validated when this value was made).
    pub fn records(&self) -> Records<'_> {
        Records::trusted(&self.data, self.count.max(0) as u32, self.ctx, 0)
    }
}

/// The input ended partway through a batch — normal at the end of a Fetch
/// response (brokers cut at `max_bytes`), so not an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Truncated {
    /// Byte offset where the partial batch starts.
    pub offset: usize,
    /// Bytes present from `offset` on.
    pub available: usize,
    /// Bytes the batch needs: its full size when the length field was
    /// complete, else the 12 bytes needed to read that field.
    pub needed: usize,
}

/// One item of a `records` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchItem<'a> {
    /// A validated magic-2 record batch.
    Batch(RecordBatch<'a>),
    /// A validated legacy (magic 0 or 1) message, possibly a compressed wrapper.
    Legacy(LegacyMessage<'a>),
    /// The last batch is cut short; iteration ends after this.
    Truncated(Truncated),
}

/// Lazy iterator over the batches of a `records` field, borrowing from it.
///
/// Yields `Ok(BatchItem)` per batch, at most one final
/// `Ok(BatchItem::Truncated)`, or one `Err` after which it ends.
#[derive(Debug, Clone)]
pub struct RecordBatches<'a> {
    bytes: &'a [u8],
    pos: usize,
    index: usize,
    verify_crc: bool,
    done: bool,
}

impl<'a> RecordBatches<'a> {
    /// A view over `bytes` (a `records` field), checking CRCs.
    pub fn new(bytes: &'a [u8]) -> Self {
        RecordBatches {
            bytes,
            pos: 0,
            index: 0,
            verify_crc: true,
            done: false,
        }
    }

    /// Turns CRC checks on or off (on by default).
    pub fn verify_crc(mut self, on: bool) -> Self {
        self.verify_crc = on;
        self
    }

    /// Byte offset of the next batch.
    pub fn position(&self) -> usize {
        self.pos
    }

    fn step(&mut self) -> Result<Option<BatchItem<'a>>> {
        let rest = self.bytes.get(self.pos..).unwrap_or(&[]);
        if rest.is_empty() {
            return Ok(None);
        }
        let truncated = |needed: usize| Truncated {
            offset: self.pos,
            available: rest.len(),
            needed,
        };
        let Some(len) = be_i32(rest, 8) else {
            return Ok(Some(BatchItem::Truncated(truncated(LOG_OVERHEAD))));
        };
        let Some(&magic) = rest.get(16) else {
            // Length known, magic not there yet.
            return match usize::try_from(len) {
                Ok(l) if l >= HEADER_SIZE_UP_TO_MAGIC - LOG_OVERHEAD => Ok(Some(
                    BatchItem::Truncated(truncated(l.saturating_add(LOG_OVERHEAD))),
                )),
                _ => Err(RecordsError::new(
                    RecordsErrorKind::InvalidBatchLength(len),
                    "batch length",
                    self.pos + 8,
                )),
            };
        };
        let min = match magic {
            2 => RECORD_BATCH_OVERHEAD,
            0 | 1 => super::legacy::min_message_size(magic as i8),
            m => {
                return Err(RecordsError::new(
                    RecordsErrorKind::UnsupportedMagic(m as i8),
                    "batch magic",
                    self.pos + 16,
                ))
            }
        };
        let total = usize::try_from(len)
            .ok()
            .and_then(|l| l.checked_add(LOG_OVERHEAD))
            .filter(|&t| t >= min)
            .ok_or(RecordsError::new(
                RecordsErrorKind::InvalidBatchLength(len),
                "batch length",
                self.pos + 8,
            ))?;
        if rest.len() < total {
            return Ok(Some(BatchItem::Truncated(truncated(total))));
        }
        let item = if magic == 2 {
            let mut b = RecordBatch::open(rest, self.pos, self.verify_crc)?;
            b.index = self.index;
            BatchItem::Batch(b)
        } else {
            BatchItem::Legacy(LegacyMessage::open(rest, self.pos, self.verify_crc)?)
        };
        self.pos += total;
        Ok(Some(item))
    }
}

impl<'a> Iterator for RecordBatches<'a> {
    type Item = Result<BatchItem<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let index = self.index;
        match self.step() {
            Ok(Some(item)) => {
                if matches!(item, BatchItem::Truncated(_)) {
                    self.done = true;
                }
                self.index += 1;
                Some(Ok(item))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e.in_batch(index)))
            }
        }
    }
}

impl core::iter::FusedIterator for RecordBatches<'_> {}

/// Big-endian `i32` at `at`, if the bytes are there.
pub(crate) fn be_i32(b: &[u8], at: usize) -> Option<i32> {
    let s = b.get(at..at.checked_add(4)?)?;
    let mut a = [0u8; 4];
    a.copy_from_slice(s);
    Some(i32::from_be_bytes(a))
}
