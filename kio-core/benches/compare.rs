//! kio-core and the `kafka-protocol` crate side by side, on the same bytes,
//! doing the same work, in one criterion run; at the end a table of the
//! ratios (`kafka-protocol time / kio time`: above 1 means kio is faster).
//!
//! `cargo bench -p kio-core --features hw-crc32c --bench compare` (add
//! `-- --warm-up-time 1 --measurement-time 3` for a shorter run; without
//! `--features hw-crc32c` the record rows with the hardware CRC are left out;
//! `cargo run --release -p kio-core --example alloc_count` counts allocations).

use bytes::{Bytes, BytesMut};
use criterion::{black_box, Criterion, Throughput};
use kafka_protocol::protocol::Encodable;
use kio_core::{Message, SliceSink};

#[path = "fixtures/mod.rs"]
mod fixtures;
use fixtures::*;
#[path = "fixtures/report.rs"]
mod report;

/// (group, what it measures) in table order.
const CASES: &[(&str, &str)] = &[
    (
        "md_decode_walk",
        "MetadataResponse v12: decode, then read every partition's leader and replica count",
    ),
    (
        "md_decode_walk_indexed",
        "MetadataResponse v12: decode with a caller-supplied index (`decode_indexed`), then read every partition's leader and replica count",
    ),
    ("md_decode", "MetadataResponse v12: decode only"),
    (
        "md_encode_slices",
        "MetadataResponse v12: encode a value built from slices",
    ),
    (
        "md_encode_owned",
        "MetadataResponse v12: encode an owned (Vec/String) value",
    ),
    (
        "md_encode_decoded",
        "MetadataResponse v12: encode a decoded value",
    ),
    (
        "md_encoded_len",
        "MetadataResponse v12: encoded_len of an owned value (kafka-protocol: compute_size)",
    ),
    ("mdreq_encode", "MetadataRequest v12, 1 topic: encode"),
    (
        "av_decode_walk",
        "ApiVersionsResponse v3, 70 keys: decode + read all",
    ),
    (
        "fetch_records_walk",
        "FetchResponse v12, 2,000 records: decode + read every record (portable CRC)",
    ),
    (
        "fetch_records_walk_hw",
        "FetchResponse v12, 2,000 records: decode + read every record (hardware CRC)",
    ),
    (
        "produce_write",
        "ProduceRequest v9, 2,000 records: write batches + encode (portable CRC)",
    ),
    (
        "produce_write_hw",
        "ProduceRequest v9, 2,000 records: write batches + encode (hardware CRC)",
    ),
];

/// The record-batch groups: `""` with kio's portable CRC-32C table (what a
/// `no_std` build has), and, when built with `--features hw-crc32c`, `"_hw"`
/// with the CPU's CRC instructions. kafka-protocol always uses the hardware CRC.
#[cfg(feature = "hw-crc32c")]
const CRC_VARIANTS: &[(&str, bool)] = &[("", true), ("_hw", false)];
#[cfg(not(feature = "hw-crc32c"))]
const CRC_VARIANTS: &[(&str, bool)] = &[("", true)];

/// Makes kio use the portable (`true`) or the hardware CRC.
fn portable_crc(on: bool) {
    #[cfg(feature = "hw-crc32c")]
    kio_core::records::crc::use_portable_crc32c(on);
    #[cfg(not(feature = "hw-crc32c"))]
    assert!(on, "built without hw-crc32c");
}

fn bench(c: &mut Criterion) {
    let md = metadata_bytes();
    let kp_md = kp_metadata();
    let parts = md_parts();
    let brokers = md_brokers(&parts);
    let partitions = md_partitions(&parts);
    let topics = md_topics(&parts, &partitions);
    let sliced = md_from_slices(&brokers, &topics);
    let owned = md_owned(&md);
    let decoded = kio_md_decode(&md);
    for v in [&sliced, &owned, &decoded] {
        assert_eq!(
            v.to_vec(MD_VERSION).unwrap(),
            md,
            "kio re-encodes kafka-protocol's bytes"
        );
    }
    let mut out = Vec::with_capacity(md.len() * 2);
    let mut slice_out = vec![0u8; md.len() * 2];
    let mut kp_out = BytesMut::with_capacity(md.len() * 2);

    bench_md_decode(c, "", &md);

    for (group, value) in [
        ("md_encode_slices", &sliced),
        ("md_encode_owned", &owned),
        ("md_encode_decoded", &decoded),
    ] {
        let mut g = c.benchmark_group(group);
        g.throughput(Throughput::Bytes(md.len() as u64));
        g.bench_function("kio", |b| {
            b.iter(|| {
                out.clear();
                black_box(value).encode(&mut out, MD_VERSION).unwrap();
                out.len()
            })
        });
        g.bench_function("kio-slice", |b| {
            b.iter(|| {
                let mut sink = SliceSink::new(&mut slice_out);
                black_box(value).encode(&mut sink, MD_VERSION).unwrap();
                sink.len()
            })
        });
        g.bench_function("kafka-protocol", |b| {
            b.iter(|| {
                kp_out.clear();
                black_box(&kp_md).encode(&mut kp_out, MD_VERSION).unwrap();
                kp_out.len()
            })
        });
        g.finish();
    }

    let mut g = c.benchmark_group("md_encoded_len");
    g.bench_function("kio", |b| {
        b.iter(|| black_box(&owned).encoded_len(MD_VERSION).unwrap())
    });
    g.bench_function("kafka-protocol", |b| {
        b.iter(|| black_box(&kp_md).compute_size(MD_VERSION).unwrap())
    });
    g.finish();

    let kp_req = kp_mdreq();
    let mut small = [0u8; 64];
    let n = kio_mdreq_encode(&mut small);
    assert_eq!(
        &small[..n],
        kp_encode(&kp_req, MDREQ_VERSION),
        "same request bytes"
    );
    let mut g = c.benchmark_group("mdreq_encode");
    g.bench_function("kio", |b| {
        b.iter(|| kio_mdreq_encode(black_box(&mut small)))
    });
    g.bench_function("kafka-protocol", |b| {
        b.iter(|| {
            kp_out.clear();
            black_box(&kp_req)
                .encode(&mut kp_out, MDREQ_VERSION)
                .unwrap();
            kp_out.len()
        })
    });
    g.finish();

    let av = api_versions_bytes();
    let av_shared = Bytes::from(av.clone());
    assert_eq!(kio_av_walk(&av), kp_av_walk(&av_shared));
    let mut g = c.benchmark_group("av_decode_walk");
    g.bench_function("kio", |b| b.iter(|| kio_av_walk(black_box(&av))));
    g.bench_function("kafka-protocol", |b| {
        b.iter(|| kp_av_walk(black_box(&av_shared)))
    });
    g.finish();

    let fetch = fetch_bytes();
    let fetch_shared = Bytes::from(fetch.clone());
    assert_eq!(kio_fetch_walk(&fetch), kp_fetch_walk(&fetch_shared));
    let pp = produce_parts();
    let kp_recs: Vec<_> = (0..REC_PARTITIONS).map(kp_records).collect();
    let mut scratch = vec![0u8; PRODUCE_SCRATCH];
    for &(suffix, portable) in CRC_VARIANTS {
        portable_crc(portable);
        let mut g = c.benchmark_group(format!("fetch_records_walk{suffix}"));
        g.throughput(Throughput::Elements(
            (REC_PARTITIONS * RECORDS_PER_BATCH) as u64,
        ));
        g.bench_function("kio", |b| b.iter(|| kio_fetch_walk(black_box(&fetch))));
        g.bench_function("kafka-protocol", |b| {
            b.iter(|| kp_fetch_walk(black_box(&fetch_shared)))
        });
        g.finish();

        let mut g = c.benchmark_group(format!("produce_write{suffix}"));
        g.throughput(Throughput::Elements(
            (REC_PARTITIONS * RECORDS_PER_BATCH) as u64,
        ));
        g.bench_function("kio", |b| {
            b.iter(|| kio_produce(black_box(&pp), &mut scratch, &mut out))
        });
        g.bench_function("kafka-protocol", |b| {
            b.iter(|| kp_produce(black_box(&kp_recs), &mut kp_out))
        });
        g.finish();
    }
    portable_crc(true);

    // The floor: one pass over the MetadataResponse's bytes at memory speed.
    let mut copy = vec![0u8; md.len()];
    let mut g = c.benchmark_group("reference");
    g.throughput(Throughput::Bytes(md.len() as u64));
    g.bench_function("memcpy-metadata-bytes", |b| {
        b.iter(|| copy.copy_from_slice(black_box(&md)))
    });
    g.bench_function("sum-metadata-bytes", |b| {
        b.iter(|| black_box(&md).iter().map(|&x| u64::from(x)).sum::<u64>())
    });
    g.finish();
}

fn print_ratios() {
    let Some(dir) = report::criterion_dir() else {
        return;
    };
    report::print_ratio_table(&dir, CASES);
    use report::{human, mean_ns};
    for f in ["memcpy-metadata-bytes", "sum-metadata-bytes"] {
        if let Some(t) = mean_ns(&dir, "reference", f) {
            println!(
                "| reference: {f} ({} B) | {} | | |",
                metadata_bytes().len(),
                human(t)
            );
        }
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    print_ratios();
}
