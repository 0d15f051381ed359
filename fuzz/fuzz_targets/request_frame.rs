//! Request frames (without the size prefix): decode never panics, and a
//! frame that decodes re-encodes to the same bytes, or — when the input is
//! not canonical (`kio_json::canonical`: booleans other than 0/1, over-long
//! varints, ...) — to canonical bytes that decode to the same message.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kio_fuzz::checks::request_frame(data));
