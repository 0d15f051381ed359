//! Tagged fields: reading a tagged section, keeping the entries that typed
//! fields do not hold ([`UnknownTags`]) and writing them back in tag order.

use core::fmt;

use super::Bytes;
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::wire::{nested, SliceSink};
use crate::wire::{put_uvarint, uvarint_len, Reader, Sink};

/// One raw tagged field: its tag and its encoded value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RawTag<'a> {
    /// The tag number.
    pub tag: u32,
    /// The encoded value, as it was on the wire.
    pub data: Bytes<'a>,
}

/// The most typed tagged fields one struct can have (the generator checks).
pub const MAX_TYPED_TAGS: usize = 12;

/// A small set of tags held by typed fields: a bit per tag below 64 (the
/// schemas' tags are all far below that; a larger one is simply not
/// recorded, and its entry stays raw, which the writer drops when the typed
/// field is written).
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct TagSet(u64);

impl TagSet {
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn insert(&mut self, tag: u32) {
        if tag < 64 {
            self.0 |= 1 << tag;
        }
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn contains(&self, tag: u32) -> bool {
        tag < 64 && self.0 & (1 << tag) != 0
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn len(&self) -> usize {
        self.0.count_ones() as usize
    }
}

impl fmt::Debug for TagSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries((0..64u32).filter(|&t| self.contains(t)))
            .finish()
    }
}

/// The tagged fields of a struct that its typed fields do not hold: tags the
/// schema does not know (sent by a newer peer), and known tags that were sent
/// at their default value (some brokers do). They are kept as raw bytes and
/// written back in tag order, so a decode → encode round trip is
/// byte-identical.
pub enum UnknownTags<'a> {
    /// A view over a decoded tagged section; tags held by typed fields are skipped.
    Wire {
        /// The whole tagged section after its count.
        region: &'a [u8],
        /// Absolute offset of `region` in the decoded input (within one frame,
        /// so it fits in `u32`).
        base: u32,
        /// Entries in `region` (typed and raw).
        entries: u32,
        /// The tags that typed fields hold.
        typed: TagSet,
    },
    /// Raw tags in a slice the caller owns, in ascending tag order.
    Slice(&'a [RawTag<'a>]),
    /// Raw tags in a `Vec`, in ascending tag order.
    #[cfg(feature = "alloc")]
    Vec(alloc::vec::Vec<RawTag<'a>>),
}

/// A view is copied inline; a `Vec` is cloned out of line.
impl Clone for UnknownTags<'_> {
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn clone(&self) -> Self {
        match self {
            UnknownTags::Wire {
                region,
                base,
                entries,
                typed,
            } => UnknownTags::Wire {
                region,
                base: *base,
                entries: *entries,
                typed: *typed,
            },
            UnknownTags::Slice(s) => UnknownTags::Slice(s),
            #[cfg(feature = "alloc")]
            UnknownTags::Vec(v) => UnknownTags::Vec(crate::owned::clone_vec(v)),
        }
    }
}

impl Default for UnknownTags<'_> {
    fn default() -> Self {
        UnknownTags::Slice(&[])
    }
}

impl<'a> UnknownTags<'a> {
    /// Iterates the raw tags in wire order.
    pub fn iter(&self) -> UnknownTagsIter<'_> {
        match self {
            UnknownTags::Wire {
                region,
                base,
                entries,
                typed,
            } => UnknownTagsIter::Wire {
                r: Reader::with_base(region, *base as usize),
                left: *entries as usize,
                typed: *typed,
            },
            UnknownTags::Slice(s) => UnknownTagsIter::Slice(s.iter()),
            #[cfg(feature = "alloc")]
            UnknownTags::Vec(v) => UnknownTagsIter::Slice(v.iter()),
        }
    }

    /// True when this is an empty slice or `Vec` (no walk needed): what
    /// decoding yields when the section held no raw entries.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub(crate) fn is_trivially_empty(&self) -> bool {
        match self {
            UnknownTags::Wire { .. } => false,
            UnknownTags::Slice(s) => s.is_empty(),
            #[cfg(feature = "alloc")]
            UnknownTags::Vec(v) => v.is_empty(),
        }
    }

    /// Number of raw tags.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.is_trivially_empty() || self.iter().next().is_none()
    }

    /// True when a raw entry with this tag is kept.
    pub fn contains(&self, tag: u32) -> bool {
        self.iter().any(|t| t.tag == tag)
    }

    /// An owned copy that outlives the input.
    #[cfg(feature = "alloc")]
    pub fn into_owned(self) -> UnknownTags<'static> {
        UnknownTags::Vec(
            self.iter()
                .map(|t| RawTag {
                    tag: t.tag,
                    data: t.data.into_owned(),
                })
                .collect(),
        )
    }
}

/// Iterator over [`UnknownTags`].
pub enum UnknownTagsIter<'s> {
    /// Over a decoded section.
    Wire {
        /// Reader over the rest of the section.
        r: Reader<'s>,
        /// Entries left.
        left: usize,
        /// Tags to skip (held by typed fields).
        typed: TagSet,
    },
    /// Over owned tags.
    Slice(core::slice::Iter<'s, RawTag<'s>>),
}

impl<'s> Iterator for UnknownTagsIter<'s> {
    type Item = RawTag<'s>;
    fn next(&mut self) -> Option<RawTag<'s>> {
        match self {
            UnknownTagsIter::Wire { r, left, typed } => loop {
                if *left == 0 {
                    return None;
                }
                *left -= 1;
                // Validated when the section was decoded.
                let tag = r.uvarint().ok()?;
                let size = r.uvarint().ok()?;
                let data = r.take(size as usize).ok()?;
                if !typed.contains(tag) {
                    return Some(RawTag {
                        tag,
                        data: Bytes::new(data),
                    });
                }
            },
            UnknownTagsIter::Slice(it) => it.next().cloned(),
        }
    }
}

impl PartialEq for UnknownTags<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl fmt::Debug for UnknownTags<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for UnknownTags<'_> {
    fn format(&self, f: defmt::Formatter) {
        defmt::write!(f, "{} raw tags", self.len());
    }
}

/// Reads a tagged section: generated decoders call [`TaggedSection::next`]
/// for each entry, decode the tags they know, mark those whose value is not
/// the default with [`TaggedSection::typed`], and call
/// [`TaggedSection::finish`] to keep the rest as raw entries.
pub struct TaggedSection<'a> {
    region: &'a [u8],
    base: usize,
    entries: usize,
    left: usize,
    typed: TagSet,
}

impl<'a> TaggedSection<'a> {
    /// Checks a whole tagged section of a struct that has no typed tagged
    /// fields, and moves past it (as `begin`, `next` until `None`).
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn skip(r: &mut Reader<'a>) -> Result<(), DecodeError> {
        // Almost every section is empty: one zero byte.
        if r.rest().first() == Some(&0) {
            return r.skip(1);
        }
        let mut tags = Self::begin(r)?;
        while tags.next(r)?.is_some() {}
        Ok(())
    }

    /// Reads the tagged section of a struct that has no typed tagged
    /// fields: every entry is kept raw (as `begin`, `next` until `None`,
    /// `finish`). An empty section (one zero byte) is the fast path.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn read_raw_only(r: &mut Reader<'a>) -> Result<UnknownTags<'a>, DecodeError> {
        if r.rest().first() == Some(&0) {
            r.skip(1)?;
            return Ok(UnknownTags::default());
        }
        Self::read_raw_only_slow(r)
    }

    fn read_raw_only_slow(r: &mut Reader<'a>) -> Result<UnknownTags<'a>, DecodeError> {
        let mut tags = Self::begin(r)?;
        while tags.next(r)?.is_some() {}
        Ok(tags.finish(r))
    }

    /// [`TaggedSection::read_raw_only`] over validated bytes (`None`
    /// instead of an error).
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn read_raw_only_valid(r: &mut Reader<'a>) -> Option<UnknownTags<'a>> {
        if r.rest().first() == Some(&0) {
            r.advance(1)?;
            return Some(UnknownTags::default());
        }
        Self::read_raw_only_slow(r).ok()
    }

    /// [`TaggedSection::skip`] over validated bytes (`None` instead of an error).
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn skip_valid(r: &mut Reader<'a>) -> Option<()> {
        if r.rest().first() == Some(&0) {
            return r.advance(1);
        }
        Self::skip(r).ok()
    }

    /// Reads the section's entry count.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn begin(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let count = r.uvarint()?;
        // Each entry takes at least two bytes: refuse counts the input cannot hold.
        r.check_len(u64::from(count).saturating_mul(2))?;
        Ok(Self {
            region: r.rest(),
            base: r.offset(),
            entries: count as usize,
            left: count as usize,
            typed: TagSet::default(),
        })
    }

    /// The next entry's tag and a reader over exactly its value.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn next(&mut self, r: &mut Reader<'a>) -> Result<Option<(u32, Reader<'a>)>, DecodeError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        let tag = r.uvarint()?;
        let size = r.uvarint()?;
        let len = r.check_len(u64::from(size))?;
        Ok(Some((tag, r.sub(len)?)))
    }

    /// Marks `tag` as held by a typed field (its value is not the default).
    pub fn typed(&mut self, tag: u32) {
        self.typed.insert(tag);
    }

    /// Checks that a known tag's value used exactly its declared size.
    pub fn check_used(tag: u32, sub: &Reader<'a>) -> Result<(), DecodeError> {
        match sub.remaining() {
            0 => Ok(()),
            left => Err(sub.error(DecodeErrorKind::TaggedFieldSize {
                tag,
                declared: sub.consumed() + left,
                used: sub.consumed(),
            })),
        }
    }

    /// Ends the section, keeping the entries that typed fields do not hold.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn finish(self, r: &Reader<'a>) -> UnknownTags<'a> {
        if self.entries == 0 || self.entries == self.typed.len() {
            return UnknownTags::default();
        }
        let used = r.offset() - self.base;
        let region = self.region.get(..used).unwrap_or_default();
        let raw = UnknownTags::Wire {
            region,
            base: u32::try_from(self.base).unwrap_or(u32::MAX),
            entries: u32::try_from(self.entries).unwrap_or(u32::MAX),
            typed: self.typed,
        };
        if raw.is_empty() {
            UnknownTags::default()
        } else {
            raw
        }
    }
}

/// Writes a tagged section, merging typed fields with the raw entries of
/// [`UnknownTags`] in ascending tag order (a raw entry whose tag a typed field
/// writes is dropped).
///
/// Generated encoders call [`TaggedWriter::begin`], then for each typed field
/// that is present [`TaggedWriter::field`] (which writes the raw entries
/// before it, its tag and its size) followed by the value itself, and end
/// with [`TaggedWriter::finish`]. A struct with no typed tagged fields calls
/// [`TaggedWriter::raw_only`], which writes a single zero byte when there is
/// nothing to write.
pub struct TaggedWriter<'s> {
    raw: core::iter::Peekable<UnknownTagsIter<'s>>,
    typed: TagSet,
}

impl<'s> TaggedWriter<'s> {
    /// Writes the entry count. `typed` lists each typed tagged field's tag
    /// and whether it will be written.
    pub fn begin<S: Sink + ?Sized>(
        w: &mut S,
        raw: &'s UnknownTags<'_>,
        typed: &[(u32, bool)],
    ) -> Result<Self, EncodeError> {
        let mut set = TagSet::default();
        for &(tag, present) in typed {
            if present {
                set.insert(tag);
            }
        }
        let raw_count = if raw.is_trivially_empty() {
            0
        } else {
            raw.iter().filter(|t| !set.contains(t.tag)).count()
        };
        let total = set.len() + raw_count;
        put_uvarint(w, u32::try_from(total).unwrap_or(u32::MAX))?;
        Ok(Self {
            raw: raw.iter().peekable(),
            typed: set,
        })
    }

    /// The tagged section of a struct without typed tagged fields: only the
    /// raw entries (usually none: one zero byte).
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn raw_only<S: Sink + ?Sized>(
        w: &mut S,
        raw: &'s UnknownTags<'_>,
    ) -> Result<(), EncodeError> {
        if raw.is_trivially_empty() {
            return w.put(&[0]);
        }
        Self::begin(w, raw, &[])?.finish(w)
    }

    /// [`TaggedWriter::raw_only`] into a generated encoder's local cursor:
    /// the empty section is one byte; anything else is written through a
    /// fresh cursor ([`crate::wire::nested`]) so the local one stays local.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn raw_only_local(w: &mut SliceSink<'_>, raw: &UnknownTags<'_>) -> Result<(), EncodeError> {
        if raw.is_trivially_empty() {
            return w.put(&[0]);
        }
        nested(w, |w| TaggedWriter::raw_only(w, raw))
    }

    /// The bytes [`TaggedWriter::raw_only`] writes for `raw`.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub fn raw_only_len(raw: &UnknownTags<'_>) -> usize {
        if raw.is_trivially_empty() {
            return 1;
        }
        Self::raw_len_slow(raw)
    }

    fn raw_len_slow(raw: &UnknownTags<'_>) -> usize {
        let mut count = 0usize;
        let mut n = 0usize;
        for t in raw.iter() {
            count += 1;
            let len = t.data.len();
            n += uvarint_len(t.tag) + uvarint_len(u32::try_from(len).unwrap_or(u32::MAX)) + len;
        }
        n + uvarint_len(u32::try_from(count).unwrap_or(u32::MAX))
    }

    fn flush_through<S: Sink + ?Sized>(
        &mut self,
        w: &mut S,
        tag: u32,
        inclusive: bool,
    ) -> Result<(), EncodeError> {
        while let Some(t) = self
            .raw
            .next_if(|t| t.tag < tag || (inclusive && t.tag == tag))
        {
            if self.typed.contains(t.tag) {
                continue;
            }
            put_uvarint(w, t.tag)?;
            put_uvarint(w, u32::try_from(t.data.len()).unwrap_or(u32::MAX))?;
            w.put(t.data.as_slice())?;
        }
        Ok(())
    }

    /// Starts one typed field: writes the raw entries whose tags come before
    /// it, then its tag and its size (`len`, from [`crate::Wire::wire_len`]).
    /// The caller writes the value next.
    pub fn field<S: Sink + ?Sized>(
        &mut self,
        w: &mut S,
        tag: u32,
        len: usize,
    ) -> Result<(), EncodeError> {
        self.flush_through(w, tag, false)?;
        put_uvarint(w, tag)?;
        put_uvarint(w, u32::try_from(len).unwrap_or(u32::MAX))
    }

    /// Writes the raw entries that remain.
    pub fn finish<S: Sink + ?Sized>(mut self, w: &mut S) -> Result<(), EncodeError> {
        self.flush_through(w, u32::MAX, true)
    }
}
