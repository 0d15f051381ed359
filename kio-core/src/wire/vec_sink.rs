//! [`VecWriter`]: how [`crate::Message::encode`] writes into a `Vec<u8>`.
//!
//! A `Vec` as a plain [`Sink`] checks its capacity and stores its length at
//! every field. `VecWriter` keeps a zeroed stretch past the written bytes
//! and hands it out as [`Sink::spare`], so that generated encoders write
//! runs of fields through a local cursor (one bounds check per run, as
//! into a caller's slice). The stretch grows by doubling, so it is zeroed
//! about once per byte written; what was not written is cut off at the end.

use super::sink::Sink;
use crate::error::{EncodeError, EncodeErrorKind};
use alloc::vec::Vec;

/// The zeroed stretch is grown when less than this is left, so that one
/// nested struct (most are far smaller) fits in what `spare` returns.
const MIN_SPARE: usize = 512;

/// A [`Sink`] appending to a `Vec<u8>` through a zeroed stretch of it;
/// [`VecWriter::finish`] cuts the stretch back to what was written.
pub(crate) struct VecWriter<'v> {
    v: &'v mut Vec<u8>,
    /// Where this writer's output starts in `v`.
    start: usize,
    /// Where it ends: `v[len..]` is zeroed scratch.
    len: usize,
}

impl<'v> VecWriter<'v> {
    /// Appends after what `v` holds.
    pub(crate) fn new(v: &'v mut Vec<u8>) -> Self {
        let len = v.len();
        Self { v, start: len, len }
    }

    /// Makes at least `need` zeroed bytes follow the output: the stretch
    /// past it becomes as long as the output so far (doubling), and at
    /// least `MIN_SPARE`.
    #[inline(never)]
    fn grow(&mut self, need: usize) {
        let room = need.max(MIN_SPARE).max(self.len - self.start);
        self.v.resize(self.len.saturating_add(room), 0);
    }

    /// Keeps the output and cuts off the scratch.
    pub(crate) fn finish(self) {
        self.v.truncate(self.len);
    }

    /// Drops everything this writer appended (the error path): the `Vec`
    /// holds what it held before.
    pub(crate) fn abandon(self) {
        self.v.truncate(self.start);
    }
}

impl Sink for VecWriter<'_> {
    #[inline(always)]
    fn put(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        let end = self.len.saturating_add(bytes.len());
        if end > self.v.len() {
            self.grow(bytes.len());
        }
        match self.v.get_mut(self.len..end) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.len = end;
                Ok(())
            }
            None => Err(EncodeError::new(EncodeErrorKind::BufferFull)),
        }
    }

    #[inline(always)]
    fn spare(&mut self) -> &mut [u8] {
        if self.v.len() - self.len < MIN_SPARE {
            self.grow(MIN_SPARE);
        }
        self.v.get_mut(self.len..).unwrap_or_default()
    }

    #[inline(always)]
    fn commit(&mut self, n: usize) {
        self.len = self.len.saturating_add(n).min(self.v.len());
    }
}
