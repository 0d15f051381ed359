//! Capture files (pcap, pcapng): the reader and `kio inspect --check`'s
//! pipeline never panic and stay within the memory limits.
#![no_main]
use kio_json::inspect::{inspect, InspectOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = InspectOptions {
        check: true,
        ..InspectOptions::default()
    };
    if let Ok(conv) = inspect(data, &opts) {
        let _ = kio_json::inspect::table(&conv);
    }
});
