//! Reads every partition back with Fetch and checks each record against
//! [`data::Rec`]: partition, key, value, headers, timestamp; every index
//! exactly once.

use kio_core::records::{BatchItem, Compression, RecordBatches, Records};
use kio_producer::{Link, Producer};

use crate::data::{self, Rec};
use crate::report::Line;
use crate::uart::UartLink;

/// Decompressed records of one batch.
const DECOMPRESSED: usize = if cfg!(feature = "lz4") { 1536 } else { 0 };

/// Checks what the broker has; `Err(exit code)` on the first difference.
pub fn check(producer: &mut Producer<'_, 4>, link: &mut UartLink) -> Result<(), i32> {
    let mut seen = [0u32; (data::COUNT as usize).div_ceil(32)];
    let mut out = [0u8; DECOMPRESSED];
    let mut batches = 0i64;
    let mut compressed = 0i64;
    for partition in 0..data::PARTITIONS as i32 {
        let mut offset = 0i64;
        let mut failures = 0;
        loop {
            let fetched = match producer.fetch(link, partition, offset, 1) {
                Ok(f) => f,
                Err(e) => {
                    crate::report_error("fetch", &e);
                    failures += 1;
                    if failures > 3 {
                        return Err(10);
                    }
                    let _ = link.reconnect();
                    continue;
                }
            };
            if offset >= fetched.high_watermark {
                break;
            }
            let before = offset;
            for item in RecordBatches::new(fetched.records) {
                let b = match item {
                    Ok(BatchItem::Batch(b)) => b,
                    Ok(BatchItem::Truncated(_)) => break,
                    _ => return Err(bad("batch", offset)),
                };
                if b.compression() != Compression::None {
                    compressed += 1;
                }
                let records: Records<'_> = if b.compression() == Compression::None {
                    b.records().map_err(|_| bad("records", offset))?
                } else {
                    b.decompress_into(&mut out)
                        .map_err(|_| bad("decompress", offset))?
                };
                for r in records {
                    let i = check_record(partition, &r)?;
                    let (word, bit) = ((i / 32) as usize, 1u32 << (i % 32));
                    if seen[word] & bit != 0 {
                        return Err(bad("duplicate", i.into()));
                    }
                    seen[word] |= bit;
                }
                offset = b.last_offset() + 1;
                batches += 1;
            }
            if offset == before {
                return Err(bad("no progress", offset));
            }
        }
    }
    let total: u32 = seen.iter().map(|w| w.count_ones()).sum();
    if total != data::COUNT {
        return Err(bad("missing records, found", total.into()));
    }
    Line::new("readback ok records ")
        .n(total.into())
        .s(" batches ")
        .n(batches)
        .s(" compressed ")
        .n(compressed)
        .end();
    Ok(())
}

fn check_record(partition: i32, r: &kio_core::records::Record<'_>) -> Result<u32, i32> {
    let i = r
        .key
        .and_then(data::index_of)
        .filter(|&i| i < data::COUNT)
        .ok_or_else(|| bad("key", r.offset))?;
    let want = Rec::new(i);
    let (headers, count) = want.headers();
    let same_headers =
        r.headers().len() == count && r.headers().zip(&headers[..count]).all(|(a, b)| a == *b);
    let ok = data::partition_of(i) == partition
        && r.value == Some(want.value())
        && r.timestamp == want.timestamp
        && same_headers;
    if ok {
        Ok(i)
    } else {
        Err(bad("record differs", i.into()))
    }
}

fn bad(what: &str, at: i64) -> i32 {
    Line::new("readback-error ").s(what).s(" ").n(at).end();
    11
}
