//! Decoding and walking the big MetadataResponse with kio-core built
//! without `alloc` (no owned variants, so an iterated struct has no drop
//! code), plain and with a decode index, against `kafka-protocol`, in one
//! criterion run on the same bytes (encoded by kafka-protocol); prints the
//! ratios at the end. `cargo bench -p kio-bench-noalloc` (add `--
//! --warm-up-time 1 --measurement-time 3` for a shorter run).

use bytes::Bytes;
use criterion::{black_box, Criterion, Throughput};

#[path = "../../kio-core/benches/fixtures/metadata.rs"]
mod metadata;
use metadata::*;
#[path = "../../kio-core/benches/fixtures/report.rs"]
mod report;

const CASES: &[(&str, &str)] = &[
    (
        "noalloc_md_decode_walk",
        "MetadataResponse v12, kio without `alloc`: decode, then read every partition's leader and replica count",
    ),
    (
        "noalloc_md_decode_walk_indexed",
        "MetadataResponse v12, kio without `alloc`: `decode_indexed`, then read every partition's leader and replica count",
    ),
    (
        "noalloc_md_decode",
        "MetadataResponse v12, kio without `alloc`: decode only",
    ),
];

fn bench(c: &mut Criterion) {
    let md = metadata_bytes();
    let md_shared = Bytes::from(md.clone());
    let mut index = kio_core::wire::Index::<4096>::new();
    let want = kp_md_walk(&md_shared);
    assert_eq!(kio_md_walk(&md), want, "both read the same");
    assert_eq!(kio_md_walk_indexed(&md, index.slots()), want);

    let mut g = c.benchmark_group("noalloc_md_decode_walk");
    g.throughput(Throughput::Bytes(md.len() as u64));
    g.bench_function("kio", |b| b.iter(|| kio_md_walk(black_box(&md))));
    g.bench_function("kafka-protocol", |b| {
        b.iter(|| kp_md_walk(black_box(&md_shared)))
    });
    g.finish();

    let mut g = c.benchmark_group("noalloc_md_decode_walk_indexed");
    g.throughput(Throughput::Bytes(md.len() as u64));
    g.bench_function("kio", |b| {
        b.iter(|| kio_md_walk_indexed(black_box(&md), index.slots()))
    });
    g.bench_function("kafka-protocol", |b| {
        b.iter(|| kp_md_walk(black_box(&md_shared)))
    });
    g.finish();

    let mut g = c.benchmark_group("noalloc_md_decode");
    g.throughput(Throughput::Bytes(md.len() as u64));
    g.bench_function("kio", |b| {
        b.iter(|| black_box(kio_md_decode(black_box(&md))).topics.len())
    });
    g.bench_function("kafka-protocol", |b| {
        b.iter(|| black_box(kp_md_decode(black_box(&md_shared))).topics.len())
    });
    g.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    if let Some(dir) = report::criterion_dir() {
        report::print_ratio_table(&dir, CASES);
    }
}
