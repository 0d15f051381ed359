//! Building magic-2 batches: [`BatchWriter`] into a caller buffer (no heap),
//! and [`RecordBatchBuilder`] into a `Vec` (with `alloc`).

use super::batch::{
    BatchAttributes, BatchHeader, TimestampType, ATTRIBUTES_OFFSET, CRC_OFFSET, LOG_OVERHEAD,
    NO_PARTITION_LEADER_EPOCH, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE,
    RECORD_BATCH_OVERHEAD,
};
use super::compression::Compression;
use super::control::{ControlRecordKey, ControlType, EndTxnMarker};
use super::crc::crc32c;
use super::error::{RecordsError, RecordsErrorKind, Result};
use super::record::Header;
use super::varint::{encode_varlong, varint_len, varlong_len, Writer};

/// Batch-level settings of a batch being written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchOptions {
    /// Base offset (0 from a producer; the broker assigns offsets).
    pub base_offset: i64,
    /// Partition leader epoch (-1 from a producer).
    pub partition_leader_epoch: i32,
    /// Producer id (-1 if not idempotent).
    pub producer_id: i64,
    /// Producer epoch (-1 if not idempotent).
    pub producer_epoch: i16,
    /// Sequence of the first record (-1 if not idempotent).
    pub base_sequence: i32,
    /// Part of a transaction.
    pub transactional: bool,
    /// A control batch (see [`BatchWriter::append_end_txn_marker`]).
    pub control: bool,
    /// Timestamp type (producers use create time).
    pub timestamp_type: TimestampType,
    /// Codec for the records section.
    pub compression: Compression,
    /// Base timestamp; `None` takes the first record's timestamp (as Kafka).
    pub base_timestamp: Option<i64>,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            base_offset: 0,
            partition_leader_epoch: NO_PARTITION_LEADER_EPOCH,
            producer_id: NO_PRODUCER_ID,
            producer_epoch: NO_PRODUCER_EPOCH,
            base_sequence: NO_SEQUENCE,
            transactional: false,
            control: false,
            timestamp_type: TimestampType::CreateTime,
            compression: Compression::None,
            base_timestamp: None,
        }
    }
}

/// A record to append.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NewRecord<'r> {
    /// Absolute timestamp (ms).
    pub timestamp: i64,
    /// Key, `None` for null.
    pub key: Option<&'r [u8]>,
    /// Value, `None` for null.
    pub value: Option<&'r [u8]>,
    /// Headers, in order (duplicate keys allowed).
    pub headers: &'r [Header<'r>],
}

/// Offsets, timestamps and count shared by both writers.
#[derive(Debug, Clone, Copy)]
struct State {
    opts: BatchOptions,
    count: i32,
    last_offset_delta: Option<i32>,
    base_timestamp: Option<i64>,
    max_timestamp: Option<i64>,
}

impl State {
    fn new(opts: BatchOptions) -> Self {
        State {
            opts,
            count: 0,
            last_offset_delta: None,
            base_timestamp: opts.base_timestamp,
            max_timestamp: None,
        }
    }

    /// Offset delta and timestamp delta for the next record, checked.
    fn deltas(&self, offset_delta: Option<i32>, timestamp: i64) -> Result<(i32, i64)> {
        let range = |what| RecordsError::new(RecordsErrorKind::OutOfRange, what, 0);
        let delta = match (offset_delta, self.last_offset_delta) {
            (Some(d), Some(last)) if d <= last => {
                return Err(RecordsError::new(
                    RecordsErrorKind::InvalidState,
                    "record offset delta",
                    0,
                ))
            }
            (Some(d), _) if d < 0 => return Err(range("record offset delta")),
            (Some(d), _) => d,
            (None, Some(last)) => last.checked_add(1).ok_or(range("record offset delta"))?,
            (None, None) => 0,
        };
        if self.count == i32::MAX {
            return Err(range("record count"));
        }
        let base = self.base_timestamp.unwrap_or(timestamp);
        let ts_delta = timestamp
            .checked_sub(base)
            .ok_or(range("record timestamp delta"))?;
        Ok((delta, ts_delta))
    }

    fn commit(&mut self, delta: i32, timestamp: i64) {
        self.count += 1;
        self.last_offset_delta = Some(delta);
        if self.base_timestamp.is_none() {
            self.base_timestamp = Some(timestamp);
        }
        self.max_timestamp = Some(self.max_timestamp.map_or(timestamp, |m| m.max(timestamp)));
    }

    fn header(&self, records_len: usize) -> Result<BatchHeader> {
        let batch_length = records_len
            .checked_add(RECORD_BATCH_OVERHEAD - LOG_OVERHEAD)
            .and_then(|l| i32::try_from(l).ok())
            .ok_or(RecordsError::new(
                RecordsErrorKind::OutOfRange,
                "batch length",
                8,
            ))?;
        let o = &self.opts;
        Ok(BatchHeader {
            base_offset: o.base_offset,
            batch_length,
            partition_leader_epoch: o.partition_leader_epoch,
            magic: 2,
            crc: 0,
            attributes: BatchAttributes::new(
                o.compression,
                o.timestamp_type,
                o.transactional,
                o.control,
            ),
            last_offset_delta: self.last_offset_delta.unwrap_or(0),
            base_timestamp: self.base_timestamp.unwrap_or(-1),
            max_timestamp: self.max_timestamp.unwrap_or(-1),
            producer_id: o.producer_id,
            producer_epoch: o.producer_epoch,
            base_sequence: o.base_sequence,
            record_count: self.count,
        })
    }
}

#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
fn bytes_len(b: Option<&[u8]>) -> Result<usize> {
    match b {
        None => Ok(1),
        Some(b) => {
            let l = i32::try_from(b.len())
                .map_err(|_| RecordsError::new(RecordsErrorKind::OutOfRange, "record field", 0))?;
            Ok(varint_len(l) + b.len())
        }
    }
}

/// Encoded size of a record's body (after its length varint).
#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
fn body_len(rec: &NewRecord<'_>, delta: i32, ts_delta: i64) -> Result<usize> {
    let headers = i32::try_from(rec.headers.len())
        .map_err(|_| RecordsError::new(RecordsErrorKind::OutOfRange, "record header count", 0))?;
    let mut n = 1 + varlong_len(ts_delta) + varint_len(delta);
    n += bytes_len(rec.key)? + bytes_len(rec.value)? + varint_len(headers);
    for h in rec.headers {
        n += bytes_len(Some(h.key.as_bytes()))? + bytes_len(h.value)?;
    }
    Ok(n)
}

/// Encodes a record (length prefix included) at `w`.
///
/// The record's size is known from its parts, so the space is checked once
/// and the fields are written straight into it.
#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
fn encode_record(w: &mut Writer<'_>, rec: &NewRecord<'_>, delta: i32, ts_delta: i64) -> Result<()> {
    let body = body_len(rec, delta, ts_delta)?;
    let len = i32::try_from(body)
        .map_err(|_| RecordsError::new(RecordsErrorKind::OutOfRange, "record length", w.pos))?;
    let total = varint_len(len) + body;
    let start = w.pos;
    let available = w.buf.len();
    let Some(dst) = start
        .checked_add(total)
        .and_then(|end| w.buf.get_mut(start..end))
    else {
        return Err(RecordsError::new(
            RecordsErrorKind::BufferTooSmall {
                needed: start.saturating_add(total),
                available,
            },
            "record",
            start,
        ));
    };
    let mut c = Fill { dst, pos: 0 };
    c.varlong(i64::from(len));
    c.put(&[0]);
    c.varlong(ts_delta);
    c.varlong(i64::from(delta));
    c.bytes(rec.key);
    c.bytes(rec.value);
    // `body_len` checked the count fits an `i32`.
    c.varlong(rec.headers.len() as i64);
    for h in rec.headers {
        c.bytes(Some(h.key.as_bytes()));
        c.bytes(h.value);
    }
    // The sizes above and the writes agree; should they not, refuse the
    // record rather than seal a batch with a gap or a cut field in it.
    if c.pos != total {
        return Err(RecordsError::new(
            RecordsErrorKind::RecordLengthMismatch,
            "record",
            start,
        ));
    }
    w.pos = start + total;
    Ok(())
}

/// Writes into a slice sized for exactly what is written (so nothing can
/// fall off its end; if it did, the excess would be dropped, not panic).
struct Fill<'d> {
    dst: &'d mut [u8],
    pos: usize,
}

impl Fill<'_> {
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn put(&mut self, b: &[u8]) {
        let end = self.pos + b.len();
        if let Some(d) = self.dst.get_mut(self.pos..end) {
            d.copy_from_slice(b);
        }
        self.pos = end;
    }

    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn varlong(&mut self, v: i64) {
        let d = self.dst.get_mut(self.pos..).unwrap_or(&mut []);
        self.pos += encode_varlong(v, d).unwrap_or(0);
    }

    /// Varint length then bytes (lengths were checked by `body_len`); `None` writes -1.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn bytes(&mut self, b: Option<&[u8]>) {
        match b {
            None => self.varlong(-1),
            Some(b) => {
                self.varlong(b.len() as i64);
                self.put(b);
            }
        }
    }
}

/// Writes header and CRC into `batch` (whose records section is final).
fn seal(state: &State, batch: &mut [u8]) -> Result<()> {
    let records_len = batch.len().saturating_sub(RECORD_BATCH_OVERHEAD);
    let header = state.header(records_len)?;
    header.write(batch).ok_or(RecordsError::new(
        RecordsErrorKind::BufferTooSmall {
            needed: RECORD_BATCH_OVERHEAD,
            available: batch.len(),
        },
        "batch header",
        0,
    ))?;
    let crc = crc32c(batch.get(ATTRIBUTES_OFFSET..).unwrap_or(&[]));
    if let Some(d) = batch.get_mut(CRC_OFFSET..CRC_OFFSET + 4) {
        d.copy_from_slice(&crc.to_be_bytes());
    }
    Ok(())
}

fn control_record<'r>(key: &'r [u8; 4], value: &'r [u8; 6], timestamp: i64) -> NewRecord<'r> {
    NewRecord {
        timestamp,
        key: Some(key),
        value: Some(value),
        headers: &[],
    }
}

fn marker_bytes(commit: bool, coordinator_epoch: i32) -> ([u8; 4], [u8; 6]) {
    let key = ControlRecordKey {
        version: 0,
        control_type: if commit {
            ControlType::Commit
        } else {
            ControlType::Abort
        },
    };
    let marker = EndTxnMarker {
        version: 0,
        coordinator_epoch,
    };
    (key.to_bytes(), marker.to_bytes())
}

/// Builds one batch in a caller-supplied buffer, without heap.
///
/// Records are written uncompressed after a 61-byte header gap; `finish`
/// fills the header and CRC. A record that does not fit is an error and
/// leaves the writer as it was.
#[derive(Debug)]
pub struct BatchWriter<'b> {
    buf: &'b mut [u8],
    pos: usize,
    state: State,
}

impl<'b> BatchWriter<'b> {
    /// Starts a batch in `buf` (at least 61 bytes).
    pub fn new(buf: &'b mut [u8], opts: BatchOptions) -> Result<Self> {
        if buf.len() < RECORD_BATCH_OVERHEAD {
            return Err(RecordsError::new(
                RecordsErrorKind::BufferTooSmall {
                    needed: RECORD_BATCH_OVERHEAD,
                    available: buf.len(),
                },
                "batch header",
                0,
            ));
        }
        Ok(BatchWriter {
            buf,
            pos: RECORD_BATCH_OVERHEAD,
            state: State::new(opts),
        })
    }

    /// Records appended so far.
    pub fn record_count(&self) -> i32 {
        self.state.count
    }

    /// Bytes used so far (header + uncompressed records).
    pub fn len(&self) -> usize {
        self.pos
    }

    /// `true` if no record was appended.
    pub fn is_empty(&self) -> bool {
        self.state.count == 0
    }

    /// Appends a record at the next offset delta.
    pub fn append(&mut self, rec: &NewRecord<'_>) -> Result<()> {
        self.append_inner(None, rec)
    }

    /// Appends a record at an explicit offset delta (strictly increasing;
    /// gaps allowed, as in compacted batches).
    pub fn append_with_offset_delta(
        &mut self,
        offset_delta: i32,
        rec: &NewRecord<'_>,
    ) -> Result<()> {
        self.append_inner(Some(offset_delta), rec)
    }

    /// Appends a transaction marker (set `control` and `transactional` in the options).
    pub fn append_end_txn_marker(
        &mut self,
        timestamp: i64,
        commit: bool,
        coordinator_epoch: i32,
    ) -> Result<()> {
        let (k, v) = marker_bytes(commit, coordinator_epoch);
        self.append_inner(None, &control_record(&k, &v, timestamp))
    }

    fn append_inner(&mut self, offset_delta: Option<i32>, rec: &NewRecord<'_>) -> Result<()> {
        let (delta, ts_delta) = self.state.deltas(offset_delta, rec.timestamp)?;
        let mut w = Writer::new(self.buf, self.pos);
        encode_record(&mut w, rec, delta, ts_delta)?;
        self.pos = w.pos;
        self.state.commit(delta, rec.timestamp);
        Ok(())
    }

    /// Finishes an uncompressed batch: the batch's bytes.
    ///
    /// A compressed batch needs [`Self::finish_compressed`].
    pub fn finish(self) -> Result<&'b [u8]> {
        if self.state.opts.compression != Compression::None {
            return Err(RecordsError::new(
                RecordsErrorKind::InvalidState,
                "compressed batch needs finish_compressed",
                0,
            ));
        }
        let batch = self.buf.get_mut(..self.pos).unwrap_or(&mut []);
        seal(&self.state, batch)?;
        Ok(batch)
    }

    /// Finishes the batch, compressing its records through `scratch` (which
    /// must hold the compressed records; see
    /// [`max_compressed_len`](super::compression::max_compressed_len)).
    pub fn finish_compressed(self, scratch: &mut [u8]) -> Result<&'b [u8]> {
        let codec = self.state.opts.compression;
        let records = self.buf.get(RECORD_BATCH_OVERHEAD..self.pos).unwrap_or(&[]);
        let n = super::compression::compress_into(codec, records, scratch)?;
        let end = RECORD_BATCH_OVERHEAD + n;
        let available = self.buf.len();
        let dst = self
            .buf
            .get_mut(RECORD_BATCH_OVERHEAD..end)
            .ok_or(RecordsError::new(
                RecordsErrorKind::BufferTooSmall {
                    needed: end,
                    available,
                },
                "compressed records",
                RECORD_BATCH_OVERHEAD,
            ))?;
        dst.copy_from_slice(scratch.get(..n).unwrap_or(&[]));
        let batch = self.buf.get_mut(..end).unwrap_or(&mut []);
        seal(&self.state, batch)?;
        Ok(batch)
    }
}

/// Builds one batch into a `Vec` (compressing as set in the options).
#[cfg(feature = "alloc")]
#[derive(Debug, Clone)]
pub struct RecordBatchBuilder {
    records: alloc::vec::Vec<u8>,
    state: State,
}

#[cfg(feature = "alloc")]
impl RecordBatchBuilder {
    /// A new empty batch.
    pub fn new(opts: BatchOptions) -> Self {
        RecordBatchBuilder {
            records: alloc::vec::Vec::new(),
            state: State::new(opts),
        }
    }

    /// Records appended so far.
    pub fn record_count(&self) -> i32 {
        self.state.count
    }

    /// Appends a record at the next offset delta.
    pub fn append(&mut self, rec: &NewRecord<'_>) -> Result<&mut Self> {
        self.append_inner(None, rec)
    }

    /// Appends a record at an explicit, strictly increasing offset delta.
    pub fn append_with_offset_delta(
        &mut self,
        offset_delta: i32,
        rec: &NewRecord<'_>,
    ) -> Result<&mut Self> {
        self.append_inner(Some(offset_delta), rec)
    }

    /// Appends a transaction marker (set `control` and `transactional` in the options).
    pub fn append_end_txn_marker(
        &mut self,
        timestamp: i64,
        commit: bool,
        coordinator_epoch: i32,
    ) -> Result<&mut Self> {
        let (k, v) = marker_bytes(commit, coordinator_epoch);
        self.append_inner(None, &control_record(&k, &v, timestamp))
    }

    fn append_inner(
        &mut self,
        offset_delta: Option<i32>,
        rec: &NewRecord<'_>,
    ) -> Result<&mut Self> {
        let (delta, ts_delta) = self.state.deltas(offset_delta, rec.timestamp)?;
        let body = body_len(rec, delta, ts_delta)?;
        let start = self.records.len();
        let size = body + varint_len(i32::try_from(body).unwrap_or(i32::MAX));
        self.records.resize(start + size, 0);
        let mut w = Writer::new(&mut self.records, start);
        let r = encode_record(&mut w, rec, delta, ts_delta);
        if let Err(e) = r {
            self.records.truncate(start);
            return Err(e);
        }
        self.state.commit(delta, rec.timestamp);
        Ok(self)
    }

    /// The finished batch.
    pub fn build(&self) -> Result<alloc::vec::Vec<u8>> {
        let compressed =
            super::compression::compress_to_vec(self.state.opts.compression, &self.records)?;
        let mut batch = alloc::vec![0u8; RECORD_BATCH_OVERHEAD];
        batch.extend_from_slice(&compressed);
        seal(&self.state, &mut batch)?;
        Ok(batch)
    }
}
