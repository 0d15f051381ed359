//! Frames: size-prefixed requests and responses, over `embedded-io` streams
//! (blocking and async) or in memory.
//!
//! A frame is a big-endian `int32` size, then the header, then the body. The
//! header version follows from the API and version ([`ApiKey::request_header_version`],
//! [`ApiKey::response_header_version`]).
//!
//! Writing needs no intermediate buffer: the size is computed first from the
//! encoded lengths and the bytes go straight to the writer. Reading puts one
//! frame into a buffer the caller supplies; decoding then borrows from it.

use core::fmt;

use crate::codec::Message;
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::generated::{ApiKey, RequestBody, ResponseBody};
use crate::messages::{RequestHeader, ResponseHeader};
use crate::wire::{CountingSink, IoSink, Reader, Sink, WindowSink};

mod typed;
pub use typed::{
    request_header_version_of, response_header_version_of, write_message_frame,
    write_message_frame_async,
};

/// A message body that can be encoded at a version: any message type, or
/// the dispatch enums [`RequestBody`] and [`ResponseBody`].
pub trait Body {
    /// Encodes the body at `version`.
    fn encode_body(&self, w: &mut dyn Sink, version: i16) -> Result<(), EncodeError>;
}

impl<'a, M: Message<'a>> Body for M {
    fn encode_body(&self, w: &mut dyn Sink, version: i16) -> Result<(), EncodeError> {
        self.encode(w, version)
    }
}

impl Body for RequestBody<'_> {
    fn encode_body(&self, w: &mut dyn Sink, version: i16) -> Result<(), EncodeError> {
        self.encode(w, version)
    }
}

impl Body for ResponseBody<'_> {
    fn encode_body(&self, w: &mut dyn Sink, version: i16) -> Result<(), EncodeError> {
        self.encode(w, version)
    }
}

/// What went wrong reading or writing a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError<E> {
    /// The stream failed.
    Io(E),
    /// The stream ended cleanly before a new frame began.
    Closed,
    /// The stream ended inside a frame.
    UnexpectedEof {
        /// Bytes the frame still needed.
        missing: usize,
    },
    /// The size prefix was negative.
    InvalidSize(i32),
    /// The frame did not fit the caller's buffer. It was read and discarded,
    /// so the stream is positioned at the next frame.
    TooLarge {
        /// The frame's size.
        size: usize,
        /// The buffer's size.
        capacity: usize,
    },
    /// The frame could not be encoded.
    Encode(EncodeError),
}

impl<E: fmt::Debug> fmt::Display for FrameError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Io(e) => write!(f, "stream error: {e:?}"),
            FrameError::Closed => f.write_str("stream closed"),
            FrameError::UnexpectedEof { missing } => {
                write!(f, "stream ended {missing} bytes before the frame's end")
            }
            FrameError::InvalidSize(n) => write!(f, "invalid frame size {n}"),
            FrameError::TooLarge { size, capacity } => {
                write!(
                    f,
                    "frame of {size} bytes does not fit the {capacity}-byte buffer (skipped)"
                )
            }
            FrameError::Encode(e) => write!(f, "{e}"),
        }
    }
}

impl<E: fmt::Debug> core::error::Error for FrameError<E> {}

impl<E> From<EncodeError> for FrameError<E> {
    fn from(e: EncodeError) -> Self {
        FrameError::Encode(e)
    }
}

fn unknown_key(key: i16) -> EncodeError {
    EncodeError::new(crate::error::EncodeErrorKind::UnsupportedVersion(key))
        .in_field("RequestHeader.RequestApiKey")
}

/// The API and header version named by a request header.
fn request_layout(header: &RequestHeader<'_>) -> Result<(i16, i16), EncodeError> {
    let key = ApiKey::from_i16(header.request_api_key)
        .ok_or_else(|| unknown_key(header.request_api_key))?;
    let version = header.request_api_version;
    Ok((version, key.request_header_version(version)))
}

/// Encodes a whole request frame (size, header, body) into `w`. The API and
/// version come from `header`. Returns the bytes written.
pub fn encode_request_frame(
    w: &mut dyn Sink,
    header: &RequestHeader<'_>,
    body: &dyn Body,
) -> Result<usize, EncodeError> {
    let (version, hv) = request_layout(header)?;
    encode_frame(w, &|w| header.encode(w, hv), &|w| {
        body.encode_body(w, version)
    })
}

/// Encodes a whole response frame (size, header, body) for `version` of `api`.
/// Returns the bytes written.
pub fn encode_response_frame(
    w: &mut dyn Sink,
    api: ApiKey,
    version: i16,
    header: &ResponseHeader<'_>,
    body: &dyn Body,
) -> Result<usize, EncodeError> {
    let hv = api.response_header_version(version);
    encode_frame(w, &|w| header.encode(w, hv), &|w| {
        body.encode_body(w, version)
    })
}

type Part<'p> = &'p dyn Fn(&mut dyn Sink) -> Result<(), EncodeError>;

fn encode_frame(w: &mut dyn Sink, header: Part<'_>, body: Part<'_>) -> Result<usize, EncodeError> {
    let mut count = CountingSink::default();
    header(&mut count)?;
    body(&mut count)?;
    let size = i32::try_from(count.count)
        .map_err(|_| EncodeError::new(crate::error::EncodeErrorKind::TooLong(count.count)))?;
    w.put(&size.to_be_bytes())?;
    header(w)?;
    body(w)?;
    Ok(count.count + 4)
}

/// Writes a request frame straight into a blocking writer (no intermediate buffer).
pub fn write_request_frame<W: embedded_io::Write>(
    w: &mut W,
    header: &RequestHeader<'_>,
    body: &dyn Body,
) -> Result<usize, EncodeError> {
    let n = encode_request_frame(&mut IoSink(w), header, body)?;
    flush(w)?;
    Ok(n)
}

/// Writes a response frame straight into a blocking writer.
pub fn write_response_frame<W: embedded_io::Write>(
    w: &mut W,
    api: ApiKey,
    version: i16,
    header: &ResponseHeader<'_>,
    body: &dyn Body,
) -> Result<usize, EncodeError> {
    let n = encode_response_frame(&mut IoSink(w), api, version, header, body)?;
    flush(w)?;
    Ok(n)
}

fn flush<W: embedded_io::Write>(w: &mut W) -> Result<(), EncodeError> {
    use embedded_io::Error as _;
    w.flush()
        .map_err(|e| EncodeError::new(crate::error::EncodeErrorKind::Io(e.kind())))
}

fn io_error<E: embedded_io::Error>(e: E) -> EncodeError {
    EncodeError::new(crate::error::EncodeErrorKind::Io(e.kind()))
}

/// Writes a frame to an async writer through `scratch`, a buffer of any size
/// (larger means fewer passes): the frame is encoded window by window, so no
/// buffer of the whole frame is needed.
async fn write_windows<W: embedded_io_async::Write>(
    w: &mut W,
    scratch: &mut [u8],
    encode: &dyn Fn(&mut dyn Sink) -> Result<usize, EncodeError>,
) -> Result<usize, EncodeError> {
    if scratch.is_empty() {
        return Err(EncodeError::new(crate::error::EncodeErrorKind::BufferFull));
    }
    let total = encode(&mut CountingSink::default())?;
    let mut sent = 0;
    while sent < total {
        let mut window = WindowSink::new(scratch, sent);
        encode(&mut window)?;
        let n = window.filled();
        let chunk = scratch.get(..n).unwrap_or_default();
        w.write_all(chunk).await.map_err(io_error)?;
        sent += n.max(1);
    }
    w.flush().await.map_err(io_error)?;
    Ok(total)
}

/// Writes a request frame to an async writer, through a scratch buffer of any size.
pub async fn write_request_frame_async<W: embedded_io_async::Write>(
    w: &mut W,
    header: &RequestHeader<'_>,
    body: &dyn Body,
    scratch: &mut [u8],
) -> Result<usize, EncodeError> {
    write_windows(w, scratch, &|s| encode_request_frame(s, header, body)).await
}

/// Writes a response frame to an async writer, through a scratch buffer of any size.
pub async fn write_response_frame_async<W: embedded_io_async::Write>(
    w: &mut W,
    api: ApiKey,
    version: i16,
    header: &ResponseHeader<'_>,
    body: &dyn Body,
    scratch: &mut [u8],
) -> Result<usize, EncodeError> {
    write_windows(w, scratch, &|s| {
        encode_response_frame(s, api, version, header, body)
    })
    .await
}

fn check_size<E>(prefix: [u8; 4]) -> Result<usize, FrameError<E>> {
    let size = i32::from_be_bytes(prefix);
    usize::try_from(size).map_err(|_| FrameError::InvalidSize(size))
}

/// The frame size from a size prefix of which `got` bytes arrived.
fn prefix_size<E>(got: usize, prefix: [u8; 4]) -> Result<usize, FrameError<E>> {
    match got {
        0 => Err(FrameError::Closed),
        4 => check_size(prefix),
        n => Err(FrameError::UnexpectedEof { missing: 4 - n }),
    }
}

/// Fails when a read of `want` bytes got only `got`; `left` bytes of the
/// frame were then still missing.
fn check_read<E>(want: usize, got: usize, left: usize) -> Result<(), FrameError<E>> {
    if got < want {
        Err(FrameError::UnexpectedEof { missing: left })
    } else {
        Ok(())
    }
}

/// Where the next piece of a frame being discarded is read: the caller's
/// buffer, or a small scratch array when that buffer is empty.
fn discard_window<'s>(buf: &'s mut [u8], tmp: &'s mut [u8; 64], left: usize) -> &'s mut [u8] {
    if buf.is_empty() {
        tmp.get_mut(..left.min(64)).unwrap_or_default()
    } else {
        let n = left.min(buf.len());
        buf.get_mut(..n).unwrap_or_default()
    }
}

/// Reads one frame (without its size prefix) into `buf` and returns it.
///
/// A frame larger than `buf` is read and discarded and
/// [`FrameError::TooLarge`] reports its size: the stream stays at the next frame.
pub fn read_frame<'b, R: embedded_io::Read>(
    r: &mut R,
    buf: &'b mut [u8],
) -> Result<&'b [u8], FrameError<R::Error>> {
    let mut prefix = [0u8; 4];
    let size = prefix_size(read_full(r, &mut prefix)?, prefix)?;
    let capacity = buf.len();
    if size <= capacity {
        let n = read_full(r, buf.get_mut(..size).unwrap_or_default())?;
        check_read(size, n, size - n)?;
        return Ok(buf.get(..size).unwrap_or_default());
    }
    let (mut left, mut tmp) = (size, [0u8; 64]);
    while left > 0 {
        let dst = discard_window(buf, &mut tmp, left);
        let want = dst.len();
        let n = read_full(r, dst)?;
        left -= n;
        check_read(want, n, left)?;
    }
    Err(FrameError::TooLarge { size, capacity })
}

fn read_full<R: embedded_io::Read>(
    r: &mut R,
    buf: &mut [u8],
) -> Result<usize, FrameError<R::Error>> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|b| !b.is_empty()) {
        match r.read(rest).map_err(FrameError::Io)? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// The async twin of [`read_frame`].
pub async fn read_frame_async<'b, R: embedded_io_async::Read>(
    r: &mut R,
    buf: &'b mut [u8],
) -> Result<&'b [u8], FrameError<R::Error>> {
    let mut prefix = [0u8; 4];
    let size = prefix_size(read_full_async(r, &mut prefix).await?, prefix)?;
    let capacity = buf.len();
    if size <= capacity {
        let n = read_full_async(r, buf.get_mut(..size).unwrap_or_default()).await?;
        check_read(size, n, size - n)?;
        return Ok(buf.get(..size).unwrap_or_default());
    }
    let (mut left, mut tmp) = (size, [0u8; 64]);
    while left > 0 {
        let dst = discard_window(buf, &mut tmp, left);
        let want = dst.len();
        let n = read_full_async(r, dst).await?;
        left -= n;
        check_read(want, n, left)?;
    }
    Err(FrameError::TooLarge { size, capacity })
}

async fn read_full_async<R: embedded_io_async::Read>(
    r: &mut R,
    buf: &mut [u8],
) -> Result<usize, FrameError<R::Error>> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|b| !b.is_empty()) {
        match r.read(rest).await.map_err(FrameError::Io)? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// The first fields of a request header, readable from any request frame
/// whatever its API: key, version and correlation id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestPrefix {
    /// The API key (maybe one this crate does not know).
    pub api_key: i16,
    /// The API version.
    pub api_version: i16,
    /// The correlation id.
    pub correlation_id: i32,
}

/// Reads the API key, version and correlation id at the start of a request frame.
pub fn peek_request(frame: &[u8]) -> Result<RequestPrefix, DecodeError> {
    let mut r = Reader::new(frame);
    Ok(RequestPrefix {
        api_key: r.i16()?,
        api_version: r.i16()?,
        correlation_id: r.i32()?,
    })
}

/// Decodes a request frame (without its size prefix): the header names the
/// API and version, so no context is needed. Bytes after the message are an
/// error ([`DecodeErrorKind::TrailingBytes`]); a server that should accept
/// them as Kafka brokers do uses [`decode_request_lenient`].
pub fn decode_request(frame: &[u8]) -> Result<(RequestHeader<'_>, RequestBody<'_>), DecodeError> {
    let (header, body, rest) = decode_request_lenient(frame)?;
    if !rest.is_empty() {
        return Err(DecodeError::new(
            frame.len() - rest.len(),
            DecodeErrorKind::TrailingBytes(rest.len()),
        ));
    }
    Ok((header, body))
}

/// [`decode_request`] that returns the bytes after the message instead of
/// refusing them. Kafka brokers ignore such bytes, and some clients send them
/// (librdkafka 2.16's Metadata v12 request for all topics ends with
/// `01 00 00` after a complete message), so a server answers these requests.
///
/// ```
/// use kio_core::frame::decode_request_lenient;
/// // ApiVersions v0 (key 18), correlation id 7, client id null, then 2 stray bytes.
/// let frame = [0, 18, 0, 0, 0, 0, 0, 7, 0xff, 0xff, 0xab, 0xcd];
/// let (header, _body, rest) = decode_request_lenient(&frame).unwrap();
/// assert_eq!(header.correlation_id, 7);
/// assert_eq!(rest, [0xab, 0xcd]);
/// ```
pub fn decode_request_lenient(
    frame: &[u8],
) -> Result<(RequestHeader<'_>, RequestBody<'_>, &[u8]), DecodeError> {
    let prefix = peek_request(frame)?;
    let key = ApiKey::from_i16(prefix.api_key)
        .ok_or_else(|| DecodeError::new(0, DecodeErrorKind::UnknownApiKey(prefix.api_key)))?;
    if !key.valid_versions().contains(prefix.api_version) {
        return Err(
            DecodeError::new(2, DecodeErrorKind::UnsupportedVersion(prefix.api_version))
                .in_field("RequestHeader.RequestApiVersion"),
        );
    }
    let mut r = Reader::new(frame);
    let header =
        RequestHeader::decode_from(&mut r, key.request_header_version(prefix.api_version))?;
    let body = RequestBody::decode_from(key, prefix.api_version, &mut r)?;
    Ok((header, body, r.rest()))
}

/// Decodes a response frame (without its size prefix) to a request of `api`
/// at `version` (a response does not name its API: pair it by correlation id).
pub fn decode_response(
    frame: &[u8],
    api: ApiKey,
    version: i16,
) -> Result<(ResponseHeader<'_>, ResponseBody<'_>), DecodeError> {
    let mut r = Reader::new(frame);
    let header = ResponseHeader::decode_from(&mut r, api.response_header_version(version))?;
    let body = ResponseBody::decode_from(api, version, &mut r)?;
    r.finish()?;
    Ok((header, body))
}
