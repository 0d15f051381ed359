//! Records inside a (decompressed) magic-2 batch, and their headers.
//!
//! A [`Records`] view is only made after the whole records section was
//! validated, so iterating it cannot fail and yields plain [`Record`]s.

use super::error::{RecordsError, RecordsErrorKind, Result};
use super::varint::Reader;

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
    reader: Reader<'a>,
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

    fn next(&mut self) -> Option<Header<'a>> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        // Validated at batch open: errors cannot happen; stop quietly if they do.
        match parse_header(&mut self.reader) {
            Ok(h) => Some(h),
            Err(_) => {
                self.remaining = 0;
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.remaining as usize))
    }
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
fn parse_record<'a>(r: &mut Reader<'a>, ctx: &RecordContext) -> Result<Record<'a>> {
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
    let headers = Headers {
        reader: b.clone(),
        remaining: count_u,
    };
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
    let timestamp = if ctx.log_append_time {
        ctx.max_timestamp
    } else {
        ctx.base_timestamp.wrapping_add(timestamp_delta)
    };
    Ok(Record {
        attributes,
        timestamp_delta,
        offset_delta,
        offset: ctx.base_offset.wrapping_add(i64::from(offset_delta)),
        timestamp,
        key,
        value,
        headers,
    })
}

/// Lazy iterator over the validated records of one batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Records<'a> {
    reader: Reader<'a>,
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
        let mut r = Reader::new(bytes, base);
        for found in 0..count_u {
            if r.remaining() == 0 {
                return Err(RecordsError::new(
                    RecordsErrorKind::RecordCountMismatch {
                        declared: count,
                        found,
                    },
                    "records",
                    r.abs(),
                ));
            }
            parse_record(&mut r, &ctx)?;
        }
        if r.remaining() != 0 {
            return Err(RecordsError::new(
                RecordsErrorKind::TrailingBytes(r.remaining()),
                "records",
                r.abs(),
            ));
        }
        Ok(Records {
            reader: Reader::new(bytes, base),
            remaining: count_u,
            ctx,
        })
    }

    /// An empty view.
    pub fn empty() -> Records<'static> {
        Records {
            reader: Reader::new(&[], 0),
            remaining: 0,
            ctx: RecordContext::default(),
        }
    }

    /// Where the next record starts, counted like [`crate::records::RecordBatch::position`]
    /// (from the start of the bytes given to [`crate::records::RecordBatches`]):
    /// with it a tool can show which bytes each record came from.
    pub fn position(&self) -> usize {
        self.reader.abs()
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

impl<'a> Iterator for Records<'a> {
    type Item = Record<'a>;

    fn next(&mut self) -> Option<Record<'a>> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        match parse_record(&mut self.reader, &self.ctx) {
            Ok(r) => Some(r),
            Err(_) => {
                self.remaining = 0;
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len(), Some(self.len()))
    }
}

impl ExactSizeIterator for Records<'_> {}
