//! Request frames (without the size prefix): decode never panics, and a
//! frame that decodes re-encodes to the same bytes, or — when the input is
//! not canonical (`kio_json::canonical`: booleans other than 0/1, over-long
//! varints, ...) — to canonical bytes that decode to the same message.
#![no_main]
use kio_core::frame::{decode_request, encode_request_frame};
use kio_json::canonical::scan_frame;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((header, body)) = decode_request(data) {
        let mut out = Vec::new();
        encode_request_frame(&mut out, &header, &body).expect("a decoded request re-encodes");
        let again = &out[4..];
        if again != data {
            assert!(
                !scan_frame(data, None).is_empty(),
                "decode → encode changed canonical bytes"
            );
            assert!(
                kio_fuzz::canonical_but_tag_order(&scan_frame(again, None)),
                "the re-encoded frame is not canonical"
            );
            let (h2, b2) = decode_request(again).expect("the re-encoded frame decodes");
            assert!(
                h2 == header && b2 == body,
                "the re-encoded frame holds another message"
            );
        }
    }
});
