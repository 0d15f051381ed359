//! [`Reader`]: a cursor over borrowed bytes that never reads past the end.

use crate::error::{DecodeError, DecodeErrorKind};
#[cfg(feature = "index")]
use crate::wire::index::Cursor;

/// A cursor over `&'a [u8]`. Every read is bounds-checked; values borrow from
/// the input. Offsets in errors are absolute (relative to the outermost input).
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
    /// Where this reader's arrays are in a decode index (feature `index`).
    #[cfg(feature = "index")]
    ix: Cursor<'a>,
}

impl<'a> Reader<'a> {
    /// A reader over `buf`, whose first byte is offset 0.
    pub const fn new(buf: &'a [u8]) -> Self {
        Self::with_base(buf, 0)
    }

    /// A reader over `buf` whose first byte is at absolute offset `base`.
    pub const fn with_base(buf: &'a [u8], base: usize) -> Self {
        Self {
            buf,
            pos: 0,
            base,
            #[cfg(feature = "index")]
            ix: Cursor::NONE,
        }
    }

    /// A reader over `buf` (first byte at absolute offset `base`) whose
    /// arrays are recorded in or read from a decode index.
    #[cfg(feature = "index")]
    pub(crate) const fn with_index(buf: &'a [u8], base: usize, ix: Cursor<'a>) -> Self {
        Self {
            buf,
            pos: 0,
            base,
            ix,
        }
    }

    /// This reader's place in its decode index.
    #[cfg(feature = "index")]
    #[inline(always)]
    pub(crate) fn ix(&mut self) -> &mut Cursor<'a> {
        &mut self.ix
    }

    /// Absolute offset of the next byte.
    pub const fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// Bytes read so far from this reader.
    pub const fn consumed(&self) -> usize {
        self.pos
    }

    /// Bytes not yet read.
    pub const fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The bytes not yet read.
    pub fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    /// An error of `kind` at the current offset.
    pub fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(self.offset(), kind)
    }

    #[cold]
    #[inline(never)]
    fn eof(&self, needed: usize) -> DecodeError {
        self.error(DecodeErrorKind::UnexpectedEof {
            needed,
            remaining: self.remaining(),
        })
    }

    /// The error of a run of fixed-size fields (`(size, "Struct.Field")`,
    /// size 0 for a field absent at this version) that did not fit in what
    /// remains: the error reading them one by one would give, naming the
    /// first field that does not fit. Generated code checks a whole run
    /// with one comparison and calls this only when it fails.
    #[cold]
    #[inline(never)]
    pub fn run_error(&self, fields: &[(usize, &'static str)]) -> DecodeError {
        let mut r = self.clone();
        for &(n, field) in fields {
            if let Err(e) = r.skip(n) {
                return e.in_field(field);
            }
        }
        // Not reached when the run did not fit.
        self.eof(fields.iter().map(|f| f.0).sum())
    }

    /// Takes the next `n` bytes.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        match self.buf.get(self.pos..).and_then(|rest| rest.get(..n)) {
            Some(out) => {
                self.pos += n;
                Ok(out)
            }
            None => Err(self.eof(n)),
        }
    }

    /// Moves past the next `n` bytes.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn skip(&mut self, n: usize) -> Result<(), DecodeError> {
        if n > self.remaining() {
            return Err(self.eof(n));
        }
        self.pos += n;
        Ok(())
    }

    /// Takes a sub-reader over the next `n` bytes (offsets stay absolute).
    pub fn sub(&mut self, n: usize) -> Result<Reader<'a>, DecodeError> {
        let base = self.offset();
        let bytes = self.take(n)?;
        Ok(Reader::with_base(bytes, base))
    }

    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        match self
            .buf
            .get(self.pos..)
            .and_then(|rest| rest.first_chunk::<N>())
        {
            Some(out) => {
                self.pos += N;
                Ok(*out)
            }
            None => Err(self.eof(N)),
        }
    }

    /// Reads a `u8`.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }
    /// Reads an `int8`.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn i8(&mut self) -> Result<i8, DecodeError> {
        Ok(i8::from_be_bytes(self.array()?))
    }
    /// Reads an `int16`.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn i16(&mut self) -> Result<i16, DecodeError> {
        Ok(i16::from_be_bytes(self.array()?))
    }
    /// Reads a `uint16`.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }
    /// Reads an `int32`.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn i32(&mut self) -> Result<i32, DecodeError> {
        Ok(i32::from_be_bytes(self.array()?))
    }
    /// Reads a `uint32`.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }
    /// Reads an `int64`.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn i64(&mut self) -> Result<i64, DecodeError> {
        Ok(i64::from_be_bytes(self.array()?))
    }
    /// Reads a `float64`.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn f64(&mut self) -> Result<f64, DecodeError> {
        Ok(f64::from_be_bytes(self.array()?))
    }
    /// Reads a 16-byte UUID.
    pub fn uuid(&mut self) -> Result<[u8; 16], DecodeError> {
        self.array()
    }

    /// Reads an unsigned varint of at most 32 bits (at most 5 bytes, as
    /// Kafka's `ByteUtils.readUnsignedVarint`).
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn uvarint(&mut self) -> Result<u32, DecodeError> {
        // One byte (values below 128) is by far the most common case.
        if let Some(&b) = self.buf.get(self.pos) {
            if b & 0x80 == 0 {
                self.pos += 1;
                return Ok(u32::from(b));
            }
        }
        match varint_tail(self.buf, self.pos) {
            Some((value, next)) => {
                self.pos = next;
                Ok(value)
            }
            None => Err(self.uvarint_error()),
        }
    }

    /// Why the varint at the current offset is not one: too long, or cut short.
    #[cold]
    #[inline(never)]
    fn uvarint_error(&self) -> DecodeError {
        let rest = self.rest();
        if rest.len() >= 5 && rest[..5].iter().all(|b| b & 0x80 != 0) {
            DecodeError::new(self.offset(), DecodeErrorKind::VarintTooLong)
        } else {
            // As reading byte by byte reports it: at the first missing byte.
            let have = rest.len().min(4);
            DecodeError::new(
                self.offset() + have,
                DecodeErrorKind::UnexpectedEof {
                    needed: 1,
                    remaining: 0,
                },
            )
        }
    }

    /// Checks that `len` bytes (or elements of at least one byte) remain,
    /// before anything is reserved or iterated.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn check_len(&self, len: u64) -> Result<usize, DecodeError> {
        let remaining = self.remaining();
        if len > remaining as u64 {
            return Err(self.error(DecodeErrorKind::LengthTooLarge {
                declared: len,
                remaining,
            }));
        }
        Ok(len as usize)
    }

    /// Reads a length prefix: compact (unsigned varint N, length N-1, 0 = null)
    /// when `compact`, else a signed `int16` (`wide == false`) or `int32`
    /// (-1 = null). Returns `None` for null. The length is checked against
    /// the bytes that remain.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn length(&mut self, compact: bool, wide: bool) -> Result<Option<usize>, DecodeError> {
        let start = self.offset();
        let raw: i64 = if compact {
            i64::from(self.uvarint()?) - 1
        } else if wide {
            i64::from(self.i32()?)
        } else {
            i64::from(self.i16()?)
        };
        if raw == -1 {
            return Ok(None);
        }
        if raw < 0 {
            return Err(DecodeError::new(
                start,
                DecodeErrorKind::NegativeLength(raw),
            ));
        }
        // Point at the prefix, not past it.
        self.check_len(raw as u64)
            .map(Some)
            .map_err(|e| DecodeError { offset: start, ..e })
    }

    // Reads over bytes already validated (iteration of a decoded array):
    // `None` instead of an error, so nothing is built or carried on the
    // way. Still bounds-checked: never a panic, whatever the bytes.

    /// Takes the next `n` bytes, or `None` (validated input).
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn next_bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let out = self.buf.get(self.pos..)?.get(..n)?;
        self.pos += n;
        Some(out)
    }

    /// Takes the next `N` bytes as an array, or `None` (validated input).
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn next_array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let out = *self.buf.get(self.pos..)?.first_chunk::<N>()?;
        self.pos += N;
        Some(out)
    }

    /// Moves past the next `n` bytes, or `None` (validated input).
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn advance(&mut self, n: usize) -> Option<()> {
        if n > self.remaining() {
            return None;
        }
        self.pos += n;
        Some(())
    }

    /// Reads an unsigned varint, or `None` (validated input).
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn next_uvarint(&mut self) -> Option<u32> {
        if let Some(&b) = self.buf.get(self.pos) {
            if b & 0x80 == 0 {
                self.pos += 1;
                return Some(u32::from(b));
            }
        }
        let (value, next) = varint_tail(self.buf, self.pos)?;
        self.pos = next;
        Some(value)
    }

    /// [`Reader::length`] over validated input: `Some(None)` for null,
    /// `None` for what `length` would reject.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn next_length(&mut self, compact: bool, wide: bool) -> Option<Option<usize>> {
        let raw: i64 = if compact {
            i64::from(self.next_uvarint()?) - 1
        } else if wide {
            i64::from(i32::from_be_bytes(self.next_array()?))
        } else {
            i64::from(i16::from_be_bytes(self.next_array()?))
        };
        if raw == -1 {
            return Some(None);
        }
        let n = usize::try_from(raw).ok()?;
        if n > self.remaining() {
            return None;
        }
        Some(Some(n))
    }

    /// Fails if any bytes are left.
    pub fn finish(&self) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(self.error(DecodeErrorKind::TrailingBytes(n))),
        }
    }
}

/// An unsigned varint of at most 5 bytes starting at `buf[pos]`: the value
/// and the offset after it, or `None` if it is cut short or too long. Takes
/// the position by value so that a caller's reader stays in registers.
#[inline(never)]
fn varint_tail(buf: &[u8], mut pos: usize) -> Option<(u32, usize)> {
    let mut value: u32 = 0;
    for i in 0..5 {
        let b = *buf.get(pos)?;
        pos += 1;
        value |= u32::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, pos));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uvarint_limits() {
        assert_eq!(Reader::new(&[0x00]).uvarint(), Ok(0));
        assert_eq!(Reader::new(&[0x96, 0x01]).uvarint(), Ok(150));
        assert_eq!(
            Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x0f]).uvarint(),
            Ok(u32::MAX)
        );
        let err = Reader::new(&[0xff; 6]).uvarint().unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::VarintTooLong);
        assert!(Reader::new(&[0x80]).uvarint().is_err());
    }

    #[test]
    fn length_rejects_before_reserving() {
        let mut r = Reader::new(&[0x7f, 0xff, 0xff, 0xff, 1, 2]);
        let err = r.length(false, true).unwrap_err();
        assert!(matches!(
            err.kind,
            DecodeErrorKind::LengthTooLarge {
                declared: 0x7fff_ffff,
                remaining: 2
            }
        ));
        assert_eq!(Reader::new(&[0xff, 0xff]).length(false, false), Ok(None));
        assert_eq!(Reader::new(&[0x00]).length(true, false), Ok(None));
        let err = Reader::new(&[0xff, 0xfe]).length(false, false).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::NegativeLength(-2));
    }

    #[test]
    fn offsets_are_absolute_in_sub_readers() {
        let data = [1u8, 2, 3, 4, 5];
        let mut r = Reader::new(&data);
        r.take(2).unwrap();
        let mut sub = r.sub(2).unwrap();
        assert_eq!(sub.offset(), 2);
        let err = sub.i32().unwrap_err();
        assert_eq!(err.offset, 2);
    }
}
