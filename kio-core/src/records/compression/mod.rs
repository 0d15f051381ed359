//! Compression codecs of the records section, behind cargo features.
//!
//! | codec  | feature  | decompress without `alloc` | compress without `alloc` | crate |
//! |--------|----------|----------------------------|--------------------------|-------|
//! | gzip   | `gzip`   | yes                        | no (needs `alloc`)       | `miniz_oxide` + own gzip framing |
//! | snappy | `snappy` | yes                        | yes                      | own (raw + xerial framing) |
//! | lz4    | `lz4`    | yes                        | yes                      | `lz4_flex` blocks + own LZ4 frame |
//! | zstd   | `zstd`   | no (needs `alloc`)         | no (needs `alloc`)       | `ruzstd` |
//!
//! Every decompressor is bounded: it never writes past the caller's buffer
//! or the caller's `max_len`, and reports [`RecordsErrorKind::OutputTooLarge`]
//! instead (a decompression bomb is an error, not an out-of-memory).

#[cfg(feature = "gzip")]
mod gzip;
#[cfg(feature = "lz4")]
mod lz4;
#[cfg(feature = "lz4")]
mod lz4_block;
#[cfg(feature = "snappy")]
mod snappy;
#[cfg(all(feature = "zstd", feature = "alloc"))]
mod zstd;

#[cfg(feature = "lz4")]
pub use lz4::xxh32;

use super::error::{RecordsError, RecordsErrorKind, Result};

/// A compression codec of a batch (attributes bits 0-2) or legacy message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Compression {
    /// No compression (0).
    #[default]
    None,
    /// gzip (1).
    Gzip,
    /// Snappy (2); Java writes the xerial framing.
    Snappy,
    /// LZ4 frame format (3).
    Lz4,
    /// Zstandard (4).
    Zstd,
}

impl Compression {
    /// The codec for a wire id, or the id back if unknown.
    pub const fn from_id(id: u8) -> core::result::Result<Self, u8> {
        match id {
            0 => Ok(Compression::None),
            1 => Ok(Compression::Gzip),
            2 => Ok(Compression::Snappy),
            3 => Ok(Compression::Lz4),
            4 => Ok(Compression::Zstd),
            other => Err(other),
        }
    }

    /// The wire id.
    pub const fn id(self) -> u8 {
        match self {
            Compression::None => 0,
            Compression::Gzip => 1,
            Compression::Snappy => 2,
            Compression::Lz4 => 3,
            Compression::Zstd => 4,
        }
    }

    /// `true` if this build can decompress the codec into a caller buffer.
    pub const fn can_decompress(self) -> bool {
        match self {
            Compression::None => true,
            Compression::Gzip => cfg!(feature = "gzip"),
            Compression::Snappy => cfg!(feature = "snappy"),
            Compression::Lz4 => cfg!(feature = "lz4"),
            Compression::Zstd => cfg!(all(feature = "zstd", feature = "alloc")),
        }
    }

    /// `true` if this build can compress with the codec.
    pub const fn can_compress(self) -> bool {
        match self {
            Compression::None => true,
            Compression::Gzip => cfg!(all(feature = "gzip", feature = "alloc")),
            Compression::Snappy => cfg!(feature = "snappy"),
            Compression::Lz4 => cfg!(feature = "lz4"),
            Compression::Zstd => cfg!(all(feature = "zstd", feature = "alloc")),
        }
    }
}

/// Where a decompressor writes: a fixed slice or a `Vec` growing up to a limit.
pub(crate) trait Output {
    /// The whole buffer written so far and any room after it.
    fn buf(&mut self) -> &mut [u8];
    /// Makes `buf().len() >= min_len` (or as close as the limit allows);
    /// `false` if the limit forbids reaching it.
    fn grow(&mut self, min_len: usize) -> bool;
    /// The limit, for errors.
    fn limit(&self) -> usize;
    /// The error for exceeding the limit.
    fn too_large(&self, what: &'static str, at: usize) -> RecordsError {
        RecordsError::new(
            RecordsErrorKind::OutputTooLarge {
                limit: self.limit(),
            },
            what,
            at,
        )
    }
}

pub(crate) struct SliceOut<'b>(pub(crate) &'b mut [u8]);

impl Output for SliceOut<'_> {
    fn buf(&mut self) -> &mut [u8] {
        self.0
    }
    fn grow(&mut self, min_len: usize) -> bool {
        min_len <= self.0.len()
    }
    fn limit(&self) -> usize {
        self.0.len()
    }
}

#[cfg(feature = "alloc")]
pub(crate) struct VecOut {
    pub(crate) v: alloc::vec::Vec<u8>,
    pub(crate) max: usize,
}

#[cfg(feature = "alloc")]
impl Output for VecOut {
    fn buf(&mut self) -> &mut [u8] {
        &mut self.v
    }
    fn grow(&mut self, min_len: usize) -> bool {
        // Grows as far as the limit allows even when `min_len` is beyond it:
        // a caller asking for a whole block's room may need less.
        if min_len > self.v.len() && self.v.len() < self.max {
            let target = min_len
                .max(self.v.len().saturating_mul(2))
                .max(4096)
                .min(self.max);
            self.v.resize(target, 0);
        }
        min_len <= self.max
    }
    fn limit(&self) -> usize {
        self.max
    }
}

#[allow(unused)]
pub(crate) fn corrupt(what: &'static str, why: &'static str, at: usize) -> RecordsError {
    RecordsError::new(RecordsErrorKind::Decompression(why), what, at)
}

#[allow(unused)]
fn not_enabled(codec: Compression) -> RecordsError {
    RecordsError::new(
        RecordsErrorKind::CodecNotEnabled(codec),
        "compression codec",
        0,
    )
}

fn decompress_with<O: Output>(codec: Compression, input: &[u8], out: &mut O) -> Result<usize> {
    match codec {
        Compression::None => {
            if !out.grow(input.len()) {
                return Err(out.too_large("uncompressed records", 0));
            }
            let dst = out.buf().get_mut(..input.len()).ok_or(RecordsError::new(
                RecordsErrorKind::OutputTooLarge { limit: 0 },
                "uncompressed records",
                0,
            ))?;
            dst.copy_from_slice(input);
            Ok(input.len())
        }
        #[cfg(feature = "gzip")]
        Compression::Gzip => gzip::decompress(input, out),
        #[cfg(feature = "snappy")]
        Compression::Snappy => snappy::decompress(input, out),
        #[cfg(feature = "lz4")]
        Compression::Lz4 => lz4::decompress(input, out),
        #[cfg(all(feature = "zstd", feature = "alloc"))]
        Compression::Zstd => zstd::decompress(input, out),
        #[allow(unreachable_patterns)]
        other => Err(not_enabled(other)),
    }
}

/// Decompresses `input` into `out`; the number of bytes written.
///
/// Output larger than `out` is [`RecordsErrorKind::OutputTooLarge`].
/// Offsets in errors count from `input[0]`.
pub fn decompress_into(codec: Compression, input: &[u8], out: &mut [u8]) -> Result<usize> {
    decompress_with(codec, input, &mut SliceOut(out))
}

/// Decompresses `input` into a new `Vec` of at most `max_len` bytes.
///
/// Memory grows with the output actually produced and never exceeds
/// `max_len` (plus, for zstd, the frame's window, which is itself limited).
#[cfg(feature = "alloc")]
pub fn decompress_to_vec(
    codec: Compression,
    input: &[u8],
    max_len: usize,
) -> Result<alloc::vec::Vec<u8>> {
    let mut out = VecOut {
        v: alloc::vec::Vec::new(),
        max: max_len,
    };
    let n = decompress_with(codec, input, &mut out)?;
    out.v.truncate(n);
    Ok(out.v)
}

/// Compresses `input` into `out` as Kafka clients do (gzip member, xerial
/// snappy, LZ4 frame, zstd frame); the number of bytes written.
///
/// gzip and zstd need `alloc` (they compress to a `Vec` and copy).
pub fn compress_into(codec: Compression, input: &[u8], out: &mut [u8]) -> Result<usize> {
    match codec {
        #[cfg(feature = "snappy")]
        Compression::Snappy => snappy::compress_xerial(input, out),
        #[cfg(feature = "lz4")]
        Compression::Lz4 => lz4::compress(input, out),
        Compression::None => copy_into(input, out),
        #[cfg(feature = "alloc")]
        other => {
            let v = compress_to_vec(other, input)?;
            copy_into(&v, out)
        }
        #[cfg(not(feature = "alloc"))]
        #[allow(unreachable_patterns)]
        other => Err(not_enabled(other)),
    }
}

fn copy_into(input: &[u8], out: &mut [u8]) -> Result<usize> {
    let available = out.len();
    let dst = out.get_mut(..input.len()).ok_or(RecordsError::new(
        RecordsErrorKind::BufferTooSmall {
            needed: input.len(),
            available,
        },
        "compressed records",
        0,
    ))?;
    dst.copy_from_slice(input);
    Ok(input.len())
}

/// Compresses `input` into a new `Vec` as Kafka clients do.
#[cfg(feature = "alloc")]
pub fn compress_to_vec(codec: Compression, input: &[u8]) -> Result<alloc::vec::Vec<u8>> {
    match codec {
        Compression::None => Ok(input.to_vec()),
        #[cfg(feature = "gzip")]
        Compression::Gzip => Ok(gzip::compress(input)),
        #[cfg(feature = "zstd")]
        Compression::Zstd => Ok(zstd::compress(input)),
        #[cfg(any(feature = "snappy", feature = "lz4"))]
        c @ (Compression::Snappy | Compression::Lz4) => {
            let bound = max_compressed_len(c, input.len());
            let mut v = alloc::vec![0u8; bound];
            let n = compress_into(c, input, &mut v)?;
            v.truncate(n);
            Ok(v)
        }
        #[allow(unreachable_patterns)]
        other => Err(not_enabled(other)),
    }
}

/// Upper bound of [`compress_into`]'s output for snappy, lz4 and none
/// (`None` for gzip and zstd, which compress through a `Vec`).
pub fn max_compressed_len(codec: Compression, len: usize) -> usize {
    match codec {
        Compression::None => len,
        #[cfg(feature = "snappy")]
        Compression::Snappy => snappy::max_xerial_len(len),
        #[cfg(feature = "lz4")]
        Compression::Lz4 => lz4::max_frame_len(len),
        _ => len.saturating_add(len / 2).saturating_add(1024),
    }
}
