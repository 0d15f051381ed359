//! Control records: the records of a control batch (transaction markers and
//! KRaft's own control types).

use super::error::{RecordsError, RecordsErrorKind, Result};
use super::record::Record;

/// The type in a control record's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ControlType {
    /// Transaction abort marker (0).
    Abort,
    /// Transaction commit marker (1).
    Commit,
    /// Any other type (KRaft: 2 leader change, 3/4 snapshot header/footer,
    /// 5 KRaft version, 6 voters), kept as its number.
    Other(i16),
}

impl ControlType {
    /// The type for a wire number.
    pub const fn from_i16(v: i16) -> Self {
        match v {
            0 => ControlType::Abort,
            1 => ControlType::Commit,
            o => ControlType::Other(o),
        }
    }

    /// The wire number.
    pub const fn as_i16(self) -> i16 {
        match self {
            ControlType::Abort => 0,
            ControlType::Commit => 1,
            ControlType::Other(o) => o,
        }
    }
}

/// A control record's key: version (0) and type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ControlRecordKey {
    /// Key version (0 so far; newer versions may append fields).
    pub version: i16,
    /// The control type.
    pub control_type: ControlType,
}

impl ControlRecordKey {
    /// Encoded size.
    pub const LEN: usize = 4;

    /// Reads a key; a version above 0 may carry trailing bytes, as in Kafka.
    pub fn parse(key: &[u8]) -> Result<Self> {
        let bad = || {
            RecordsError::new(
                RecordsErrorKind::InvalidControlRecord,
                "control record key",
                0,
            )
        };
        let b = key.get(..4).ok_or_else(bad)?;
        let version = i16::from_be_bytes([b[0], b[1]]);
        if version < 0 {
            return Err(bad());
        }
        Ok(ControlRecordKey {
            version,
            control_type: ControlType::from_i16(i16::from_be_bytes([b[2], b[3]])),
        })
    }

    /// The 4 wire bytes.
    pub fn to_bytes(&self) -> [u8; 4] {
        let v = self.version.to_be_bytes();
        let t = self.control_type.as_i16().to_be_bytes();
        [v[0], v[1], t[0], t[1]]
    }
}

/// An end-transaction marker's value: version (0) and coordinator epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EndTxnMarker {
    /// Value version (0).
    pub version: i16,
    /// Epoch of the transaction coordinator that wrote the marker.
    pub coordinator_epoch: i32,
}

impl EndTxnMarker {
    /// Encoded size.
    pub const LEN: usize = 6;

    /// Reads a marker value.
    pub fn parse(value: &[u8]) -> Result<Self> {
        let bad = || RecordsError::new(RecordsErrorKind::InvalidControlRecord, "end txn marker", 0);
        let b = value.get(..6).ok_or_else(bad)?;
        let version = i16::from_be_bytes([b[0], b[1]]);
        if version < 0 {
            return Err(bad());
        }
        Ok(EndTxnMarker {
            version,
            coordinator_epoch: i32::from_be_bytes([b[2], b[3], b[4], b[5]]),
        })
    }

    /// The 6 wire bytes.
    pub fn to_bytes(&self) -> [u8; 6] {
        let v = self.version.to_be_bytes();
        let e = self.coordinator_epoch.to_be_bytes();
        [v[0], v[1], e[0], e[1], e[2], e[3]]
    }
}

/// A decoded control record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlRecord<'a> {
    /// A transaction commit or abort marker.
    EndTxn {
        /// `true` for commit, `false` for abort.
        commit: bool,
        /// The key as read.
        key: ControlRecordKey,
        /// The value as read.
        marker: EndTxnMarker,
    },
    /// Another control type; its value is left to the caller.
    Other {
        /// The key as read.
        key: ControlRecordKey,
        /// The raw value.
        value: Option<&'a [u8]>,
    },
}

impl<'a> ControlRecord<'a> {
    /// Decodes a record of a control batch.
    pub fn parse(record: &Record<'a>) -> Result<Self> {
        let key = ControlRecordKey::parse(record.key.unwrap_or(&[]))?;
        match key.control_type {
            ControlType::Abort | ControlType::Commit => Ok(ControlRecord::EndTxn {
                commit: key.control_type == ControlType::Commit,
                key,
                marker: EndTxnMarker::parse(record.value.unwrap_or(&[]))?,
            }),
            ControlType::Other(_) => Ok(ControlRecord::Other {
                key,
                value: record.value,
            }),
        }
    }
}
