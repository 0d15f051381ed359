//! Zstandard through `ruzstd` (needs `alloc`).

use super::{corrupt, Output};
use crate::records::error::Result;
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};
use ruzstd::io::Read;

const WHAT: &str = "zstd";
/// Bytes decoded per step before draining into the output.
const STEP: usize = 64 * 1024;
/// Largest window accepted. Streaming compressors declare large windows for
/// small data (librdkafka: 2 MiB), and `ruzstd` reserves the window up
/// front, so decoding costs up to this much memory whatever the output limit.
/// 8 MiB is zstd's window for levels up to 19 on data of unknown size.
const MAX_WINDOW: u64 = 8 * 1024 * 1024;

/// Decompresses one or more zstd frames.
pub(crate) fn decompress<O: Output>(input: &[u8], out: &mut O) -> Result<usize> {
    let mut dec = FrameDecoder::new();
    dec.set_max_window_size(MAX_WINDOW);
    let mut src = input;
    let mut n = 0usize;
    while !src.is_empty() {
        let at = input.len() - src.len();
        dec.init(&mut src)
            .map_err(|_| corrupt(WHAT, "bad frame header", at))?;
        loop {
            let before = src.len();
            dec.decode_blocks(&mut src, BlockDecodingStrategy::UptoBytes(STEP))
                .map_err(|_| corrupt(WHAT, "corrupt block", at))?;
            let mut drained = false;
            while dec.can_collect() > 0 {
                let want = n.saturating_add(dec.can_collect());
                if !out.grow(want) {
                    out.grow(out.limit());
                    if out.buf().len() <= n {
                        return Err(out.too_large(WHAT, at));
                    }
                }
                let dst = out.buf().get_mut(n..).unwrap_or(&mut []);
                let k = dec
                    .read(dst)
                    .map_err(|_| corrupt(WHAT, "drain failed", at))?;
                if k == 0 {
                    return Err(out.too_large(WHAT, at));
                }
                n = n.saturating_add(k);
                drained = true;
            }
            if dec.is_finished() {
                break;
            }
            if src.len() == before && !drained {
                return Err(corrupt(WHAT, "truncated frame", at));
            }
        }
    }
    Ok(n)
}

/// Compresses `input` into one zstd frame (ruzstd's fastest level, about zstd level 1).
pub(crate) fn compress(input: &[u8]) -> alloc::vec::Vec<u8> {
    ruzstd::encoding::compress_to_vec(input, ruzstd::encoding::CompressionLevel::Fastest)
}
