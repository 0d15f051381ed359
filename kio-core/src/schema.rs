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
    /// Whether the latest version is still unstable.
    pub latest_version_unstable: bool,
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
}
