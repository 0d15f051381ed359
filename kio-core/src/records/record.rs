//! Records inside a (decompressed) magic-2 batch, and their headers.
//!
//! # One check, then trusted reads
//!
//! A [`Records`] view is only made after the whole records section was
//! checked, so iterating it cannot fail and yields plain [`Record`]s (no
//! `Result` per record in the user's loop, the promise every kio view keeps).
//! Without a heap there is nowhere to keep what the check found, so the
//! bytes are walked twice, but neither walk repeats the other's work:
//!
//! * the check ([`Records::parse`], run when a batch is opened) only *skips*:
//!   for each record it reads the length varints and the header count,
//!   jumps over keys, values and header values, and checks header keys are
//!   UTF-8. It builds nothing. Only when it finds a fault does it re-read
//!   that one record with the careful reader, to say what, where and why.
//! * the iterator reads each record's fields once, from bytes known to be
//!   well formed: no error values, no checks beyond the slice bounds that
//!   keep safe code safe. [`Record::headers`] starts where the record's
//!   headers start and reads them on demand.
//!
//! The alternative, an iterator that checks as it goes and yields
//! `Result<Record>`, would save the skip walk (a few nanoseconds a record,
//! well under the CRC over the same bytes) at the price of a fallible step
//! in every consumer loop and of records handed out before the batch is
//! known to be good.

use super::error::{RecordsError, RecordsErrorKind, Result};
use super::varint::{varint_at, varint_bytes_at, varlong_at, Reader};

/// Smallest possible encoded record: length, attributes, timestamp delta,
/// offset delta, key length, value length, header count — one byte each.
pub const MIN_RECORD_LEN: usize = 7;

/// A record header: a UTF-8 key (duplicates allowed, order kept) and a
/// nullable value. Used both when reading and when writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header<'a> {
    /// The header key.
    pub key: &'a str,
    /// The header value, `None` for null.
    pub value: Option<&'a [u8]>,
}

/// Batch-level values a record needs to know its absolute offset and timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecordContext {
    /// The batch's base offset.
    pub base_offset: i64,
    /// The batch's base timestamp.
    pub base_timestamp: i64,
    /// The batch's max timestamp.
    pub max_timestamp: i64,
    /// The batch uses log-append time: every record's timestamp is the max timestamp.
    pub log_append_time: bool,
}

/// One record, borrowing its key, value and headers from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    /// Record attributes (unused by Kafka so far, kept as read).
    pub attributes: i8,
    /// Timestamp relative to the batch's base timestamp.
    pub timestamp_delta: i64,
    /// Offset relative to the batch's base offset.
    pub offset_delta: i32,
    /// Absolute offset: base offset + offset delta (wrapping).
    pub offset: i64,
    /// Absolute timestamp: base timestamp + delta, or the batch's max
    /// timestamp for log-append time (as Kafka).
    pub timestamp: i64,
    /// The key, `None` for null.
    pub key: Option<&'a [u8]>,
    /// The value, `None` for null.
    pub value: Option<&'a [u8]>,
    headers: Headers<'a>,
}

impl<'a> Record<'a> {
    /// The record's headers, in wire order.
    pub fn headers(&self) -> Headers<'a> {
        self.headers.clone()
    }
}

/// Lazy iterator over a validated record's headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headers<'a> {
    /// The record's bytes up to its end; headers start at `pos`.
    buf: &'a [u8],
    pos: usize,
    remaining: u32,
}

impl<'a> Headers<'a> {
    /// Number of headers not yet yielded.
    pub fn len(&self) -> usize {
        self.remaining as usize
    }

    /// `true` if there are no more headers.
    pub fn is_empty(&self) -> bool {
        self.remaining == 0
    }
}

impl<'a> Iterator for Headers<'a> {
    type Item = Header<'a>;

    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn next(&mut self) -> Option<Header<'a>> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        // Checked at batch open: `None` cannot happen; stop quietly if it does.
        match read_header(self.buf, self.pos) {
            Some((h, end)) => {
                self.pos = end;
                Some(h)
            }
            None => {
                self.remaining = 0;
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.remaining as usize))
    }

    fn count(self) -> usize {
        // Every header of a checked record is there: no need to read them.
        self.remaining as usize
    }
}

/// The header at `buf[pos..]` and the position after it (trusted read).
#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
fn read_header(buf: &[u8], pos: usize) -> Option<(Header<'_>, usize)> {
    let (key, pos) = varint_bytes_at(buf, pos)?;
    let key = utf8(key?)?;
    let (value, pos) = varint_bytes_at(buf, pos)?;
    Some((Header { key, value }, pos))
}

/// `bytes` as UTF-8 (a header key), or `None`.
#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
fn utf8(bytes: &[u8]) -> Option<&str> {
    core::str::from_utf8(bytes).ok()
}

/// A record's fields as read from its bytes, before the batch context is applied.
struct RawRecord<'a> {
    attributes: i8,
    timestamp_delta: i64,
    offset_delta: i32,
    key: Option<&'a [u8]>,
    value: Option<&'a [u8]>,
    header_count: u32,
    /// Where the headers start.
    headers_at: usize,
    /// Where the record ends (its length prefix says so).
    end: usize,
}

/// Reads the record at `buf[pos..]` up to its headers, within its length
/// prefix; `None` if a field is malformed or crosses the record's end.
#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
fn read_raw(buf: &[u8], pos: usize) -> Option<RawRecord<'_>> {
    let (len, pos) = varint_at(buf, pos)?;
    let end = pos.checked_add(usize::try_from(len).ok()?)?;
    let body = buf.get(..end)?;
    let attributes = *body.get(pos)? as i8;
    let (timestamp_delta, pos) = varlong_at(body, pos + 1)?;
    let (offset_delta, pos) = varint_at(body, pos)?;
    let (key, pos) = varint_bytes_at(body, pos)?;
    let (value, pos) = varint_bytes_at(body, pos)?;
    let (count, headers_at) = varint_at(body, pos)?;
    Some(RawRecord {
        attributes,
        timestamp_delta,
        offset_delta,
        key,
        value,
        header_count: u32::try_from(count).ok()?,
        headers_at,
        end,
    })
}

/// Checks the record at `buf[pos..]` without building it: the position
/// after it, or `None` if anything is wrong (then [`parse_record`] says what).
#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
fn check_record(buf: &[u8], pos: usize) -> Option<usize> {
    let raw = read_raw(buf, pos)?;
    let body = buf.get(..raw.end)?;
    // Each header takes at least 2 bytes: reject absurd counts before looping.
    if raw.header_count as usize > (raw.end - raw.headers_at) / 2 {
        return None;
    }
    let mut at = raw.headers_at;
    for _ in 0..raw.header_count {
        let (key, next) = varint_bytes_at(body, at)?;
        if !key?.is_ascii() {
            utf8(key?)?;
        }
        let (_, next) = varint_bytes_at(body, next)?;
        at = next;
    }
    (at == raw.end).then_some(raw.end)
}

fn parse_header<'a>(r: &mut Reader<'a>) -> Result<Header<'a>> {
    let at = r.abs();
    let key = match r.varint_bytes("header key")? {
        Some(k) => k,
        None => {
            return Err(RecordsError::new(
                RecordsErrorKind::InvalidLength(-1),
                "header key",
                at,
            ))
        }
    };
    let key = core::str::from_utf8(key)
        .map_err(|_| RecordsError::new(RecordsErrorKind::InvalidUtf8, "header key", at))?;
    let value = r.varint_bytes("header value")?;
    Ok(Header { key, value })
}

/// Parses one record at the reader, checking every field and that the
/// record's length prefix matches its fields exactly.
/// Used only to describe a fault the fast check found.
fn parse_record(r: &mut Reader<'_>) -> Result<()> {
    let at = r.abs();
    let len = r.varint("record length")?;
    let body_len = usize::try_from(len).map_err(|_| {
        RecordsError::new(
            RecordsErrorKind::InvalidLength(len.into()),
            "record length",
            at,
        )
    })?;
    let body_at = r.abs();
    let body = r.bytes(body_len, "record")?;
    let mut b = Reader::new(body, body_at);
    let attributes = b.i8("record attributes")?;
    let timestamp_delta = b.varlong("record timestamp delta")?;
    let offset_delta = b.varint("record offset delta")?;
    let key = b.varint_bytes("record key")?;
    let value = b.varint_bytes("record value")?;
    let hat = b.abs();
    let count = b.varint("record header count")?;
    let count_u = u32::try_from(count).map_err(|_| {
        RecordsError::new(
            RecordsErrorKind::InvalidLength(count.into()),
            "record header count",
            hat,
        )
    })?;
    // Each header takes at least 2 bytes: reject absurd counts before looping.
    if count_u as usize > b.remaining() / 2 {
        return Err(RecordsError::new(
            RecordsErrorKind::InvalidLength(count.into()),
            "record header count",
            hat,
        ));
    }
    for _ in 0..count_u {
        parse_header(&mut b)?;
    }
    if b.remaining() != 0 {
        return Err(RecordsError::new(
            RecordsErrorKind::RecordLengthMismatch,
            "record",
            at,
        ));
    }
    let _ = (attributes, timestamp_delta, offset_delta, key, value);
    Ok(())
}

/// Lazy iterator over the validated records of one batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Records<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
    remaining: u32,
    ctx: RecordContext,
}

impl<'a> Records<'a> {
    /// Validates `bytes` as exactly `count` records and returns a view over them.
    ///
    /// `base` is the absolute offset of `bytes[0]`, used in errors. Work is
    /// proportional to `bytes.len()`, whatever `count` says.
    pub fn parse(bytes: &'a [u8], count: i32, ctx: RecordContext, base: usize) -> Result<Self> {
        let count_u = u32::try_from(count).map_err(|_| {
            RecordsError::new(RecordsErrorKind::InvalidRecordCount(count), "records", base)
        })?;
        if count_u as usize > bytes.len() / MIN_RECORD_LEN {
            return Err(RecordsError::new(
                RecordsErrorKind::InvalidRecordCount(count),
                "records",
                base,
            ));
        }
        let mut pos = 0;
        for found in 0..count_u {
            if pos >= bytes.len() {
                return Err(RecordsError::new(
                    RecordsErrorKind::RecordCountMismatch {
                        declared: count,
                        found,
                    },
                    "records",
                    base.saturating_add(pos),
                ));
            }
            match check_record(bytes, pos) {
                Some(end) => pos = end,
                None => return Err(record_error(bytes, pos, base)),
            }
        }
        if pos != bytes.len() {
            let rest = bytes.len().saturating_sub(pos);
            return Err(RecordsError::new(
                RecordsErrorKind::TrailingBytes(rest),
                "records",
                base.saturating_add(pos),
            ));
        }
        Ok(Self::trusted(bytes, count_u, ctx, base))
    }

    /// A view over records already checked by [`Self::parse`].
    pub(crate) fn trusted(bytes: &'a [u8], count: u32, ctx: RecordContext, base: usize) -> Self {
        Records {
            buf: bytes,
            pos: 0,
            base,
            remaining: count,
            ctx,
        }
    }

    /// An empty view.
    pub fn empty() -> Records<'static> {
        Records {
            buf: &[],
            pos: 0,
            base: 0,
            remaining: 0,
            ctx: RecordContext::default(),
        }
    }

    /// Where the next record starts, counted like [`crate::records::RecordBatch::position`]
    /// (from the start of the bytes given to [`crate::records::RecordBatches`]):
    /// with it a tool can show which bytes each record came from.
    pub fn position(&self) -> usize {
        self.base.saturating_add(self.pos)
    }

    /// Records not yet yielded.
    pub fn len(&self) -> usize {
        self.remaining as usize
    }

    /// `true` if no records remain.
    pub fn is_empty(&self) -> bool {
        self.remaining == 0
    }
}

/// The careful reader's account of the fault [`check_record`] found at `pos`.
#[cold]
#[inline(never)]
fn record_error(bytes: &[u8], pos: usize, base: usize) -> RecordsError {
    let mut r = Reader::new(bytes, base);
    let at = base.saturating_add(pos);
    if r.bytes(pos, "records").is_err() {
        return RecordsError::new(RecordsErrorKind::RecordLengthMismatch, "record", at);
    }
    match parse_record(&mut r) {
        Err(e) => e,
        // The two readers agree on what is valid; should they not, still an error.
        Ok(()) => RecordsError::new(RecordsErrorKind::RecordLengthMismatch, "record", at),
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Record<'a>;

    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn next(&mut self) -> Option<Record<'a>> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        // Checked when the view was made: `None` cannot happen; end quietly if it does.
        let Some(raw) = read_raw(self.buf, self.pos) else {
            self.remaining = 0;
            return None;
        };
        self.pos = raw.end;
        let ctx = &self.ctx;
        let timestamp = if ctx.log_append_time {
            ctx.max_timestamp
        } else {
            ctx.base_timestamp.wrapping_add(raw.timestamp_delta)
        };
        Some(Record {
            attributes: raw.attributes,
            timestamp_delta: raw.timestamp_delta,
            offset_delta: raw.offset_delta,
            offset: ctx.base_offset.wrapping_add(i64::from(raw.offset_delta)),
            timestamp,
            key: raw.key,
            value: raw.value,
            headers: Headers {
                buf: self.buf.get(..raw.end).unwrap_or(&[]),
                pos: raw.headers_at,
                remaining: raw.header_count,
            },
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len(), Some(self.len()))
    }
}

impl ExactSizeIterator for Records<'_> {}
