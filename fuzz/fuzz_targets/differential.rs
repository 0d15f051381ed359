//! The generated codec against the schema-driven one (kio_core::dynamic) on
//! the same bytes: the first two bytes pick the API and version, the third
//! the kind (even: request body, odd: response body). Both accept or both
//! reject; when both accept, the JSON (through kio-json) and the re-encoded
//! bytes are the same.
#![no_main]
use kio_json::{dynamic, Kind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((api, version, rest)) = kio_fuzz::pick(data) else {
        return;
    };
    let Some((&k, bytes)) = rest.split_first() else {
        return;
    };
    let kind = if k % 2 == 0 {
        Kind::Request
    } else {
        Kind::Response
    };
    let schema = match kind {
        Kind::Request => api.request_schema(),
        Kind::Response => api.response_schema(),
    };
    let generated = match kind {
        Kind::Request => kio_core::RequestBody::decode(api, version, bytes).map(|_| ()),
        Kind::Response => kio_core::ResponseBody::decode(api, version, bytes).map(|_| ()),
    };
    let dynamic = kio_core::dynamic::decode(schema, version, bytes);
    assert_eq!(
        generated.is_ok(),
        dynamic.is_ok(),
        "the codecs disagree on {} {kind} v{version}: generated {generated:?}, dynamic {:?}",
        api.name(),
        dynamic.as_ref().err()
    );
    if generated.is_err() {
        return;
    }
    let a = kio_json::decode_body(kind, api, version, bytes).expect("generated JSON");
    let b = dynamic::decode_body(kind, api, version, bytes).expect("dynamic JSON");
    assert_eq!(a, b, "the codecs' JSON differ");
    let ea = kio_json::encode(&a).expect("generated encode");
    let eb = dynamic::encode(&a).expect("dynamic encode");
    assert_eq!(ea, eb, "the codecs' bytes differ");
});
