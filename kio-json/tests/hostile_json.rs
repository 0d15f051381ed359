//! Findings 2 and 3 of issue 11, with the issue's inputs: non-finite
//! `float64` values are lossless in JSON (both codecs), and non-canonical
//! input is reported (`_nonCanonical`) and written back in its canonical
//! form, so JSON → bytes → JSON is stable.

use kio_core::ApiKey;
use kio_json::canonical::{scan_body, NON_CANONICAL};
use kio_json::{dynamic, Kind};
use serde_json::Value;

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).expect("hex")
}

/// The issue's AlterClientQuotas v0 request (no size prefix) with the
/// value's 8 bytes replaced by `value`.
fn quota_frame(value: &str) -> Vec<u8> {
    unhex(&format!(
        "003100000000000700000000000100000000000000010000 {value} 0000"
    ))
}

fn quota_value(doc: &Value) -> &Value {
    doc.pointer("/body/entries/0/ops/0/value").expect("a value")
}

#[test]
fn non_finite_floats_round_trip_through_json_text() {
    for (bits, json) in [
        ("7ff8000000000000", Value::from("NaN")),
        ("7ff0000000000000", Value::from("Infinity")),
        ("fff0000000000000", Value::from("-Infinity")),
        // Other NaNs keep their bits (Java's ByteBuffer.putDouble writes raw bits).
        ("7ff0000000000001", Value::from("NaN:0x7ff0000000000001")),
        ("fff8000000000000", Value::from("NaN:0xfff8000000000000")),
        ("8000000000000000", serde_json::from_str("-0.0").unwrap()),
        ("3ff8000000000000", Value::from(1.5)),
    ] {
        let frame = quota_frame(bits);
        let doc = kio_json::decode_request_frame(&frame).expect("decodes");
        assert_eq!(quota_value(&doc), &json, "bits {bits}");
        let ddoc = dynamic::decode_frame(&frame, None).expect("decodes");
        assert_eq!(doc, ddoc, "both codecs agree on {bits}");
        // Through JSON text, as `kio decode | kio encode` does.
        let text = serde_json::to_string(&doc).unwrap();
        let back: Value = serde_json::from_str(&text).unwrap();
        for bytes in [
            kio_json::encode(&back).expect("encodes"),
            dynamic::encode(&back).expect("encodes"),
        ] {
            assert_eq!(&bytes[4..], &frame[..], "bits {bits}");
        }
    }
}

#[test]
fn the_issues_nan_frame_encodes_back() {
    // The issue's minimal frame, which used to give "invalid type: null, expected f64".
    let frame = unhex("003100000000000700000000000100000000000000010000 7ff8000000000000 0000");
    let doc = kio_json::decode_request_frame(&frame).unwrap();
    let bytes = kio_json::encode(&doc).expect("encodes");
    assert_eq!(&bytes[4..], &frame[..]);
    assert!(doc.get(NON_CANONICAL).is_none());
}

/// The issue's ControllerRegistrationResponse v0 body: unknown tags 5 then 0.
const UNSORTED: &str = "000000000000000205000000";

#[test]
fn unsorted_unknown_tags_are_reported_and_written_sorted() {
    let api = ApiKey::ControllerRegistration;
    let body = unhex(UNSORTED);
    let doc = kio_json::decode_body(Kind::Response, api, 0, &body).expect("decodes");
    let places = doc[NON_CANONICAL].as_array().expect("_nonCanonical");
    assert_eq!(places.len(), 1, "{places:?}");
    assert_eq!(places[0]["offset"], 10);
    assert!(places[0]["what"]
        .as_str()
        .unwrap()
        .contains("tag 0 after tag 5"));
    // Listed in the order they are written back.
    let tags: Vec<u64> = doc["body"]["_unknownTaggedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tag"].as_u64().unwrap())
        .collect();
    assert_eq!(tags, [0, 5]);
    // JSON → bytes writes the canonical form (the issue's expected bytes) ...
    let bytes = kio_json::encode(&doc).expect("encodes");
    assert_eq!(hex::encode(&bytes), "000000000000000200000500");
    assert_eq!(dynamic::encode(&doc).unwrap(), bytes);
    // ... which is canonical, and decodes to the same JSON.
    let again = kio_json::decode_body(Kind::Response, api, 0, &bytes).unwrap();
    assert!(again.get(NON_CANONICAL).is_none());
    let mut a = doc.clone();
    a.as_object_mut().unwrap().remove(NON_CANONICAL);
    assert_eq!(a, again);
    // The schema-driven codec shows the same document.
    assert_eq!(
        dynamic::decode_body(Kind::Response, api, 0, &body).unwrap(),
        doc
    );
    // And kio-core's binary codec keeps the original bytes exactly.
    let b = kio_core::ResponseBody::decode(api, 0, &body).unwrap();
    let mut out = Vec::new();
    b.encode(&mut out, 0).unwrap();
    assert_eq!(out, body);
}

#[test]
fn booleans_other_than_0_and_1_are_reported() {
    // AlterClientQuotas v0 with `remove` = 0x02 and `validateOnly` = 0xff.
    let frame = unhex("003100000000000700000000000100000000000000010000 3ff0000000000000 02ff");
    let doc = kio_json::decode_request_frame(&frame).unwrap();
    let places = doc[NON_CANONICAL].as_array().expect("_nonCanonical");
    let offsets: Vec<u64> = places
        .iter()
        .map(|p| p["offset"].as_u64().unwrap())
        .collect();
    assert_eq!(offsets, [32, 33]);
    assert!(places[0]["what"].as_str().unwrap().contains("0x02"));
    // Kafka reads them as true (`readByte() != 0`), and writes 1.
    assert_eq!(
        doc.pointer("/body/entries/0/ops/0/remove"),
        Some(&Value::Bool(true))
    );
    assert_eq!(doc.pointer("/body/validateOnly"), Some(&Value::Bool(true)));
    let bytes = kio_json::encode(&doc).unwrap();
    assert_eq!(&bytes[bytes.len() - 2..], &[1, 1]);
    assert_eq!(dynamic::decode_frame(&frame, None).unwrap(), doc);
}

#[test]
fn over_long_varints_are_reported() {
    // ControllerRegistrationResponse v0, the error message's compact length
    // (0 = null) written as 0x80 0x00, and the tag count 0 as 0x80 0x80 0x00.
    let body = unhex("00000000 0000 8000 808000");
    let api = ApiKey::ControllerRegistration;
    let found = scan_body(Kind::Response, api, 0, &body);
    let offsets: Vec<usize> = found.list.iter().map(|f| f.offset).collect();
    assert_eq!(offsets, [6, 8], "{found:?}");
    assert!(found.list[1].what.contains("in 3 bytes (Kafka writes 1)"));
    let doc = kio_json::decode_body(Kind::Response, api, 0, &body).unwrap();
    assert_eq!(doc[NON_CANONICAL].as_array().map(Vec::len), Some(2));
    let bytes = kio_json::encode(&doc).unwrap();
    assert_eq!(hex::encode(bytes), "0000000000000000");
}

#[test]
fn duplicate_tags_do_what_kafkas_java_decoder_does() {
    // ApiVersionsResponse v3, FinalizedFeaturesEpoch (tag 1, int64) sent
    // twice: 5, then 7. Kafka's generated read() assigns in a switch on the
    // tag, so the last value wins.
    let api = ApiKey::ApiVersions;
    let body = unhex("0000 01 00000000 02 0108 0000000000000005 0108 0000000000000007");
    for doc in [
        kio_json::decode_body(Kind::Response, api, 3, &body).unwrap(),
        dynamic::decode_body(Kind::Response, api, 3, &body).unwrap(),
    ] {
        assert_eq!(doc["body"]["finalizedFeaturesEpoch"], 7);
        let places = doc[NON_CANONICAL].as_array().expect("_nonCanonical");
        assert!(places[0]["what"]
            .as_str()
            .unwrap()
            .contains("duplicate tag 1"));
        assert_eq!(places[0]["offset"], 18);
        // Written once, with the value kept.
        let bytes = kio_json::encode(&doc).unwrap();
        assert_eq!(hex::encode(bytes), "000001000000000101080000000000000007");
    }
    // An unknown tag sent twice: Java's readUnknownTaggedField appends, so
    // both are kept (and both are written back, in the order read).
    let body = unhex("0000 01 00000000 02 0901 aa 0901 bb");
    let doc = kio_json::decode_body(Kind::Response, api, 3, &body).unwrap();
    let tags = doc["body"]["_unknownTaggedFields"].as_array().unwrap();
    assert_eq!(tags.len(), 2);
    assert_eq!(tags[0]["data"], "qg==");
    assert_eq!(tags[1]["data"], "uw==");
    assert!(doc[NON_CANONICAL][0]["what"]
        .as_str()
        .unwrap()
        .contains("duplicate tag 9"));
    assert_eq!(kio_json::encode(&doc).unwrap(), body);
    assert_eq!(
        dynamic::decode_body(Kind::Response, api, 3, &body).unwrap(),
        doc
    );
}

#[test]
fn canonical_frames_have_no_view() {
    let body = unhex("000000000000000200000500");
    let doc =
        kio_json::decode_body(Kind::Response, ApiKey::ControllerRegistration, 0, &body).unwrap();
    assert!(doc.get(NON_CANONICAL).is_none());
}

/// Crashes the fuzz targets found (fuzz/fuzz_targets/request_frame.rs and
/// response_body.rs, first runs): kio-core's binary codec writes booleans
/// and varints canonically, so decode → encode changes non-canonical bytes.
/// The targets' rule is now: identical, or the input is non-canonical and
/// the output is canonical and decodes to the same message.
#[test]
fn fuzz_regressions_binary_codec_writes_canonical_bytes() {
    // DescribeCluster v1 request, IncludeClusterAuthorizedOperations = 0x0e.
    let frame = [0u8, 60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 14, 0, 0];
    let (h, b) = kio_core::frame::decode_request(&frame).unwrap();
    let mut out = Vec::new();
    kio_core::frame::encode_request_frame(&mut out, &h, &b).unwrap();
    assert_eq!(&out[4..], &[0, 60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
    let found = kio_json::canonical::scan_frame(&frame, None);
    assert_eq!(found.list.len(), 1);
    assert_eq!(found.list[0].offset, 11);
    assert!(kio_json::canonical::scan_frame(&out[4..], None).is_empty());

    // A response body whose compact length 0 is written 0x81 0x00.
    // (fuzz/artifacts/response_body/crash-8767a826...: a DescribeProducers
    // v0 response; the selector bytes of that file predate Kafka 4.3's
    // versions, so the pair is named here.)
    let (api, version) = (ApiKey::DescribeProducers, 0);
    let bytes: &[u8] = &[0, 1, 0, 44, 129, 0, 0];
    let body = kio_core::ResponseBody::decode(api, version, bytes).unwrap();
    let mut out = Vec::new();
    body.encode(&mut out, version).unwrap();
    assert_eq!(out, [0, 1, 0, 44, 1, 0]);
    let found = scan_body(Kind::Response, api, version, bytes);
    assert!(
        found.list[0].what.contains("in 2 bytes (Kafka writes 1)"),
        "{found:?}"
    );
    assert!(scan_body(Kind::Response, api, version, &out).is_empty());
}
