//! Capture files (pcap, pcapng): the reader and `kio inspect --check`'s
//! pipeline never panic and stay within the memory limits.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kio_fuzz::checks::capture(data));
