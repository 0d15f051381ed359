//! The traits every generated type implements, and their implementations for
//! Kafka's primitive types.

use crate::error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
use crate::schema::MessageSchema;
use crate::types::{Array, Bytes, RecordsBytes, Str, Uuid};
use crate::wire::{put_uvarint, CountingSink, Reader, Sink};

/// How a value is laid out at one version of its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cx {
    /// The message version.
    pub version: i16,
    /// Whether this version uses the compact ("flexible") encodings.
    pub flexible: bool,
    /// Whether the field may be null at this version.
    pub nullable: bool,
}

impl Cx {
    /// A context for `version`.
    pub const fn new(version: i16, flexible: bool, nullable: bool) -> Self {
        Self {
            version,
            flexible,
            nullable,
        }
    }
}

/// A value with a Kafka wire form: every field type and every generated struct.
pub trait Wire<'a>: Sized {
    /// Reads a value laid out as `cx` says, borrowing from the reader's input.
    fn read(r: &mut Reader<'a>, cx: Cx) -> Result<Self, DecodeError>;
    /// Writes the value laid out as `cx` says.
    fn write(&self, w: &mut dyn Sink, cx: Cx) -> Result<(), EncodeError>;
}

/// A generated struct (a message or one of its nested structs).
pub trait Struct<'a>: Wire<'a> + Default + Clone + PartialEq + core::fmt::Debug {}

/// A top-level message: a request, a response, a header or a data schema.
pub trait Message<'a>: Struct<'a> {
    /// The message's schema: name, versions and fields.
    const SCHEMA: &'static MessageSchema;

    /// Decodes `bytes` (exactly one message, nothing after it) at `version`.
    fn decode(bytes: &'a [u8], version: i16) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let value = Self::decode_from(&mut r, version)?;
        r.finish()?;
        Ok(value)
    }

    /// Decodes one message at `version` from a reader, leaving what follows.
    fn decode_from(r: &mut Reader<'a>, version: i16) -> Result<Self, DecodeError> {
        if !Self::SCHEMA.valid.contains(version) {
            return Err(r.error(DecodeErrorKind::UnsupportedVersion(version)));
        }
        Self::read(r, Self::SCHEMA.cx(version))
    }

    /// Encodes the message at `version` into `w`.
    fn encode(&self, w: &mut dyn Sink, version: i16) -> Result<(), EncodeError> {
        if !Self::SCHEMA.valid.contains(version) {
            return Err(
                EncodeError::new(EncodeErrorKind::UnsupportedVersion(version))
                    .in_field(Self::SCHEMA.name),
            );
        }
        self.write(w, Self::SCHEMA.cx(version))
    }

    /// The exact number of bytes [`Message::encode`] writes at `version`.
    fn encoded_len(&self, version: i16) -> Result<usize, EncodeError> {
        let mut count = CountingSink::default();
        self.encode(&mut count, version)?;
        Ok(count.count)
    }

    /// Encodes into a new `Vec`.
    #[cfg(feature = "alloc")]
    fn to_vec(&self, version: i16) -> Result<alloc::vec::Vec<u8>, EncodeError> {
        let mut out = alloc::vec::Vec::new();
        self.encode(&mut out, version)?;
        Ok(out)
    }
}

/// A request, paired at the type level with its response.
pub trait Request<'a>: Message<'a> {
    /// The API key.
    const API_KEY: crate::ApiKey;
    /// The response type to this request.
    type Response<'b>: Message<'b>;
}

/// A response, paired at the type level with its request.
pub trait Response<'a>: Message<'a> {
    /// The API key.
    const API_KEY: crate::ApiKey;
}

macro_rules! int_wire {
    ($($t:ty => $read:ident),*) => {$(
        impl<'a> Wire<'a> for $t {
            #[inline]
            fn read(r: &mut Reader<'a>, _cx: Cx) -> Result<Self, DecodeError> {
                r.$read()
            }
            #[inline]
            fn write(&self, w: &mut dyn Sink, _cx: Cx) -> Result<(), EncodeError> {
                w.put(&self.to_be_bytes())
            }
        }
    )*};
}
int_wire!(i8 => i8, i16 => i16, u16 => u16, i32 => i32, u32 => u32, i64 => i64, f64 => f64);

impl<'a> Wire<'a> for bool {
    /// Any non-zero byte is `true`, as Kafka's `readByte() != 0`.
    fn read(r: &mut Reader<'a>, _cx: Cx) -> Result<Self, DecodeError> {
        Ok(r.u8()? != 0)
    }
    fn write(&self, w: &mut dyn Sink, _cx: Cx) -> Result<(), EncodeError> {
        w.put(&[u8::from(*self)])
    }
}
impl<'a> Wire<'a> for Uuid {
    fn read(r: &mut Reader<'a>, _cx: Cx) -> Result<Self, DecodeError> {
        r.uuid().map(Uuid)
    }
    fn write(&self, w: &mut dyn Sink, _cx: Cx) -> Result<(), EncodeError> {
        w.put(&self.0)
    }
}
/// Writes a length prefix: compact (N+1, 0 = null) or `int16`/`int32` (-1 = null).
pub fn write_length(
    w: &mut dyn Sink,
    len: Option<usize>,
    compact: bool,
    wide: bool,
) -> Result<(), EncodeError> {
    let too_long = |n: usize| EncodeError::new(EncodeErrorKind::TooLong(n));
    match (len, compact) {
        (None, true) => put_uvarint(w, 0),
        (Some(n), true) => {
            let v = u32::try_from(n)
                .ok()
                .and_then(|n| n.checked_add(1))
                .ok_or(too_long(n))?;
            put_uvarint(w, v)
        }
        (None, false) if wide => w.put(&(-1i32).to_be_bytes()),
        (None, false) => w.put(&(-1i16).to_be_bytes()),
        (Some(n), false) if wide => {
            w.put(&i32::try_from(n).map_err(|_| too_long(n))?.to_be_bytes())
        }
        (Some(n), false) => w.put(&i16::try_from(n).map_err(|_| too_long(n))?.to_be_bytes()),
    }
}

fn read_blob<'a>(r: &mut Reader<'a>, cx: Cx, wide: bool) -> Result<Option<&'a [u8]>, DecodeError> {
    let start = r.offset();
    match r.length(cx.flexible, wide)? {
        Some(n) => r.take(n).map(Some),
        None if cx.nullable => Ok(None),
        None => Err(DecodeError::new(start, DecodeErrorKind::UnexpectedNull)),
    }
}

fn null_not_allowed(cx: Cx) -> EncodeError {
    EncodeError::new(EncodeErrorKind::NullNotAllowed(cx.version))
}

impl<'a> Wire<'a> for Str<'a> {
    fn read(r: &mut Reader<'a>, cx: Cx) -> Result<Self, DecodeError> {
        let cx = Cx {
            nullable: false,
            ..cx
        };
        read_blob(r, cx, false).map(|b| Str::from_utf8_unchecked_bytes(b.unwrap_or_default()))
    }
    fn write(&self, w: &mut dyn Sink, cx: Cx) -> Result<(), EncodeError> {
        write_length(w, Some(self.len()), cx.flexible, false)?;
        w.put(self.as_bytes())
    }
}
impl<'a> Wire<'a> for Option<Str<'a>> {
    fn read(r: &mut Reader<'a>, cx: Cx) -> Result<Self, DecodeError> {
        Ok(read_blob(r, cx, false)?.map(Str::from_utf8_unchecked_bytes))
    }
    fn write(&self, w: &mut dyn Sink, cx: Cx) -> Result<(), EncodeError> {
        match self {
            Some(s) => s.write(w, cx),
            None if cx.nullable => write_length(w, None, cx.flexible, false),
            None => Err(null_not_allowed(cx)),
        }
    }
}

impl<'a> Wire<'a> for Bytes<'a> {
    fn read(r: &mut Reader<'a>, cx: Cx) -> Result<Self, DecodeError> {
        let cx = Cx {
            nullable: false,
            ..cx
        };
        read_blob(r, cx, true).map(|b| Bytes::new(b.unwrap_or_default()))
    }
    fn write(&self, w: &mut dyn Sink, cx: Cx) -> Result<(), EncodeError> {
        write_length(w, Some(self.len()), cx.flexible, true)?;
        w.put(self.as_slice())
    }
}
impl<'a> Wire<'a> for Option<Bytes<'a>> {
    fn read(r: &mut Reader<'a>, cx: Cx) -> Result<Self, DecodeError> {
        Ok(read_blob(r, cx, true)?.map(Bytes::new))
    }
    fn write(&self, w: &mut dyn Sink, cx: Cx) -> Result<(), EncodeError> {
        match self {
            Some(b) => b.write(w, cx),
            None if cx.nullable => write_length(w, None, cx.flexible, true),
            None => Err(null_not_allowed(cx)),
        }
    }
}

impl<'a> Wire<'a> for RecordsBytes<'a> {
    fn read(r: &mut Reader<'a>, cx: Cx) -> Result<Self, DecodeError> {
        let cx = Cx {
            nullable: false,
            ..cx
        };
        read_blob(r, cx, true).map(|b| RecordsBytes::new(b.unwrap_or_default()))
    }
    fn write(&self, w: &mut dyn Sink, cx: Cx) -> Result<(), EncodeError> {
        write_length(w, Some(self.as_slice().len()), cx.flexible, true)?;
        w.put(self.as_slice())
    }
}

impl<'a> Wire<'a> for Option<RecordsBytes<'a>> {
    fn read(r: &mut Reader<'a>, cx: Cx) -> Result<Self, DecodeError> {
        Ok(read_blob(r, cx, true)?.map(RecordsBytes::new))
    }
    fn write(&self, w: &mut dyn Sink, cx: Cx) -> Result<(), EncodeError> {
        match self {
            Some(b) => {
                write_length(w, Some(b.as_slice().len()), cx.flexible, true)?;
                w.put(b.as_slice())
            }
            None if cx.nullable => write_length(w, None, cx.flexible, true),
            None => Err(null_not_allowed(cx)),
        }
    }
}

impl<'a, T: Wire<'a> + Clone> Wire<'a> for Array<'a, T> {
    fn read(r: &mut Reader<'a>, cx: Cx) -> Result<Self, DecodeError> {
        let start = r.offset();
        match Array::read_elements(r, cx)? {
            Some(a) => Ok(a),
            None => Err(DecodeError::new(start, DecodeErrorKind::UnexpectedNull)),
        }
    }
    fn write(&self, w: &mut dyn Sink, cx: Cx) -> Result<(), EncodeError> {
        write_length(w, Some(self.len()), cx.flexible, true)?;
        self.write_elements(w, cx)
    }
}
impl<'a, T: Wire<'a> + Clone> Wire<'a> for Option<Array<'a, T>> {
    fn read(r: &mut Reader<'a>, cx: Cx) -> Result<Self, DecodeError> {
        let start = r.offset();
        match Array::read_elements(r, cx)? {
            None if !cx.nullable => Err(DecodeError::new(start, DecodeErrorKind::UnexpectedNull)),
            a => Ok(a),
        }
    }
    fn write(&self, w: &mut dyn Sink, cx: Cx) -> Result<(), EncodeError> {
        match self {
            Some(a) => a.write(w, cx),
            None if cx.nullable => write_length(w, None, cx.flexible, true),
            None => Err(null_not_allowed(cx)),
        }
    }
}

/// A nullable struct (KIP-893): in nullable versions an `int8` marker comes
/// first (negative = null, as Kafka reads it; 1 = present).
impl<'a, T: Struct<'a>> Wire<'a> for Option<T> {
    fn read(r: &mut Reader<'a>, cx: Cx) -> Result<Self, DecodeError> {
        if cx.nullable && r.i8()? < 0 {
            return Ok(None);
        }
        T::read(r, cx).map(Some)
    }
    fn write(&self, w: &mut dyn Sink, cx: Cx) -> Result<(), EncodeError> {
        match (self, cx.nullable) {
            (Some(v), true) => {
                w.put(&[1])?;
                v.write(w, cx)
            }
            (Some(v), false) => v.write(w, cx),
            (None, true) => w.put(&[0xff]),
            (None, false) => Err(null_not_allowed(cx)),
        }
    }
}
