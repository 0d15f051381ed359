//! Record batches of every codec: the first byte picks a mode. 0..=4: the
//! rest is a `records` field (magic 0, 1 and 2 batches): iterate batches,
//! records and headers, decompress each batch (bounded at 1 MiB), and parse
//! control records. 5..=9: the rest is a compressed payload of codec
//! `mode - 5` (none, gzip, snappy, lz4, zstd), decompressed with a 1 MiB
//! limit. Nothing may panic or allocate past the limits.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kio_fuzz::checks::record_batches(data));
