//! Tagged fields: reading a tagged section, keeping the tags this schema
//! does not know ([`UnknownTags`]) and writing them back in tag order.

use core::fmt;

use super::Bytes;
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::schema::VersionRange;
use crate::wire::{put_uvarint, CountingSink, Reader, Sink};

/// A tag the schema knows, with the versions in which it is tagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagSpec {
    /// The tag number.
    pub tag: u32,
    /// The versions in which this tag carries the field.
    pub versions: VersionRange,
}

/// One raw tagged field: its tag and its encoded value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RawTag<'a> {
    /// The tag number.
    pub tag: u32,
    /// The encoded value, as it was on the wire.
    pub data: Bytes<'a>,
}

/// The tagged fields of a struct that its schema does not know (sent by a
/// newer peer). They are kept as raw bytes and written back on encode, so a
/// decode → encode round trip is byte-identical.
#[derive(Clone)]
pub enum UnknownTags<'a> {
    /// A view over a decoded tagged section; known tags in it are skipped.
    Wire {
        /// The whole tagged section after its count.
        region: &'a [u8],
        /// Absolute offset of `region`.
        base: usize,
        /// Entries in `region` (known and unknown).
        entries: usize,
        /// The version it was decoded at.
        version: i16,
        /// The tags the schema knows.
        known: &'static [TagSpec],
    },
    /// Raw tags in a slice the caller owns, in ascending tag order.
    Slice(&'a [RawTag<'a>]),
    /// Raw tags in a `Vec`, in ascending tag order.
    #[cfg(feature = "alloc")]
    Vec(alloc::vec::Vec<RawTag<'a>>),
}

impl Default for UnknownTags<'_> {
    fn default() -> Self {
        UnknownTags::Slice(&[])
    }
}

impl<'a> UnknownTags<'a> {
    /// Iterates the unknown tags in wire order.
    pub fn iter(&self) -> UnknownTagsIter<'_, 'a> {
        match self {
            UnknownTags::Wire {
                region,
                base,
                entries,
                version,
                known,
            } => UnknownTagsIter::Wire {
                r: Reader::with_base(region, *base),
                left: *entries,
                version: *version,
                known,
            },
            UnknownTags::Slice(s) => UnknownTagsIter::Slice(s.iter()),
            #[cfg(feature = "alloc")]
            UnknownTags::Vec(v) => UnknownTagsIter::Slice(v.iter()),
        }
    }

    /// Number of unknown tags.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
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
pub enum UnknownTagsIter<'s, 'a> {
    /// Over a decoded section.
    Wire {
        /// Reader over the rest of the section.
        r: Reader<'a>,
        /// Entries left.
        left: usize,
        /// Version decoded at.
        version: i16,
        /// Known tags to skip.
        known: &'static [TagSpec],
    },
    /// Over owned tags.
    Slice(core::slice::Iter<'s, RawTag<'a>>),
}

impl<'a> Iterator for UnknownTagsIter<'_, 'a> {
    type Item = RawTag<'a>;
    fn next(&mut self) -> Option<RawTag<'a>> {
        match self {
            UnknownTagsIter::Wire {
                r,
                left,
                version,
                known,
            } => loop {
                if *left == 0 {
                    return None;
                }
                *left -= 1;
                // Validated when the section was decoded.
                let tag = r.uvarint().ok()?;
                let size = r.uvarint().ok()?;
                let data = r.take(size as usize).ok()?;
                if !is_known(known, tag, *version) {
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

fn is_known(known: &[TagSpec], tag: u32, version: i16) -> bool {
    known
        .iter()
        .any(|k| k.tag == tag && k.versions.contains(version))
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
        defmt::write!(f, "{} unknown tags", self.len());
    }
}

/// Reads a tagged section: generated decoders call [`TaggedSection::next`]
/// for each entry, decode the tags they know, and call
/// [`TaggedSection::finish`] to keep the rest.
pub struct TaggedSection<'a> {
    region: &'a [u8],
    base: usize,
    entries: usize,
    left: usize,
}

impl<'a> TaggedSection<'a> {
    /// Reads the section's entry count.
    pub fn begin(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let count = r.uvarint()?;
        // Each entry takes at least two bytes: refuse counts the input cannot hold.
        r.check_len(u64::from(count).saturating_mul(2))?;
        Ok(Self {
            region: r.rest(),
            base: r.offset(),
            entries: count as usize,
            left: count as usize,
        })
    }

    /// The next entry's tag and a reader over exactly its value.
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

    /// Ends the section, keeping the entries whose tags are not in `known`.
    pub fn finish(
        self,
        r: &Reader<'a>,
        version: i16,
        known: &'static [TagSpec],
    ) -> UnknownTags<'a> {
        let used = r.offset() - self.base;
        let region = self.region.get(..used).unwrap_or_default();
        let unknown = UnknownTags::Wire {
            region,
            base: self.base,
            entries: self.entries,
            version,
            known,
        };
        if unknown.is_empty() {
            UnknownTags::default()
        } else {
            unknown
        }
    }
}

/// Writes a tagged section, merging known fields with [`UnknownTags`] in
/// ascending tag order.
pub struct TaggedWriter<'s, 'a> {
    unknown: core::iter::Peekable<UnknownTagsIter<'s, 'a>>,
}

impl<'s, 'a> TaggedWriter<'s, 'a> {
    /// Writes the entry count (`known` fields to write plus the unknown ones).
    pub fn begin(
        w: &mut dyn Sink,
        unknown: &'s UnknownTags<'a>,
        known: usize,
    ) -> Result<Self, EncodeError> {
        let total = known + unknown.len();
        put_uvarint(w, u32::try_from(total).unwrap_or(u32::MAX))?;
        Ok(Self {
            unknown: unknown.iter().peekable(),
        })
    }

    fn flush_below(&mut self, w: &mut dyn Sink, tag: u32) -> Result<(), EncodeError> {
        while let Some(t) = self.unknown.next_if(|t| t.tag < tag) {
            put_uvarint(w, t.tag)?;
            put_uvarint(w, u32::try_from(t.data.len()).unwrap_or(u32::MAX))?;
            w.put(t.data.as_slice())?;
        }
        Ok(())
    }

    /// Writes one known field: its tag, its size and its value.
    pub fn field(
        &mut self,
        w: &mut dyn Sink,
        tag: u32,
        write: &dyn Fn(&mut dyn Sink) -> Result<(), EncodeError>,
    ) -> Result<(), EncodeError> {
        self.flush_below(w, tag)?;
        let mut count = CountingSink::default();
        write(&mut count)?;
        put_uvarint(w, tag)?;
        put_uvarint(w, u32::try_from(count.count).unwrap_or(u32::MAX))?;
        write(w)
    }

    /// Writes the unknown tags that remain.
    pub fn finish(self, w: &mut dyn Sink) -> Result<(), EncodeError> {
        for t in self.unknown {
            put_uvarint(w, t.tag)?;
            put_uvarint(w, u32::try_from(t.data.len()).unwrap_or(u32::MAX))?;
            w.put(t.data.as_slice())?;
        }
        Ok(())
    }
}
