//! [`Sink`]: where encoders write. Encoders are generic over the sink
//! (`S: Sink + ?Sized`): a `Vec<u8>`, a [`SliceSink`] or a [`CountingSink`]
//! gets its own inlined copy (no call per field), and `&mut dyn Sink` still
//! works where one copy must serve every destination (the frame layer).

use crate::error::{EncodeError, EncodeErrorKind};

/// A destination for encoded bytes.
pub trait Sink {
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]) -> Result<(), EncodeError>;

    /// For a sink that only counts ([`CountingSink`]): adds `n` bytes
    /// without being shown them and returns `true`. Every other sink returns
    /// `false` (the default) and is written to normally. Lets a fixed-size
    /// array be sized in O(1) by the same code that writes it.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn add_len(&mut self, n: usize) -> bool {
        let _ = n;
        false
    }

    /// The unwritten rest of the sink's own buffer, for a sink that has one
    /// ([`SliceSink`]); empty (the default) for every other sink. An encoder
    /// may write a run of fields there through a local cursor (kept in
    /// registers, one bounds check per field and no call) and then
    /// [`Sink::commit`] what it wrote; when the run does not fit it writes
    /// the run again through [`Sink::put`], which fails at the same byte.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn spare(&mut self) -> &mut [u8] {
        &mut []
    }

    /// Marks the first `n` bytes of [`Sink::spare`] as written. Only called
    /// with `n` at most the length `spare` returned; the default does nothing.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn commit(&mut self, n: usize) {
        let _ = n;
    }

    /// The `Vec` a growable sink appends to, so that
    /// [`crate::Message::encode`] can write through a zeroed stretch of it
    /// (see [`Sink::spare`]); `None` (the default) for every other sink.
    #[cfg(feature = "alloc")]
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn as_vec(&mut self) -> Option<&mut alloc::vec::Vec<u8>> {
        None
    }
}

/// Counts bytes without storing them; used for `encoded_len` and size prefixes.
#[derive(Debug, Default, Clone, Copy)]
pub struct CountingSink {
    /// Bytes counted so far.
    pub count: usize,
}

impl Sink for CountingSink {
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn put(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        self.count += bytes.len();
        Ok(())
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn add_len(&mut self, n: usize) -> bool {
        self.count += n;
        true
    }
}

/// Writes into a caller-supplied `&mut [u8]`; fails with
/// [`EncodeErrorKind::BufferFull`] when it is full.
#[derive(Debug)]
pub struct SliceSink<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> SliceSink<'b> {
    /// A sink writing from the start of `buf`.
    pub fn new(buf: &'b mut [u8]) -> Self {
        Self { buf, len: 0 }
    }
    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }
    /// True when nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The bytes written so far.
    pub fn written(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

impl Sink for SliceSink<'_> {
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn put(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        // `len <= buf.len()` and a slice is at most `isize::MAX` bytes, so
        // the sum cannot overflow.
        let end = self.len + bytes.len();
        match self.buf.get_mut(self.len..end) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.len = end;
                Ok(())
            }
            None => Err(buffer_full()),
        }
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn spare(&mut self) -> &mut [u8] {
        self.buf.get_mut(self.len..).unwrap_or_default()
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn commit(&mut self, n: usize) {
        self.len = (self.len + n).min(self.buf.len());
    }
}

#[cold]
#[inline(never)]
fn buffer_full() -> EncodeError {
    EncodeError::new(EncodeErrorKind::BufferFull)
}

#[cfg(feature = "alloc")]
impl Sink for alloc::vec::Vec<u8> {
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn put(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        self.extend_from_slice(bytes);
        Ok(())
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn as_vec(&mut self) -> Option<&mut alloc::vec::Vec<u8>> {
        Some(self)
    }
}

/// Writes straight into an [`embedded_io::Write`] (a socket, a UART, ...).
#[derive(Debug)]
pub struct IoSink<'w, W: embedded_io::Write>(pub &'w mut W);

impl<W: embedded_io::Write> Sink for IoSink<'_, W> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        use embedded_io::Error as _;
        self.0
            .write_all(bytes)
            .map_err(|e| EncodeError::new(EncodeErrorKind::Io(e.kind())))
    }
}

/// Keeps only the bytes at stream positions `skip..skip + buf.len()` of what
/// is written into it. Encoding the same value repeatedly with a moving window
/// streams a message of any size through a small fixed buffer (used by the
/// async frame writer, which cannot hand a `dyn Sink` an `.await`).
#[derive(Debug)]
pub struct WindowSink<'b> {
    buf: &'b mut [u8],
    skip: usize,
    pos: usize,
    filled: usize,
}

impl<'b> WindowSink<'b> {
    /// A window over stream positions `skip..skip + buf.len()`.
    pub fn new(buf: &'b mut [u8], skip: usize) -> Self {
        Self {
            buf,
            skip,
            pos: 0,
            filled: 0,
        }
    }
    /// How many bytes of the window were filled.
    pub fn filled(&self) -> usize {
        self.filled
    }
}

impl Sink for WindowSink<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        let start = self.pos;
        self.pos += bytes.len();
        let win_start = self.skip;
        let win_end = self.skip + self.buf.len();
        let lo = start.max(win_start);
        let hi = self.pos.min(win_end);
        if lo < hi {
            let src = bytes.get(lo - start..hi - start).unwrap_or_default();
            if let Some(dst) = self.buf.get_mut(lo - win_start..hi - win_start) {
                dst.copy_from_slice(src);
                self.filled = self.filled.max(hi - win_start);
            }
        }
        Ok(())
    }
}

/// Runs `f` on a fresh [`SliceSink`] over the rest of `w`, then counts what
/// it wrote as written to `w`. Generated encoders write a nested struct this
/// way from their local cursor, so that the cursor's address never escapes
/// (and its position stays in a register).
#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
pub fn nested(
    w: &mut SliceSink<'_>,
    f: impl FnOnce(&mut SliceSink<'_>) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    let mut sub = SliceSink::new(w.spare());
    let r = f(&mut sub);
    let n = sub.len();
    w.commit(n);
    r
}

/// Writes an unsigned varint.
#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
pub fn put_uvarint<S: Sink + ?Sized>(w: &mut S, mut v: u32) -> Result<(), EncodeError> {
    if v < 0x80 {
        return w.put(&[v as u8]);
    }
    let mut buf = [0u8; 5];
    let mut n = 0;
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if let Some(slot) = buf.get_mut(n) {
            *slot = if v == 0 { byte } else { byte | 0x80 };
        }
        n += 1;
        if v == 0 {
            break;
        }
    }
    w.put(buf.get(..n).unwrap_or_default())
}

/// Bytes an unsigned varint takes.
pub const fn uvarint_len(v: u32) -> usize {
    match v {
        0..=0x7f => 1,
        0x80..=0x3fff => 2,
        0x4000..=0x1f_ffff => 3,
        0x20_0000..=0xfff_ffff => 4,
        _ => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_sink_slices_the_stream() {
        let mut buf = [0u8; 3];
        let mut w = WindowSink::new(&mut buf, 2);
        w.put(&[0, 1, 2]).unwrap();
        w.put(&[3, 4, 5, 6]).unwrap();
        assert_eq!(w.filled(), 3);
        assert_eq!(buf, [2, 3, 4]);
    }

    #[test]
    fn slice_sink_reports_full() {
        let mut buf = [0u8; 2];
        let mut s = SliceSink::new(&mut buf);
        s.put(&[1]).unwrap();
        assert_eq!(
            s.put(&[2, 3]).unwrap_err().kind,
            EncodeErrorKind::BufferFull
        );
        assert_eq!(s.written(), &[1]);
    }

    #[test]
    fn varints() {
        let mut v = alloc_free_vec();
        for n in [0u32, 1, 127, 128, 16383, 16384, u32::MAX] {
            v.count = 0;
            put_uvarint(&mut v, n).unwrap();
            assert_eq!(v.count, uvarint_len(n));
        }
    }

    fn alloc_free_vec() -> CountingSink {
        CountingSink::default()
    }
}
