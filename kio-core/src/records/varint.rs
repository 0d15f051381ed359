//! Zigzag varints and varlongs as Kafka's `ByteUtils` reads and writes them.
//!
//! A varint is at most 5 bytes and a varlong at most 10: a longer one is an
//! error, as in Kafka. Like Kafka, excess high bits in the last byte are
//! dropped.

use super::error::{RecordsError, RecordsErrorKind, Result};

/// Longest varint (`i32`) in bytes.
pub const MAX_VARINT_LEN: usize = 5;
/// Longest varlong (`i64`) in bytes.
pub const MAX_VARLONG_LEN: usize = 10;

/// Decodes a zigzag varint from the start of `buf`: the value and the bytes used.
///
/// Errors are reported at offset 0 of `buf`.
#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
pub fn decode_varint(buf: &[u8]) -> Result<(i32, usize)> {
    match buf.first() {
        Some(&b) if b < 0x80 => Ok((zigzag32(u32::from(b)), 1)),
        _ => decode_varint_slow(buf),
    }
}

#[inline(never)]
fn decode_varint_slow(buf: &[u8]) -> Result<(i32, usize)> {
    let mut raw: u32 = 0;
    for i in 0..MAX_VARINT_LEN {
        let Some(&b) = buf.get(i) else {
            return Err(eof(i + 1, buf.len()));
        };
        raw |= u32::from(b & 0x7f).wrapping_shl(7 * i as u32);
        if b & 0x80 == 0 {
            return Ok((zigzag32(raw), i + 1));
        }
    }
    Err(RecordsError::new(
        RecordsErrorKind::VarintTooLong,
        "varint",
        0,
    ))
}

/// Decodes a zigzag varlong from the start of `buf`: the value and the bytes used.
#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
pub fn decode_varlong(buf: &[u8]) -> Result<(i64, usize)> {
    match buf.first() {
        Some(&b) if b < 0x80 => Ok((zigzag64(u64::from(b)), 1)),
        _ => decode_varlong_slow(buf),
    }
}

#[inline(never)]
fn decode_varlong_slow(buf: &[u8]) -> Result<(i64, usize)> {
    let mut raw: u64 = 0;
    for i in 0..MAX_VARLONG_LEN {
        let Some(&b) = buf.get(i) else {
            return Err(eof(i + 1, buf.len()));
        };
        raw |= u64::from(b & 0x7f).wrapping_shl(7 * i as u32);
        if b & 0x80 == 0 {
            return Ok((zigzag64(raw), i + 1));
        }
    }
    Err(RecordsError::new(
        RecordsErrorKind::VarintTooLong,
        "varlong",
        0,
    ))
}

const fn zigzag32(raw: u32) -> i32 {
    ((raw >> 1) as i32) ^ -((raw & 1) as i32)
}

const fn zigzag64(raw: u64) -> i64 {
    ((raw >> 1) as i64) ^ -((raw & 1) as i64)
}

/// The varint at `buf[pos..]` and the position after it, or `None` if it is
/// cut short or too long: the same values as [`decode_varint`], for the
/// record walks that report their errors elsewhere.
#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
pub(crate) fn varint_at(buf: &[u8], pos: usize) -> Option<(i32, usize)> {
    match (buf.get(pos), buf.get(pos + 1)) {
        (Some(&b), _) if b < 0x80 => Some((zigzag32(u32::from(b)), pos + 1)),
        // Two bytes (values up to ±8191, as most record lengths): no loop.
        (Some(&b), Some(&c)) if c < 0x80 => {
            let raw = u32::from(b & 0x7f) | (u32::from(c) << 7);
            Some((zigzag32(raw), pos + 2))
        }
        (Some(_), _) => match decode_varint_slow(buf.get(pos..)?) {
            Ok((v, n)) => Some((v, pos + n)),
            Err(_) => None,
        },
        (None, _) => None,
    }
}

/// The varlong at `buf[pos..]` and the position after it (see [`varint_at`]).
#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
pub(crate) fn varlong_at(buf: &[u8], pos: usize) -> Option<(i64, usize)> {
    match (buf.get(pos), buf.get(pos + 1)) {
        (Some(&b), _) if b < 0x80 => Some((zigzag64(u64::from(b)), pos + 1)),
        // Two bytes (values up to ±8191, as most record lengths): no loop.
        (Some(&b), Some(&c)) if c < 0x80 => {
            let raw = u64::from(b & 0x7f) | (u64::from(c) << 7);
            Some((zigzag64(raw), pos + 2))
        }
        (Some(_), _) => match decode_varlong_slow(buf.get(pos..)?) {
            Ok((v, n)) => Some((v, pos + n)),
            Err(_) => None,
        },
        (None, _) => None,
    }
}

/// Varint-length-prefixed bytes at `buf[pos..]` (`None` inside for length
/// -1) and the position after them; `None` if malformed (see [`varint_at`]).
#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
pub(crate) fn varint_bytes_at(buf: &[u8], pos: usize) -> Option<(Option<&[u8]>, usize)> {
    let (len, pos) = varint_at(buf, pos)?;
    if len == -1 {
        return Some((None, pos));
    }
    let end = pos.checked_add(usize::try_from(len).ok()?)?;
    Some((Some(buf.get(pos..end)?), end))
}

fn eof(needed: usize, available: usize) -> RecordsError {
    RecordsError::new(
        RecordsErrorKind::UnexpectedEof { needed, available },
        "varint",
        0,
    )
}

/// Bytes that [`encode_varint`] writes for `v`.
pub const fn varint_len(v: i32) -> usize {
    varlong_len(v as i64)
}

/// Bytes that [`encode_varlong`] writes for `v`.
pub const fn varlong_len(v: i64) -> usize {
    let raw = ((v << 1) ^ (v >> 63)) as u64;
    // ceil(significant bits / 7); zero takes one byte.
    let bits = 64 - (raw | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

/// Writes `v` as a zigzag varint at the start of `out`; the bytes written, or
/// `None` if `out` is too short.
pub fn encode_varint(v: i32, out: &mut [u8]) -> Option<usize> {
    encode_varlong(i64::from(v), out)
}

/// Writes `v` as a zigzag varlong at the start of `out`; the bytes written, or
/// `None` if `out` is too short.
#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
pub fn encode_varlong(v: i64, out: &mut [u8]) -> Option<usize> {
    let raw = ((v << 1) ^ (v >> 63)) as u64;
    if raw < 0x80 {
        *out.first_mut()? = raw as u8;
        return Some(1);
    }
    if raw < 0x4000 {
        let [a, b] = out.first_chunk_mut::<2>()?;
        *a = (raw as u8 & 0x7f) | 0x80;
        *b = (raw >> 7) as u8;
        return Some(2);
    }
    encode_raw_slow(raw, out)
}

fn encode_raw_slow(mut raw: u64, out: &mut [u8]) -> Option<usize> {
    let mut i = 0;
    loop {
        let slot = out.get_mut(i)?;
        if raw < 0x80 {
            *slot = raw as u8;
            return Some(i + 1);
        }
        *slot = (raw as u8 & 0x7f) | 0x80;
        raw >>= 7;
        i += 1;
    }
}

/// A bounds-checked cursor over wire bytes, reporting errors at absolute
/// offsets (`base` + position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8], base: usize) -> Self {
        Reader { buf, pos: 0, base }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    pub(crate) fn abs(&self) -> usize {
        self.base.saturating_add(self.pos)
    }

    pub(crate) fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or(&[])
    }

    fn err(&self, kind: RecordsErrorKind, what: &'static str) -> RecordsError {
        RecordsError::new(kind, what, self.abs())
    }

    pub(crate) fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n);
        match end.and_then(|e| self.buf.get(self.pos..e)) {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            None => Err(self.err(
                RecordsErrorKind::UnexpectedEof {
                    needed: n,
                    available: self.remaining(),
                },
                what,
            )),
        }
    }

    pub(crate) fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N]> {
        let s = self.bytes(N, what)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    pub(crate) fn i8(&mut self, what: &'static str) -> Result<i8> {
        Ok(i8::from_be_bytes(self.array(what)?))
    }

    pub(crate) fn i16(&mut self, what: &'static str) -> Result<i16> {
        Ok(i16::from_be_bytes(self.array(what)?))
    }

    pub(crate) fn i32(&mut self, what: &'static str) -> Result<i32> {
        Ok(i32::from_be_bytes(self.array(what)?))
    }

    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array(what)?))
    }

    pub(crate) fn i64(&mut self, what: &'static str) -> Result<i64> {
        Ok(i64::from_be_bytes(self.array(what)?))
    }

    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub(crate) fn varint(&mut self, what: &'static str) -> Result<i32> {
        match decode_varint(self.rest()) {
            Ok((v, n)) => {
                self.pos += n;
                Ok(v)
            }
            Err(e) => Err(RecordsError { what, ..e }.shifted(self.abs())),
        }
    }

    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub(crate) fn varlong(&mut self, what: &'static str) -> Result<i64> {
        match decode_varlong(self.rest()) {
            Ok((v, n)) => {
                self.pos += n;
                Ok(v)
            }
            Err(e) => Err(RecordsError { what, ..e }.shifted(self.abs())),
        }
    }

    /// Varint-length-prefixed bytes; `None` for length -1.
    pub(crate) fn varint_bytes(&mut self, what: &'static str) -> Result<Option<&'a [u8]>> {
        let at = self.abs();
        let len = self.varint(what)?;
        if len == -1 {
            return Ok(None);
        }
        let n = usize::try_from(len).map_err(|_| {
            RecordsError::new(RecordsErrorKind::InvalidLength(len.into()), what, at)
        })?;
        self.bytes(n, what).map(Some)
    }

    /// `i32`-length-prefixed bytes (legacy messages); `None` for length -1.
    pub(crate) fn i32_bytes(&mut self, what: &'static str) -> Result<Option<&'a [u8]>> {
        let at = self.abs();
        let len = self.i32(what)?;
        if len == -1 {
            return Ok(None);
        }
        let n = usize::try_from(len).map_err(|_| {
            RecordsError::new(RecordsErrorKind::InvalidLength(len.into()), what, at)
        })?;
        self.bytes(n, what).map(Some)
    }
}

/// A bounds-checked writer into a caller buffer.
#[derive(Debug)]
pub(crate) struct Writer<'b> {
    pub(crate) buf: &'b mut [u8],
    pub(crate) pos: usize,
}

impl<'b> Writer<'b> {
    pub(crate) fn new(buf: &'b mut [u8], pos: usize) -> Self {
        Writer { buf, pos }
    }

    fn too_small(&self, n: usize, what: &'static str) -> RecordsError {
        RecordsError::new(
            RecordsErrorKind::BufferTooSmall {
                needed: self.pos.saturating_add(n),
                available: self.buf.len(),
            },
            what,
            self.pos,
        )
    }

    pub(crate) fn put(&mut self, bytes: &[u8], what: &'static str) -> Result<()> {
        let end = self.pos.checked_add(bytes.len());
        match end.and_then(|e| self.buf.get_mut(self.pos..e)) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.pos += bytes.len();
                Ok(())
            }
            None => Err(self.too_small(bytes.len(), what)),
        }
    }
}
