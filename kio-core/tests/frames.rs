//! Frames against bytes nobody here wrote (kafka-python's frames), over
//! blocking and async streams, and the frame reader's edge cases.

use kio_core::frame::{
    decode_request, encode_request_frame, read_frame, read_frame_async, write_request_frame,
    write_request_frame_async, FrameError,
};
use kio_core::messages::api_versions_request::ApiVersionsRequest;
use kio_core::messages::metadata_request::{MetadataRequest, MetadataRequestTopic};
use kio_core::messages::request_header::RequestHeader;
use kio_core::{Array, RequestBody, Str, Uuid};

/// kafka-python 3.0's ApiVersionsRequest v3 frame.
const API_VERSIONS_V3: &str = "0000001b0012000300000001000570656572730006726177707904302e3100";
/// kafka-python's MetadataRequest v12: client id `kio`, topic `kp-test`, no topic id.
const METADATA_V12: &str =
    "0000002b0003000c0000000700036b696f000200000000000000000000000000000000086b702d7465737400000000";

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

#[test]
fn kafka_python_api_versions_v3() {
    let frame = unhex(API_VERSIONS_V3);
    let mut r = &frame[..];
    let mut buf = [0u8; 64];
    let body_bytes = read_frame(&mut r, &mut buf).unwrap().to_vec();
    let (header, body) = decode_request(&body_bytes).unwrap();
    assert_eq!(header.request_api_key, 18);
    assert_eq!(header.request_api_version, 3);
    assert_eq!(header.correlation_id, 1);
    assert_eq!(header.client_id.as_ref().unwrap(), "peers");
    let RequestBody::ApiVersions(req) = &body else {
        panic!("not ApiVersions: {body:?}")
    };
    assert_eq!(req.client_software_name, "rawpy");
    assert_eq!(req.client_software_version, "0.1");
    let mut again = Vec::new();
    encode_request_frame(&mut again, &header, &body).unwrap();
    assert_eq!(again, frame);
}

#[test]
fn kafka_python_metadata_v12_decodes_and_reencodes() {
    let frame = unhex(METADATA_V12);
    let (header, body) = decode_request(&frame[4..]).unwrap();
    assert_eq!(
        (
            header.request_api_key,
            header.request_api_version,
            header.correlation_id
        ),
        (3, 12, 7)
    );
    assert_eq!(header.client_id.as_ref().unwrap(), "kio");
    let RequestBody::Metadata(req) = &body else {
        panic!("not Metadata")
    };
    let topics: Vec<MetadataRequestTopic> = req.topics.as_ref().unwrap().iter().collect();
    assert_eq!(topics.len(), 1);
    assert_eq!(topics[0].name.as_ref().unwrap(), "kp-test");
    assert_eq!(topics[0].topic_id, Uuid::ZERO);
    assert!(!req.allow_auto_topic_creation);
    assert!(!req.include_topic_authorized_operations);
    let mut again = Vec::new();
    encode_request_frame(&mut again, &header, &body).unwrap();
    assert_eq!(again, frame);
}

/// The topic list of kafka-python's MetadataRequest, on the stack.
fn kp_test_topics() -> [MetadataRequestTopic<'static>; 1] {
    [MetadataRequestTopic {
        name: Some(Str::new("kp-test")),
        ..Default::default()
    }]
}

/// kafka-python's MetadataRequest v12 and its header, built without a heap.
fn kp_test_request<'a>(
    topics: &'a [MetadataRequestTopic<'a>],
) -> (RequestHeader<'a>, MetadataRequest<'a>) {
    let req = MetadataRequest {
        topics: Some(Array::from(topics)),
        allow_auto_topic_creation: false,
        ..Default::default()
    };
    let header = RequestHeader {
        request_api_key: 3,
        request_api_version: 12,
        correlation_id: 7,
        client_id: Some(Str::new("kio")),
        ..Default::default()
    };
    (header, req)
}

/// Builds the same MetadataRequest from stack data (no heap) and writes it
/// straight into a blocking stream: the bytes equal kafka-python's.
#[test]
fn build_without_heap_matches_kafka_python() {
    let topics = kp_test_topics();
    let (header, req) = kp_test_request(&topics);
    let mut out = [0u8; 64];
    let mut w: &mut [u8] = &mut out;
    let n = write_request_frame(&mut w, &header, &req).unwrap();
    assert_eq!(&out[..n], &unhex(METADATA_V12)[..]);
}

#[test]
fn async_write_and_read_through_a_tiny_scratch_buffer() {
    let topics = kp_test_topics();
    let (header, req) = kp_test_request(&topics);
    let mut out = [0u8; 64];
    let mut w: &mut [u8] = &mut out;
    let mut scratch = [0u8; 5]; // far smaller than the frame: written in windows
    let n = futures_executor::block_on(write_request_frame_async(
        &mut w,
        &header,
        &req,
        &mut scratch,
    ))
    .unwrap();
    let wire = out[..n].to_vec();
    assert_eq!(wire, unhex(METADATA_V12));

    let mut r = &wire[..];
    let mut buf = [0u8; 128];
    let frame = futures_executor::block_on(read_frame_async(&mut r, &mut buf)).unwrap();
    let (_, body) = decode_request(frame).unwrap();
    assert_eq!(body, RequestBody::Metadata(req));
}

#[test]
fn a_frame_too_large_for_the_buffer_is_skipped_and_the_next_one_read() {
    let mut stream = unhex(METADATA_V12);
    stream.extend(unhex(API_VERSIONS_V3));
    let mut r = &stream[..];
    let mut small = [0u8; 32]; // Metadata (43 bytes) does not fit, ApiVersions (27) does
    match read_frame(&mut r, &mut small) {
        Err(FrameError::TooLarge {
            size: 43,
            capacity: 32,
        }) => {}
        other => panic!("expected TooLarge, got {other:?}"),
    }
    let next = read_frame(&mut r, &mut small).unwrap();
    assert_eq!(
        decode_request(next).unwrap().1.api_key(),
        kio_core::ApiKey::ApiVersions
    );
    assert!(matches!(
        read_frame(&mut r, &mut small),
        Err(FrameError::Closed)
    ));
}

#[test]
fn frame_reader_edge_cases() {
    let mut buf = [0u8; 16];
    let mut r: &[u8] = &[0, 0];
    assert!(matches!(
        read_frame(&mut r, &mut buf),
        Err(FrameError::UnexpectedEof { missing: 2 })
    ));
    let mut r: &[u8] = &[0xff, 0xff, 0xff, 0xfe];
    assert!(matches!(
        read_frame(&mut r, &mut buf),
        Err(FrameError::InvalidSize(-2))
    ));
    let mut r: &[u8] = &[0, 0, 0, 10, 1, 2, 3];
    assert!(matches!(
        read_frame(&mut r, &mut buf),
        Err(FrameError::UnexpectedEof { missing: 7 })
    ));
}

#[test]
fn api_versions_request_default_roundtrip_at_every_version() {
    use kio_core::Message;
    let req = ApiVersionsRequest {
        client_software_name: Str::new("kio"),
        ..Default::default()
    };
    for v in 3..=4 {
        let bytes = req.to_vec(v).unwrap();
        assert_eq!(ApiVersionsRequest::decode(&bytes, v).unwrap(), req);
    }
    // v0-2 cannot carry the software name; it is ignorable, so it is dropped.
    assert_eq!(req.to_vec(2).unwrap(), Vec::<u8>::new());
    // AllowAutoTopicCreation (v4+) is not ignorable: a non-default value at v3 is an error.
    let meta = MetadataRequest {
        allow_auto_topic_creation: false,
        ..Default::default()
    };
    let err = meta.to_vec(3).unwrap_err();
    assert_eq!(err.field, "MetadataRequest.AllowAutoTopicCreation");
    assert_eq!(err.kind, kio_core::EncodeErrorKind::FieldNotInVersion(3));
    assert!(meta.to_vec(4).is_ok());
}
