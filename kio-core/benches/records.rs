//! Decode throughput of uncompressed record batches: kio-core's zero-copy
//! reader against the `kafka-protocol` crate's `RecordBatchDecoder`, on the
//! same bytes in the same run. Both check CRC-32C and read every record's
//! key, value and headers.
//!
//! `cargo bench -p kio-core --bench records`

use bytes::Bytes;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use kio_core::records::{BatchItem, BatchOptions, Header, NewRecord, RecordBatchBuilder};

const BATCHES: usize = 50;
const RECORDS_PER_BATCH: usize = 200;

/// 50 batches of 200 records: 16-byte keys, 100-byte values, two headers.
fn batches() -> Vec<u8> {
    let mut out = Vec::new();
    let value = vec![b'v'; 100];
    let headers = [
        Header {
            key: "trace",
            value: Some(b"abc123"),
        },
        Header {
            key: "h",
            value: None,
        },
    ];
    for b in 0..BATCHES {
        let mut builder = RecordBatchBuilder::new(BatchOptions {
            base_offset: (b * RECORDS_PER_BATCH) as i64,
            ..Default::default()
        });
        for r in 0..RECORDS_PER_BATCH {
            let key = format!("key-{b:05}-{r:06}");
            builder
                .append(&NewRecord {
                    timestamp: 1_700_000_000_000 + r as i64,
                    key: Some(key.as_bytes()),
                    value: Some(&value),
                    headers: &headers,
                })
                .expect("append");
        }
        out.extend(builder.build().expect("build"));
    }
    out
}

fn kio_decode(bytes: &[u8]) -> usize {
    let mut sum = 0;
    for item in kio_core::RecordsBytes::new(bytes).batches() {
        let Ok(BatchItem::Batch(batch)) = item else {
            panic!("bad batch")
        };
        for r in batch.records().expect("uncompressed") {
            sum +=
                r.key.map_or(0, <[u8]>::len) + r.value.map_or(0, <[u8]>::len) + r.headers().count();
        }
    }
    sum
}

fn kafka_protocol_decode(bytes: &Bytes) -> usize {
    let mut buf = bytes.clone();
    let sets = kafka_protocol::records::RecordBatchDecoder::decode_all(&mut buf).expect("decode");
    let mut sum = 0;
    for set in sets {
        for r in set.records {
            sum += r.key.map_or(0, |k| k.len()) + r.value.map_or(0, |v| v.len()) + r.headers.len();
        }
    }
    sum
}

fn bench(c: &mut Criterion) {
    let data = batches();
    let shared = Bytes::from(data.clone());
    assert_eq!(
        kio_decode(&data),
        kafka_protocol_decode(&shared),
        "both read the same records"
    );
    let records = (BATCHES * RECORDS_PER_BATCH) as u64;

    let mut g = c.benchmark_group("uncompressed-batches-bytes");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("kio-core", |b| b.iter(|| kio_decode(black_box(&data))));
    g.bench_function("kafka-protocol", |b| {
        b.iter(|| kafka_protocol_decode(black_box(&shared)))
    });
    g.finish();

    let mut g = c.benchmark_group("uncompressed-batches-records");
    g.throughput(Throughput::Elements(records));
    g.bench_function("kio-core", |b| b.iter(|| kio_decode(black_box(&data))));
    g.bench_function("kafka-protocol", |b| {
        b.iter(|| kafka_protocol_decode(black_box(&shared)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
