//! Request frames written straight to the stream, and the header versions,
//! from the one message's own schema.
//!
//! kio-core's `frame::write_request_frame` finds the header version from a
//! run-time API key, which links every message's schema table into the
//! binary (about 100 KiB of flash). Here the message type is known at
//! compile time, so only its schema's version ranges are read and the
//! linker keeps nothing else.

use embedded_io::Error as _;
use kio_core::messages::request_header::RequestHeader;
use kio_core::wire::{IoSink, WindowSink};
use kio_core::{ApiKey, EncodeError, Message, Sink};

use crate::error::Error;

/// The request header version for `version` of `M`: 2 if flexible, else 1.
pub fn request_header_version<'m, M: Message<'m>>(version: i16) -> i16 {
    if M::SCHEMA.flexible.contains(version) {
        2
    } else {
        1
    }
}

/// The response header version for `version` of response `M` to `api`:
/// 1 if flexible, else 0, and always 0 for ApiVersions.
pub fn response_header_version<'m, M: Message<'m>>(api: ApiKey, version: i16) -> i16 {
    if api != ApiKey::ApiVersions && M::SCHEMA.flexible.contains(version) {
        1
    } else {
        0
    }
}

/// The frame's size after its 4-byte prefix.
fn body_size<'m, M: Message<'m>>(
    header: &RequestHeader<'_>,
    body: &M,
    version: i16,
) -> Result<i32, Error> {
    let hv = request_header_version::<M>(version);
    let n = header.encoded_len(hv)? + body.encoded_len(version)?;
    i32::try_from(n)
        .map_err(|_| Error::Encode(EncodeError::new(kio_core::EncodeErrorKind::TooLong(n))))
}

fn encode_all<'m, M: Message<'m>>(
    w: &mut impl Sink,
    size: i32,
    header: &RequestHeader<'_>,
    body: &M,
    version: i16,
) -> Result<(), EncodeError> {
    w.put(&size.to_be_bytes())?;
    header.encode(w, request_header_version::<M>(version))?;
    body.encode(w, version)
}

/// Writes the request frame (size, header, body) to a blocking writer
/// with no intermediate buffer.
pub fn write<'m, W: embedded_io::Write, M: Message<'m>>(
    w: &mut W,
    header: &RequestHeader<'_>,
    body: &M,
    version: i16,
) -> Result<(), Error> {
    let size = body_size(header, body, version)?;
    encode_all(&mut IoSink(w), size, header, body, version)?;
    w.flush().map_err(|e| Error::Io(e.kind()))
}

/// Writes the request frame to an async writer through `scratch`: the
/// frame is encoded again for each `scratch`-sized window (one pass when
/// it fits), so no buffer of the whole frame is needed.
pub async fn write_async<'m, W: embedded_io_async::Write, M: Message<'m>>(
    w: &mut W,
    header: &RequestHeader<'_>,
    body: &M,
    version: i16,
    scratch: &mut [u8],
) -> Result<(), Error> {
    let size = body_size(header, body, version)?;
    let total = size as usize + 4;
    if scratch.is_empty() {
        return Err(Error::Encode(EncodeError::new(
            kio_core::EncodeErrorKind::BufferFull,
        )));
    }
    let mut sent = 0;
    while sent < total {
        let mut window = WindowSink::new(scratch, sent);
        encode_all(&mut window, size, header, body, version)?;
        let n = window.filled();
        w.write_all(scratch.get(..n).unwrap_or_default())
            .await
            .map_err(|e| Error::Io(e.kind()))?;
        sent += n.max(1);
    }
    w.flush().await.map_err(|e| Error::Io(e.kind()))
}
