//! gzip (RFC 1952) members around raw deflate from `miniz_oxide`.

use super::{corrupt, Output};
use crate::records::crc::Crc32Ieee;
use crate::records::error::Result;
use miniz_oxide::inflate::core::{decompress as inflate, inflate_flags, DecompressorOxide};
use miniz_oxide::inflate::TINFLStatus;

const WHAT: &str = "gzip";

/// Length of the fixed part of a gzip header.
const HEADER_LEN: usize = 10;

/// Skips the gzip header at the start of `input`; the deflate start.
fn header_len(input: &[u8], at: usize) -> Result<usize> {
    let bad = |why| corrupt(WHAT, why, at);
    let h = input.get(..HEADER_LEN).ok_or(bad("truncated header"))?;
    if h.first() != Some(&0x1f) || h.get(1) != Some(&0x8b) {
        return Err(bad("bad magic"));
    }
    if h.get(2) != Some(&8) {
        return Err(bad("not deflate"));
    }
    let flg = h.get(3).copied().unwrap_or(0);
    if flg & 0xe0 != 0 {
        return Err(bad("reserved flags set"));
    }
    let mut pos = HEADER_LEN;
    if flg & 0x04 != 0 {
        let x = input
            .get(pos..pos + 2)
            .ok_or(bad("truncated extra field"))?;
        let xlen = usize::from(u16::from_le_bytes([
            x.first().copied().unwrap_or(0),
            x.get(1).copied().unwrap_or(0),
        ]));
        pos = pos.saturating_add(2).saturating_add(xlen);
    }
    for bit in [0x08u8, 0x10] {
        if flg & bit != 0 {
            let rest = input.get(pos..).ok_or(bad("truncated header"))?;
            let nul = rest
                .iter()
                .position(|&b| b == 0)
                .ok_or(bad("unterminated name or comment"))?;
            pos = pos.saturating_add(nul + 1);
        }
    }
    if flg & 0x02 != 0 {
        pos = pos.saturating_add(2);
    }
    if pos > input.len() {
        return Err(bad("truncated header"));
    }
    Ok(pos)
}

/// Decompresses one or more concatenated gzip members.
pub(crate) fn decompress<O: Output>(input: &[u8], out: &mut O) -> Result<usize> {
    let mut n = 0usize;
    let mut at = 0usize;
    loop {
        let member = input.get(at..).unwrap_or(&[]);
        let body_start = header_len(member, at)?;
        let body = member.get(body_start..).unwrap_or(&[]);
        let mut st = DecompressorOxide::new();
        let mut in_pos = 0usize;
        let start = n;
        loop {
            let src = body.get(in_pos..).unwrap_or(&[]);
            let (status, read, written) = inflate(
                &mut st,
                src,
                out.buf(),
                n,
                inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF,
            );
            in_pos = in_pos.saturating_add(read);
            n = n.saturating_add(written);
            match status {
                TINFLStatus::Done => break,
                TINFLStatus::HasMoreOutput => {
                    if !out.grow(n.saturating_add(1)) {
                        return Err(out.too_large(WHAT, at));
                    }
                }
                TINFLStatus::NeedsMoreInput | TINFLStatus::FailedCannotMakeProgress => {
                    return Err(corrupt(WHAT, "truncated deflate stream", at))
                }
                _ => return Err(corrupt(WHAT, "corrupt deflate stream", at)),
            }
        }
        let trailer_at = body_start.saturating_add(in_pos);
        let t = member
            .get(trailer_at..trailer_at.saturating_add(8))
            .ok_or(corrupt(WHAT, "truncated trailer", at))?;
        let mut crc_b = [0u8; 4];
        let mut len_b = [0u8; 4];
        crc_b.copy_from_slice(t.get(..4).unwrap_or(&[0; 4]));
        len_b.copy_from_slice(t.get(4..8).unwrap_or(&[0; 4]));
        let data = out.buf().get(start..n).unwrap_or(&[]);
        let mut crc = Crc32Ieee::new();
        crc.update(data);
        if crc.finish() != u32::from_le_bytes(crc_b) {
            return Err(corrupt(WHAT, "CRC-32 mismatch", at));
        }
        if (data.len() as u32) != u32::from_le_bytes(len_b) {
            return Err(corrupt(WHAT, "size mismatch", at));
        }
        at = at.saturating_add(trailer_at).saturating_add(8);
        if at >= input.len() {
            return Ok(n);
        }
    }
}

/// Compresses `input` into one gzip member (header as Java's `GZIPOutputStream`).
#[cfg(feature = "alloc")]
pub(crate) fn compress(input: &[u8]) -> alloc::vec::Vec<u8> {
    let deflated = miniz_oxide::deflate::compress_to_vec(input, 6);
    let mut v = alloc::vec::Vec::with_capacity(deflated.len() + 18);
    v.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0]);
    v.extend_from_slice(&deflated);
    let mut crc = Crc32Ieee::new();
    crc.update(input);
    v.extend_from_slice(&crc.finish().to_le_bytes());
    v.extend_from_slice(&(input.len() as u32).to_le_bytes());
    v
}
