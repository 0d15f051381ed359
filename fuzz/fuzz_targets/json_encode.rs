//! The JSON encoders on arbitrary JSON text: never a panic; when the
//! generated encoder accepts a document, the schema-driven one writes the
//! same bytes, and those bytes decode again.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kio_fuzz::checks::json_encode(data));
