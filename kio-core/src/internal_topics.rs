//! The records of Kafka's internal topics, read and written with Kafka's
//! framing around the generated record types of [`crate::internal_records`]
//! (Kafka 4.3.1's schemas).
//!
//! | topic | key | value |
//! |---|---|---|
//! | `__consumer_offsets` | int16 type id, then the key struct at version 0 | int16 version, then the value struct; null = tombstone |
//! | `__transaction_state` | the same (type 0, `TransactionLog`) | the same |
//! | `__share_group_state` | the same (`ShareSnapshot`, `ShareUpdate`) | the same |
//! | `__cluster_metadata` | null | unsigned varints frame version (1), API key, version; then the record |
//! | `__remote_log_metadata` | null (ignored) | the same frame, storage's own API keys |
//!
//! Control records (in a control batch) are read by [`decode_record`] too:
//! the commit/abort markers of the coordinator topics and KRaft's
//! LeaderChange, SnapshotHeader/Footer, KRaftVersion and Voters records.
//!
//! The Java side: `CoordinatorRecordSerde` and `MessageUtil` (coordinator
//! topics), `AbstractApiMessageSerde` (KRaft), `ControlRecordUtils`.
//!
//! ```
//! use kio_core::internal_records::{GroupCoordinatorKey, GroupCoordinatorValue, OffsetCommitKey, OffsetCommitValue};
//! use kio_core::internal_topics::{decode_record, encode_key, encode_value, InternalRecord, InternalTopic};
//! use kio_core::Str;
//!
//! let key = GroupCoordinatorKey::OffsetCommit(OffsetCommitKey {
//!     group: Str::new("g1"), topic: Str::new("t"), partition: 0, ..Default::default()
//! });
//! let value = GroupCoordinatorValue::OffsetCommit(OffsetCommitValue { offset: 42, ..Default::default() });
//! let (mut k, mut v) = (Vec::new(), Vec::new());
//! encode_key(&key, &mut k).unwrap();
//! encode_value(&value, 3, &mut v).unwrap();
//! let topic = InternalTopic::from_name("__consumer_offsets").unwrap();
//! let InternalRecord::Group(r) = decode_record(topic, Some(&k), Some(&v), false).unwrap() else { panic!() };
//! assert_eq!(r.type_id, 1);
//! assert_eq!(r.value, Some((3, value)));
//! ```

use core::fmt;

use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::internal_records::{
    GroupCoordinatorKey, GroupCoordinatorValue, MetadataRecordBody, RemoteLogMetadataBody,
    ShareCoordinatorKey, ShareCoordinatorValue, TransactionCoordinatorKey,
    TransactionCoordinatorValue,
};
use crate::messages::{
    KRaftVersionRecord, LeaderChangeMessage, SnapshotFooterRecord, SnapshotHeaderRecord,
    VotersRecord,
};
use crate::schema::MessageSchema;
use crate::wire::{put_uvarint, uvarint_len, Reader, Sink};
use crate::Message;

/// One record type of an internal topic: the type id (coordinator topics)
/// or API key (metadata records), its name, and its schemas.
#[derive(Debug, Clone, Copy)]
pub struct RecordType {
    /// The type id or API key.
    pub id: i16,
    /// The name (`OffsetCommit`, `TopicRecord`, ...).
    pub name: &'static str,
    /// The key's schema (coordinator topics only).
    pub key: Option<&'static MessageSchema>,
    /// The value's (or metadata record's) schema.
    pub value: &'static MessageSchema,
}

/// An internal topic whose records kio decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InternalTopic {
    /// `__consumer_offsets`: the group coordinator's log.
    ConsumerOffsets,
    /// `__transaction_state`: the transaction coordinator's log.
    TransactionState,
    /// `__share_group_state`: the share coordinator's log.
    ShareGroupState,
    /// `__cluster_metadata`: the KRaft metadata log (and its snapshots).
    ClusterMetadata,
    /// `__remote_log_metadata`: tiered storage's segment metadata.
    RemoteLogMetadata,
}

impl InternalTopic {
    /// Every internal topic.
    pub const ALL: [InternalTopic; 5] = [
        InternalTopic::ConsumerOffsets,
        InternalTopic::TransactionState,
        InternalTopic::ShareGroupState,
        InternalTopic::ClusterMetadata,
        InternalTopic::RemoteLogMetadata,
    ];

    /// `__cluster_metadata`'s fixed topic id (Kafka's `Uuid.METADATA_TOPIC_ID`).
    pub const METADATA_TOPIC_ID: [u8; 16] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

    /// The topic of that name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The topic's name.
    pub const fn name(self) -> &'static str {
        match self {
            InternalTopic::ConsumerOffsets => "__consumer_offsets",
            InternalTopic::TransactionState => "__transaction_state",
            InternalTopic::ShareGroupState => "__share_group_state",
            InternalTopic::ClusterMetadata => "__cluster_metadata",
            InternalTopic::RemoteLogMetadata => "__remote_log_metadata",
        }
    }

    /// The record types of the topic.
    pub const fn types(self) -> &'static [RecordType] {
        match self {
            InternalTopic::ConsumerOffsets => GroupCoordinatorKey::TYPES,
            InternalTopic::TransactionState => TransactionCoordinatorKey::TYPES,
            InternalTopic::ShareGroupState => ShareCoordinatorKey::TYPES,
            InternalTopic::ClusterMetadata => MetadataRecordBody::TYPES,
            InternalTopic::RemoteLogMetadata => RemoteLogMetadataBody::TYPES,
        }
    }

    /// The record type of a type id or API key.
    pub fn record_type(self, id: i16) -> Option<&'static RecordType> {
        self.types().iter().find(|t| t.id == id)
    }
}

/// Which part of a record an error is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The record's key.
    Key,
    /// The record's value.
    Value,
}

/// Why an internal record did not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InternalErrorKind {
    /// The bytes did not parse (the inner error names the field).
    Decode(DecodeErrorKind),
    /// A type id (or API key) the topic's schemas do not define.
    UnknownType(i16),
    /// A version outside the record type's valid versions.
    UnknownVersion {
        /// The type id or API key.
        id: i16,
        /// The version read.
        version: i16,
    },
    /// A coordinator record, or a control record, without a key.
    MissingKey,
    /// A metadata record with a key (KRaft writes none).
    UnexpectedKey,
    /// A metadata record without a value, or an empty one.
    MissingValue,
    /// A KRaft frame version other than 1.
    FrameVersion(u32),
    /// A frame varint above `i16::MAX`.
    VarintTooLarge(u32),
    /// A control record type that does not belong to this topic.
    ControlType(i16),
}

/// An internal record that did not decode: which topic, which part, at
/// which byte offset of that part, in which field, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InternalError {
    /// The topic.
    pub topic: InternalTopic,
    /// Key or value.
    pub part: Part,
    /// Byte offset within the part.
    pub offset: usize,
    /// The innermost field being read (empty if none).
    pub field: &'static str,
    /// Why.
    pub kind: InternalErrorKind,
}

impl InternalError {
    fn new(topic: InternalTopic, part: Part, offset: usize, kind: InternalErrorKind) -> Self {
        Self {
            topic,
            part,
            offset,
            field: "",
            kind,
        }
    }

    fn decode(topic: InternalTopic, part: Part, e: DecodeError) -> Self {
        Self {
            topic,
            part,
            offset: e.offset,
            field: e.field,
            kind: InternalErrorKind::Decode(e.kind),
        }
    }
}

impl fmt::Display for InternalErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Decode(k) => k.fmt(f),
            Self::UnknownType(t) => write!(f, "unknown record type {t}"),
            Self::UnknownVersion { id, version } => {
                write!(f, "record type {id} has no version {version}")
            }
            Self::MissingKey => f.write_str("the record has no key"),
            Self::UnexpectedKey => f.write_str("a metadata record has no key, this one has"),
            Self::MissingValue => f.write_str("the record has no value (or an empty one)"),
            Self::FrameVersion(v) => write!(f, "frame version {v}, expected 1"),
            Self::VarintTooLarge(v) => write!(f, "{v} is larger than 32767"),
            Self::ControlType(t) => write!(f, "control record type {t} does not belong here"),
        }
    }
}

impl fmt::Display for InternalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let part = match self.part {
            Part::Key => "key",
            Part::Value => "value",
        };
        write!(
            f,
            "{} record {part} at byte {}",
            self.topic.name(),
            self.offset
        )?;
        if !self.field.is_empty() {
            write!(f, " in {}", self.field)?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl core::error::Error for InternalError {}

/// A key enum of a coordinator topic (generated: [`GroupCoordinatorKey`], ...).
pub trait CoordinatorKey<'a>: Sized {
    /// The topic.
    const TOPIC: InternalTopic;
    /// Reads the key body of `type_id` (`Ok(None)`: unknown type).
    fn read_body(type_id: i16, r: &mut Reader<'a>) -> Result<Option<Self>, DecodeError>;
    /// The type id.
    fn type_id(&self) -> i16;
    /// Writes the key body.
    fn write_body<S: Sink + ?Sized>(&self, w: &mut S) -> Result<(), EncodeError>;
    /// The key body's size.
    fn body_len(&self) -> Result<usize, EncodeError>;
}

/// A value enum of a coordinator topic (generated: [`GroupCoordinatorValue`], ...).
pub trait CoordinatorValue<'a>: Sized {
    /// Reads the value body of `type_id` at `version` (`Ok(None)`: unknown type).
    fn read_body(
        type_id: i16,
        version: i16,
        r: &mut Reader<'a>,
    ) -> Result<Option<Self>, DecodeError>;
    /// The type id.
    fn type_id(&self) -> i16;
    /// Writes the value body at `version`.
    fn write_body<S: Sink + ?Sized>(&self, w: &mut S, version: i16) -> Result<(), EncodeError>;
    /// The value body's size at `version`.
    fn body_len(&self, version: i16) -> Result<usize, EncodeError>;
}

macro_rules! coordinator {
    ($key:ident, $value:ident, $topic:expr) => {
        impl<'a> CoordinatorKey<'a> for $key<'a> {
            const TOPIC: InternalTopic = $topic;
            fn read_body(type_id: i16, r: &mut Reader<'a>) -> Result<Option<Self>, DecodeError> {
                $key::read(type_id, r)
            }
            fn type_id(&self) -> i16 {
                $key::type_id(self)
            }
            fn write_body<S: Sink + ?Sized>(&self, w: &mut S) -> Result<(), EncodeError> {
                $key::write(self, w)
            }
            fn body_len(&self) -> Result<usize, EncodeError> {
                $key::body_len(self)
            }
        }
        impl<'a> CoordinatorValue<'a> for $value<'a> {
            fn read_body(
                type_id: i16,
                version: i16,
                r: &mut Reader<'a>,
            ) -> Result<Option<Self>, DecodeError> {
                $value::read(type_id, version, r)
            }
            fn type_id(&self) -> i16 {
                $value::type_id(self)
            }
            fn write_body<S: Sink + ?Sized>(
                &self,
                w: &mut S,
                version: i16,
            ) -> Result<(), EncodeError> {
                $value::write(self, w, version)
            }
            fn body_len(&self, version: i16) -> Result<usize, EncodeError> {
                $value::body_len(self, version)
            }
        }
    };
}

coordinator!(
    GroupCoordinatorKey,
    GroupCoordinatorValue,
    InternalTopic::ConsumerOffsets
);
coordinator!(
    TransactionCoordinatorKey,
    TransactionCoordinatorValue,
    InternalTopic::TransactionState
);
coordinator!(
    ShareCoordinatorKey,
    ShareCoordinatorValue,
    InternalTopic::ShareGroupState
);

/// A record of a coordinator topic: its type id, key and value (`None`
/// is a tombstone, the deletion of the key), with the value's version.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CoordinatorRecord<K, V> {
    /// The record type id (the key's int16 prefix).
    pub type_id: i16,
    /// The key.
    pub key: K,
    /// The value's version and the value; `None` for a tombstone.
    pub value: Option<(i16, V)>,
}

/// A record of `__consumer_offsets`.
pub type GroupRecord<'a> = CoordinatorRecord<GroupCoordinatorKey<'a>, GroupCoordinatorValue<'a>>;
/// A record of `__transaction_state`.
pub type TransactionRecord<'a> =
    CoordinatorRecord<TransactionCoordinatorKey<'a>, TransactionCoordinatorValue<'a>>;
/// A record of `__share_group_state`.
pub type ShareRecord<'a> = CoordinatorRecord<ShareCoordinatorKey<'a>, ShareCoordinatorValue<'a>>;

fn i16_at(r: &mut Reader<'_>, topic: InternalTopic, part: Part) -> Result<i16, InternalError> {
    r.i16().map_err(|e| InternalError::decode(topic, part, e))
}

fn finish(r: &Reader<'_>, topic: InternalTopic, part: Part) -> Result<(), InternalError> {
    r.finish()
        .map_err(|e| InternalError::decode(topic, part, e))
}

/// Decodes the key of a coordinator topic's record: its type id and body.
pub fn decode_key<'a, K: CoordinatorKey<'a>>(key: &'a [u8]) -> Result<K, InternalError> {
    let (topic, part) = (K::TOPIC, Part::Key);
    let mut r = Reader::new(key);
    let type_id = i16_at(&mut r, topic, part)?;
    let k = K::read_body(type_id, &mut r)
        .map_err(|e| InternalError::decode(topic, part, e))?
        .ok_or(InternalError::new(
            topic,
            part,
            0,
            InternalErrorKind::UnknownType(type_id),
        ))?;
    finish(&r, topic, part)?;
    Ok(k)
}

/// Decodes a coordinator topic's value for a key of `type_id`: its version
/// and body.
pub fn decode_value<'a, K: CoordinatorKey<'a>, V: CoordinatorValue<'a>>(
    type_id: i16,
    value: &'a [u8],
) -> Result<(i16, V), InternalError> {
    let (topic, part) = (K::TOPIC, Part::Value);
    let mut r = Reader::new(value);
    let version = i16_at(&mut r, topic, part)?;
    let v = match V::read_body(type_id, version, &mut r) {
        Ok(Some(v)) => v,
        Ok(None) => {
            return Err(InternalError::new(
                topic,
                part,
                0,
                InternalErrorKind::UnknownType(type_id),
            ))
        }
        Err(e) if e.kind == DecodeErrorKind::UnsupportedVersion(version) && e.offset == 2 => {
            return Err(InternalError::new(
                topic,
                part,
                0,
                InternalErrorKind::UnknownVersion {
                    id: type_id,
                    version,
                },
            ))
        }
        Err(e) => return Err(InternalError::decode(topic, part, e)),
    };
    finish(&r, topic, part)?;
    Ok((version, v))
}

/// Decodes a record of a coordinator topic (`K` picks the topic: e.g.
/// [`GroupCoordinatorKey`] for `__consumer_offsets`).
pub fn decode_coordinator<'a, K: CoordinatorKey<'a>, V: CoordinatorValue<'a>>(
    key: Option<&'a [u8]>,
    value: Option<&'a [u8]>,
) -> Result<CoordinatorRecord<K, V>, InternalError> {
    let key = key.ok_or(InternalError::new(
        K::TOPIC,
        Part::Key,
        0,
        InternalErrorKind::MissingKey,
    ))?;
    let k: K = decode_key(key)?;
    let type_id = k.type_id();
    let value = match value {
        None => None,
        Some(v) => Some(decode_value::<K, V>(type_id, v)?),
    };
    Ok(CoordinatorRecord {
        type_id,
        key: k,
        value,
    })
}

/// Writes a coordinator key: the int16 type id, then the body at version 0.
pub fn encode_key<'a, K: CoordinatorKey<'a>, S: Sink + ?Sized>(
    key: &K,
    w: &mut S,
) -> Result<(), EncodeError> {
    w.put(&key.type_id().to_be_bytes())?;
    key.write_body(w)
}

/// The size of [`encode_key`]'s output.
pub fn key_len<'a, K: CoordinatorKey<'a>>(key: &K) -> Result<usize, EncodeError> {
    Ok(2 + key.body_len()?)
}

/// Writes a coordinator value: the int16 `version`, then the body at it.
pub fn encode_value<'a, V: CoordinatorValue<'a>, S: Sink + ?Sized>(
    value: &V,
    version: i16,
    w: &mut S,
) -> Result<(), EncodeError> {
    w.put(&version.to_be_bytes())?;
    value.write_body(w, version)
}

/// The size of [`encode_value`]'s output.
pub fn value_len<'a, V: CoordinatorValue<'a>>(
    value: &V,
    version: i16,
) -> Result<usize, EncodeError> {
    Ok(2 + value.body_len(version)?)
}

/// A KRaft-framed record (`__cluster_metadata`, `__remote_log_metadata`):
/// frame version, API key, version and the body.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct FramedRecord<B> {
    /// The frame version (1).
    pub frame_version: u16,
    /// The record's API key.
    pub api_key: i16,
    /// The record's version.
    pub version: i16,
    /// The record.
    pub body: B,
}

/// A record of `__cluster_metadata`.
pub type MetadataRecord<'a> = FramedRecord<MetadataRecordBody<'a>>;
/// A record of `__remote_log_metadata`.
pub type RemoteLogRecord<'a> = FramedRecord<RemoteLogMetadataBody<'a>>;

/// The frame version KRaft writes and accepts.
pub const FRAME_VERSION: u16 = 1;

fn frame_varint(r: &mut Reader<'_>, topic: InternalTopic) -> Result<i16, InternalError> {
    let at = r.consumed();
    let v = r
        .uvarint()
        .map_err(|e| InternalError::decode(topic, Part::Value, e))?;
    i16::try_from(v).map_err(|_| {
        InternalError::new(topic, Part::Value, at, InternalErrorKind::VarintTooLarge(v))
    })
}

fn decode_framed<'a, B>(
    topic: InternalTopic,
    value: &'a [u8],
    read: impl FnOnce(i16, i16, &mut Reader<'a>) -> Result<Option<B>, DecodeError>,
) -> Result<FramedRecord<B>, InternalError> {
    let part = Part::Value;
    if value.is_empty() {
        return Err(InternalError::new(
            topic,
            part,
            0,
            InternalErrorKind::MissingValue,
        ));
    }
    let mut r = Reader::new(value);
    let frame = frame_varint(&mut r, topic)?;
    if frame as u16 != FRAME_VERSION {
        return Err(InternalError::new(
            topic,
            part,
            0,
            InternalErrorKind::FrameVersion(frame as u32),
        ));
    }
    let api_key = frame_varint(&mut r, topic)?;
    let version_at = r.consumed();
    let version = frame_varint(&mut r, topic)?;
    let body_at = r.consumed();
    let body = match read(api_key, version, &mut r) {
        Ok(Some(b)) => b,
        Ok(None) => {
            return Err(InternalError::new(
                topic,
                part,
                0,
                InternalErrorKind::UnknownType(api_key),
            ))
        }
        Err(e) if e.kind == DecodeErrorKind::UnsupportedVersion(version) && e.offset == body_at => {
            return Err(InternalError::new(
                topic,
                part,
                version_at,
                InternalErrorKind::UnknownVersion {
                    id: api_key,
                    version,
                },
            ))
        }
        Err(e) => return Err(InternalError::decode(topic, part, e)),
    };
    finish(&r, topic, part)?;
    Ok(FramedRecord {
        frame_version: FRAME_VERSION,
        api_key,
        version,
        body,
    })
}

/// Decodes the value of a `__cluster_metadata` record.
pub fn decode_metadata_record(value: &[u8]) -> Result<MetadataRecord<'_>, InternalError> {
    decode_framed(
        InternalTopic::ClusterMetadata,
        value,
        MetadataRecordBody::read,
    )
}

/// Decodes the value of a `__remote_log_metadata` record.
pub fn decode_remote_log_record(value: &[u8]) -> Result<RemoteLogRecord<'_>, InternalError> {
    decode_framed(
        InternalTopic::RemoteLogMetadata,
        value,
        RemoteLogMetadataBody::read,
    )
}

fn framed_head(api_key: i16, version: i16) -> [u32; 3] {
    [
        u32::from(FRAME_VERSION),
        api_key as u16 as u32,
        version as u16 as u32,
    ]
}

/// Writes a `__cluster_metadata` record's value: the frame (version 1, the
/// body's API key, `version`) and the body at `version`.
pub fn encode_metadata_record<S: Sink + ?Sized>(
    body: &MetadataRecordBody<'_>,
    version: i16,
    w: &mut S,
) -> Result<(), EncodeError> {
    for v in framed_head(body.api_key(), version) {
        put_uvarint(w, v)?;
    }
    body.write(w, version)
}

/// The size of [`encode_metadata_record`]'s output.
pub fn metadata_record_len(
    body: &MetadataRecordBody<'_>,
    version: i16,
) -> Result<usize, EncodeError> {
    let head: usize = framed_head(body.api_key(), version)
        .iter()
        .map(|&v| uvarint_len(v))
        .sum();
    Ok(head + body.body_len(version)?)
}

/// Writes a `__remote_log_metadata` record's value (the same frame).
pub fn encode_remote_log_record<S: Sink + ?Sized>(
    body: &RemoteLogMetadataBody<'_>,
    version: i16,
    w: &mut S,
) -> Result<(), EncodeError> {
    for v in framed_head(body.api_key(), version) {
        put_uvarint(w, v)?;
    }
    body.write(w, version)
}

/// A KRaft control record (in a control batch of `__cluster_metadata`):
/// its value, read at version 0 with no version prefix (each schema begins
/// with its own int16 `Version` field).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(untagged))]
pub enum KRaftControl<'a> {
    /// Type 2.
    LeaderChange(LeaderChangeMessage<'a>),
    /// Type 3.
    SnapshotHeader(SnapshotHeaderRecord<'a>),
    /// Type 4.
    SnapshotFooter(SnapshotFooterRecord<'a>),
    /// Type 5.
    KRaftVersion(KRaftVersionRecord<'a>),
    /// Type 6.
    Voters(VotersRecord<'a>),
}

impl<'a> KRaftControl<'a> {
    /// The control record type (the key's second int16).
    pub fn control_type(&self) -> i16 {
        match self {
            KRaftControl::LeaderChange(_) => 2,
            KRaftControl::SnapshotHeader(_) => 3,
            KRaftControl::SnapshotFooter(_) => 4,
            KRaftControl::KRaftVersion(_) => 5,
            KRaftControl::Voters(_) => 6,
        }
    }

    /// The schema's name (`LeaderChangeMessage`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            KRaftControl::LeaderChange(_) => LeaderChangeMessage::SCHEMA.name,
            KRaftControl::SnapshotHeader(_) => SnapshotHeaderRecord::SCHEMA.name,
            KRaftControl::SnapshotFooter(_) => SnapshotFooterRecord::SCHEMA.name,
            KRaftControl::KRaftVersion(_) => KRaftVersionRecord::SCHEMA.name,
            KRaftControl::Voters(_) => VotersRecord::SCHEMA.name,
        }
    }

    /// Reads the value of a control record of `control_type`.
    pub fn decode(control_type: i16, value: &'a [u8]) -> Result<Self, InternalError> {
        let topic = InternalTopic::ClusterMetadata;
        let e = |e| InternalError::decode(topic, Part::Value, e);
        Ok(match control_type {
            2 => KRaftControl::LeaderChange(LeaderChangeMessage::decode(value, 0).map_err(e)?),
            3 => KRaftControl::SnapshotHeader(SnapshotHeaderRecord::decode(value, 0).map_err(e)?),
            4 => KRaftControl::SnapshotFooter(SnapshotFooterRecord::decode(value, 0).map_err(e)?),
            5 => KRaftControl::KRaftVersion(KRaftVersionRecord::decode(value, 0).map_err(e)?),
            6 => KRaftControl::Voters(VotersRecord::decode(value, 0).map_err(e)?),
            t => {
                return Err(InternalError::new(
                    topic,
                    Part::Key,
                    2,
                    InternalErrorKind::ControlType(t),
                ))
            }
        })
    }

    /// Writes the value (version 0, no prefix).
    pub fn encode<S: Sink + ?Sized>(&self, w: &mut S) -> Result<(), EncodeError> {
        match self {
            KRaftControl::LeaderChange(m) => m.encode(w, 0),
            KRaftControl::SnapshotHeader(m) => m.encode(w, 0),
            KRaftControl::SnapshotFooter(m) => m.encode(w, 0),
            KRaftControl::KRaftVersion(m) => m.encode(w, 0),
            KRaftControl::Voters(m) => m.encode(w, 0),
        }
    }
}

/// A decoded record of an internal topic.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum InternalRecord<'a> {
    /// `__consumer_offsets`.
    Group(GroupRecord<'a>),
    /// `__transaction_state`.
    Transaction(TransactionRecord<'a>),
    /// `__share_group_state`.
    Share(ShareRecord<'a>),
    /// `__cluster_metadata`.
    Metadata(MetadataRecord<'a>),
    /// `__remote_log_metadata`.
    RemoteLog(RemoteLogRecord<'a>),
    /// A KRaft control record of `__cluster_metadata`.
    KRaftControl(KRaftControl<'a>),
    /// A transaction marker in a coordinator topic's control batch.
    TxnMarker {
        /// Commit (true) or abort.
        commit: bool,
        /// The coordinator epoch.
        coordinator_epoch: i32,
    },
}

fn control_type(topic: InternalTopic, key: Option<&[u8]>) -> Result<i16, InternalError> {
    let key = key.ok_or(InternalError::new(
        topic,
        Part::Key,
        0,
        InternalErrorKind::MissingKey,
    ))?;
    let mut r = Reader::new(key);
    let version = i16_at(&mut r, topic, Part::Key)?;
    let t = i16_at(&mut r, topic, Part::Key)?;
    if version != 0 {
        return Err(InternalError::new(
            topic,
            Part::Key,
            0,
            InternalErrorKind::Decode(DecodeErrorKind::UnsupportedVersion(version)),
        ));
    }
    finish(&r, topic, Part::Key)?;
    Ok(t)
}

/// Decodes a record of `topic` from its key and value (`None` = null),
/// `control` when it comes from a control batch.
pub fn decode_record<'a>(
    topic: InternalTopic,
    key: Option<&'a [u8]>,
    value: Option<&'a [u8]>,
    control: bool,
) -> Result<InternalRecord<'a>, InternalError> {
    if control {
        let t = control_type(topic, key)?;
        return match (topic, t) {
            (InternalTopic::ClusterMetadata, _) => {
                let v = value.ok_or(InternalError::new(
                    topic,
                    Part::Value,
                    0,
                    InternalErrorKind::MissingValue,
                ))?;
                KRaftControl::decode(t, v).map(InternalRecord::KRaftControl)
            }
            (_, 0 | 1) => {
                let v = value.ok_or(InternalError::new(
                    topic,
                    Part::Value,
                    0,
                    InternalErrorKind::MissingValue,
                ))?;
                let mut r = Reader::new(v);
                let version = i16_at(&mut r, topic, Part::Value)?;
                if version != 0 {
                    return Err(InternalError::new(
                        topic,
                        Part::Value,
                        0,
                        InternalErrorKind::Decode(DecodeErrorKind::UnsupportedVersion(version)),
                    ));
                }
                let epoch = r
                    .i32()
                    .map_err(|e| InternalError::decode(topic, Part::Value, e))?;
                finish(&r, topic, Part::Value)?;
                Ok(InternalRecord::TxnMarker {
                    commit: t == 1,
                    coordinator_epoch: epoch,
                })
            }
            _ => Err(InternalError::new(
                topic,
                Part::Key,
                2,
                InternalErrorKind::ControlType(t),
            )),
        };
    }
    match topic {
        InternalTopic::ConsumerOffsets => decode_coordinator(key, value).map(InternalRecord::Group),
        InternalTopic::TransactionState => {
            decode_coordinator(key, value).map(InternalRecord::Transaction)
        }
        InternalTopic::ShareGroupState => decode_coordinator(key, value).map(InternalRecord::Share),
        InternalTopic::ClusterMetadata | InternalTopic::RemoteLogMetadata => {
            if topic == InternalTopic::ClusterMetadata && key.is_some() {
                return Err(InternalError::new(
                    topic,
                    Part::Key,
                    0,
                    InternalErrorKind::UnexpectedKey,
                ));
            }
            let v = value.ok_or(InternalError::new(
                topic,
                Part::Value,
                0,
                InternalErrorKind::MissingValue,
            ))?;
            if topic == InternalTopic::ClusterMetadata {
                decode_metadata_record(v).map(InternalRecord::Metadata)
            } else {
                decode_remote_log_record(v).map(InternalRecord::RemoteLog)
            }
        }
    }
}
