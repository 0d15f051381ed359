//! A counting allocator proves that decoding (and iterating) a large message
//! allocates nothing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use kio_core::messages::metadata_response::{
    MetadataResponse, MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kio_core::{Array, Message, Str};

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn decoding_a_large_metadata_response_allocates_nothing() {
    // Build a large response (1000 topics x 8 partitions) with owned data.
    let names: Vec<String> = (0..1000).map(|i| format!("topic-{i}")).collect();
    let replicas: Vec<i32> = vec![1, 2, 3];
    let partitions: Vec<MetadataResponsePartition> = (0..8)
        .map(|p| MetadataResponsePartition {
            partition_index: p,
            leader_id: 1,
            replica_nodes: Array::from(&replicas[..]),
            isr_nodes: Array::from(&replicas[..]),
            ..Default::default()
        })
        .collect();
    let topics: Vec<MetadataResponseTopic> = names
        .iter()
        .map(|n| MetadataResponseTopic {
            name: Some(Str::new(n)),
            partitions: Array::from(&partitions[..]),
            ..Default::default()
        })
        .collect();
    let brokers = [MetadataResponseBroker {
        node_id: 1,
        host: Str::new("127.0.0.1"),
        port: 9092,
        ..Default::default()
    }];
    let resp = MetadataResponse {
        brokers: Array::from(&brokers),
        topics: Array::from(&topics[..]),
        cluster_id: Some(Str::new("kio")),
        ..Default::default()
    };
    let bytes = resp.to_vec(12).unwrap();
    assert!(bytes.len() > 200_000, "{} bytes", bytes.len());

    let before = ALLOCS.load(Ordering::SeqCst);
    let decoded = MetadataResponse::decode(&bytes, 12).unwrap();
    let mut partitions_seen = 0usize;
    let mut name_bytes = 0usize;
    for t in decoded.topics.iter() {
        name_bytes += t.name.as_ref().map_or(0, |n| n.len());
        for p in t.partitions.iter() {
            partitions_seen += p.replica_nodes.iter().count();
        }
    }
    let after = ALLOCS.load(Ordering::SeqCst);
    assert_eq!(after - before, 0, "decoding and iterating allocated");
    assert_eq!(partitions_seen, 1000 * 8 * 3);
    assert!(name_bytes > 0);
    assert_eq!(decoded, resp);

    // The same with a decode index in caller storage (boxed here, outside
    // the measured part; a firmware or server would reuse a static one).
    // Brokers (one, of variable size: 2 + 2), topics (2 + 2 per topic),
    // each topic's partitions (2 + 2 per partition).
    let needed = MetadataResponse::index_slots(&bytes, 12).unwrap();
    assert_eq!(needed, (2 + 2) + (2 + 2 * 1000) + 1000 * (2 + 2 * 8));
    let mut slots: Vec<kio_core::wire::IndexSlot> = (0..needed)
        .map(|_| kio_core::wire::IndexSlot::new(0))
        .collect();
    let before = ALLOCS.load(Ordering::SeqCst);
    let indexed = MetadataResponse::decode_indexed(&bytes, 12, &mut slots).unwrap();
    let mut seen = 0usize;
    for t in indexed.topics.iter() {
        for p in t.partitions.iter() {
            seen += p.replica_nodes.iter().count();
        }
    }
    let after = ALLOCS.load(Ordering::SeqCst);
    assert_eq!(
        after - before,
        0,
        "indexed decoding and iterating allocated"
    );
    assert_eq!(seen, 1000 * 8 * 3);
    assert_eq!(indexed, resp);
}
