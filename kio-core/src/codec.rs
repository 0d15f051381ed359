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
///
/// Decoding has two halves: [`Wire::read`] builds a value, [`Wire::skip`]
/// only checks one and moves past it. A decoded array is validated by
/// `skip`ping its elements (a primitive array by one length check, see
/// [`Wire::FIXED_SIZE`]) and its elements are `read` only when iterated, so
/// nothing is built twice and nothing is allocated.
pub trait Wire<'a>: Sized {
    /// The size of every encoding of this type, when it has one (`int32`: 4).
    /// An array of such elements is validated and skipped by one length check.
    const FIXED_SIZE: Option<usize> = None;
    /// Reads a value laid out as `cx` says, borrowing from the reader's input.
    fn read(r: &mut Reader<'a>, cx: Cx) -> Result<Self, DecodeError>;
    /// Checks a value laid out as `cx` says and moves past it, without
    /// building it. Accepts and rejects exactly what [`Wire::read`] does, with
    /// the same errors.
    fn skip(r: &mut Reader<'a>, cx: Cx) -> Result<(), DecodeError> {
        Self::read(r, cx).map(drop)
    }
    /// Writes the value laid out as `cx` says.
    fn write<S: Sink + ?Sized>(&self, w: &mut S, cx: Cx) -> Result<(), EncodeError>;
    /// The exact number of bytes [`Wire::write`] writes (the same code,
    /// writing into a [`CountingSink`], so the two cannot disagree).
    #[inline(always)]
    fn wire_len(&self, cx: Cx) -> Result<usize, EncodeError> {
        let mut count = CountingSink::default();
        self.write(&mut count, cx)?;
        Ok(count.count)
    }
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

    /// Encodes the message at `version` into `w` (a `&mut Vec<u8>`, a
    /// [`crate::SliceSink`], an [`crate::IoSink`], a `&mut dyn Sink`, ...).
    fn encode<S: Sink + ?Sized>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
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
        if !Self::SCHEMA.valid.contains(version) {
            return Err(
                EncodeError::new(EncodeErrorKind::UnsupportedVersion(version))
                    .in_field(Self::SCHEMA.name),
            );
        }
        self.wire_len(Self::SCHEMA.cx(version))
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
            const FIXED_SIZE: Option<usize> = Some(core::mem::size_of::<$t>());
            #[inline(always)]
            fn read(r: &mut Reader<'a>, _cx: Cx) -> Result<Self, DecodeError> {
                r.$read()
            }
            #[inline(always)]
            fn skip(r: &mut Reader<'a>, _cx: Cx) -> Result<(), DecodeError> {
                r.skip(core::mem::size_of::<$t>())
            }
            #[inline(always)]
            fn write<S: Sink + ?Sized>(&self, w: &mut S, _cx: Cx) -> Result<(), EncodeError> {
                w.put(&self.to_be_bytes())
            }
            #[inline(always)]
            fn wire_len(&self, _cx: Cx) -> Result<usize, EncodeError> {
                Ok(core::mem::size_of::<$t>())
            }
        }
    )*};
}
int_wire!(i8 => i8, i16 => i16, u16 => u16, i32 => i32, u32 => u32, i64 => i64, f64 => f64);

impl<'a> Wire<'a> for bool {
    const FIXED_SIZE: Option<usize> = Some(1);
    /// Any non-zero byte is `true`, as Kafka's `readByte() != 0`.
    #[inline(always)]
    fn read(r: &mut Reader<'a>, _cx: Cx) -> Result<Self, DecodeError> {
        Ok(r.u8()? != 0)
    }
    #[inline(always)]
    fn skip(r: &mut Reader<'a>, _cx: Cx) -> Result<(), DecodeError> {
        r.skip(1)
    }
    #[inline(always)]
    fn write<S: Sink + ?Sized>(&self, w: &mut S, _cx: Cx) -> Result<(), EncodeError> {
        w.put(&[u8::from(*self)])
    }
    #[inline(always)]
    fn wire_len(&self, _cx: Cx) -> Result<usize, EncodeError> {
        Ok(1)
    }
}
impl<'a> Wire<'a> for Uuid {
    const FIXED_SIZE: Option<usize> = Some(16);
    #[inline(always)]
    fn read(r: &mut Reader<'a>, _cx: Cx) -> Result<Self, DecodeError> {
        r.uuid().map(Uuid)
    }
    #[inline(always)]
    fn skip(r: &mut Reader<'a>, _cx: Cx) -> Result<(), DecodeError> {
        r.skip(16)
    }
    #[inline(always)]
    fn write<S: Sink + ?Sized>(&self, w: &mut S, _cx: Cx) -> Result<(), EncodeError> {
        w.put(&self.0)
    }
    #[inline(always)]
    fn wire_len(&self, _cx: Cx) -> Result<usize, EncodeError> {
        Ok(16)
    }
}
/// Writes a length prefix: compact (N+1, 0 = null) or `int16`/`int32` (-1 = null).
#[inline(always)]
pub fn write_length<S: Sink + ?Sized>(
    w: &mut S,
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

#[inline(always)]
fn read_blob<'a>(r: &mut Reader<'a>, cx: Cx, wide: bool) -> Result<Option<&'a [u8]>, DecodeError> {
    let start = r.offset();
    match r.length(cx.flexible, wide)? {
        Some(n) => r.take(n).map(Some),
        None if cx.nullable => Ok(None),
        None => Err(DecodeError::new(start, DecodeErrorKind::UnexpectedNull)),
    }
}

#[cold]
fn null_not_allowed(cx: Cx) -> EncodeError {
    EncodeError::new(EncodeErrorKind::NullNotAllowed(cx.version))
}

impl<'a> Wire<'a> for Str<'a> {
    #[inline(always)]
    fn skip(r: &mut Reader<'a>, cx: Cx) -> Result<(), DecodeError> {
        let cx = Cx {
            nullable: false,
            ..cx
        };
        read_blob(r, cx, false).map(drop)
    }
    fn read(r: &mut Reader<'a>, cx: Cx) -> Result<Self, DecodeError> {
        let cx = Cx {
            nullable: false,
            ..cx
        };
        read_blob(r, cx, false).map(|b| Str::from_utf8_unchecked_bytes(b.unwrap_or_default()))
    }
    #[inline(always)]
    fn write<S: Sink + ?Sized>(&self, w: &mut S, cx: Cx) -> Result<(), EncodeError> {
        write_length(w, Some(self.len()), cx.flexible, false)?;
        w.put(self.as_bytes())
    }
}
impl<'a> Wire<'a> for Option<Str<'a>> {
    #[inline(always)]
    fn skip(r: &mut Reader<'a>, cx: Cx) -> Result<(), DecodeError> {
        read_blob(r, cx, false).map(drop)
    }
    fn read(r: &mut Reader<'a>, cx: Cx) -> Result<Self, DecodeError> {
        Ok(read_blob(r, cx, false)?.map(Str::from_utf8_unchecked_bytes))
    }
    #[inline(always)]
    fn write<S: Sink + ?Sized>(&self, w: &mut S, cx: Cx) -> Result<(), EncodeError> {
        match self {
            Some(s) => s.write(w, cx),
            None if cx.nullable => write_length(w, None, cx.flexible, false),
            None => Err(null_not_allowed(cx)),
        }
    }
}

impl<'a> Wire<'a> for Bytes<'a> {
    #[inline(always)]
    fn skip(r: &mut Reader<'a>, cx: Cx) -> Result<(), DecodeError> {
        let cx = Cx {
            nullable: false,
            ..cx
        };
        read_blob(r, cx, true).map(drop)
    }
    fn read(r: &mut Reader<'a>, cx: Cx) -> Result<Self, DecodeError> {
        let cx = Cx {
            nullable: false,
            ..cx
        };
        read_blob(r, cx, true).map(|b| Bytes::new(b.unwrap_or_default()))
    }
    #[inline(always)]
    fn write<S: Sink + ?Sized>(&self, w: &mut S, cx: Cx) -> Result<(), EncodeError> {
        write_length(w, Some(self.len()), cx.flexible, true)?;
        w.put(self.as_slice())
    }
}
impl<'a> Wire<'a> for Option<Bytes<'a>> {
    #[inline(always)]
    fn skip(r: &mut Reader<'a>, cx: Cx) -> Result<(), DecodeError> {
        read_blob(r, cx, true).map(drop)
    }
    fn read(r: &mut Reader<'a>, cx: Cx) -> Result<Self, DecodeError> {
        Ok(read_blob(r, cx, true)?.map(Bytes::new))
    }
    #[inline(always)]
    fn write<S: Sink + ?Sized>(&self, w: &mut S, cx: Cx) -> Result<(), EncodeError> {
        match self {
            Some(b) => b.write(w, cx),
            None if cx.nullable => write_length(w, None, cx.flexible, true),
            None => Err(null_not_allowed(cx)),
        }
    }
}

impl<'a> Wire<'a> for RecordsBytes<'a> {
    #[inline(always)]
    fn skip(r: &mut Reader<'a>, cx: Cx) -> Result<(), DecodeError> {
        let cx = Cx {
            nullable: false,
            ..cx
        };
        read_blob(r, cx, true).map(drop)
    }
    fn read(r: &mut Reader<'a>, cx: Cx) -> Result<Self, DecodeError> {
        let cx = Cx {
            nullable: false,
            ..cx
        };
        read_blob(r, cx, true).map(|b| RecordsBytes::new(b.unwrap_or_default()))
    }
    #[inline(always)]
    fn write<S: Sink + ?Sized>(&self, w: &mut S, cx: Cx) -> Result<(), EncodeError> {
        write_length(w, Some(self.as_slice().len()), cx.flexible, true)?;
        w.put(self.as_slice())
    }
}

impl<'a> Wire<'a> for Option<RecordsBytes<'a>> {
    #[inline(always)]
    fn skip(r: &mut Reader<'a>, cx: Cx) -> Result<(), DecodeError> {
        read_blob(r, cx, true).map(drop)
    }
    fn read(r: &mut Reader<'a>, cx: Cx) -> Result<Self, DecodeError> {
        Ok(read_blob(r, cx, true)?.map(RecordsBytes::new))
    }
    #[inline(always)]
    fn write<S: Sink + ?Sized>(&self, w: &mut S, cx: Cx) -> Result<(), EncodeError> {
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

impl<'a, T: Wire<'a>> Wire<'a> for Array<'a, T> {
    #[inline(always)]
    fn read(r: &mut Reader<'a>, cx: Cx) -> Result<Self, DecodeError> {
        let start = r.offset();
        match Array::read_elements(r, cx)? {
            Some(a) => Ok(a),
            None => Err(DecodeError::new(start, DecodeErrorKind::UnexpectedNull)),
        }
    }
    #[inline(always)]
    fn skip(r: &mut Reader<'a>, cx: Cx) -> Result<(), DecodeError> {
        let start = r.offset();
        match Array::<T>::skip_elements(r, cx)? {
            true => Ok(()),
            false => Err(DecodeError::new(start, DecodeErrorKind::UnexpectedNull)),
        }
    }
    #[inline(always)]
    fn write<S: Sink + ?Sized>(&self, w: &mut S, cx: Cx) -> Result<(), EncodeError> {
        write_length(w, Some(self.len()), cx.flexible, true)?;
        self.write_elements(w, cx)
    }
}
impl<'a, T: Wire<'a>> Wire<'a> for Option<Array<'a, T>> {
    #[inline(always)]
    fn read(r: &mut Reader<'a>, cx: Cx) -> Result<Self, DecodeError> {
        let start = r.offset();
        match Array::read_elements(r, cx)? {
            None if !cx.nullable => Err(DecodeError::new(start, DecodeErrorKind::UnexpectedNull)),
            a => Ok(a),
        }
    }
    #[inline(always)]
    fn skip(r: &mut Reader<'a>, cx: Cx) -> Result<(), DecodeError> {
        let start = r.offset();
        match Array::<T>::skip_elements(r, cx)? {
            false if !cx.nullable => Err(DecodeError::new(start, DecodeErrorKind::UnexpectedNull)),
            _ => Ok(()),
        }
    }
    #[inline(always)]
    fn write<S: Sink + ?Sized>(&self, w: &mut S, cx: Cx) -> Result<(), EncodeError> {
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
    fn skip(r: &mut Reader<'a>, cx: Cx) -> Result<(), DecodeError> {
        if cx.nullable && r.i8()? < 0 {
            return Ok(());
        }
        T::skip(r, cx)
    }
    #[inline(always)]
    fn write<S: Sink + ?Sized>(&self, w: &mut S, cx: Cx) -> Result<(), EncodeError> {
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
