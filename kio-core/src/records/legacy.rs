//! Legacy message sets (magic 0 and 1), including compressed wrapper
//! messages whose value is a compressed inner message set.

use super::batch::{TimestampType, LOG_OVERHEAD};
use super::compression::Compression;
use super::crc::crc32_ieee;
use super::error::{RecordsError, RecordsErrorKind, Result};
use super::varint::Reader;

/// Smallest legacy message (offset and size fields included) for a magic.
pub const fn min_message_size(magic: i8) -> usize {
    // crc 4 + magic 1 + attributes 1 + key length 4 + value length 4 (+ timestamp 8)
    if magic >= 1 {
        LOG_OVERHEAD + 22
    } else {
        LOG_OVERHEAD + 14
    }
}

/// A validated legacy message borrowing from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegacyMessage<'a> {
    /// The offset (absolute; for inner messages of a magic-1 wrapper,
    /// already made absolute from the wrapper's offset).
    pub offset: i64,
    /// Stored CRC-32 (IEEE) over magic..end.
    pub crc: u32,
    /// Magic: 0 or 1.
    pub magic: i8,
    /// Attributes: codec in bits 0-2, timestamp type in bit 3 (magic 1).
    pub attributes: i8,
    /// Timestamp (magic 1 only).
    pub timestamp: Option<i64>,
    /// Key, `None` for null.
    pub key: Option<&'a [u8]>,
    /// Value, `None` for null (for a compressed wrapper: the compressed inner set).
    pub value: Option<&'a [u8]>,
    bytes: &'a [u8],
    position: usize,
}

impl<'a> LegacyMessage<'a> {
    /// Opens and validates the message at the start of `bytes`.
    pub(crate) fn open(bytes: &'a [u8], position: usize, verify_crc: bool) -> Result<Self> {
        let mut r = Reader::new(bytes, position);
        let offset = r.i64("message offset")?;
        let size_at = r.abs();
        let size = r.i32("message size")?;
        let body_len = usize::try_from(size).map_err(|_| {
            RecordsError::new(
                RecordsErrorKind::InvalidBatchLength(size),
                "message size",
                size_at,
            )
        })?;
        let body = r.bytes(body_len, "message")?;
        let total = LOG_OVERHEAD + body_len;
        let mut b = Reader::new(body, position + LOG_OVERHEAD);
        let crc = b.u32("message crc")?;
        let magic = b.i8("message magic")?;
        if !(0..=1).contains(&magic) {
            return Err(RecordsError::new(
                RecordsErrorKind::UnsupportedMagic(magic),
                "message magic",
                position + 16,
            ));
        }
        if total < min_message_size(magic) {
            return Err(RecordsError::new(
                RecordsErrorKind::InvalidBatchLength(size),
                "message size",
                size_at,
            ));
        }
        if verify_crc {
            let computed = crc32_ieee(body.get(4..).unwrap_or(&[]));
            if computed != crc {
                return Err(RecordsError::new(
                    RecordsErrorKind::CrcMismatch {
                        stored: crc,
                        computed,
                        base_offset: offset,
                    },
                    "message crc",
                    position + LOG_OVERHEAD,
                ));
            }
        }
        let attributes = b.i8("message attributes")?;
        let codec = (attributes & 0x07) as u8;
        if Compression::from_id(codec).is_err() {
            return Err(RecordsError::new(
                RecordsErrorKind::UnknownCodec(codec),
                "message attributes",
                position + 17,
            ));
        }
        let timestamp = if magic == 1 {
            Some(b.i64("message timestamp")?)
        } else {
            None
        };
        let key = b.i32_bytes("message key")?;
        let value = b.i32_bytes("message value")?;
        if b.remaining() != 0 {
            return Err(RecordsError::new(
                RecordsErrorKind::TrailingBytes(b.remaining()),
                "message",
                b.abs(),
            ));
        }
        Ok(LegacyMessage {
            offset,
            crc,
            magic,
            attributes,
            timestamp,
            key,
            value,
            bytes: bytes.get(..total).unwrap_or(&[]),
            position,
        })
    }

    /// The compression codec (for a wrapper message).
    pub fn compression(&self) -> Compression {
        Compression::from_id((self.attributes & 0x07) as u8).unwrap_or(Compression::None)
    }

    /// The timestamp type (log-append time only for magic 1 with bit 3 set).
    pub fn timestamp_type(&self) -> TimestampType {
        if self.magic >= 1 && self.attributes & 0x08 != 0 {
            TimestampType::LogAppendTime
        } else {
            TimestampType::CreateTime
        }
    }

    /// The whole message's bytes (offset and size fields included).
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Byte offset of the message in its input.
    pub fn position(&self) -> usize {
        self.position
    }

    /// Decompresses a wrapper message's value into `out` and returns its
    /// validated inner messages (offsets made absolute).
    pub fn decompress_into<'o>(&self, out: &'o mut [u8]) -> Result<LegacyMessages<'o>> {
        let n = super::compression::decompress_into(
            self.compression(),
            self.value.unwrap_or(&[]),
            out,
        )?;
        let out: &'o [u8] = out;
        LegacyMessages::inner(out.get(..n).unwrap_or(&[]), self)
    }

    /// Decompresses a wrapper message's value into a `Vec` of at most
    /// `max_len` bytes; iterate with [`DecompressedLegacy::messages`].
    #[cfg(feature = "alloc")]
    pub fn decompress_to_vec(&self, max_len: usize) -> Result<DecompressedLegacy> {
        let data = super::compression::decompress_to_vec(
            self.compression(),
            self.value.unwrap_or(&[]),
            max_len,
        )?;
        let probe = LegacyMessages::inner(&data, self)?;
        Ok(DecompressedLegacy {
            shift: probe.shift,
            log_append_timestamp: probe.log_append_timestamp,
            data,
        })
    }
}

/// Decompressed inner messages of a wrapper, owned.
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecompressedLegacy {
    data: alloc::vec::Vec<u8>,
    shift: i64,
    log_append_timestamp: Option<i64>,
}

#[cfg(feature = "alloc")]
impl DecompressedLegacy {
    /// The inner messages (validated when this value was made).
    pub fn messages(&self) -> LegacyMessages<'_> {
        LegacyMessages {
            bytes: &self.data,
            pos: 0,
            shift: self.shift,
            log_append_timestamp: self.log_append_timestamp,
        }
    }
}

/// Iterator over the validated inner messages of a compressed wrapper.
#[derive(Debug, Clone)]
pub struct LegacyMessages<'a> {
    bytes: &'a [u8],
    pos: usize,
    shift: i64,
    log_append_timestamp: Option<i64>,
}

impl<'a> LegacyMessages<'a> {
    fn inner(bytes: &'a [u8], wrapper: &LegacyMessage<'_>) -> Result<Self> {
        let mut pos = 0;
        let mut last = None;
        while pos < bytes.len() {
            let rest = bytes.get(pos..).unwrap_or(&[]);
            let m = LegacyMessage::open(rest, pos, true)?;
            if m.compression() != Compression::None {
                return Err(RecordsError::new(
                    RecordsErrorKind::Decompression("nested compressed message"),
                    "inner message",
                    pos,
                ));
            }
            last = Some(m.offset);
            pos += m.bytes.len();
        }
        let shift = match (wrapper.magic, last) {
            (1.., Some(l)) => wrapper.offset.wrapping_sub(l),
            _ => 0,
        };
        let log_append_timestamp = match wrapper.timestamp_type() {
            TimestampType::LogAppendTime => wrapper.timestamp,
            TimestampType::CreateTime => None,
        };
        Ok(LegacyMessages {
            bytes,
            pos: 0,
            shift,
            log_append_timestamp,
        })
    }
}

impl<'a> Iterator for LegacyMessages<'a> {
    type Item = LegacyMessage<'a>;

    fn next(&mut self) -> Option<LegacyMessage<'a>> {
        let rest = self.bytes.get(self.pos..).filter(|r| !r.is_empty())?;
        let mut m = LegacyMessage::open(rest, self.pos, false).ok()?;
        self.pos += m.bytes.len();
        m.offset = m.offset.wrapping_add(self.shift);
        if let (Some(ts), Some(_)) = (self.log_append_timestamp, m.timestamp) {
            m.timestamp = Some(ts);
        }
        Some(m)
    }
}

/// Writes one uncompressed legacy message into `out`; the bytes written.
/// For old-broker tests and tools.
pub fn write_legacy_message(
    out: &mut [u8],
    offset: i64,
    magic: i8,
    attributes: i8,
    timestamp: i64,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
) -> Result<usize> {
    use super::varint::Writer;
    let mut w = Writer::new(out, 0);
    w.put(&offset.to_be_bytes(), "message offset")?;
    w.put(&[0; 8], "message header")?;
    w.put(&magic.to_be_bytes(), "message magic")?;
    w.put(&attributes.to_be_bytes(), "message attributes")?;
    if magic >= 1 {
        w.put(&timestamp.to_be_bytes(), "message timestamp")?;
    }
    for (b, what) in [(key, "message key"), (value, "message value")] {
        match b {
            None => w.put(&(-1i32).to_be_bytes(), what)?,
            Some(b) => {
                let len = i32::try_from(b.len())
                    .map_err(|_| RecordsError::new(RecordsErrorKind::OutOfRange, what, w.pos))?;
                w.put(&len.to_be_bytes(), what)?;
                w.put(b, what)?;
            }
        }
    }
    let total = w.pos;
    let size = i32::try_from(total - LOG_OVERHEAD)
        .map_err(|_| RecordsError::new(RecordsErrorKind::OutOfRange, "message size", 8))?;
    let crc = crc32_ieee(w.buf.get(16..total).unwrap_or(&[]));
    let mut fields = [0u8; 8];
    fields[..4].copy_from_slice(&size.to_be_bytes());
    fields[4..].copy_from_slice(&crc.to_be_bytes());
    if let Some(d) = w.buf.get_mut(8..16) {
        d.copy_from_slice(&fields);
    }
    Ok(total)
}
