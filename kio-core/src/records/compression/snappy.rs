//! Snappy: raw blocks and the xerial framing Kafka's Java client writes.
//!
//! Own implementation (the `snap` crate needs `std`): decoding is fully
//! bounds-checked, encoding is a simple greedy matcher with an 8 KiB stack
//! table; both need no heap.

use super::{corrupt, Output};
use crate::records::error::{RecordsError, RecordsErrorKind, Result};

const WHAT: &str = "snappy";
/// Xerial stream magic.
const XERIAL_MAGIC: [u8; 8] = [0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0];
/// Xerial header: magic, version, compatible version.
const XERIAL_HEADER_LEN: usize = 16;
/// Java's `SnappyOutputStream` default block size.
const XERIAL_BLOCK: usize = 32 * 1024;
/// Largest expansion of a snappy element (a 3-byte copy of 64 bytes).
const MAX_RATIO: usize = 22;

/// Decompresses raw snappy or a xerial-framed stream.
pub(crate) fn decompress<O: Output>(input: &[u8], out: &mut O) -> Result<usize> {
    if input.starts_with(&XERIAL_MAGIC) {
        let mut pos = XERIAL_HEADER_LEN;
        if input.len() < pos {
            return Err(corrupt(WHAT, "truncated xerial header", 0));
        }
        let mut n = 0;
        while pos < input.len() {
            let len = input
                .get(pos..pos + 4)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
                .ok_or(corrupt(WHAT, "truncated xerial chunk length", pos))?;
            pos += 4;
            let chunk = input.get(pos..pos.saturating_add(len)).ok_or(corrupt(
                WHAT,
                "truncated xerial chunk",
                pos,
            ))?;
            n += decompress_raw(chunk, out, n, pos)?;
            pos += len;
        }
        Ok(n)
    } else {
        decompress_raw(input, out, 0, 0)
    }
}

fn read_uvarint(input: &[u8]) -> Option<(u32, usize)> {
    let mut v: u32 = 0;
    for i in 0..5 {
        let b = *input.get(i)?;
        v |= u32::from(b & 0x7f).checked_shl(7 * i as u32)?;
        if b & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

/// Decodes one raw snappy block to `out` at `start`; bytes written.
fn decompress_raw<O: Output>(input: &[u8], out: &mut O, start: usize, at: usize) -> Result<usize> {
    let bad = |why, p: usize| corrupt(WHAT, why, at.saturating_add(p));
    let (ulen, mut ip) = read_uvarint(input).ok_or(bad("bad length", 0))?;
    let ulen = ulen as usize;
    if ulen > input.len().saturating_mul(MAX_RATIO) {
        return Err(bad("length larger than the data can hold", 0));
    }
    let end = start.checked_add(ulen).ok_or(bad("bad length", 0))?;
    if !out.grow(end) {
        return Err(out.too_large(WHAT, at));
    }
    let buf = out.buf().get_mut(..end).ok_or(RecordsError::new(
        RecordsErrorKind::OutputTooLarge { limit: end },
        WHAT,
        at,
    ))?;
    let mut op = start;
    while ip < input.len() {
        let tag = *input.get(ip).ok_or(bad("truncated", ip))?;
        ip += 1;
        let (len, offset) = match tag & 3 {
            0 => {
                let mut len = usize::from(tag >> 2);
                if len >= 60 {
                    let extra = len - 59;
                    let b = input
                        .get(ip..ip + extra)
                        .ok_or(bad("truncated literal", ip))?;
                    len = b
                        .iter()
                        .rev()
                        .fold(0usize, |acc, &x| (acc << 8) | usize::from(x));
                    ip += extra;
                }
                let len = len + 1;
                let src = input
                    .get(ip..ip.saturating_add(len))
                    .ok_or(bad("truncated literal", ip))?;
                let dst = buf
                    .get_mut(op..op.saturating_add(len))
                    .ok_or(bad("output overrun", ip))?;
                dst.copy_from_slice(src);
                ip += len;
                op += len;
                continue;
            }
            1 => {
                let b = *input.get(ip).ok_or(bad("truncated copy", ip))?;
                ip += 1;
                (
                    usize::from((tag >> 2) & 7) + 4,
                    (usize::from(tag >> 5) << 8) | usize::from(b),
                )
            }
            2 => {
                let b = input.get(ip..ip + 2).ok_or(bad("truncated copy", ip))?;
                ip += 2;
                (
                    usize::from(tag >> 2) + 1,
                    usize::from(u16::from_le_bytes([b[0], b[1]])),
                )
            }
            _ => {
                let b = input.get(ip..ip + 4).ok_or(bad("truncated copy", ip))?;
                ip += 4;
                (
                    usize::from(tag >> 2) + 1,
                    u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize,
                )
            }
        };
        if offset == 0 || offset > op - start {
            return Err(bad("copy offset out of range", ip));
        }
        if op.saturating_add(len) > end {
            return Err(bad("output overrun", ip));
        }
        let from = op - offset;
        if offset >= len {
            buf.copy_within(from..from + len, op);
        } else {
            for i in 0..len {
                let b = buf.get(from + i).copied().unwrap_or(0);
                if let Some(d) = buf.get_mut(op + i) {
                    *d = b;
                }
            }
        }
        op += len;
    }
    if op != end {
        return Err(bad("length mismatch", ip));
    }
    Ok(ulen)
}

/// Largest xerial output for `len` input bytes.
pub(crate) fn max_xerial_len(len: usize) -> usize {
    let chunks = len / XERIAL_BLOCK + 1;
    XERIAL_HEADER_LEN
        .saturating_add(chunks.saturating_mul(36))
        .saturating_add(len)
        .saturating_add(len / 6)
}

struct Sink<'b> {
    buf: &'b mut [u8],
    pos: usize,
}

impl Sink<'_> {
    fn put(&mut self, b: &[u8]) -> Result<()> {
        let available = self.buf.len();
        let end = self.pos.saturating_add(b.len());
        let dst = self.buf.get_mut(self.pos..end).ok_or(RecordsError::new(
            RecordsErrorKind::BufferTooSmall {
                needed: end,
                available,
            },
            WHAT,
            self.pos,
        ))?;
        dst.copy_from_slice(b);
        self.pos = end;
        Ok(())
    }

    fn literal(&mut self, lit: &[u8]) -> Result<()> {
        if lit.is_empty() {
            return Ok(());
        }
        let n = lit.len() - 1;
        if n < 60 {
            self.put(&[(n as u8) << 2])?;
        } else if n < 0x100 {
            self.put(&[60 << 2, n as u8])?;
        } else if n < 0x1_0000 {
            self.put(&[61 << 2, n as u8, (n >> 8) as u8])?;
        } else {
            self.put(&[62 << 2, n as u8, (n >> 8) as u8, (n >> 16) as u8])?;
        }
        self.put(lit)
    }

    fn copy(&mut self, offset: usize, mut len: usize) -> Result<()> {
        let o = (offset as u16).to_le_bytes();
        while len > 0 {
            let l = len.min(64);
            self.put(&[(((l - 1) as u8) << 2) | 2, o[0], o[1]])?;
            len -= l;
        }
        Ok(())
    }
}

fn load32(b: &[u8], i: usize) -> u32 {
    b.get(i..i + 4)
        .map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Compresses `input` as one raw snappy block into `out`; bytes written.
pub(crate) fn compress_raw(input: &[u8], out: &mut [u8]) -> Result<usize> {
    let mut sink = Sink { buf: out, pos: 0 };
    let mut v = [0u8; 5];
    let mut len = input.len() as u32;
    let mut k = 0;
    loop {
        let b = (len & 0x7f) as u8;
        len >>= 7;
        if let Some(s) = v.get_mut(k) {
            *s = if len == 0 { b } else { b | 0x80 };
        }
        k += 1;
        if len == 0 || k == 5 {
            break;
        }
    }
    sink.put(v.get(..k).unwrap_or(&[]))?;
    const BITS: u32 = 12;
    for block in input.chunks(0x1_0000) {
        let mut table = [0u16; 1 << BITS];
        let mut i = 0usize;
        let mut lit = 0usize;
        while i + 4 <= block.len() {
            let cur = load32(block, i);
            let h = (cur.wrapping_mul(0x1e35_a7bd) >> (32 - BITS)) as usize;
            let cand = table.get(h).copied().map_or(0, usize::from);
            if let Some(t) = table.get_mut(h) {
                *t = i as u16;
            }
            if cand < i && load32(block, cand) == cur {
                let mut m = 4;
                while block.get(i + m).is_some() && block.get(i + m) == block.get(cand + m) {
                    m += 1;
                }
                sink.literal(block.get(lit..i).unwrap_or(&[]))?;
                sink.copy(i - cand, m)?;
                i += m;
                lit = i;
            } else {
                i += 1;
            }
        }
        sink.literal(block.get(lit..).unwrap_or(&[]))?;
    }
    Ok(sink.pos)
}

/// Compresses `input` in xerial framing (as Java's `SnappyOutputStream`).
pub(crate) fn compress_xerial(input: &[u8], out: &mut [u8]) -> Result<usize> {
    let mut sink = Sink { buf: out, pos: 0 };
    sink.put(&XERIAL_MAGIC)?;
    sink.put(&1i32.to_be_bytes())?;
    sink.put(&1i32.to_be_bytes())?;
    let mut pos = sink.pos;
    let out = sink.buf;
    for chunk in input.chunks(XERIAL_BLOCK) {
        let len_at = pos;
        let body = out.get_mut(pos.saturating_add(4)..).unwrap_or(&mut []);
        let n = compress_raw(chunk, body).map_err(|e| e.shifted(pos + 4))?;
        if let Some(d) = out.get_mut(len_at..len_at + 4) {
            d.copy_from_slice(&(n as u32).to_be_bytes());
        } else {
            return Err(RecordsError::new(
                RecordsErrorKind::BufferTooSmall {
                    needed: len_at + 4,
                    available: len_at,
                },
                WHAT,
                len_at,
            ));
        }
        pos += 4 + n;
    }
    Ok(pos)
}
