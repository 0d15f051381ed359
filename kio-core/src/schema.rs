//! Static schemas: every message's versions and fields, reachable at run time
//! (the CLI's `kio schema` and the browser devtools are built on these).

use crate::codec::Cx;

/// An inclusive range of versions; empty for "none".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct VersionRange {
    /// Lowest version.
    pub min: i16,
    /// Highest version (`i16::MAX` for an open range such as `3+`).
    pub max: i16,
}

impl VersionRange {
    /// No versions.
    pub const NONE: VersionRange = VersionRange { min: 0, max: -1 };

    /// `min..=max`.
    pub const fn new(min: i16, max: i16) -> Self {
        Self { min, max }
    }

    /// True when `version` is in the range.
    pub const fn contains(self, version: i16) -> bool {
        self.min <= version && version <= self.max
    }

    /// True when the range holds no version.
    pub const fn is_empty(self) -> bool {
        self.min > self.max
    }

    /// True for open ranges such as `3+`.
    pub const fn is_open(self) -> bool {
        self.max == i16::MAX
    }
}

impl core::fmt::Display for VersionRange {
    /// Kafka's spelling: `none`, `3`, `0-4` or `9+`.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.is_empty() {
            f.write_str("none")
        } else if self.is_open() {
            write!(f, "{}+", self.min)
        } else if self.min == self.max {
            write!(f, "{}", self.min)
        } else {
            write!(f, "{}-{}", self.min, self.max)
        }
    }
}

/// What a message file describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "lowercase")
)]
pub enum MessageKind {
    /// A request body.
    Request,
    /// A response body.
    Response,
    /// A request or response header.
    Header,
    /// A data schema (stored in records or inside bytes fields).
    Data,
}

/// A field's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// `bool`
    Bool,
    /// `int8`
    Int8,
    /// `int16`
    Int16,
    /// `uint16`
    Uint16,
    /// `int32`
    Int32,
    /// `uint32`
    Uint32,
    /// `int64`
    Int64,
    /// `float64`
    Float64,
    /// `string`
    String,
    /// `bytes`
    Bytes,
    /// `records`
    Records,
    /// `uuid`
    Uuid,
    /// A struct, by name (its fields are in [`FieldSchema::fields`]).
    Struct(&'static str),
    /// An array of the element type.
    Array(&'static FieldType),
}

/// One field of a message or struct, as Kafka's JSON declares it.
#[derive(Debug, Clone, Copy)]
pub struct FieldSchema {
    /// Kafka's name, e.g. `TopicId`.
    pub name: &'static str,
    /// The JSON name (Kafka's converters' spelling), e.g. `topicId`.
    pub json_name: &'static str,
    /// The type as written in the schema, e.g. `[]MetadataRequestTopic`.
    pub type_name: &'static str,
    /// The parsed type.
    pub ty: FieldType,
    /// Versions that carry the field.
    pub versions: VersionRange,
    /// Versions in which it may be null.
    pub nullable_versions: VersionRange,
    /// The tag, for tagged fields.
    pub tag: Option<u32>,
    /// Versions in which it is tagged.
    pub tagged_versions: VersionRange,
    /// A field-level override of the message's flexible versions.
    pub flexible_versions: Option<VersionRange>,
    /// The default as written in the schema (`""` for the type's plain default).
    pub default: &'static str,
    /// Whether it may be dropped when a version cannot carry it.
    pub ignorable: bool,
    /// Whether it is a key of its array's elements.
    pub map_key: bool,
    /// The kind of entity it names (`topicName`, `brokerId`, ...), or `""`.
    pub entity_type: &'static str,
    /// Kafka's `zeroCopy` hint.
    pub zero_copy: bool,
    /// Kafka's description.
    pub about: &'static str,
    /// For struct and struct-array fields, the struct's fields.
    pub fields: &'static [FieldSchema],
}

impl FieldSchema {
    /// True when the field is tagged at `version`.
    pub const fn is_tagged_at(&self, version: i16) -> bool {
        self.tag.is_some() && self.tagged_versions.contains(version)
    }
}

/// A whole message: request, response, header or data schema.
#[derive(Debug, Clone, Copy)]
pub struct MessageSchema {
    /// The name, e.g. `MetadataRequest`.
    pub name: &'static str,
    /// What it is.
    pub kind: MessageKind,
    /// The API key, for requests and responses.
    pub api_key: Option<i16>,
    /// Valid versions.
    pub valid: VersionRange,
    /// Flexible (compact, tagged) versions.
    pub flexible: VersionRange,
    /// Deprecated versions.
    pub deprecated: VersionRange,
    /// Whether the highest version is unstable (see [`MessageSchema::is_stable`]).
    pub latest_version_unstable: bool,
    /// The releases whose schemas define this message, newest first (as
    /// [`RELEASES`](crate::RELEASES) orders them), with the versions each defines.
    /// `valid` is their union; each version's layout (`fields`) is the one of
    /// the newest release that defines it ([`MessageSchema::source`]).
    pub releases: &'static [ReleaseVersions],
    /// Which listeners accept it (`broker`, `controller`, `zkBroker`).
    pub listeners: &'static [&'static str],
    /// The top-level fields in wire order.
    pub fields: &'static [FieldSchema],
    /// Every struct of the message (the message itself first) with its fields.
    pub structs: &'static [(&'static str, &'static [FieldSchema])],
}

impl MessageSchema {
    /// The layout context of `version`.
    pub const fn cx(&self, version: i16) -> Cx {
        Cx::new(version, self.flexible.contains(version), false)
    }

    /// The newest release that defines `version`: the one its wire layout
    /// was taken from. `None` outside [`MessageSchema::valid`].
    pub fn source(&self, version: i16) -> Option<&'static ReleaseVersions> {
        self.releases.iter().find(|r| r.valid.contains(version))
    }

    /// Every release that defines `version`, newest first.
    pub fn defined_by(&self, version: i16) -> impl Iterator<Item = &'static str> {
        self.releases
            .iter()
            .filter(move |r| r.valid.contains(version))
            .map(|r| r.release)
    }

    /// Whether `version` is valid and stable: the release it is taken from
    /// does not mark it as its unstable latest version
    /// (`latestVersionUnstable`). Unstable versions decode and encode, but
    /// clients should not negotiate them unless asked.
    pub fn is_stable(&self, version: i16) -> bool {
        match self.source(version) {
            Some(r) => !(r.latest_version_unstable && version == r.valid.max),
            None => false,
        }
    }

    /// The highest stable version, if any.
    pub fn latest_stable(&self) -> Option<i16> {
        if self.valid.is_empty() {
            return None;
        }
        (self.valid.min..=self.valid.max)
            .rev()
            .find(|&v| self.is_stable(v))
    }

    /// Where `version` comes from, for people: which releases define it and
    /// which do not. Displays as e.g. `in 4.3.1 and 3.9.0`, `only in 3.9.0
    /// (not in 4.3.1; still decoded)` or `new after 3.9.0 (only in 4.3.1)`.
    pub fn provenance(&self, version: i16) -> Provenance {
        let mut defined = 0u64;
        let mut known = 0u64;
        for (i, name) in crate::RELEASES.iter().enumerate().take(64) {
            known |= 1 << i;
            if self.defined_by(version).any(|r| r == *name) {
                defined |= 1 << i;
            }
        }
        Provenance {
            version,
            defined,
            known,
            unstable: self.valid.contains(version) && !self.is_stable(version),
        }
    }
}

impl MessageSchema {
    /// The valid versions in runs of equal [`Provenance`], lowest first:
    /// e.g. Produce gives `0-2` (only in 3.9.0), `3-11` (in both), `12-13`
    /// (new after 3.9.0).
    pub fn provenance_ranges(&self) -> ProvenanceRanges {
        ProvenanceRanges {
            schema: *self,
            next: self.valid.min,
        }
    }
}

/// Iterator of [`MessageSchema::provenance_ranges`].
#[derive(Debug, Clone)]
pub struct ProvenanceRanges {
    schema: MessageSchema,
    next: i16,
}

impl Iterator for ProvenanceRanges {
    type Item = (VersionRange, Provenance);

    fn next(&mut self) -> Option<Self::Item> {
        let s = &self.schema;
        if s.valid.is_empty() || self.next > s.valid.max || self.next < s.valid.min {
            return None;
        }
        let lo = self.next;
        let p = s.provenance(lo);
        let mut hi = lo;
        while hi < s.valid.max {
            let q = s.provenance(hi + 1);
            if q.defined != p.defined || q.unstable != p.unstable {
                break;
            }
            hi += 1;
        }
        self.next = hi.saturating_add(1);
        if hi == i16::MAX {
            self.next = i16::MIN;
        }
        Some((VersionRange::new(lo, hi), p))
    }
}

/// One release's view of a message: the versions its schema file defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ReleaseVersions {
    /// The Kafka release, e.g. `"4.3.1"`.
    pub release: &'static str,
    /// The versions that release defines (empty for a `"none"` stub: an API
    /// the release removed but still lists).
    pub valid: VersionRange,
    /// Whether that release marks its latest version unstable.
    pub latest_version_unstable: bool,
}

/// Which of the known releases ([`RELEASES`](crate::RELEASES)) define one
/// version of a message (see [`MessageSchema::provenance`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provenance {
    /// The version.
    pub version: i16,
    /// Bit `i` set: `RELEASES[i]` defines the version.
    pub defined: u64,
    /// Bit `i` set for every known release.
    pub known: u64,
    /// The version is unstable in the release it comes from.
    pub unstable: bool,
}

impl Provenance {
    /// True when every known release defines the version.
    pub fn in_all(&self) -> bool {
        self.defined == self.known
    }

    fn names(&self, bits: u64) -> impl Iterator<Item = &'static str> {
        crate::RELEASES
            .iter()
            .enumerate()
            .filter(move |(i, _)| *i < 64 && bits & (1 << i) != 0)
            .map(|(_, n)| *n)
    }
}

impl core::fmt::Display for Provenance {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let list = |f: &mut core::fmt::Formatter<'_>, bits: u64| -> core::fmt::Result {
            for (i, n) in self.names(bits).enumerate() {
                if i > 0 {
                    f.write_str(" and ")?;
                }
                f.write_str(n)?;
            }
            Ok(())
        };
        let missing = self.known & !self.defined;
        // Releases are newest first: bit 0 is the newest.
        let newest_only = self.defined != 0 && (self.defined & (self.defined + 1)) == 0;
        if self.defined == 0 {
            f.write_str("in no known release")?;
        } else if missing == 0 {
            f.write_str("in ")?;
            list(f, self.defined)?;
        } else if newest_only {
            // Defined by the newest releases, not by an older one.
            let newest_missing = self.names(missing).next().unwrap_or("");
            write!(f, "new after {newest_missing} (only in ")?;
            list(f, self.defined)?;
            f.write_str(")")?;
        } else {
            f.write_str("only in ")?;
            list(f, self.defined)?;
            f.write_str(" (not in ")?;
            list(f, missing)?;
            f.write_str("; still decoded)")?;
        }
        if self.unstable {
            f.write_str(", unstable")?;
        }
        Ok(())
    }
}
