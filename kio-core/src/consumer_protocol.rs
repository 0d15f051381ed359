//! The consumer-group protocol inside JoinGroup and SyncGroup: a member's
//! subscription (JoinGroup `metadata`, protocol type `consumer`) and its
//! assignment (SyncGroup `assignment`), as Kafka's `ConsumerProtocol` frames
//! them: an int16 version, then `ConsumerProtocolSubscription` or
//! `ConsumerProtocolAssignment` at that version.
//!
//! Like Kafka's `ConsumerProtocol.deserialize*`, a version newer than the
//! newest known (3) is read as the newest, and the bytes that newer version
//! adds after it are left alone; for a known version the bytes must end
//! with the struct.
//!
//! ```
//! use kio_core::consumer_protocol::{decode_subscription, encode_subscription};
//! use kio_core::messages::ConsumerProtocolSubscription;
//! use kio_core::{Array, Str};
//!
//! let topics = [Str::new("kp-test")];
//! let sub = ConsumerProtocolSubscription { topics: Array::from(&topics), ..Default::default() };
//! let mut bytes = Vec::new();
//! encode_subscription(&sub, 3, &mut bytes).unwrap();
//! let back = decode_subscription(&bytes).unwrap();
//! assert_eq!(back.version, 3);
//! assert_eq!(back.value.topics.iter().next().unwrap(), "kp-test");
//! ```

use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::messages::{ConsumerProtocolAssignment, ConsumerProtocolSubscription};
use crate::wire::{Reader, Sink};
use crate::Message;

/// A decoded consumer-protocol payload: the version on the wire, the
/// version it was read at (lower when the wire's is newer than kio knows)
/// and the struct.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    /// The int16 version prefix.
    pub version: i16,
    /// The version the struct was read at: `version`, or the newest known.
    pub decoded_as: i16,
    /// The struct.
    pub value: T,
}

fn decode<'a, T: Message<'a>>(bytes: &'a [u8]) -> Result<Versioned<T>, DecodeError> {
    let mut r = Reader::new(bytes);
    let version = r
        .i16()
        .map_err(|e| e.in_field("ConsumerProtocol.Version"))?;
    if version < 0 {
        return Err(
            DecodeError::new(0, DecodeErrorKind::UnsupportedVersion(version))
                .in_field("ConsumerProtocol.Version"),
        );
    }
    let newest = T::SCHEMA.valid.max;
    let decoded_as = version.min(newest);
    let value = T::decode_from(&mut r, decoded_as)?;
    if version <= newest {
        r.finish()?;
    }
    Ok(Versioned {
        version,
        decoded_as,
        value,
    })
}

fn encode<'a, T: Message<'a>, S: Sink + ?Sized>(
    value: &T,
    version: i16,
    w: &mut S,
) -> Result<(), EncodeError> {
    // Checked before the prefix is written.
    value.encoded_len(version)?;
    w.put(&version.to_be_bytes())?;
    value.encode(w, version)
}

/// Decodes a JoinGroup member's `metadata` (protocol type `consumer`).
pub fn decode_subscription(
    bytes: &[u8],
) -> Result<Versioned<ConsumerProtocolSubscription<'_>>, DecodeError> {
    decode(bytes)
}

/// Decodes a SyncGroup member's `assignment` (protocol type `consumer`).
pub fn decode_assignment(
    bytes: &[u8],
) -> Result<Versioned<ConsumerProtocolAssignment<'_>>, DecodeError> {
    decode(bytes)
}

/// Writes a subscription: the int16 `version`, then the struct at it.
pub fn encode_subscription<S: Sink + ?Sized>(
    value: &ConsumerProtocolSubscription<'_>,
    version: i16,
    w: &mut S,
) -> Result<(), EncodeError> {
    encode(value, version, w)
}

/// Writes an assignment: the int16 `version`, then the struct at it.
pub fn encode_assignment<S: Sink + ?Sized>(
    value: &ConsumerProtocolAssignment<'_>,
    version: i16,
    w: &mut S,
) -> Result<(), EncodeError> {
    encode(value, version, w)
}
