//! [`VecWriter`]: how [`crate::Message::encode`] writes into a `Vec<u8>`.
//!
//! A `Vec` as a plain [`Sink`] checks its capacity and stores its length at
//! every field. `VecWriter` keeps a zeroed stretch past the written bytes
//! and hands it out as [`Sink::spare`], so that generated encoders write
//! runs of fields through a local cursor (one bounds check per run, as
//! into a caller's slice). The stretch grows with what was written through
//! it (doubling, so each such byte is zeroed about once); a run of bytes
//! that does not fit in it (a record batch, a large blob) is appended
//! directly, copied once and never zeroed. What was not written is cut off
//! at the end.

use super::sink::Sink;
use crate::error::EncodeError;
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
    /// Bytes written through the stretch (what sizes its growth).
    through: usize,
}

impl<'v> VecWriter<'v> {
    /// Appends after what `v` holds.
    pub(crate) fn new(v: &'v mut Vec<u8>) -> Self {
        let len = v.len();
        Self {
            v,
            start: len,
            len,
            through: 0,
        }
    }

    /// Makes at least `MIN_SPARE` zeroed bytes follow the output, and as
    /// many as were written through the stretch so far (doubling).
    #[inline(never)]
    fn grow(&mut self) {
        let room = MIN_SPARE.max(self.through);
        self.v.resize(self.len.saturating_add(room), 0);
    }

    /// Appends `bytes` that do not fit in the stretch: the stretch is cut
    /// off and the bytes copied once.
    #[inline(never)]
    fn append(&mut self, bytes: &[u8]) {
        self.v.truncate(self.len);
        self.v.extend_from_slice(bytes);
        self.len = self.v.len();
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
        match self.v.get_mut(self.len..end) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.len = end;
                self.through = self.through.saturating_add(bytes.len());
            }
            None => self.append(bytes),
        }
        Ok(())
    }

    #[inline(always)]
    fn spare(&mut self) -> &mut [u8] {
        if self.v.len().saturating_sub(self.len) < MIN_SPARE {
            self.grow();
        }
        self.v.get_mut(self.len..).unwrap_or_default()
    }

    #[inline(always)]
    fn commit(&mut self, n: usize) {
        let end = self.len.saturating_add(n).min(self.v.len());
        self.through = self.through.saturating_add(end - self.len);
        self.len = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small puts, runs written into the spare room, and blobs larger than
    /// the stretch, interleaved: the `Vec` ends holding its old bytes and
    /// then exactly what was written, in order, with no scratch after.
    #[test]
    fn keeps_prefix_and_every_byte_in_order() {
        let mut v = b"old".to_vec();
        let mut expect = v.clone();
        let mut w = VecWriter::new(&mut v);
        for round in 0..40u32 {
            let small = round.to_be_bytes();
            w.put(&small).unwrap();
            expect.extend_from_slice(&small);
            let run = [round as u8; 100];
            let spare = w.spare();
            assert!(spare.len() >= MIN_SPARE);
            spare[..run.len()].copy_from_slice(&run);
            w.commit(run.len());
            expect.extend_from_slice(&run);
            if round % 7 == 0 {
                let blob: Vec<u8> = (0..5_000u32).map(|i| (i ^ round) as u8).collect();
                w.put(&blob).unwrap();
                expect.extend_from_slice(&blob);
            }
        }
        w.finish();
        assert_eq!(v, expect);
    }

    /// Abandoning leaves the `Vec` as it was, whatever was written.
    #[test]
    fn abandon_restores() {
        let mut v = b"kept".to_vec();
        let mut w = VecWriter::new(&mut v);
        w.put(&[1; 10_000]).unwrap();
        let n = w.spare().len().min(3);
        w.commit(n);
        w.abandon();
        assert_eq!(v, b"kept");
    }

    /// The zeroed stretch grows with what went through it, not with blobs
    /// appended directly: a large blob costs no zeroing of its size.
    #[test]
    fn blobs_do_not_grow_the_stretch() {
        let mut v = Vec::new();
        let mut w = VecWriter::new(&mut v);
        w.put(&[7; 100_000]).unwrap();
        let spare = w.spare().len();
        assert!(
            (MIN_SPARE..2 * MIN_SPARE).contains(&spare),
            "stretch after a blob: {spare}"
        );
        w.finish();
        assert_eq!(v.len(), 100_000);
    }
}
