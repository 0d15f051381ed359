//! Capture files (pcap, pcapng): the reader and `kio inspect --check`'s
//! pipeline never panic and stay within the memory limits.
#![no_main]
use kio_json::inspect::{inspect, InspectOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Kafka's port and the port of the seed captures (../shared/captures).
    let opts = InspectOptions {
        ports: vec![9092, 19092],
        check: true,
        ..InspectOptions::default()
    };
    if let Ok(conv) = inspect(data, &opts) {
        let _ = kio_json::inspect::table(&conv);
    }
});
