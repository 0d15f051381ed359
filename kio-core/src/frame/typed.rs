//! Frames of a message type known at compile time.
//!
//! [`write_request_frame`](super::write_request_frame) takes a
//! [`RequestBody`](crate::RequestBody) and finds the header version from the
//! run-time [`ApiKey`](crate::ApiKey), which links the version table of
//! every API (and each API's encoder) into the binary. These take the
//! message type as a type parameter and read the header version from that
//! message's own schema, so a firmware that sends five messages links five
//! encoders and nothing else.

use crate::codec::Message;
use crate::error::{EncodeError, EncodeErrorKind};
use crate::messages::RequestHeader;
use crate::wire::{IoSink, Sink};

/// ControlledShutdown's API key: its v0 request uses header version 0.
const CONTROLLED_SHUTDOWN: i16 = 7;
/// ApiVersions' API key: its responses always use header version 0.
const API_VERSIONS: i16 = 18;

/// The request header version of `version` of request `M`: 2 when that
/// version is flexible, else 1, and 0 for ControlledShutdown v0 (the one
/// request framed with header v0, which has no client id).
///
/// ```
/// use kio_core::frame::request_header_version_of;
/// use kio_core::messages::ProduceRequest;
/// assert_eq!(request_header_version_of::<ProduceRequest>(8), 1);
/// assert_eq!(request_header_version_of::<ProduceRequest>(9), 2);
/// ```
pub fn request_header_version_of<'m, M: Message<'m>>(version: i16) -> i16 {
    if M::SCHEMA.api_key == Some(CONTROLLED_SHUTDOWN) && version == 0 {
        0
    } else if M::SCHEMA.flexible.contains(version) {
        2
    } else {
        1
    }
}

/// The response header version of `version` of response `M`: 1 when that
/// version is flexible, else 0; always 0 for ApiVersions (a client must be
/// able to read it before it knows what the broker speaks).
///
/// ```
/// use kio_core::frame::response_header_version_of;
/// use kio_core::messages::{ApiVersionsResponse, MetadataResponse};
/// assert_eq!(response_header_version_of::<MetadataResponse>(9), 1);
/// assert_eq!(response_header_version_of::<ApiVersionsResponse>(3), 0);
/// ```
pub fn response_header_version_of<'m, M: Message<'m>>(version: i16) -> i16 {
    if M::SCHEMA.api_key != Some(API_VERSIONS) && M::SCHEMA.flexible.contains(version) {
        1
    } else {
        0
    }
}

/// Size, header and body of a request frame into `w`; returns the bytes
/// of the whole frame (with its 4-byte size prefix).
fn encode_message_frame<'m, S: Sink + ?Sized, M: Message<'m>>(
    w: &mut S,
    header: &RequestHeader<'_>,
    body: &M,
    version: i16,
) -> Result<usize, EncodeError> {
    let hv = request_header_version_of::<M>(version);
    let n = header.encoded_len(hv)? + body.encoded_len(version)?;
    let size = i32::try_from(n).map_err(|_| EncodeError::new(EncodeErrorKind::TooLong(n)))?;
    w.put(&size.to_be_bytes())?;
    header.encode(w, hv)?;
    body.encode(w, version)?;
    Ok(n + 4)
}

/// Writes a request frame (size, header, body) for `version` of `M` straight
/// into a blocking writer, with no buffer of the frame, and flushes it.
/// `header` names the API and version; they are not checked against `M`.
/// Returns the bytes written.
pub fn write_message_frame<'m, W: embedded_io::Write, M: Message<'m>>(
    w: &mut W,
    header: &RequestHeader<'_>,
    body: &M,
    version: i16,
) -> Result<usize, EncodeError> {
    let n = encode_message_frame(&mut IoSink(&mut *w), header, body, version)?;
    super::flush(w)?;
    Ok(n)
}

/// The async twin of [`write_message_frame`], through `scratch`, a buffer
/// of any size: the frame is encoded again for each `scratch`-sized window
/// (one pass when it fits), so no buffer of the whole frame is needed.
pub async fn write_message_frame_async<'m, W: embedded_io_async::Write, M: Message<'m>>(
    w: &mut W,
    header: &RequestHeader<'_>,
    body: &M,
    version: i16,
    scratch: &mut [u8],
) -> Result<usize, EncodeError> {
    super::write_windows(w, scratch, &|s| {
        encode_message_frame(s, header, body, version)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::MetadataRequest;
    use crate::ApiKey;
    use alloc::vec::Vec;

    /// What the typed functions compute, from a schema given at run time
    /// (they read `M::SCHEMA`; these tests walk every schema).
    fn of_schema(s: &crate::schema::MessageSchema, request: bool, v: i16) -> i16 {
        match (request, s.api_key, s.flexible.contains(v)) {
            (true, Some(CONTROLLED_SHUTDOWN), _) if v == 0 => 0,
            (true, _, true) => 2,
            (true, _, false) => 1,
            (false, Some(API_VERSIONS), _) | (false, _, false) => 0,
            (false, _, true) => 1,
        }
    }

    /// The typed writer and the run-time one agree on every version's
    /// header version, for every request and response kio knows.
    #[test]
    fn header_versions_agree_with_the_api_key_table() {
        for key in ApiKey::ALL {
            let (req, resp) = (key.request_schema(), key.response_schema());
            for v in key.valid_versions().min..=key.valid_versions().max {
                assert_eq!(req.api_key, Some(key as i16));
                assert_eq!(resp.api_key, Some(key as i16));
                assert_eq!(
                    of_schema(req, true, v),
                    key.request_header_version(v),
                    "{} v{v} request",
                    key.name()
                );
                assert_eq!(
                    of_schema(resp, false, v),
                    key.response_header_version(v),
                    "{} v{v} response",
                    key.name()
                );
            }
        }
    }

    /// The generic functions themselves, for the messages with special
    /// header rules and a few others, at every version.
    #[test]
    fn typed_header_versions_of_special_messages() {
        use crate::messages::*;
        macro_rules! check {
            ($($key:ident: $req:ty, $resp:ty;)*) => {$(
                let r = ApiKey::$key.valid_versions();
                for v in r.min..=r.max {
                    assert_eq!(request_header_version_of::<$req>(v), ApiKey::$key.request_header_version(v));
                    assert_eq!(response_header_version_of::<$resp>(v), ApiKey::$key.response_header_version(v));
                }
            )*};
        }
        check! {
            ControlledShutdown: ControlledShutdownRequest, ControlledShutdownResponse;
            ApiVersions: ApiVersionsRequest, ApiVersionsResponse;
            Produce: ProduceRequest, ProduceResponse;
            Fetch: FetchRequest, FetchResponse;
            Metadata: MetadataRequest, MetadataResponse;
            InitProducerId: InitProducerIdRequest, InitProducerIdResponse;
        }
    }

    /// Byte for byte what `encode_request_frame` writes for the same request.
    #[test]
    fn frames_equal_the_runtime_writer() {
        for v in [0i16, 8, 9, 12] {
            let header = RequestHeader {
                request_api_key: ApiKey::Metadata as i16,
                request_api_version: v,
                correlation_id: 7,
                client_id: Some(crate::types::Str::new("kio")),
                ..Default::default()
            };
            let body = MetadataRequest::default();
            let mut buf = [0u8; 64];
            let mut rest = &mut buf[..];
            let n = write_message_frame(&mut rest, &header, &body, v).expect("writes");
            let typed = &buf[..n];
            let mut runtime = Vec::new();
            crate::frame::encode_request_frame(
                &mut runtime,
                &header,
                &crate::RequestBody::Metadata(body.clone()),
            )
            .expect("encodes");
            assert_eq!(typed, &runtime[..], "v{v}");
        }
    }
}
