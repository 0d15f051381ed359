//! The frame codecs and the std/tokio bridges, in memory.

use bytes::BytesMut;
use kio_std::codec::{
    ClientCodec, CodecError, Frame, FrameCodec, OutgoingRequest, OutgoingResponse, ServerCodec,
};
use kio_std::kio_core::frame::FrameError;
use kio_std::kio_core::messages::metadata_response::MetadataResponseBroker;
use kio_std::kio_core::messages::{
    ApiVersionsResponse, MetadataRequest, MetadataResponse, RequestHeader,
};
use kio_std::kio_core::{ApiKey, Array, RequestBody, ResponseBody, Str};
use tokio_util::codec::{Decoder, Encoder};

fn header(api: ApiKey, version: i16, id: i32) -> RequestHeader<'static> {
    RequestHeader {
        request_api_key: api.key(),
        request_api_version: version,
        correlation_id: id,
        client_id: Some(Str::new("codec-test")),
        ..Default::default()
    }
}

#[test]
fn frame_codec_splits_and_bounds_frames() {
    let mut c = FrameCodec::with_max_frame_size(8);
    let mut buf = BytesMut::new();
    c.encode(Frame::from(vec![1, 2, 3]), &mut buf).unwrap();
    c.encode(Frame::from(vec![4]), &mut buf).unwrap();
    // Byte by byte: nothing until a frame is complete.
    let all = buf.split().freeze();
    let mut src = BytesMut::new();
    let mut got = Vec::new();
    for b in all.iter() {
        src.extend_from_slice(&[*b]);
        if let Some(f) = c.decode(&mut src).unwrap() {
            got.push(f.as_bytes().to_vec());
        }
    }
    assert_eq!(got, vec![vec![1, 2, 3], vec![4]]);

    let mut src = BytesMut::from(&(-1i32).to_be_bytes()[..]);
    assert!(matches!(
        c.decode(&mut src),
        Err(CodecError::NegativeSize(-1))
    ));
    let mut src = BytesMut::from(&9i32.to_be_bytes()[..]);
    let e = c.decode(&mut src).unwrap_err();
    assert!(matches!(e, CodecError::FrameTooLarge { size: 9, max: 8 }));
    assert_eq!(
        e.to_string(),
        "frame of 9 bytes exceeds the maximum of 8 bytes"
    );
}

#[test]
fn client_and_server_codecs_talk() {
    let mut client = ClientCodec::new();
    let mut server = ServerCodec::new();
    let mut wire = BytesMut::new();
    for (id, v) in [(1, 12), (2, 0)] {
        client
            .encode(
                OutgoingRequest::new(header(ApiKey::Metadata, v, id), MetadataRequest::default()),
                &mut wire,
            )
            .unwrap();
    }
    assert_eq!(client.in_flight(), 2);

    let mut back = BytesMut::new();
    while let Some(req) = server.decode(&mut wire).unwrap() {
        assert_eq!(req.api_key(), Some(ApiKey::Metadata));
        let (h, body) = req.decode().unwrap();
        assert_eq!(h.client_id.as_ref().unwrap(), "codec-test");
        assert!(matches!(body, RequestBody::Metadata(_)));
        let resp = MetadataResponse {
            brokers: Array::Vec(vec![MetadataResponseBroker {
                node_id: req.correlation_id(),
                host: Str::new("h"),
                port: 1,
                ..Default::default()
            }]),
            ..Default::default()
        };
        server
            .encode(OutgoingResponse::to(req.prefix, resp).unwrap(), &mut back)
            .unwrap();
    }
    let mut ids = Vec::new();
    while let Some(r) = client.decode(&mut back).unwrap() {
        assert_eq!(r.request.map(|x| x.0), Some(ApiKey::Metadata));
        let (h, body) = r.decode().unwrap().unwrap();
        let ResponseBody::Metadata(m) = body else {
            panic!()
        };
        assert_eq!(m.brokers.iter().next().unwrap().node_id, h.correlation_id);
        ids.push(h.correlation_id);
    }
    assert_eq!(ids, vec![1, 2]);
    assert_eq!(client.in_flight(), 0);
}

#[test]
fn api_versions_response_header_is_v0_even_when_flexible() {
    let mut server = ServerCodec::new();
    let mut out = BytesMut::new();
    let resp = OutgoingResponse {
        api_key: ApiKey::ApiVersions,
        api_version: 3,
        correlation_id: 9,
        body: ApiVersionsResponse::default(),
    };
    server.encode(resp, &mut out).unwrap();
    // size, correlation id, then straight to the body's error code (no tag byte).
    assert_eq!(&out[4..8], &9i32.to_be_bytes());
    assert_eq!(&out[8..10], &0i16.to_be_bytes());
    assert_eq!(out.len(), 4 + 4 + 2 + 1 + 4 + 1);
}

#[test]
fn std_bridges_read_and_write_frames() {
    let mut wire = Vec::new();
    kio_std::io::write_request_std(
        &mut wire,
        &header(ApiKey::Metadata, 9, 5),
        &MetadataRequest::default(),
    )
    .unwrap();
    kio_std::io::write_request_std(
        &mut wire,
        &header(ApiKey::Metadata, 9, 6),
        &MetadataRequest::default(),
    )
    .unwrap();
    let mut r = &wire[..];
    let f = kio_std::io::read_frame_std(&mut r, 1024).unwrap();
    assert_eq!(
        kio_std::kio_core::frame::peek_request(&f)
            .unwrap()
            .correlation_id,
        5
    );
    // Too large for 8 bytes: skipped, and the stream is at the end.
    assert!(matches!(
        kio_std::io::read_frame_std(&mut r, 8),
        Err(FrameError::TooLarge { capacity: 8, .. })
    ));
    assert!(matches!(
        kio_std::io::read_frame_std(&mut r, 8),
        Err(FrameError::Closed)
    ));
    let mut cut = &wire[..10];
    assert!(matches!(
        kio_std::io::read_frame_std(&mut cut, 1024),
        Err(FrameError::UnexpectedEof { .. })
    ));
    let mut buf = [0u8; 64];
    let mut r = &wire[..];
    let f = kio_std::io::read_frame_into_std(&mut r, &mut buf).unwrap();
    assert_eq!(
        kio_std::kio_core::frame::decode_request(f)
            .unwrap()
            .0
            .correlation_id,
        5
    );
}

#[tokio::test]
async fn tokio_bridges_read_and_write_frames() {
    let (mut a, mut b) = tokio::io::duplex(4096);
    let h = header(ApiKey::Metadata, 12, 42);
    kio_std::io::write_request_tokio(&mut a, &h, &MetadataRequest::default())
        .await
        .unwrap();
    // Through kio-core's windowed async writer (not `Send`: awaited in place).
    let mut scratch = [0u8; 7]; // several windows
    kio_std::io::write_request_tokio_with(&mut a, &h, &MetadataRequest::default(), &mut scratch)
        .await
        .unwrap();
    drop(a);
    let one = kio_std::io::read_frame_tokio(&mut b, 1024).await.unwrap();
    let mut buf = [0u8; 128];
    let two = kio_std::io::read_frame_into_tokio(&mut b, &mut buf)
        .await
        .unwrap()
        .to_vec();
    assert_eq!(one, two);
    assert_eq!(
        kio_std::kio_core::frame::peek_request(&one)
            .unwrap()
            .correlation_id,
        42
    );
    assert!(matches!(
        kio_std::io::read_frame_tokio(&mut b, 1024).await,
        Err(FrameError::Closed)
    ));
}
