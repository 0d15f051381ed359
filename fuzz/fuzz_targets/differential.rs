//! The generated codec against the schema-driven one (kio_core::dynamic) on
//! the same bytes: the first two bytes pick the API and version, the third
//! the kind (even: request body, odd: response body). Both accept or both
//! reject; when both accept, the JSON (through kio-json) and the re-encoded
//! bytes are the same.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kio_fuzz::checks::differential(data));
