//! Decoding and walking the big MetadataResponse with kio-core built
//! without `alloc` (no owned variants, so an iterated struct has no drop
//! code), plain and with a decode index, against `kafka-protocol`, in one
//! criterion run on the same bytes (encoded by kafka-protocol); prints the
//! ratios at the end. `cargo bench -p kio-bench-noalloc` (add `--
//! --warm-up-time 1 --measurement-time 3` for a shorter run).

use criterion::Criterion;

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

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench_md_decode(&mut c, "noalloc_", &metadata_bytes());
    c.final_summary();
    if let Some(dir) = report::criterion_dir() {
        report::print_ratio_table(&dir, CASES);
    }
}
