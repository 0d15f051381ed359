//! Record batches of every codec: the first byte picks a mode. 0..=4: the
//! rest is a `records` field (magic 0, 1 and 2 batches): iterate batches,
//! records and headers, decompress each batch (bounded at 1 MiB), and parse
//! control records. 5..=9: the rest is a compressed payload of codec
//! `mode - 5` (none, gzip, snappy, lz4, zstd), decompressed with a 1 MiB
//! limit. Nothing may panic or allocate past the limits.
#![no_main]
use kio_core::records::compression::{decompress_to_vec, Compression};
use kio_core::records::{BatchItem, ControlRecord, RecordBatches};
use libfuzzer_sys::fuzz_target;

const LIMIT: usize = 1 << 20;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 10 {
        m @ 5..=9 => {
            let codec = Compression::from_id(m - 5).unwrap_or_default();
            if let Ok(v) = decompress_to_vec(codec, rest, LIMIT) {
                assert!(v.len() <= LIMIT);
            }
        }
        _ => {
            for item in RecordBatches::new(rest) {
                match item {
                    Ok(BatchItem::Batch(b)) => {
                        if let Ok(rs) = b.records() {
                            for r in rs {
                                let _ = r.headers().count();
                                if b.is_control() {
                                    let _ = ControlRecord::parse(&r);
                                }
                            }
                        }
                        if let Ok(d) = b.decompress_to_vec(LIMIT) {
                            assert!(d.as_bytes().len() <= LIMIT);
                            for r in d.records() {
                                let _ = r.headers().count();
                            }
                        }
                    }
                    Ok(BatchItem::Legacy(m)) => {
                        if let Ok(d) = m.decompress_to_vec(LIMIT) {
                            let _ = d.messages().count();
                        }
                    }
                    Ok(BatchItem::Truncated(_)) | Err(_) => {}
                }
            }
        }
    }
});
