//! Reading one size-prefixed frame with a bounded buffer.

use tokio::io::{AsyncRead, AsyncReadExt};

/// What [`read_frame`] found.
#[derive(Debug)]
pub enum Read {
    /// A whole frame, size prefix included.
    Frame(Vec<u8>),
    /// The stream ended cleanly between frames.
    End,
    /// A size prefix that is negative or larger than the bound.
    Oversized([u8; 4]),
}

/// Reads one frame (size prefix included) of at most `max` bytes after the
/// prefix. Memory grows with the bytes that arrive, not with what the
/// prefix claims: a peer sending only a prefix costs nothing, and at most
/// `4 + max` bytes are ever held.
pub async fn read_frame<R: AsyncRead + Unpin>(r: &mut R, max: usize) -> std::io::Result<Read> {
    let mut prefix = [0u8; 4];
    if r.read(&mut prefix[..1]).await? == 0 {
        return Ok(Read::End);
    }
    r.read_exact(&mut prefix[1..]).await?;
    let size = i32::from_be_bytes(prefix);
    let Some(size) = usize::try_from(size).ok().filter(|s| *s <= max) else {
        return Ok(Read::Oversized(prefix));
    };
    let mut buf = Vec::with_capacity(4 + size.min(64 << 10));
    buf.extend_from_slice(&prefix);
    (&mut *r).take(size as u64).read_to_end(&mut buf).await?;
    if buf.len() != 4 + size {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(Read::Frame(buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bounded_and_exact() {
        let mut ok: &[u8] = &[0, 0, 0, 2, 7, 8, 0, 0];
        assert!(
            matches!(read_frame(&mut ok, 2).await, Ok(Read::Frame(f)) if f == [0, 0, 0, 2, 7, 8])
        );
        let mut big: &[u8] = &[0, 0, 0, 3, 1, 2, 3];
        assert!(matches!(
            read_frame(&mut big, 2).await,
            Ok(Read::Oversized(_))
        ));
        let mut neg: &[u8] = &[0xff, 0xff, 0xff, 0xff];
        assert!(matches!(
            read_frame(&mut neg, 2).await,
            Ok(Read::Oversized(_))
        ));
        let mut short: &[u8] = &[0, 0, 0, 9, 1];
        assert!(read_frame(&mut short, 100).await.is_err());
        let mut empty: &[u8] = &[];
        assert!(matches!(read_frame(&mut empty, 2).await, Ok(Read::End)));
    }
}
