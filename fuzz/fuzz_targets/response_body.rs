//! Response bodies of every API and version (the first two bytes pick the
//! pair): decode never panics, and a body that decodes re-encodes to the
//! same bytes and into_owned keeps it equal.
#![no_main]
use kio_core::ResponseBody;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((api, version, bytes)) = kio_fuzz::pick(data) else { return };
    if let Ok(body) = ResponseBody::decode(api, version, bytes) {
        let mut out = Vec::new();
        body.encode(&mut out, version).expect("a decoded response re-encodes");
        assert_eq!(out, bytes, "decode → encode changed the bytes");
        let owned = body.clone().into_owned();
        assert!(owned == body, "into_owned changed the value");
    }
});
