//! A firmware's Kafka exchange with kio-core and no heap: build a
//! `MetadataRequest` v12 with its header from stack data, write the frame into
//! a buffer (standing in for a UART or socket), then decode a
//! `MetadataResponse` v12 frame from a buffer and walk its topics.
//!
//! `cargo build --release` here (target thumbv7em-none-eabihf) and read the
//! flash size with `size` / `readelf -S`; `scripts/firmware-size.sh` does both.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use panic_halt as _;

use cortex_m_rt::entry;
use kio_core::frame::{decode_response, encode_request_frame};
use kio_core::messages::metadata_request::{MetadataRequest, MetadataRequestTopic};
use kio_core::messages::request_header::RequestHeader;
use kio_core::{ApiKey, Array, ResponseBody, SliceSink, Str};

/// Where a driver would put the broker's response frame.
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

    // Read through a black box so the decoder is not const-folded away.
    let rx: &[u8] = core::hint::black_box(&RX[..]);
    let mut partitions = 0usize;
    if let Ok((_, ResponseBody::Metadata(response))) =
        decode_response(rx.get(4..).unwrap_or_default(), ApiKey::Metadata, 12)
    {
        for topic in response.topics.iter() {
            partitions += topic.partitions.len();
        }
    }
    // Keep the results observable so nothing is optimized away.
    core::hint::black_box((sent, partitions, &tx));
    loop {
        core::hint::spin_loop();
    }
}
