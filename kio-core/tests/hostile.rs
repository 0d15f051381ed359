//! Hostile input: errors say what, where and why; nothing panics; lengths are
//! checked before anything is reserved; Kafka's own leniencies are kept.

mod common;

use common::gen::{message, Rng};
use kio_core::messages::metadata_request::MetadataRequest;
use kio_core::messages::produce_request::ProduceRequest;
use kio_core::{DecodeErrorKind, Message, RequestBody};

#[test]
fn over_long_varint_is_rejected_with_its_offset() {
    // MetadataRequest v12 body: topics as a compact array whose length varint never ends.
    let bytes = [0x80, 0x80, 0x80, 0x80, 0x80, 0x01];
    let err = MetadataRequest::decode(&bytes, 12).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::VarintTooLong);
    assert_eq!(err.offset, 0);
    assert_eq!(err.field, "MetadataRequest.Topics");
}

#[test]
fn huge_array_count_is_rejected_before_iterating() {
    // v1 (not flexible): int32 count 0x7fffffff with nothing after it.
    let bytes = [0x7f, 0xff, 0xff, 0xff];
    let err = MetadataRequest::decode(&bytes, 1).unwrap_err();
    assert!(
        matches!(
            err.kind,
            DecodeErrorKind::LengthTooLarge {
                declared: 0x7fff_ffff,
                remaining: 0
            }
        ),
        "{err}"
    );
}

#[test]
fn booleans_other_than_0_1_read_as_true_like_kafka() {
    // MetadataRequest v4: topics = null (-1), allow_auto_topic_creation = 2.
    let bytes = [0xff, 0xff, 0xff, 0xff, 0x02];
    let req = MetadataRequest::decode(&bytes, 4).unwrap();
    assert!(req.allow_auto_topic_creation);
}

#[test]
fn invalid_utf8_is_kept_not_rejected() {
    // ProduceRequest v3: transactional id "\xff", acks 1, timeout 0, no topics.
    let bytes = [0x00, 0x01, 0xff, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0];
    let req = ProduceRequest::decode(&bytes, 3).unwrap();
    let tid = req.transactional_id.as_ref().unwrap();
    assert!(tid.to_str().is_err());
    assert_eq!(tid.as_bytes(), &[0xff]);
    assert_eq!(req.to_vec(3).unwrap(), bytes);
}

#[test]
fn unknown_api_key_and_unsupported_version_are_named() {
    let frame = [0x01, 0x00, 0, 0, 0, 0, 0, 1, 0xff, 0xff];
    let err = kio_core::frame::decode_request(&frame).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::UnknownApiKey(256));
    let frame = [0x00, 0x03, 0x00, 0x63, 0, 0, 0, 1, 0xff, 0xff];
    let err = kio_core::frame::decode_request(&frame).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::UnsupportedVersion(99));
}

/// Random valid messages with every single bit flipped: decoding either fails
/// with an error or succeeds; it never panics, and a success re-encodes.
#[test]
fn bit_flips_never_panic() {
    let mut rng = Rng(42);
    let mut decoded = 0usize;
    let mut failed = 0usize;
    for key in kio_core::ApiKey::ALL {
        let schema = key.request_schema();
        for version in [schema.valid.min, schema.valid.max] {
            let bytes = message(&mut rng, schema, version);
            for bit in 0..bytes.len() * 8 {
                let mut b = bytes.clone();
                b[bit / 8] ^= 1 << (bit % 8);
                match RequestBody::decode(key, version, &b) {
                    Ok(body) => {
                        decoded += 1;
                        // Whatever decoded must encode again (maybe not byte-identically:
                        // a flipped boolean byte of 3 is read as true and written as 1).
                        let _ = body.encoded_len(version);
                    }
                    Err(e) => {
                        failed += 1;
                        assert!(
                            e.offset <= b.len(),
                            "offset {} past the input ({})",
                            e.offset,
                            b.len()
                        );
                    }
                }
            }
        }
    }
    println!("bit flips: {decoded} decoded, {failed} rejected");
    assert!(failed > 0 && decoded > 0);
}

/// Random bytes (not valid messages) at every API and version: no panic.
#[test]
fn random_garbage_never_panics() {
    let mut rng = Rng(7);
    for key in kio_core::ApiKey::ALL {
        let schema = key.response_schema();
        for version in schema.valid.min..=schema.valid.max {
            for len in [0usize, 1, 3, 8, 17, 64] {
                let b = rng.bytes(len);
                let _ = kio_core::ResponseBody::decode(key, version, &b);
            }
        }
    }
}
