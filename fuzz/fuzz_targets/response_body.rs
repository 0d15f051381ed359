//! Response bodies of every API and version (the first two bytes pick the
//! pair): decode never panics, and a body that decodes re-encodes to the
//! same bytes (or, for non-canonical input, to canonical bytes of the same
//! message), and into_owned keeps it equal.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kio_fuzz::checks::response_body(data));
