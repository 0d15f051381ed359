//! The JSON encoders on arbitrary JSON text: never a panic; when the
//! generated encoder accepts a document, the schema-driven one writes the
//! same bytes, and those bytes decode again.
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let a = kio_json::encode(&doc);
    let b = kio_json::dynamic::encode(&doc);
    if let (Ok(a), Ok(b)) = (&a, &b) {
        assert_eq!(a, b, "the encoders' bytes differ");
    }
    if let (Ok(bytes), Some(m)) = (&a, doc.as_object()) {
        if m.contains_key("header") && m.get("kind").and_then(Value::as_str) == Some("request") {
            kio_json::decode_request_frame(&bytes[4..]).expect("encoded request decodes");
        }
    }
});
