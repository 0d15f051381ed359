//! What each fuzz target checks, as plain functions: the targets in
//! `fuzz_targets/` call them with libFuzzer's input, and the regression
//! suite (`tests/tests/fuzz_regressions.rs`, on stable) calls them with
//! every input in `fuzz/regressions/TARGET/`. Each panics when its
//! guarantee is broken.

use super::pick;

use kio_core::frame::{decode_request, encode_request_frame};
use kio_core::records::compression::{decompress_to_vec, Compression};
use kio_core::records::{BatchItem, ControlRecord, RecordBatches};
use kio_core::ResponseBody;
use kio_json::canonical::scan_body;
use kio_json::canonical::scan_frame;
use kio_json::inspect::{inspect, InspectOptions};
use kio_json::DecodeOptions;
use kio_json::{dynamic, Kind};
use serde_json::Value;

/// True when two decoded values are the same message: equal, or (a float64
/// field holding NaN is never equal to itself) equal field by field in
/// their `Debug` form, which prints every NaN as `NaN` (the payload bits are
/// checked by the byte comparisons of the callers).
fn same<T: PartialEq + core::fmt::Debug>(a: &T, b: &T) -> bool {
    a == b || format!("{a:?}") == format!("{b:?}")
}

/// Request frames (without the size prefix): decode never panics, and a
/// frame that decodes re-encodes to the same bytes, or — when the input is
/// not canonical (`kio_json::canonical`: booleans other than 0/1, over-long
/// varints, ...) — to bytes that decode to the same message, keep no
/// non-canonical place the input did not have (fields are written
/// canonically; a decoded array is a copy of its bytes), and re-encode to
/// themselves.
pub fn request_frame(data: &[u8]) {
    if let Ok((header, body)) = decode_request(data) {
        let mut out = Vec::new();
        encode_request_frame(&mut out, &header, &body).expect("a decoded request re-encodes");
        let again = &out[4..];
        if again != data {
            let found_in = scan_frame(data, None);
            assert!(
                !found_in.is_empty(),
                "decode → encode changed canonical bytes"
            );
            assert!(
                super::kept_from_input(&found_in, &scan_frame(again, None)),
                "the re-encoded frame has a non-canonical place the input did not have"
            );
            let (h2, b2) = decode_request(again).expect("the re-encoded frame decodes");
            assert!(
                same(&h2, &header) && same(&b2, &body),
                "the re-encoded frame holds another message"
            );
            let mut third = Vec::new();
            encode_request_frame(&mut third, &h2, &b2).expect("a decoded request re-encodes");
            assert!(third == out, "re-encoding the re-encoded frame changed it");
        }
    }
}

/// Response bodies of every API and version (the first two bytes pick the
/// pair): decode never panics, and a body that decodes re-encodes to the
/// same bytes (or, for non-canonical input, to bytes of the same message
/// that keep no non-canonical place the input did not have and re-encode to
/// themselves), and into_owned keeps it equal.
pub fn response_body(data: &[u8]) {
    let Some((api, version, bytes)) = pick(data) else {
        return;
    };
    if let Ok(body) = ResponseBody::decode(api, version, bytes) {
        let mut out = Vec::new();
        body.encode(&mut out, version)
            .expect("a decoded response re-encodes");
        if out != bytes {
            let found_in = scan_body(Kind::Response, api, version, bytes);
            assert!(
                !found_in.is_empty(),
                "decode → encode changed canonical bytes"
            );
            assert!(
                super::kept_from_input(&found_in, &scan_body(Kind::Response, api, version, &out)),
                "the re-encoded body has a non-canonical place the input did not have"
            );
            let again = ResponseBody::decode(api, version, &out).expect("re-encoded decodes");
            assert!(
                same(&again, &body),
                "the re-encoded body holds another message"
            );
            let mut third = Vec::new();
            again
                .encode(&mut third, version)
                .expect("a decoded response re-encodes");
            assert!(third == out, "re-encoding the re-encoded body changed it");
        }
        let owned = body.clone().into_owned();
        assert!(same(&owned, &body), "into_owned changed the value");
    }
}

/// The decompression limit of the record-batch checks.
pub const LIMIT: usize = 1 << 20;

/// Record batches of every codec: the first byte picks a mode. 0..=4: the
/// rest is a `records` field (magic 0, 1 and 2 batches): iterate batches,
/// records and headers, decompress each batch (bounded at 1 MiB), and parse
/// control records. 5..=9: the rest is a compressed payload of codec
/// `mode - 5` (none, gzip, snappy, lz4, zstd), decompressed with a 1 MiB
/// limit. Nothing may panic or allocate past the limits.
pub fn record_batches(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 10 {
        m @ 5..=9 => {
            let codec = Compression::from_id(m - 5).unwrap_or_default();
            if let Ok(v) = decompress_to_vec(codec, rest, LIMIT) {
                assert!(v.len() <= LIMIT);
            }
        }
        _ => {
            for item in RecordBatches::new(rest) {
                match item {
                    Ok(BatchItem::Batch(b)) => {
                        if let Ok(rs) = b.records() {
                            for r in rs {
                                let _ = r.headers().count();
                                if b.is_control() {
                                    let _ = ControlRecord::parse(&r);
                                }
                            }
                        }
                        if let Ok(d) = b.decompress_to_vec(LIMIT) {
                            assert!(d.as_bytes().len() <= LIMIT);
                            for r in d.records() {
                                let _ = r.headers().count();
                            }
                        }
                    }
                    Ok(BatchItem::Legacy(m)) => {
                        if let Ok(d) = m.decompress_to_vec(LIMIT) {
                            let _ = d.messages().count();
                        }
                    }
                    Ok(BatchItem::Truncated(_)) | Err(_) => {}
                }
            }
        }
    }
}

/// The generated codec against the schema-driven one (kio_core::dynamic) on
/// the same bytes: the first two bytes pick the API and version, the third
/// the kind (even: request body, odd: response body). Both accept or both
/// reject; when both accept, the JSON (through kio-json) and the re-encoded
/// bytes are the same.
pub fn differential(data: &[u8]) {
    let Some((api, version, rest)) = pick(data) else {
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
}

/// The JSON encoders on arbitrary JSON text: never a panic; when the
/// generated encoder accepts a document, the schema-driven one writes the
/// same bytes, and those bytes decode again.
pub fn json_encode(data: &[u8]) {
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
}

/// JSON views of frames (what `kio decode`, `kio inspect`, the proxy and
/// the browser show), with both codecs: the first byte picks request (even)
/// or response (odd, then two bytes pick the API and version). Run with a
/// small -malloc_limit_mb / -rss_limit_mb (scripts/fuzz.sh does): the view
/// budget must keep every frame's JSON far below them.
pub fn json_view(data: &[u8]) {
    let Some((&k, rest)) = data.split_first() else {
        return;
    };
    let (frame, ctx) = if k % 2 == 0 {
        (rest, None)
    } else {
        let Some((api, version, frame)) = pick(rest) else {
            return;
        };
        (frame, Some((api, version)))
    };
    let opts = DecodeOptions::default();
    let a = kio_json::decode_frame_with(frame, ctx, &opts);
    let b = kio_json::dynamic::decode_frame_with(frame, ctx, &opts);
    assert_eq!(a.is_ok(), b.is_ok(), "the codecs disagree");
    if let (Ok(a), Ok(b)) = (a, b) {
        assert_eq!(a, b, "the codecs' JSON differ");
        let text = serde_json::to_string(&a).expect("serializes");
        let _ = kio_json::encode(&a).expect("re-encodes");
        std::hint::black_box(text);
    }
}

/// Capture files (pcap, pcapng): the reader and `kio inspect --check`'s
/// pipeline never panic and stay within the memory limits.
pub fn capture(data: &[u8]) {
    // Kafka's port and the port of the seed captures (../shared/captures).
    let opts = InspectOptions {
        ports: vec![9092, 19092],
        check: true,
        ..InspectOptions::default()
    };
    if let Ok(conv) = inspect(data, &opts) {
        let _ = kio_json::inspect::table(&conv);
    }
}
