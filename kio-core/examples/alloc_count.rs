//! Heap allocations per operation, kio-core against `kafka-protocol`, for
//! every case of the side-by-side benchmark (`benches/compare.rs`), counted
//! by a global allocator that counts calls to `alloc`/`realloc`.
//!
//! `cargo run --release -p kio-core --example alloc_count`

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::{Bytes, BytesMut};
use kafka_protocol::protocol::Encodable;
use kio_core::Message;

#[path = "../benches/fixtures/mod.rs"]
mod fixtures;
use fixtures::*;

/// The system allocator, counting allocations.
struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// The one `unsafe` of this example: a global allocator must be an `unsafe impl`.
// It forwards every call to `System` unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by one call of `f` (after one warm-up call, so that
/// reused output buffers have reached their size).
fn count<R>(mut f: impl FnMut() -> R) -> usize {
    std::hint::black_box(f());
    let before = ALLOCS.load(Ordering::Relaxed);
    std::hint::black_box(f());
    ALLOCS.load(Ordering::Relaxed) - before
}

fn main() {
    let md = metadata_bytes();
    let md_shared = Bytes::from(md.clone());
    let kp_md = kp_metadata();
    let parts = md_parts();
    let brokers = md_brokers(&parts);
    let partitions = md_partitions(&parts);
    let topics = md_topics(&parts, &partitions);
    let sliced = md_from_slices(&brokers, &topics);
    let owned = md_owned(&md);
    let decoded = kio_md_decode(&md);
    let mut out = Vec::with_capacity(md.len() * 2);
    let mut kp_out = BytesMut::with_capacity(md.len() * 2);
    let av = api_versions_bytes();
    let av_shared = Bytes::from(av.clone());
    let fetch = fetch_bytes();
    let fetch_shared = Bytes::from(fetch.clone());
    let pp = produce_parts();
    let kp_recs: Vec<_> = (0..REC_PARTITIONS).map(kp_records).collect();
    let mut scratch = vec![0u8; PRODUCE_SCRATCH];
    let mut small = [0u8; 64];
    let kp_req = kp_mdreq();

    let mut rows: Vec<(&str, usize, usize)> = Vec::new();
    rows.push((
        "MetadataResponse v12: decode + read every partition",
        count(|| kio_md_walk(&md)),
        count(|| kp_md_walk(&md_shared)),
    ));
    rows.push((
        "MetadataResponse v12: decode only",
        count(|| kio_md_decode(&md).topics.len()),
        count(|| kp_md_decode(&md_shared).topics.len()),
    ));
    for (what, value) in [
        ("MetadataResponse v12: encode from slices", &sliced),
        ("MetadataResponse v12: encode owned", &owned),
        ("MetadataResponse v12: encode decoded", &decoded),
    ] {
        let ours = count(|| {
            out.clear();
            value.encode(&mut out, MD_VERSION).unwrap();
        });
        let theirs = count(|| {
            kp_out.clear();
            kp_md.encode(&mut kp_out, MD_VERSION).unwrap();
        });
        rows.push((what, ours, theirs));
    }
    rows.push((
        "MetadataResponse v12: encoded_len of owned / compute_size",
        count(|| owned.encoded_len(MD_VERSION).unwrap()),
        count(|| kp_md.compute_size(MD_VERSION).unwrap()),
    ));
    rows.push((
        "MetadataRequest v12, 1 topic: encode",
        count(|| kio_mdreq_encode(&mut small)),
        count(|| {
            kp_out.clear();
            kp_req.encode(&mut kp_out, MDREQ_VERSION).unwrap();
        }),
    ));
    rows.push((
        "ApiVersionsResponse v3, 70 keys: decode + read",
        count(|| kio_av_walk(&av)),
        count(|| kp_av_walk(&av_shared)),
    ));
    rows.push((
        "FetchResponse v12, 2,000 records: decode + read",
        count(|| kio_fetch_walk(&fetch)),
        count(|| kp_fetch_walk(&fetch_shared)),
    ));
    rows.push((
        "ProduceRequest v9, 2,000 records: write + encode",
        count(|| kio_produce(&pp, &mut scratch, &mut out)),
        count(|| kp_produce(&kp_recs, &mut kp_out)),
    ));

    use kio_core::messages::metadata_response::{MetadataResponsePartition, MetadataResponseTopic};
    println!(
        "size of a decoded MetadataResponsePartition: {} bytes, MetadataResponseTopic: {} bytes\n",
        std::mem::size_of::<MetadataResponsePartition<'_>>(),
        std::mem::size_of::<MetadataResponseTopic<'_>>()
    );
    println!("| work | kio allocations | kafka-protocol allocations |\n|---|---:|---:|");
    for (what, ours, theirs) in rows {
        println!("| {what} | {ours} | {theirs} |");
    }
}
