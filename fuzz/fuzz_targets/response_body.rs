//! Response bodies of every API and version (the first two bytes pick the
//! pair): decode never panics, and a body that decodes re-encodes to the
//! same bytes (or, for non-canonical input, to canonical bytes of the same
//! message), and into_owned keeps it equal.
#![no_main]
use kio_core::ResponseBody;
use kio_json::canonical::scan_body;
use kio_json::Kind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((api, version, bytes)) = kio_fuzz::pick(data) else {
        return;
    };
    if let Ok(body) = ResponseBody::decode(api, version, bytes) {
        let mut out = Vec::new();
        body.encode(&mut out, version)
            .expect("a decoded response re-encodes");
        if out != bytes {
            assert!(
                !scan_body(Kind::Response, api, version, bytes).is_empty(),
                "decode → encode changed canonical bytes"
            );
            assert!(
                kio_fuzz::canonical_but_tag_order(&scan_body(Kind::Response, api, version, &out)),
                "the re-encoded body is not canonical"
            );
            let again = ResponseBody::decode(api, version, &out).expect("re-encoded decodes");
            assert!(again == body, "the re-encoded body holds another message");
        }
        let owned = body.clone().into_owned();
        assert!(owned == body, "into_owned changed the value");
    }
});
