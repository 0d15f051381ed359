//! What can go wrong, typed.

use core::fmt;
use embedded_io::ErrorKind;
use kio_core::records::RecordsError;
use kio_core::{ApiKey, DecodeError, EncodeError, ErrorCode};

/// Why a request finally failed after its retries ([`Error::RetriesExhausted`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Failure {
    /// The stream failed or closed.
    Io(ErrorKind),
    /// The broker kept answering with a retriable error code.
    Broker(i16),
}

/// A producer error. Nothing is dropped silently: every failure of a
/// request ends in one of these, and a batch whose `send` failed was not
/// acknowledged (its sequence number was not used up, so sending it again is safe).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The stream failed.
    Io(ErrorKind),
    /// The stream ended.
    Closed,
    /// A response did not fit the response buffer (it was skipped).
    FrameTooLarge {
        /// The frame's size.
        size: usize,
        /// The buffer's size.
        capacity: usize,
    },
    /// A request could not be encoded.
    Encode(EncodeError),
    /// A response could not be decoded by the full decoder
    /// ([`session::decode`](crate::session::decode)); the producer itself
    /// decodes with the lean one and reports [`Error::Malformed`].
    Decode(DecodeError),
    /// A response did not decode (the producer's lean decoder says where
    /// it stopped, not why: decode the frame with `kio_core` for that).
    Malformed {
        /// The request answered.
        api: ApiKey,
        /// Byte offset in the frame (after its size) where decoding stopped.
        offset: usize,
    },
    /// A batch could not be built, stamped or read.
    Records(RecordsError),
    /// A response answered another request.
    UnexpectedCorrelationId {
        /// The id we sent.
        expected: i32,
        /// The id that came back.
        got: i32,
    },
    /// The broker shares no version of an API with us.
    UnsupportedApi(ApiKey),
    /// The broker answered a request with an error code that retrying cannot fix
    /// (or a retriable one, before retries are exhausted).
    Broker {
        /// The request.
        api: ApiKey,
        /// The error code.
        code: i16,
    },
    /// The broker refused a batch for a partition.
    Partition {
        /// The partition.
        partition: i32,
        /// The error code.
        code: i16,
    },
    /// The topic is not in the metadata.
    TopicNotFound,
    /// The topic has more partitions than the producer has room for.
    TooManyPartitions(usize),
    /// A partition the topic does not have (or has no leader for yet).
    UnknownPartition(i32),
    /// Not connected yet (call `connect`).
    NotConnected,
    /// Retries ran out.
    RetriesExhausted {
        /// The request.
        api: ApiKey,
        /// The last failure.
        last: Failure,
    },
}

impl Error {
    /// The broker error code carried, if any.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Broker { code, .. } | Error::Partition { code, .. } => {
                Some(ErrorCode::from_code(*code))
            }
            Error::RetriesExhausted {
                last: Failure::Broker(code),
                ..
            } => Some(ErrorCode::from_code(*code)),
            _ => None,
        }
    }

    /// `true` for a failure of the connection (retried after a reconnect).
    pub fn is_io(&self) -> bool {
        matches!(
            self,
            Error::Io(_) | Error::Closed | Error::UnexpectedCorrelationId { .. }
        )
    }

    /// `true` if retrying the request may succeed.
    pub fn is_retriable(&self) -> bool {
        self.is_io()
            || matches!(self, Error::UnknownPartition(_))
            || matches!(self, Error::Broker { code, .. } | Error::Partition { code, .. }
                if crate::session::retriable(*code))
    }

    /// What [`Error::RetriesExhausted`] reports for this error.
    pub(crate) fn failure(&self) -> Failure {
        match self {
            Error::Io(k) => Failure::Io(*k),
            Error::Broker { code, .. } | Error::Partition { code, .. } => Failure::Broker(*code),
            _ => Failure::Io(ErrorKind::Other),
        }
    }
}

impl From<EncodeError> for Error {
    fn from(e: EncodeError) -> Self {
        match e.kind {
            kio_core::EncodeErrorKind::Io(k) => Error::Io(k),
            _ => Error::Encode(e),
        }
    }
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Error::Decode(e)
    }
}

impl From<RecordsError> for Error {
    fn from(e: RecordsError) -> Self {
        Error::Records(e)
    }
}

impl<E: embedded_io::Error> From<kio_core::frame::FrameError<E>> for Error {
    fn from(e: kio_core::frame::FrameError<E>) -> Self {
        use kio_core::frame::FrameError as F;
        match e {
            F::Io(e) => Error::Io(e.kind()),
            F::Closed | F::UnexpectedEof { .. } => Error::Closed,
            F::InvalidSize(_) => Error::Io(ErrorKind::InvalidData),
            F::TooLarge { size, capacity } => Error::FrameTooLarge { size, capacity },
            F::Encode(e) => Error::from(e),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(k) => write!(f, "stream error: {k:?}"),
            Error::Closed => f.write_str("stream closed"),
            Error::FrameTooLarge { size, capacity } => write!(
                f,
                "response of {size} bytes does not fit the {capacity}-byte buffer"
            ),
            Error::Encode(e) => write!(f, "encode: {e}"),
            Error::Decode(e) => write!(f, "decode: {e}"),
            Error::Records(e) => write!(f, "records: {e}"),
            Error::Malformed { api, offset } => {
                write!(f, "{api:?}: malformed response (stopped at byte {offset})")
            }
            Error::UnexpectedCorrelationId { expected, got } => {
                write!(f, "response to request {got}, expected {expected}")
            }
            Error::UnsupportedApi(api) => write!(f, "broker shares no version of {api:?}"),
            Error::Broker { api, code } => write!(
                f,
                "{api:?}: broker error {code} ({})",
                ErrorCode::from_code(*code).name()
            ),
            Error::Partition { partition, code } => write!(
                f,
                "partition {partition}: broker error {code} ({})",
                ErrorCode::from_code(*code).name()
            ),
            Error::TopicNotFound => f.write_str("topic not in the metadata"),
            Error::TooManyPartitions(n) => write!(f, "topic has {n} partitions, too many"),
            Error::UnknownPartition(p) => write!(f, "partition {p} unknown or without leader"),
            Error::NotConnected => f.write_str("not connected"),
            Error::RetriesExhausted { api, last } => {
                write!(f, "{api:?}: retries exhausted, last failure {last:?}")
            }
        }
    }
}

impl core::error::Error for Error {}

#[cfg(feature = "defmt")]
impl defmt::Format for Error {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self {
            Error::Io(k) => defmt::write!(f, "io {}", k),
            Error::Broker { api, code } => {
                defmt::write!(f, "api {=i16} error {=i16}", api.key(), code)
            }
            Error::Partition { partition, code } => {
                defmt::write!(f, "partition {=i32} error {=i16}", partition, code)
            }
            Error::RetriesExhausted { api, last } => {
                defmt::write!(f, "api {=i16} retries exhausted: {}", api.key(), last)
            }
            _ => defmt::write!(f, "producer error"),
        }
    }
}
