//! LZ4 frame format (as Kafka uses it): blocks decoded by `lz4_flex`,
//! written by `lz4_block`'s small-table compressor, with an own xxHash32 for
//! the descriptor and content checksums. No heap needed.

use super::{corrupt, Output};
use crate::records::error::{RecordsError, RecordsErrorKind, Result};

const WHAT: &str = "lz4";
const MAGIC: u32 = 0x184D_2204;
/// Kafka's Java client writes 64 KiB independent blocks, no checksums.
const BLOCK: usize = 64 * 1024;
/// FLG: version 01, independent blocks.
const FLG: u8 = 0x60;
/// BD: 64 KiB blocks.
const BD: u8 = 0x40;
/// Largest expansion of an LZ4 block (a match length run of 0xFF bytes).
const MAX_RATIO: usize = 255;

const P1: u32 = 2_654_435_761;
const P2: u32 = 2_246_822_519;
const P3: u32 = 3_266_489_917;
const P4: u32 = 668_265_263;
const P5: u32 = 374_761_393;

fn le32(b: &[u8], i: usize) -> Option<u32> {
    let s = b.get(i..i.checked_add(4)?)?;
    let mut a = [0u8; 4];
    a.copy_from_slice(s);
    Some(u32::from_le_bytes(a))
}

/// xxHash32 of `data` with `seed` (as used by the LZ4 frame format).
pub fn xxh32(data: &[u8], seed: u32) -> u32 {
    let round = |acc: u32, x: u32| {
        acc.wrapping_add(x.wrapping_mul(P2))
            .rotate_left(13)
            .wrapping_mul(P1)
    };
    let mut chunks = data.chunks_exact(16);
    let mut h = if data.len() >= 16 {
        let mut v = [
            seed.wrapping_add(P1).wrapping_add(P2),
            seed.wrapping_add(P2),
            seed,
            seed.wrapping_sub(P1),
        ];
        for c in &mut chunks {
            for (k, acc) in v.iter_mut().enumerate() {
                *acc = round(*acc, le32(c, k * 4).unwrap_or(0));
            }
        }
        v[0].rotate_left(1)
            .wrapping_add(v[1].rotate_left(7))
            .wrapping_add(v[2].rotate_left(12))
            .wrapping_add(v[3].rotate_left(18))
    } else {
        seed.wrapping_add(P5)
    };
    h = h.wrapping_add(data.len() as u32);
    let tail = if data.len() >= 16 {
        chunks.remainder()
    } else {
        data
    };
    let mut words = tail.chunks_exact(4);
    for w in &mut words {
        let x = le32(w, 0).unwrap_or(0);
        h = h
            .wrapping_add(x.wrapping_mul(P3))
            .rotate_left(17)
            .wrapping_mul(P4);
    }
    for &b in words.remainder() {
        h = h
            .wrapping_add(u32::from(b).wrapping_mul(P5))
            .rotate_left(11)
            .wrapping_mul(P1);
    }
    h ^= h >> 15;
    h = h.wrapping_mul(P2);
    h ^= h >> 13;
    h = h.wrapping_mul(P3);
    h ^= h >> 16;
    h
}

/// Decompresses one or more LZ4 frames. Accepts the header checksum Kafka's
/// old (magic 0) Java client computed wrongly over the magic too.
pub(crate) fn decompress<O: Output>(input: &[u8], out: &mut O) -> Result<usize> {
    let mut n = 0usize;
    let mut pos = 0usize;
    while pos < input.len() {
        let frame_at = pos;
        let bad = |why, p: usize| corrupt(WHAT, why, p);
        let magic = le32(input, pos).ok_or(bad("truncated magic", pos))?;
        if magic & 0xFFFF_FFF0 == 0x184D_2A50 {
            // Skippable frame.
            let len = le32(input, pos + 4).ok_or(bad("truncated skippable frame", pos))?;
            pos = pos.saturating_add(8).saturating_add(len as usize);
            if pos > input.len() {
                return Err(bad("truncated skippable frame", frame_at));
            }
            continue;
        }
        if magic != MAGIC {
            return Err(bad("bad magic", pos));
        }
        pos += 4;
        let desc_at = pos;
        let flg = *input.get(pos).ok_or(bad("truncated descriptor", pos))?;
        let bd = *input.get(pos + 1).ok_or(bad("truncated descriptor", pos))?;
        pos += 2;
        if flg >> 6 != 1 || flg & 0x02 != 0 || bd & 0x8F != 0 {
            return Err(bad("unsupported frame descriptor", desc_at));
        }
        let independent = flg & 0x20 != 0;
        let block_checksum = flg & 0x10 != 0;
        let has_size = flg & 0x08 != 0;
        let content_checksum = flg & 0x04 != 0;
        if flg & 0x01 != 0 {
            return Err(bad("dictionary frames unsupported", desc_at));
        }
        let block_max = match (bd >> 4) & 7 {
            4 => 64 * 1024,
            5 => 256 * 1024,
            6 => 1024 * 1024,
            7 => 4 * 1024 * 1024,
            _ => return Err(bad("bad block size", desc_at)),
        };
        let mut content_size = None;
        if has_size {
            let lo = le32(input, pos).ok_or(bad("truncated content size", pos))?;
            let hi = le32(input, pos + 4).ok_or(bad("truncated content size", pos))?;
            content_size = Some(u64::from(lo) | (u64::from(hi) << 32));
            pos += 8;
        }
        let hc = *input.get(pos).ok_or(bad("truncated descriptor", pos))?;
        let desc = input.get(desc_at..pos).unwrap_or(&[]);
        let broken = input.get(frame_at..pos).unwrap_or(&[]);
        if hc != (xxh32(desc, 0) >> 8) as u8 && hc != (xxh32(broken, 0) >> 8) as u8 {
            return Err(bad("header checksum mismatch", pos));
        }
        pos += 1;
        if let Some(size) = content_size {
            if size > out.limit() as u64 {
                return Err(out.too_large(WHAT, frame_at));
            }
        }
        let start = n;
        loop {
            let word = le32(input, pos).ok_or(bad("truncated block size", pos))?;
            pos += 4;
            if word == 0 {
                break;
            }
            let size = (word & 0x7FFF_FFFF) as usize;
            if size > block_max {
                return Err(bad("block larger than the maximum", pos - 4));
            }
            let data = input
                .get(pos..pos.saturating_add(size))
                .ok_or(bad("truncated block", pos))?;
            if block_checksum {
                let sum = le32(input, pos + size).ok_or(bad("truncated block checksum", pos))?;
                if sum != xxh32(data, 0) {
                    return Err(bad("block checksum mismatch", pos));
                }
            }
            if word & 0x8000_0000 != 0 {
                if !out.grow(n.saturating_add(size)) {
                    return Err(out.too_large(WHAT, pos));
                }
                let dst = out
                    .buf()
                    .get_mut(n..n + size)
                    .ok_or(bad("output overrun", pos))?;
                dst.copy_from_slice(data);
                n += size;
            } else {
                let room = block_max.min(size.saturating_mul(MAX_RATIO).saturating_add(64));
                // Ask for a full block; a fixed buffer may still hold this one.
                out.grow(n.saturating_add(room));
                let limit = out.limit();
                let buf = out.buf();
                let (prev, rest) = buf.split_at_mut(n.min(buf.len()));
                let dict_from = if independent {
                    prev.len()
                } else {
                    prev.len().saturating_sub(64 * 1024)
                };
                let dict = prev.get(dict_from..).unwrap_or(&[]);
                let res = if independent {
                    lz4_flex::block::decompress_into(data, rest)
                } else {
                    lz4_flex::block::decompress_into_with_dict(data, rest, dict)
                };
                match res {
                    Ok(k) => n += k,
                    Err(lz4_flex::block::DecompressError::OutputTooSmall { .. }) => {
                        return Err(RecordsError::new(
                            RecordsErrorKind::OutputTooLarge { limit },
                            WHAT,
                            pos,
                        ))
                    }
                    Err(_) => return Err(bad("corrupt block", pos)),
                }
            }
            pos += size + if block_checksum { 4 } else { 0 };
        }
        if content_checksum {
            let sum = le32(input, pos).ok_or(bad("truncated content checksum", pos))?;
            let data = out.buf().get(start..n).unwrap_or(&[]);
            if sum != xxh32(data, 0) {
                return Err(bad("content checksum mismatch", pos));
            }
            pos += 4;
        }
        if let Some(size) = content_size {
            if size != (n - start) as u64 {
                return Err(bad("content size mismatch", frame_at));
            }
        }
    }
    Ok(n)
}

/// Output room that always holds [`compress`]'s frame: a block is kept
/// compressed only when that is shorter than storing it raw.
pub(crate) fn max_frame_len(len: usize) -> usize {
    let blocks = len / BLOCK + 1;
    7usize
        .saturating_add(len)
        .saturating_add(blocks.saturating_mul(4))
        .saturating_add(4)
}

/// Compresses `input` into one LZ4 frame as Kafka's Java client does
/// (64 KiB independent blocks, no checksums), with the small-table block
/// compressor of `lz4_block` (512 bytes of stack). A block that does not shrink
/// is stored raw.
pub(crate) fn compress(input: &[u8], out: &mut [u8]) -> Result<usize> {
    let available = out.len();
    let small = |needed: usize, at: usize| {
        RecordsError::new(
            RecordsErrorKind::BufferTooSmall { needed, available },
            WHAT,
            at,
        )
    };
    let hc = (xxh32(&[FLG, BD], 0) >> 8) as u8;
    let head = out.get_mut(..7).ok_or(small(7, 0))?;
    head.get_mut(..4)
        .ok_or(small(7, 0))?
        .copy_from_slice(&MAGIC.to_le_bytes());
    head.get_mut(4..7)
        .ok_or(small(7, 0))?
        .copy_from_slice(&[FLG, BD, hc]);
    let mut pos = 7usize;
    for chunk in input.chunks(BLOCK) {
        let body_at = pos + 4;
        let body = out.get_mut(body_at..).unwrap_or(&mut []);
        // Room for less than the raw block: if it does not fit, it does not
        // shrink, and the block is stored raw.
        let room = chunk.len().saturating_sub(1).min(body.len());
        let compressed = body
            .get_mut(..room)
            .and_then(|dst| super::lz4_block::compress_block(chunk, dst));
        let word = match compressed {
            Some(k) => {
                pos = body_at + k;
                k as u32
            }
            None => {
                let end = body_at + chunk.len();
                out.get_mut(body_at..end)
                    .ok_or(small(end + 4, body_at))?
                    .copy_from_slice(chunk);
                pos = end;
                chunk.len() as u32 | 0x8000_0000
            }
        };
        out.get_mut(body_at - 4..body_at)
            .ok_or(small(body_at, body_at))?
            .copy_from_slice(&word.to_le_bytes());
    }
    out.get_mut(pos..pos + 4)
        .ok_or(small(pos + 4, pos))?
        .copy_from_slice(&0u32.to_le_bytes());
    Ok(pos + 4)
}
