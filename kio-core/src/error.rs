//! Errors of decoding and encoding: what went wrong, where (byte offset, field) and why.

use core::fmt;

/// Why a decode failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input ended: `needed` bytes were wanted, only `remaining` were left.
    UnexpectedEof {
        /// Bytes the value needed.
        needed: usize,
        /// Bytes that were left.
        remaining: usize,
    },
    /// A varint ran past its longest legal encoding (5 bytes for 32 bits, 10 for 64).
    VarintTooLong,
    /// A length or count prefix was negative (and not the null marker -1).
    NegativeLength(i64),
    /// A length or count prefix asked for more than the input still holds.
    LengthTooLarge {
        /// The declared length or count.
        declared: u64,
        /// Bytes left in the input.
        remaining: usize,
    },
    /// A null arrived in a field that is not nullable at this version.
    UnexpectedNull,
    /// The version is not one this message supports.
    UnsupportedVersion(i16),
    /// The API key is not one the generated releases define.
    UnknownApiKey(i16),
    /// A tagged field's declared size did not match what its value used.
    TaggedFieldSize {
        /// The tag.
        tag: u32,
        /// The declared size.
        declared: usize,
        /// Bytes its value actually used.
        used: usize,
    },
    /// Bytes were left over after the message ended.
    TrailingBytes(usize),
    /// A frame's size prefix was negative.
    InvalidFrameSize(i32),
}

/// A decode failure: what (the field being read), where (absolute byte offset) and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DecodeError {
    /// Byte offset in the decoded input where the failure was found.
    pub offset: usize,
    /// The innermost field being read, as `Struct.Field` (empty if none).
    pub field: &'static str,
    /// Why it failed.
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    /// A new error at `offset`, not yet tied to a field.
    pub const fn new(offset: usize, kind: DecodeErrorKind) -> Self {
        Self {
            offset,
            field: "",
            kind,
        }
    }

    /// Names the field being read, unless an inner field was already named.
    /// With the `no-field-names` feature it names nothing (see that feature).
    #[must_use]
    #[cfg_attr(feature = "no-field-names", inline(always))]
    pub fn in_field(mut self, field: &'static str) -> Self {
        if !cfg!(feature = "no-field-names") && self.field.is_empty() {
            self.field = field;
        }
        self
    }
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::UnexpectedEof { needed, remaining } => {
                write!(f, "input ended: needed {needed} bytes, {remaining} left")
            }
            Self::VarintTooLong => f.write_str("varint longer than its type allows"),
            Self::NegativeLength(n) => write!(f, "negative length {n}"),
            Self::LengthTooLarge {
                declared,
                remaining,
            } => {
                write!(f, "length {declared} exceeds the {remaining} bytes left")
            }
            Self::UnexpectedNull => {
                f.write_str("null in a field that is not nullable at this version")
            }
            Self::UnsupportedVersion(v) => write!(f, "unsupported version {v}"),
            Self::UnknownApiKey(k) => write!(f, "unknown API key {k}"),
            Self::TaggedFieldSize {
                tag,
                declared,
                used,
            } => {
                write!(
                    f,
                    "tagged field {tag} declared {declared} bytes but its value used {used}"
                )
            }
            Self::TrailingBytes(n) => write!(f, "{n} bytes left over after the message"),
            Self::InvalidFrameSize(n) => write!(f, "invalid frame size {n}"),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "at byte {}: {}", self.offset, self.kind)
        } else {
            write!(
                f,
                "at byte {} in {}: {}",
                self.offset, self.field, self.kind
            )
        }
    }
}

impl core::error::Error for DecodeError {}

/// Why an encode failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum EncodeErrorKind {
    /// The field holds a non-default value but this version cannot carry it
    /// and the field is not ignorable (Kafka's rule).
    FieldNotInVersion(i16),
    /// The field is null but not nullable at this version.
    NullNotAllowed(i16),
    /// The version is not one this message supports.
    UnsupportedVersion(i16),
    /// A string, bytes or array is longer than the wire format can express.
    TooLong(usize),
    /// The output buffer is full.
    BufferFull,
    /// The underlying writer failed.
    Io(embedded_io::ErrorKind),
}

/// An encode failure: what field and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct EncodeError {
    /// The innermost field being written, as `Struct.Field` (empty if none).
    pub field: &'static str,
    /// Why it failed.
    pub kind: EncodeErrorKind,
}

impl EncodeError {
    /// A new error not yet tied to a field.
    pub const fn new(kind: EncodeErrorKind) -> Self {
        Self { field: "", kind }
    }

    /// Names the field being written, unless an inner field was already named.
    /// With the `no-field-names` feature it names nothing (see that feature).
    #[must_use]
    #[cfg_attr(feature = "no-field-names", inline(always))]
    pub fn in_field(mut self, field: &'static str) -> Self {
        if !cfg!(feature = "no-field-names") && self.field.is_empty() {
            self.field = field;
        }
        self
    }
}

impl fmt::Display for EncodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::FieldNotInVersion(v) => {
                write!(f, "holds a non-default value that version {v} cannot carry")
            }
            Self::NullNotAllowed(v) => write!(f, "is null but not nullable at version {v}"),
            Self::UnsupportedVersion(v) => write!(f, "unsupported version {v}"),
            Self::TooLong(n) => write!(f, "length {n} is too long for the wire format"),
            Self::BufferFull => f.write_str("output buffer is full"),
            Self::Io(k) => write!(f, "writer failed: {k:?}"),
        }
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "encode: {}", self.kind)
        } else {
            write!(f, "encode {}: {}", self.field, self.kind)
        }
    }
}

impl core::error::Error for EncodeError {}
