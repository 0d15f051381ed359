//! `tokio-util` codecs for Kafka frames.
//!
//! - [`FrameCodec`]: length-delimited frames (a big-endian `int32` size, then
//!   the bytes), bounded by a maximum size; yields [`Frame`]s.
//! - [`ServerCodec`]: decodes [`RequestFrame`]s (the API, version and
//!   correlation id already peeked; [`RequestFrame::decode`] borrows the
//!   header and body from the frame) and encodes [`OutgoingResponse`]s with
//!   the right response header version.
//! - [`ClientCodec`]: encodes [`OutgoingRequest`]s and decodes
//!   [`ResponseFrame`]s, remembering which API and version each
//!   correlation id was sent with so a response decodes without help.
//!
//! Frames are `bytes::Bytes`: cheap to clone and to move between tasks, and
//! the messages decoded from them borrow from them with no copy.
//!
//! ```
//! use bytes::BytesMut;
//! use kio_std::codec::{ClientCodec, OutgoingRequest, ServerCodec};
//! use kio_std::kio_core::messages::{MetadataRequest, RequestHeader};
//! use kio_std::kio_core::{ApiKey, RequestBody};
//! use tokio_util::codec::{Decoder, Encoder};
//!
//! let mut client = ClientCodec::new();
//! let mut wire = BytesMut::new();
//! let header = RequestHeader {
//!     request_api_key: ApiKey::Metadata.key(),
//!     request_api_version: 12,
//!     correlation_id: 1,
//!     ..Default::default()
//! };
//! client.encode(OutgoingRequest::new(header, MetadataRequest::default()), &mut wire).unwrap();
//!
//! let mut server = ServerCodec::new();
//! let req = server.decode(&mut wire).unwrap().unwrap();
//! assert_eq!(req.api_key(), Some(ApiKey::Metadata));
//! let (h, body) = req.decode().unwrap();
//! assert_eq!(h.correlation_id, 1);
//! assert!(matches!(body, RequestBody::Metadata(_)));
//! ```

use std::collections::HashMap;
use std::fmt;
use std::io;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kio_core::frame::{self, Body, RequestPrefix};
use kio_core::messages::{RequestHeader, ResponseHeader};
use kio_core::{ApiKey, DecodeError, EncodeError, RequestBody, ResponseBody, Sink};
use tokio_util::codec::{Decoder, Encoder};

/// The largest frame a codec accepts unless told otherwise (100 MiB, as
/// Kafka's `socket.request.max.bytes` default).
pub const DEFAULT_MAX_FRAME_SIZE: usize = crate::io::DEFAULT_MAX_FRAME_SIZE;

/// What went wrong in a codec.
#[derive(Debug)]
#[non_exhaustive]
pub enum CodecError {
    /// The stream failed.
    Io(io::Error),
    /// A size prefix was negative.
    NegativeSize(i32),
    /// A frame's size exceeds the codec's maximum.
    FrameTooLarge {
        /// The frame's declared size.
        size: usize,
        /// The codec's maximum.
        max: usize,
    },
    /// A frame was too short to carry its header prefix, or did not decode.
    Decode(DecodeError),
    /// A message could not be encoded.
    Encode(EncodeError),
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecError::Io(e) => write!(f, "i/o error: {e}"),
            CodecError::NegativeSize(n) => write!(f, "invalid frame size {n} (negative)"),
            CodecError::FrameTooLarge { size, max } => {
                write!(
                    f,
                    "frame of {size} bytes exceeds the maximum of {max} bytes"
                )
            }
            CodecError::Decode(e) => write!(f, "frame does not decode: {e}"),
            CodecError::Encode(e) => write!(f, "cannot encode frame: {e}"),
        }
    }
}

impl std::error::Error for CodecError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CodecError::Io(e) => Some(e),
            CodecError::Decode(e) => Some(e),
            CodecError::Encode(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for CodecError {
    fn from(e: io::Error) -> Self {
        CodecError::Io(e)
    }
}

impl From<DecodeError> for CodecError {
    fn from(e: DecodeError) -> Self {
        CodecError::Decode(e)
    }
}

impl From<EncodeError> for CodecError {
    fn from(e: EncodeError) -> Self {
        CodecError::Encode(e)
    }
}

/// A kio-core [`Sink`] that appends to a `BytesMut`.
#[derive(Debug)]
pub struct BytesMutSink<'b>(pub &'b mut BytesMut);

impl Sink for BytesMutSink<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        self.0.put_slice(bytes);
        Ok(())
    }
}

/// One frame's bytes, without the size prefix.
///
/// Decoding borrows from it: [`Frame::decode_request`] and
/// [`Frame::decode_response`] return views into these bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Frame(pub Bytes);

impl Frame {
    /// The frame's bytes (without the size prefix).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The frame's length (without the size prefix).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for an empty frame.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Reads a request frame's API key, version and correlation id.
    pub fn peek_request(&self) -> Result<RequestPrefix, DecodeError> {
        frame::peek_request(&self.0)
    }

    /// Reads a response frame's correlation id (its first four bytes).
    pub fn peek_correlation_id(&self) -> Result<i32, DecodeError> {
        kio_core::Reader::new(&self.0).i32()
    }

    /// Decodes a request frame: the header, and the body it names.
    pub fn decode_request(&self) -> Result<(RequestHeader<'_>, RequestBody<'_>), DecodeError> {
        frame::decode_request(&self.0)
    }

    /// Decodes a response frame to a request of `api` at `version`.
    pub fn decode_response(
        &self,
        api: ApiKey,
        version: i16,
    ) -> Result<(ResponseHeader<'_>, ResponseBody<'_>), DecodeError> {
        frame::decode_response(&self.0, api, version)
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Frame({} bytes)", self.0.len())
    }
}

impl AsRef<[u8]> for Frame {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Bytes> for Frame {
    fn from(b: Bytes) -> Self {
        Frame(b)
    }
}

impl From<Vec<u8>> for Frame {
    fn from(b: Vec<u8>) -> Self {
        Frame(Bytes::from(b))
    }
}

/// Length-delimited Kafka frames: decodes [`Frame`]s, encodes a [`Frame`]
/// (or any bytes) by writing its size in front.
#[derive(Debug, Clone, Copy)]
pub struct FrameCodec {
    max_frame_size: usize,
}

impl Default for FrameCodec {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameCodec {
    /// A codec accepting frames up to [`DEFAULT_MAX_FRAME_SIZE`].
    pub fn new() -> Self {
        Self::with_max_frame_size(DEFAULT_MAX_FRAME_SIZE)
    }

    /// A codec accepting frames up to `max` bytes (without the size prefix).
    pub fn with_max_frame_size(max: usize) -> Self {
        FrameCodec {
            max_frame_size: max,
        }
    }

    /// The largest frame accepted.
    pub fn max_frame_size(&self) -> usize {
        self.max_frame_size
    }
}

impl Decoder for FrameCodec {
    type Item = Frame;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, CodecError> {
        let Some(prefix) = src.get(..4) else {
            src.reserve(4 - src.len());
            return Ok(None);
        };
        let raw = i32::from_be_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]);
        let size = usize::try_from(raw).map_err(|_| CodecError::NegativeSize(raw))?;
        if size > self.max_frame_size {
            return Err(CodecError::FrameTooLarge {
                size,
                max: self.max_frame_size,
            });
        }
        if src.len() < 4 + size {
            src.reserve(4 + size - src.len());
            return Ok(None);
        }
        src.advance(4);
        Ok(Some(Frame(src.split_to(size).freeze())))
    }
}

impl Encoder<Frame> for FrameCodec {
    type Error = CodecError;

    fn encode(&mut self, item: Frame, dst: &mut BytesMut) -> Result<(), CodecError> {
        self.encode(item.0, dst)
    }
}

impl Encoder<Bytes> for FrameCodec {
    type Error = CodecError;

    fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> Result<(), CodecError> {
        if item.len() > self.max_frame_size || i32::try_from(item.len()).is_err() {
            return Err(CodecError::FrameTooLarge {
                size: item.len(),
                max: self.max_frame_size,
            });
        }
        dst.reserve(4 + item.len());
        dst.put_i32(item.len() as i32);
        dst.put_slice(&item);
        Ok(())
    }
}

/// A request frame as the server side reads it: the bytes, and the API key,
/// version and correlation id already peeked from the header.
#[derive(Debug, Clone)]
pub struct RequestFrame {
    /// The frame.
    pub frame: Frame,
    /// The header's API key, version and correlation id.
    pub prefix: RequestPrefix,
}

impl RequestFrame {
    /// The API, if kio knows the key.
    pub fn api_key(&self) -> Option<ApiKey> {
        ApiKey::from_i16(self.prefix.api_key)
    }

    /// The API version.
    pub fn api_version(&self) -> i16 {
        self.prefix.api_version
    }

    /// The correlation id.
    pub fn correlation_id(&self) -> i32 {
        self.prefix.correlation_id
    }

    /// Decodes the header and body, borrowing from the frame.
    pub fn decode(&self) -> Result<(RequestHeader<'_>, RequestBody<'_>), DecodeError> {
        self.frame.decode_request()
    }

    /// Decodes the header and body into owned values that outlive the frame.
    pub fn decode_owned(
        &self,
    ) -> Result<(RequestHeader<'static>, RequestBody<'static>), DecodeError> {
        let (h, b) = self.decode()?;
        Ok((kio_core::IntoOwned::into_owned(h), b.into_owned()))
    }
}

/// A response to write: the API and version of the request it answers, the
/// request's correlation id, and the body.
#[derive(Debug, Clone)]
pub struct OutgoingResponse<B> {
    /// The API of the request.
    pub api_key: ApiKey,
    /// The version of the request (the response is encoded at it).
    pub api_version: i16,
    /// The request's correlation id.
    pub correlation_id: i32,
    /// The body: a response message or a [`ResponseBody`].
    pub body: B,
}

impl<B> OutgoingResponse<B> {
    /// A response to the request `prefix` describes.
    ///
    /// Returns `None` when the request's API key is not one kio knows.
    pub fn to(prefix: RequestPrefix, body: B) -> Option<Self> {
        Some(OutgoingResponse {
            api_key: ApiKey::from_i16(prefix.api_key)?,
            api_version: prefix.api_version,
            correlation_id: prefix.correlation_id,
            body,
        })
    }
}

fn put_frame(
    dst: &mut BytesMut,
    max: usize,
    encode: impl FnOnce(&mut BytesMutSink<'_>) -> Result<usize, EncodeError>,
) -> Result<(), CodecError> {
    let start = dst.len();
    match encode(&mut BytesMutSink(dst)) {
        Ok(n) if n - 4 > max => {
            dst.truncate(start);
            Err(CodecError::FrameTooLarge { size: n - 4, max })
        }
        Ok(_) => Ok(()),
        Err(e) => {
            dst.truncate(start);
            Err(CodecError::Encode(e))
        }
    }
}

/// The server side: decodes [`RequestFrame`]s and encodes
/// [`OutgoingResponse`]s (response header version chosen from the API and
/// version; ApiVersions responses always use header v0).
#[derive(Debug, Clone, Copy, Default)]
pub struct ServerCodec {
    frames: FrameCodec,
}

impl ServerCodec {
    /// A codec accepting frames up to [`DEFAULT_MAX_FRAME_SIZE`].
    pub fn new() -> Self {
        Self::default()
    }

    /// A codec accepting frames up to `max` bytes.
    pub fn with_max_frame_size(max: usize) -> Self {
        ServerCodec {
            frames: FrameCodec::with_max_frame_size(max),
        }
    }
}

impl Decoder for ServerCodec {
    type Item = RequestFrame;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<RequestFrame>, CodecError> {
        let Some(frame) = self.frames.decode(src)? else {
            return Ok(None);
        };
        let prefix = frame.peek_request()?;
        Ok(Some(RequestFrame { frame, prefix }))
    }
}

impl<B: Body> Encoder<OutgoingResponse<B>> for ServerCodec {
    type Error = CodecError;

    fn encode(&mut self, item: OutgoingResponse<B>, dst: &mut BytesMut) -> Result<(), CodecError> {
        let header = ResponseHeader {
            correlation_id: item.correlation_id,
            ..Default::default()
        };
        put_frame(dst, self.frames.max_frame_size, |s| {
            frame::encode_response_frame(s, item.api_key, item.api_version, &header, &item.body)
        })
    }
}

/// A request to write: the header (naming API, version and correlation id)
/// and the body.
#[derive(Debug, Clone)]
pub struct OutgoingRequest<'h, B> {
    /// The request header.
    pub header: RequestHeader<'h>,
    /// The body: a request message or a [`RequestBody`].
    pub body: B,
}

impl<'h, B> OutgoingRequest<'h, B> {
    /// A request with this header and body.
    pub fn new(header: RequestHeader<'h>, body: B) -> Self {
        OutgoingRequest { header, body }
    }
}

/// A response frame as the client side reads it: the bytes, the peeked
/// correlation id, and (when the [`ClientCodec`] sent the request) the API
/// and version it answers.
#[derive(Debug, Clone)]
pub struct ResponseFrame {
    /// The frame.
    pub frame: Frame,
    /// The correlation id.
    pub correlation_id: i32,
    /// The API and version of the request, when known.
    pub request: Option<(ApiKey, i16)>,
}

impl ResponseFrame {
    /// Decodes the header and body, borrowing from the frame. Needs the API
    /// and version of the request: `None` if the codec did not send it.
    pub fn decode(&self) -> Option<Result<(ResponseHeader<'_>, ResponseBody<'_>), DecodeError>> {
        let (api, version) = self.request?;
        Some(self.frame.decode_response(api, version))
    }
}

/// The client side: encodes [`OutgoingRequest`]s and decodes
/// [`ResponseFrame`]s. The codec remembers the API and version of every
/// request it encodes until the response with that correlation id arrives,
/// so [`ResponseFrame::decode`] needs no help (keep one codec for both
/// directions, e.g. one `Framed`).
#[derive(Debug, Clone, Default)]
pub struct ClientCodec {
    frames: FrameCodec,
    in_flight: HashMap<i32, (ApiKey, i16)>,
}

impl ClientCodec {
    /// A codec accepting frames up to [`DEFAULT_MAX_FRAME_SIZE`].
    pub fn new() -> Self {
        Self::default()
    }

    /// A codec accepting frames up to `max` bytes.
    pub fn with_max_frame_size(max: usize) -> Self {
        ClientCodec {
            frames: FrameCodec::with_max_frame_size(max),
            in_flight: HashMap::new(),
        }
    }

    /// Forgets a request that will get no response (Produce with `acks=0`).
    pub fn forget(&mut self, correlation_id: i32) {
        self.in_flight.remove(&correlation_id);
    }

    /// Requests encoded and not yet answered.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }
}

impl Decoder for ClientCodec {
    type Item = ResponseFrame;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<ResponseFrame>, CodecError> {
        let Some(frame) = self.frames.decode(src)? else {
            return Ok(None);
        };
        let correlation_id = frame.peek_correlation_id()?;
        let request = self.in_flight.remove(&correlation_id);
        Ok(Some(ResponseFrame {
            frame,
            correlation_id,
            request,
        }))
    }
}

impl<B: Body> Encoder<OutgoingRequest<'_, B>> for ClientCodec {
    type Error = CodecError;

    fn encode(
        &mut self,
        item: OutgoingRequest<'_, B>,
        dst: &mut BytesMut,
    ) -> Result<(), CodecError> {
        put_frame(dst, self.frames.max_frame_size, |s| {
            frame::encode_request_frame(s, &item.header, &item.body)
        })?;
        if let Some(api) = ApiKey::from_i16(item.header.request_api_key) {
            self.in_flight.insert(
                item.header.correlation_id,
                (api, item.header.request_api_version),
            );
        }
        Ok(())
    }
}
