//! Bridges from `std::io` and tokio streams to kio-core's `embedded-io` frame
//! functions.
//!
//! kio-core reads and writes frames over [`embedded_io`] /
//! [`embedded_io_async`] streams. This module puts a `std::io::{Read, Write}`
//! or a tokio `AsyncRead`/`AsyncWrite` behind those traits with
//! [`embedded_io_adapters`] ([`FromStd`], [`FromTokio`]) and adds the
//! conveniences a server or a tool wants: frames read into a `Vec<u8>` of
//! exactly the frame's size, bounded by a maximum.
//!
//! ```
//! use kio_std::io::{read_frame_std, write_request_std};
//! use kio_std::kio_core::frame::decode_request;
//! use kio_std::kio_core::messages::{MetadataRequest, RequestHeader};
//! use kio_std::kio_core::ApiKey;
//!
//! let header = RequestHeader {
//!     request_api_key: ApiKey::Metadata.key(),
//!     request_api_version: 12,
//!     correlation_id: 7,
//!     ..Default::default()
//! };
//! let mut wire = Vec::new();
//! write_request_std(&mut wire, &header, &MetadataRequest::default()).unwrap();
//!
//! let frame = read_frame_std(&mut &wire[..], 1 << 20).unwrap();
//! let (h, _body) = decode_request(&frame).unwrap();
//! assert_eq!(h.correlation_id, 7);
//! ```

use std::future::Future;
use std::io;

use kio_core::frame::{self, Body, FrameError};
use kio_core::messages::{RequestHeader, ResponseHeader};
use kio_core::{ApiKey, EncodeError};
use tokio::io::{AsyncRead, AsyncWrite};

pub use embedded_io_adapters::std::FromStd;
pub use embedded_io_adapters::tokio_1::FromTokio;

/// A frame error over a `std::io` or tokio stream.
pub type IoFrameError = FrameError<io::Error>;

/// The largest frame the convenience readers accept unless told otherwise
/// (100 MiB, as Kafka's `socket.request.max.bytes` default).
pub const DEFAULT_MAX_FRAME_SIZE: usize = 100 * 1024 * 1024;

/// Reads one frame (without its size prefix) into `buf` through kio-core's
/// [`frame::read_frame`]; the returned slice borrows from `buf`.
///
/// A frame larger than `buf` is skipped and reported as
/// [`FrameError::TooLarge`].
pub fn read_frame_into_std<'b, R: io::Read>(
    r: &mut R,
    buf: &'b mut [u8],
) -> Result<&'b [u8], IoFrameError> {
    frame::read_frame(&mut FromStd::new(r), buf)
}

/// Reads one frame (without its size prefix) into a `Vec` of exactly the
/// frame's size.
///
/// A negative size is [`FrameError::InvalidSize`]; a frame larger than
/// `max_frame_size` is read and discarded (so the stream stays at the next
/// frame) and reported as [`FrameError::TooLarge`]; a clean end of stream
/// before the frame is [`FrameError::Closed`]; an end inside it is
/// [`FrameError::UnexpectedEof`].
pub fn read_frame_std<R: io::Read>(
    r: &mut R,
    max_frame_size: usize,
) -> Result<Vec<u8>, IoFrameError> {
    use embedded_io::Read as _;
    let mut r = FromStd::new(r);
    let mut prefix = [0u8; 4];
    match fill(&mut prefix, |b| r.read(b))? {
        0 => return Err(FrameError::Closed),
        4 => {}
        n => return Err(FrameError::UnexpectedEof { missing: 4 - n }),
    }
    let size = check_size(prefix)?;
    if size > max_frame_size {
        let mut left = size;
        let mut tmp = [0u8; 8192];
        while left > 0 {
            let want = left.min(tmp.len());
            match r.read(&mut tmp[..want]).map_err(FrameError::Io)? {
                0 => return Err(FrameError::UnexpectedEof { missing: left }),
                n => left -= n,
            }
        }
        return Err(FrameError::TooLarge {
            size,
            capacity: max_frame_size,
        });
    }
    let mut buf = vec![0u8; size];
    let n = fill(&mut buf, |b| r.read(b))?;
    if n < size {
        return Err(FrameError::UnexpectedEof { missing: size - n });
    }
    Ok(buf)
}

/// The async twin of [`read_frame_into_std`], over a tokio reader.
pub async fn read_frame_into_tokio<'b, R: AsyncRead + Unpin>(
    r: &mut R,
    buf: &'b mut [u8],
) -> Result<&'b [u8], IoFrameError> {
    frame::read_frame_async(&mut FromTokio::new(r), buf).await
}

/// The async twin of [`read_frame_std`], over a tokio reader.
pub async fn read_frame_tokio<R: AsyncRead + Unpin>(
    r: &mut R,
    max_frame_size: usize,
) -> Result<Vec<u8>, IoFrameError> {
    use embedded_io_async::Read as _;
    let mut r = FromTokio::new(r);
    let mut prefix = [0u8; 4];
    let mut filled = 0;
    while filled < 4 {
        match r
            .read(&mut prefix[filled..])
            .await
            .map_err(FrameError::Io)?
        {
            0 if filled == 0 => return Err(FrameError::Closed),
            0 => {
                return Err(FrameError::UnexpectedEof {
                    missing: 4 - filled,
                })
            }
            n => filled += n,
        }
    }
    let size = check_size(prefix)?;
    if size > max_frame_size {
        let mut left = size;
        let mut tmp = [0u8; 8192];
        while left > 0 {
            let want = left.min(tmp.len());
            match r.read(&mut tmp[..want]).await.map_err(FrameError::Io)? {
                0 => return Err(FrameError::UnexpectedEof { missing: left }),
                n => left -= n,
            }
        }
        return Err(FrameError::TooLarge {
            size,
            capacity: max_frame_size,
        });
    }
    let mut buf = vec![0u8; size];
    let mut filled = 0;
    while filled < size {
        match r.read(&mut buf[filled..]).await.map_err(FrameError::Io)? {
            0 => {
                return Err(FrameError::UnexpectedEof {
                    missing: size - filled,
                })
            }
            n => filled += n,
        }
    }
    Ok(buf)
}

/// Writes a request frame to a blocking writer through kio-core's
/// [`frame::write_request_frame`] (no intermediate buffer; wrap a socket in a
/// `std::io::BufWriter` to avoid many small writes). Flushes; returns the
/// bytes written.
pub fn write_request_std<W: io::Write>(
    w: &mut W,
    header: &RequestHeader<'_>,
    body: &dyn Body,
) -> Result<usize, EncodeError> {
    frame::write_request_frame(&mut FromStd::new(w), header, body)
}

/// Writes a response frame for `version` of `api` to a blocking writer
/// through kio-core's [`frame::write_response_frame`]. Flushes; returns the
/// bytes written.
pub fn write_response_std<W: io::Write>(
    w: &mut W,
    api: ApiKey,
    version: i16,
    header: &ResponseHeader<'_>,
    body: &dyn Body,
) -> Result<usize, EncodeError> {
    frame::write_response_frame(&mut FromStd::new(w), api, version, header, body)
}

/// Writes a request frame to a tokio writer through kio-core's
/// [`frame::write_request_frame_async`], encoding it window by window through
/// `scratch` (a buffer of any size; one at least as large as the frame
/// makes a single pass). Flushes; returns the bytes written. The future
/// holds `body` across awaits, so it is not `Send`; use
/// [`write_request_tokio`] in spawned tasks.
pub async fn write_request_tokio_with<W: AsyncWrite + Unpin>(
    w: &mut W,
    header: &RequestHeader<'_>,
    body: &dyn Body,
    scratch: &mut [u8],
) -> Result<usize, EncodeError> {
    frame::write_request_frame_async(&mut FromTokio::new(w), header, body, scratch).await
}

/// Writes a response frame to a tokio writer through kio-core's
/// [`frame::write_response_frame_async`] and a `scratch` buffer (see
/// [`write_request_tokio_with`]).
pub async fn write_response_tokio_with<W: AsyncWrite + Unpin>(
    w: &mut W,
    api: ApiKey,
    version: i16,
    header: &ResponseHeader<'_>,
    body: &dyn Body,
    scratch: &mut [u8],
) -> Result<usize, EncodeError> {
    frame::write_response_frame_async(&mut FromTokio::new(w), api, version, header, body, scratch)
        .await
}

/// Writes a request frame to a tokio writer: encodes it into one `Vec` of the
/// frame's exact size, then writes it in one go. Flushes; returns the bytes
/// written.
///
/// The frame is encoded before this returns, so the future borrows only the
/// writer (and is `Send` when the writer is).
pub fn write_request_tokio<'w, W: AsyncWrite + Unpin>(
    w: &'w mut W,
    header: &RequestHeader<'_>,
    body: &dyn Body,
) -> impl Future<Output = Result<usize, EncodeError>> + 'w {
    let mut buf = Vec::new();
    let encoded = frame::encode_request_frame(&mut buf, header, body);
    async move {
        encoded?;
        write_all_tokio(w, &buf).await
    }
}

/// Writes a response frame for `version` of `api` to a tokio writer, encoded
/// into one `Vec` first. Flushes; returns the bytes written.
/// Like [`write_request_tokio`], the future borrows only the writer.
pub fn write_response_tokio<'w, W: AsyncWrite + Unpin>(
    w: &'w mut W,
    api: ApiKey,
    version: i16,
    header: &ResponseHeader<'_>,
    body: &dyn Body,
) -> impl Future<Output = Result<usize, EncodeError>> + 'w {
    let mut buf = Vec::new();
    let encoded = frame::encode_response_frame(&mut buf, api, version, header, body);
    async move {
        encoded?;
        write_all_tokio(w, &buf).await
    }
}

async fn write_all_tokio<W: AsyncWrite + Unpin>(
    w: &mut W,
    buf: &[u8],
) -> Result<usize, EncodeError> {
    use embedded_io_async::Write as _;
    let mut w = FromTokio::new(w);
    let io = |e: io::Error| {
        EncodeError::new(kio_core::EncodeErrorKind::Io(embedded_io::Error::kind(&e)))
    };
    w.write_all(buf).await.map_err(io)?;
    w.flush().await.map_err(io)?;
    Ok(buf.len())
}

fn check_size(prefix: [u8; 4]) -> Result<usize, IoFrameError> {
    let size = i32::from_be_bytes(prefix);
    usize::try_from(size).map_err(|_| FrameError::InvalidSize(size))
}

/// Reads until `buf` is full or the stream ends; returns the bytes read.
fn fill(
    buf: &mut [u8],
    mut read: impl FnMut(&mut [u8]) -> io::Result<usize>,
) -> Result<usize, IoFrameError> {
    let mut filled = 0;
    while filled < buf.len() {
        match read(&mut buf[filled..]).map_err(FrameError::Io)? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}
