//! Request frames (without the size prefix): decode never panics, and a
//! frame that decodes re-encodes to the same bytes (decode → encode is
//! byte-exact in kio-core).
#![no_main]
use kio_core::frame::{decode_request, encode_request_frame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((header, body)) = decode_request(data) {
        let mut out = Vec::new();
        encode_request_frame(&mut out, &header, &body).expect("a decoded request re-encodes");
        assert_eq!(&out[4..], data, "decode → encode changed the bytes");
    }
});
