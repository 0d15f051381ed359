//! What each kio-core feature costs in flash, measured by using it once.
//!
//! The baseline (no features) is examples/firmware's exchange — encode a
//! Metadata v12 request frame, decode a Metadata v12 response — plus one
//! record batch written with `BatchWriter` (compressed with a codec chosen at
//! run time) and one read back with `decompress_into`. Each feature adds the
//! code that uses it: a codec feature links that codec into the same two
//! calls; `owned` calls `into_owned()` (kio-core's `alloc`); `serde` prints the response with
//! serde_json; `defmt` logs it. `scripts/feature-size.sh` builds every
//! combination and prints the difference to the baseline.
//!
//! Built, never run: the allocator below is a stand-in that only makes the
//! `alloc` code link.
#![no_std]
#![no_main]

use panic_halt as _;

#[cfg(feature = "defmt")]
use defmt_semihosting as _;
// The critical section defmt's logger takes (single core).
#[cfg(feature = "defmt")]
use cortex_m as _;

use core::hint::black_box;
use cortex_m_rt::entry;
use kio_core::frame::{decode_response, encode_request_frame};
use kio_core::messages::metadata_request::{MetadataRequest, MetadataRequestTopic};
use kio_core::messages::request_header::RequestHeader;
use kio_core::records::{BatchOptions, BatchWriter, Compression, NewRecord, RecordBatch};
use kio_core::{ApiKey, Array, ResponseBody, SliceSink, Str};

#[cfg(feature = "alloc")]
extern crate alloc;

/// A stand-in allocator (always out of memory): this probe is only linked.
#[cfg(feature = "alloc")]
struct NoHeap;

#[cfg(feature = "alloc")]
// SAFETY: returning null is always a valid answer of `alloc`.
unsafe impl core::alloc::GlobalAlloc for NoHeap {
    unsafe fn alloc(&self, _: core::alloc::Layout) -> *mut u8 {
        core::ptr::null_mut()
    }
    unsafe fn dealloc(&self, _: *mut u8, _: core::alloc::Layout) {}
}

#[cfg(feature = "alloc")]
#[global_allocator]
static HEAP: NoHeap = NoHeap;

/// Where a driver would put received bytes.
static RX: [u8; 512] = [0; 512];

#[entry]
fn main() -> ! {
    let topics = [MetadataRequestTopic {
        name: Some(Str::new("sensors")),
        ..Default::default()
    }];
    let request = MetadataRequest {
        topics: Some(Array::from(&topics)),
        ..Default::default()
    };
    let header = RequestHeader {
        request_api_key: ApiKey::Metadata.key(),
        request_api_version: 12,
        correlation_id: 1,
        client_id: Some(Str::new("mcu")),
        ..Default::default()
    };
    let mut tx = [0u8; 128];
    let sent = encode_request_frame(&mut SliceSink::new(&mut tx), &header, &request).unwrap_or(0);

    let rx: &[u8] = black_box(&RX[..]);
    let mut partitions = 0usize;
    if let Ok((_, ResponseBody::Metadata(response))) =
        decode_response(rx.get(4..).unwrap_or_default(), ApiKey::Metadata, 12)
    {
        for topic in response.topics.iter() {
            partitions += topic.partitions.len();
        }
        #[cfg(feature = "defmt")]
        defmt::println!("{}", response); // println! is never filtered by DEFMT_LOG
        #[cfg(feature = "serde")]
        black_box(serde_json::to_vec(&response).ok());
        #[cfg(feature = "owned")]
        black_box(kio_core::IntoOwned::into_owned(response));
    }

    // A record batch out, compressed with a codec picked at run time.
    let codecs = [
        Compression::None,
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ];
    let compression = codecs[black_box(0usize) % codecs.len()];
    let mut batch = [0u8; 256];
    let mut scratch = [0u8; 256];
    let mut written = 0usize;
    if let Ok(mut w) = BatchWriter::new(&mut batch, BatchOptions { compression, ..Default::default() }) {
        let rec = NewRecord { timestamp: 1, value: Some(b"21.5C"), ..Default::default() };
        if w.append(&rec).is_ok() {
            written = w.finish_compressed(&mut scratch).map(|b| b.len()).unwrap_or(0);
        }
    }

    // A record batch in, decompressed into a caller buffer.
    let mut out = [0u8; 256];
    let mut values = 0usize;
    if let Ok(b) = RecordBatch::parse(black_box(&RX[..])) {
        if let Ok(records) = b.decompress_into(&mut out) {
            for r in records {
                values += r.value.map_or(0, |v| v.len());
            }
        }
    }

    black_box((sent, partitions, written, values, &tx));
    loop {
        core::hint::spin_loop();
    }
}
