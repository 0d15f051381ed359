//! The traits every generated type implements, and their implementations for
//! Kafka's primitive types.

use crate::error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
use crate::schema::MessageSchema;
use crate::types::{Array, Bytes, RecordsBytes, Str, Uuid};
use crate::wire::{put_uvarint, uvarint_len, CountingSink, Reader, Sink};

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
    /// Reads a value from bytes that [`Wire::skip`] already accepted at this
    /// layout (what iterating a decoded array does): the same value as
    /// [`Wire::read`], without building or carrying an error. `None` only if
    /// the bytes were not in fact validated (iteration then ends); never panics.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn read_valid(r: &mut Reader<'a>, cx: Cx) -> Option<Self> {
        Self::read(r, cx).ok()
    }
    /// Moves past a value that [`Wire::skip`] already accepted at this
    /// layout, without building an error (`None` as in [`Wire::read_valid`]).
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn skip_valid(r: &mut Reader<'a>, cx: Cx) -> Option<()> {
        Self::skip(r, cx).ok()
    }
    /// Writes the value laid out as `cx` says.
    fn write<S: Sink + ?Sized>(&self, w: &mut S, cx: Cx) -> Result<(), EncodeError>;
    /// The exact number of bytes [`Wire::write`] writes, or the error it
    /// returns. Generated structs compute it by arithmetic that mirrors their
    /// `write` field by field (same conditions, same errors); the default
    /// writes into a [`CountingSink`].
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn wire_len(&self, cx: Cx) -> Result<usize, EncodeError> {
        count_write(self, cx)
    }
    /// The exact number of bytes [`Wire::write`] writes when it succeeds,
    /// by arithmetic alone: no sink, no error built. `None` when `write`
    /// would fail (a null that is not allowed, a value a version cannot
    /// carry, a length the prefix cannot express) or when the type cannot
    /// tell cheaply; [`Wire::wire_len`] then counts a real `write` to get
    /// the exact answer or error. `Some(n)` always means `write` writes `n`
    /// bytes (the sink aside).
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn fast_len(&self, cx: Cx) -> Option<usize> {
        self.wire_len(cx).ok()
    }
}

/// [`Wire::wire_len`] by writing into a [`CountingSink`]: what `write`
/// writes, or the error it returns. The source of truth generated
/// `wire_len`s fall back on when [`Wire::fast_len`] says `None`.
pub fn count_write<'a, T: Wire<'a>>(value: &T, cx: Cx) -> Result<usize, EncodeError> {
    let mut count = CountingSink::default();
    value.write(&mut count, cx)?;
    Ok(count.count)
}

/// The generated structs' [`Wire::wire_len`]: [`Wire::fast_len`] when it
/// answers, else [`count_write`] (which also gives the exact error).
#[cfg(not(target_os = "none"))]
#[inline(always)]
pub fn fast_or_counted_len<'a, T: Wire<'a>>(value: &T, cx: Cx) -> Result<usize, EncodeError> {
    match value.fast_len(cx) {
        Some(n) => Ok(n),
        None => count_write(value, cx),
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

    /// Decodes `bytes` (exactly one message) at `version` like
    /// [`Message::decode`], and records where every element of its arrays
    /// of structs (and strings) ends in `index`, so that iterating them
    /// needs no walk: the same values and errors, faster to iterate. The
    /// message borrows the index; reuse it once the message is gone. When
    /// the slots run out, the arrays that did not fit are walked as
    /// without an index. See [`crate::wire::index`].
    #[cfg(feature = "index")]
    fn decode_indexed(
        bytes: &'a [u8],
        version: i16,
        index: &'a mut [crate::wire::IndexSlot],
    ) -> Result<Self, DecodeError> {
        use crate::wire::index::Cursor;
        if !Self::SCHEMA.valid.contains(version) {
            return Err(Reader::new(bytes).error(DecodeErrorKind::UnsupportedVersion(version)));
        }
        let cx = Self::SCHEMA.cx(version);
        let slots: &'a [crate::wire::IndexSlot] = index;
        // Offsets are kept as `u32`: a larger input is decoded without an index.
        if u32::try_from(bytes.len()).is_err() {
            return Self::decode(bytes, version);
        }
        // One validating walk that records the blocks, then the top-level
        // fields read through them.
        let mut r = Reader::with_index(bytes, 0, Cursor::recording(slots));
        Self::skip(&mut r, cx)?;
        r.finish()?;
        let used = r.ix().at();
        let mut r = Reader::with_index(bytes, 0, Cursor::reading(slots, 0, used));
        match Self::read_valid(&mut r, cx) {
            Some(value) => Ok(value),
            // Not reached (the bytes were just validated); decode plainly if it were.
            None => Self::decode(bytes, version),
        }
    }

    /// The index slots [`Message::decode_indexed`] would use for `bytes`
    /// at `version` (validating them as [`Message::decode`] does).
    #[cfg(feature = "index")]
    fn index_slots(bytes: &'a [u8], version: i16) -> Result<usize, DecodeError> {
        use crate::wire::index::Cursor;
        if !Self::SCHEMA.valid.contains(version) {
            return Err(Reader::new(bytes).error(DecodeErrorKind::UnsupportedVersion(version)));
        }
        let mut r = Reader::with_index(bytes, 0, Cursor::counting());
        Self::skip(&mut r, Self::SCHEMA.cx(version))?;
        r.finish()?;
        Ok(r.ix().at() as usize)
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
    ///
    /// A `Vec` is appended to; on an error it is left holding what it held
    /// before.
    fn encode<S: Sink + ?Sized>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        if !Self::SCHEMA.valid.contains(version) {
            return Err(
                EncodeError::new(EncodeErrorKind::UnsupportedVersion(version))
                    .in_field(Self::SCHEMA.name),
            );
        }
        let cx = Self::SCHEMA.cx(version);
        #[cfg(all(feature = "alloc", not(target_os = "none")))]
        if let Some(v) = w.as_vec() {
            let mut vw = crate::wire::vec_sink::VecWriter::new(v);
            return match self.write(&mut vw, cx) {
                Ok(()) => {
                    vw.finish();
                    Ok(())
                }
                Err(e) => {
                    vw.abandon();
                    Err(e)
                }
            };
        }
        self.write(w, cx)
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

    /// Encodes into a new `Vec`, sized first ([`Message::encoded_len`],
    /// arithmetic) so that it is allocated once and written through a
    /// [`crate::SliceSink`].
    #[cfg(feature = "alloc")]
    fn to_vec(&self, version: i16) -> Result<alloc::vec::Vec<u8>, EncodeError> {
        let n = self.encoded_len(version)?;
        let mut out = alloc::vec![0u8; n];
        let mut sink = crate::wire::SliceSink::new(&mut out);
        self.write(&mut sink, Self::SCHEMA.cx(version))?;
        // Exactly `n` when the sizing is right; never trailing zeros if not.
        let written = sink.len();
        out.truncate(written);
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
            #[cfg_attr(not(target_os = "none"), inline(always))]
            #[cfg_attr(target_os = "none", inline)]
            fn read(r: &mut Reader<'a>, _cx: Cx) -> Result<Self, DecodeError> {
                r.$read()
            }
            #[cfg_attr(not(target_os = "none"), inline(always))]
            #[cfg_attr(target_os = "none", inline)]
            fn skip(r: &mut Reader<'a>, _cx: Cx) -> Result<(), DecodeError> {
                r.skip(core::mem::size_of::<$t>())
            }
            #[cfg_attr(not(target_os = "none"), inline(always))]
            #[cfg_attr(target_os = "none", inline)]
            fn read_valid(r: &mut Reader<'a>, _cx: Cx) -> Option<Self> {
                r.next_array().map(<$t>::from_be_bytes)
            }
            #[cfg_attr(not(target_os = "none"), inline(always))]
            #[cfg_attr(target_os = "none", inline)]
            fn skip_valid(r: &mut Reader<'a>, _cx: Cx) -> Option<()> {
                r.advance(core::mem::size_of::<$t>())
            }
            #[cfg_attr(not(target_os = "none"), inline(always))]
            #[cfg_attr(target_os = "none", inline)]
            fn write<S: Sink + ?Sized>(&self, w: &mut S, _cx: Cx) -> Result<(), EncodeError> {
                w.put(&self.to_be_bytes())
            }
            #[cfg_attr(not(target_os = "none"), inline(always))]
            #[cfg_attr(target_os = "none", inline)]
            fn wire_len(&self, _cx: Cx) -> Result<usize, EncodeError> {
                Ok(core::mem::size_of::<$t>())
            }
            #[cfg_attr(not(target_os = "none"), inline(always))]
            #[cfg_attr(target_os = "none", inline)]
            fn fast_len(&self, _cx: Cx) -> Option<usize> {
                Some(core::mem::size_of::<$t>())
            }
        }
    )*};
}
int_wire!(i8 => i8, i16 => i16, u16 => u16, i32 => i32, u32 => u32, i64 => i64, f64 => f64);

impl<'a> Wire<'a> for bool {
    const FIXED_SIZE: Option<usize> = Some(1);
    /// Any non-zero byte is `true`, as Kafka's `readByte() != 0`.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn read(r: &mut Reader<'a>, _cx: Cx) -> Result<Self, DecodeError> {
        Ok(r.u8()? != 0)
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn skip(r: &mut Reader<'a>, _cx: Cx) -> Result<(), DecodeError> {
        r.skip(1)
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn read_valid(r: &mut Reader<'a>, _cx: Cx) -> Option<Self> {
        r.next_array::<1>().map(|[b]| b != 0)
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn skip_valid(r: &mut Reader<'a>, _cx: Cx) -> Option<()> {
        r.advance(1)
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn write<S: Sink + ?Sized>(&self, w: &mut S, _cx: Cx) -> Result<(), EncodeError> {
        w.put(&[u8::from(*self)])
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn wire_len(&self, _cx: Cx) -> Result<usize, EncodeError> {
        Ok(1)
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn fast_len(&self, _cx: Cx) -> Option<usize> {
        Some(1)
    }
}
impl<'a> Wire<'a> for Uuid {
    const FIXED_SIZE: Option<usize> = Some(16);
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn read(r: &mut Reader<'a>, _cx: Cx) -> Result<Self, DecodeError> {
        r.uuid().map(Uuid)
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn skip(r: &mut Reader<'a>, _cx: Cx) -> Result<(), DecodeError> {
        r.skip(16)
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn read_valid(r: &mut Reader<'a>, _cx: Cx) -> Option<Self> {
        r.next_array().map(Uuid)
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn skip_valid(r: &mut Reader<'a>, _cx: Cx) -> Option<()> {
        r.advance(16)
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn write<S: Sink + ?Sized>(&self, w: &mut S, _cx: Cx) -> Result<(), EncodeError> {
        w.put(&self.0)
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn wire_len(&self, _cx: Cx) -> Result<usize, EncodeError> {
        Ok(16)
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn fast_len(&self, _cx: Cx) -> Option<usize> {
        Some(16)
    }
}
#[cold]
#[inline(never)]
fn too_long(n: usize) -> EncodeError {
    EncodeError::new(EncodeErrorKind::TooLong(n))
}

/// Writes a length prefix: compact (N+1, 0 = null) or `int16`/`int32` (-1 = null).
#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
pub fn write_length<S: Sink + ?Sized>(
    w: &mut S,
    len: Option<usize>,
    compact: bool,
    wide: bool,
) -> Result<(), EncodeError> {
    match (len, compact) {
        (None, true) => put_uvarint(w, 0),
        (Some(n), true) => {
            let v = u32::try_from(n)
                .ok()
                .and_then(|n| n.checked_add(1))
                .ok_or_else(|| too_long(n))?;
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

/// The bytes [`write_length`] writes, or its error.
#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
pub fn length_len(len: Option<usize>, compact: bool, wide: bool) -> Result<usize, EncodeError> {
    match (len, compact) {
        (None, true) => Ok(1),
        (Some(n), true) => u32::try_from(n)
            .ok()
            .and_then(|n| n.checked_add(1))
            .map(uvarint_len)
            .ok_or_else(|| too_long(n)),
        (None, false) => Ok(if wide { 4 } else { 2 }),
        (Some(n), false) if wide => match i32::try_from(n) {
            Ok(_) => Ok(4),
            Err(_) => Err(too_long(n)),
        },
        (Some(n), false) => match i16::try_from(n) {
            Ok(_) => Ok(2),
            Err(_) => Err(too_long(n)),
        },
    }
}

/// [`length_len`] without the error: `None` when the length cannot be written.
#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
pub fn length_size(len: Option<usize>, compact: bool, wide: bool) -> Option<usize> {
    match (len, compact) {
        (None, true) => Some(1),
        // Below 127 elements (nearly always) the prefix is one byte.
        (Some(n), true) if n < 0x7f => Some(1),
        (Some(n), true) => u32::try_from(n)
            .ok()
            .and_then(|n| n.checked_add(1))
            .map(uvarint_len),
        (None, false) => Some(if wide { 4 } else { 2 }),
        (Some(n), false) if wide => (n <= i32::MAX as usize).then_some(4),
        (Some(n), false) => (n <= i16::MAX as usize).then_some(2),
    }
}

#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
fn read_blob<'a>(r: &mut Reader<'a>, cx: Cx, wide: bool) -> Result<Option<&'a [u8]>, DecodeError> {
    let start = r.offset();
    match r.length(cx.flexible, wide)? {
        Some(n) => r.take(n).map(Some),
        None if cx.nullable => Ok(None),
        None => Err(DecodeError::new(start, DecodeErrorKind::UnexpectedNull)),
    }
}

/// [`read_blob`] over validated bytes: `None` instead of an error.
#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
fn read_blob_valid<'a>(r: &mut Reader<'a>, cx: Cx, wide: bool) -> Option<Option<&'a [u8]>> {
    match r.next_length(cx.flexible, wide)? {
        Some(n) => r.next_bytes(n).map(Some),
        None if cx.nullable => Some(None),
        None => None,
    }
}

#[cold]
#[inline(never)]
fn null_not_allowed(cx: Cx) -> EncodeError {
    EncodeError::new(EncodeErrorKind::NullNotAllowed(cx.version))
}

/// `Wire` for a length-prefixed blob type (`string`, `bytes`, `records`),
/// not null, and for its nullable `Option`.
macro_rules! blob_wire {
    ($t:ident, $wide:expr, $make:path, $bytes:path) => {
        impl<'a> Wire<'a> for $t<'a> {
            #[cfg_attr(not(target_os = "none"), inline(always))]
            #[cfg_attr(target_os = "none", inline)]
            fn read(r: &mut Reader<'a>, cx: Cx) -> Result<Self, DecodeError> {
                let cx = Cx {
                    nullable: false,
                    ..cx
                };
                read_blob(r, cx, $wide).map(|b| $make(b.unwrap_or_default()))
            }
            #[cfg_attr(not(target_os = "none"), inline(always))]
            #[cfg_attr(target_os = "none", inline)]
            fn skip(r: &mut Reader<'a>, cx: Cx) -> Result<(), DecodeError> {
                let cx = Cx {
                    nullable: false,
                    ..cx
                };
                read_blob(r, cx, $wide).map(drop)
            }
            #[cfg_attr(not(target_os = "none"), inline(always))]
            #[cfg_attr(target_os = "none", inline)]
            fn read_valid(r: &mut Reader<'a>, cx: Cx) -> Option<Self> {
                let cx = Cx {
                    nullable: false,
                    ..cx
                };
                read_blob_valid(r, cx, $wide).map(|b| $make(b.unwrap_or_default()))
            }
            #[cfg_attr(not(target_os = "none"), inline(always))]
            #[cfg_attr(target_os = "none", inline)]
            fn skip_valid(r: &mut Reader<'a>, cx: Cx) -> Option<()> {
                let cx = Cx {
                    nullable: false,
                    ..cx
                };
                read_blob_valid(r, cx, $wide).map(drop)
            }
            #[cfg_attr(not(target_os = "none"), inline(always))]
            #[cfg_attr(target_os = "none", inline)]
            fn write<S: Sink + ?Sized>(&self, w: &mut S, cx: Cx) -> Result<(), EncodeError> {
                let b: &[u8] = $bytes(self);
                write_length(w, Some(b.len()), cx.flexible, $wide)?;
                w.put(b)
            }
            #[cfg_attr(not(target_os = "none"), inline(always))]
            #[cfg_attr(target_os = "none", inline)]
            fn wire_len(&self, cx: Cx) -> Result<usize, EncodeError> {
                let n = $bytes(self).len();
                Ok(length_len(Some(n), cx.flexible, $wide)? + n)
            }
            #[cfg_attr(not(target_os = "none"), inline(always))]
            #[cfg_attr(target_os = "none", inline)]
            fn fast_len(&self, cx: Cx) -> Option<usize> {
                let n = $bytes(self).len();
                Some(length_size(Some(n), cx.flexible, $wide)? + n)
            }
        }
        impl<'a> Wire<'a> for Option<$t<'a>> {
            #[cfg_attr(not(target_os = "none"), inline(always))]
            #[cfg_attr(target_os = "none", inline)]
            fn read(r: &mut Reader<'a>, cx: Cx) -> Result<Self, DecodeError> {
                Ok(read_blob(r, cx, $wide)?.map($make))
            }
            #[cfg_attr(not(target_os = "none"), inline(always))]
            #[cfg_attr(target_os = "none", inline)]
            fn skip(r: &mut Reader<'a>, cx: Cx) -> Result<(), DecodeError> {
                read_blob(r, cx, $wide).map(drop)
            }
            #[cfg_attr(not(target_os = "none"), inline(always))]
            #[cfg_attr(target_os = "none", inline)]
            fn read_valid(r: &mut Reader<'a>, cx: Cx) -> Option<Self> {
                Some(read_blob_valid(r, cx, $wide)?.map($make))
            }
            #[cfg_attr(not(target_os = "none"), inline(always))]
            #[cfg_attr(target_os = "none", inline)]
            fn skip_valid(r: &mut Reader<'a>, cx: Cx) -> Option<()> {
                read_blob_valid(r, cx, $wide).map(drop)
            }
            #[cfg_attr(not(target_os = "none"), inline(always))]
            #[cfg_attr(target_os = "none", inline)]
            fn write<S: Sink + ?Sized>(&self, w: &mut S, cx: Cx) -> Result<(), EncodeError> {
                match self {
                    Some(b) => b.write(w, cx),
                    None if cx.nullable => write_length(w, None, cx.flexible, $wide),
                    None => Err(null_not_allowed(cx)),
                }
            }
            #[cfg_attr(not(target_os = "none"), inline(always))]
            #[cfg_attr(target_os = "none", inline)]
            fn wire_len(&self, cx: Cx) -> Result<usize, EncodeError> {
                match self {
                    Some(b) => b.wire_len(cx),
                    None if cx.nullable => length_len(None, cx.flexible, $wide),
                    None => Err(null_not_allowed(cx)),
                }
            }
            #[cfg_attr(not(target_os = "none"), inline(always))]
            #[cfg_attr(target_os = "none", inline)]
            fn fast_len(&self, cx: Cx) -> Option<usize> {
                match self {
                    Some(b) => b.fast_len(cx),
                    None if cx.nullable => length_size(None, cx.flexible, $wide),
                    None => None,
                }
            }
        }
    };
}
blob_wire!(Str, false, Str::from_utf8_unchecked_bytes, Str::as_bytes);
blob_wire!(Bytes, true, Bytes::new, Bytes::as_slice);
blob_wire!(
    RecordsBytes,
    true,
    RecordsBytes::new,
    RecordsBytes::as_slice
);

impl<'a, T: Wire<'a>> Wire<'a> for Array<'a, T> {
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn read(r: &mut Reader<'a>, cx: Cx) -> Result<Self, DecodeError> {
        let start = r.offset();
        match Array::read_elements(r, cx)? {
            Some(a) => Ok(a),
            None => Err(DecodeError::new(start, DecodeErrorKind::UnexpectedNull)),
        }
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn skip(r: &mut Reader<'a>, cx: Cx) -> Result<(), DecodeError> {
        let start = r.offset();
        match Array::<T>::skip_elements(r, cx)? {
            true => Ok(()),
            false => Err(DecodeError::new(start, DecodeErrorKind::UnexpectedNull)),
        }
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn read_valid(r: &mut Reader<'a>, cx: Cx) -> Option<Self> {
        Array::read_elements_valid(r, cx)?
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn skip_valid(r: &mut Reader<'a>, cx: Cx) -> Option<()> {
        match Array::<T>::skip_elements_valid(r, cx)? {
            true => Some(()),
            false => None,
        }
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn write<S: Sink + ?Sized>(&self, w: &mut S, cx: Cx) -> Result<(), EncodeError> {
        #[cfg(not(target_os = "none"))]
        if let Some(done) = self.write_short_fixed(w, cx) {
            return done;
        }
        write_length(w, Some(self.len()), cx.flexible, true)?;
        self.write_elements(w, cx)
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn wire_len(&self, cx: Cx) -> Result<usize, EncodeError> {
        #[cfg(not(target_os = "none"))]
        if let Some(n) = self.fast_len(cx) {
            return Ok(n);
        }
        Ok(length_len(Some(self.len()), cx.flexible, true)? + self.elements_len(cx)?)
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn fast_len(&self, cx: Cx) -> Option<usize> {
        if let Some(size) = T::FIXED_SIZE {
            // One look at the length; below 127 elements a compact prefix
            // is one byte and the product cannot overflow.
            let n = self.len();
            if cx.flexible && n < 0x7f {
                return Some(1 + n * size);
            }
        }
        Some(length_size(Some(self.len()), cx.flexible, true)? + self.elements_fast_len(cx)?)
    }
}
impl<'a, T: Wire<'a>> Wire<'a> for Option<Array<'a, T>> {
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn read(r: &mut Reader<'a>, cx: Cx) -> Result<Self, DecodeError> {
        let start = r.offset();
        match Array::read_elements(r, cx)? {
            None if !cx.nullable => Err(DecodeError::new(start, DecodeErrorKind::UnexpectedNull)),
            a => Ok(a),
        }
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn skip(r: &mut Reader<'a>, cx: Cx) -> Result<(), DecodeError> {
        let start = r.offset();
        match Array::<T>::skip_elements(r, cx)? {
            false if !cx.nullable => Err(DecodeError::new(start, DecodeErrorKind::UnexpectedNull)),
            _ => Ok(()),
        }
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn read_valid(r: &mut Reader<'a>, cx: Cx) -> Option<Self> {
        match Array::read_elements_valid(r, cx)? {
            None if !cx.nullable => None,
            a => Some(a),
        }
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn skip_valid(r: &mut Reader<'a>, cx: Cx) -> Option<()> {
        match Array::<T>::skip_elements_valid(r, cx)? {
            false if !cx.nullable => None,
            _ => Some(()),
        }
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn write<S: Sink + ?Sized>(&self, w: &mut S, cx: Cx) -> Result<(), EncodeError> {
        match self {
            Some(a) => a.write(w, cx),
            None if cx.nullable => write_length(w, None, cx.flexible, true),
            None => Err(null_not_allowed(cx)),
        }
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn wire_len(&self, cx: Cx) -> Result<usize, EncodeError> {
        match self {
            Some(a) => a.wire_len(cx),
            None if cx.nullable => length_len(None, cx.flexible, true),
            None => Err(null_not_allowed(cx)),
        }
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn fast_len(&self, cx: Cx) -> Option<usize> {
        match self {
            Some(a) => a.fast_len(cx),
            None if cx.nullable => length_size(None, cx.flexible, true),
            None => None,
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
    fn read_valid(r: &mut Reader<'a>, cx: Cx) -> Option<Self> {
        if cx.nullable && i8::read_valid(r, cx)? < 0 {
            return Some(None);
        }
        T::read_valid(r, cx).map(Some)
    }
    fn skip_valid(r: &mut Reader<'a>, cx: Cx) -> Option<()> {
        if cx.nullable && i8::read_valid(r, cx)? < 0 {
            return Some(());
        }
        T::skip_valid(r, cx)
    }
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
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
    fn wire_len(&self, cx: Cx) -> Result<usize, EncodeError> {
        match (self, cx.nullable) {
            (Some(v), true) => Ok(1 + v.wire_len(cx)?),
            (Some(v), false) => v.wire_len(cx),
            (None, true) => Ok(1),
            (None, false) => Err(null_not_allowed(cx)),
        }
    }
    fn fast_len(&self, cx: Cx) -> Option<usize> {
        match (self, cx.nullable) {
            (Some(v), true) => Some(1 + v.fast_len(cx)?),
            (Some(v), false) => v.fast_len(cx),
            (None, true) => Some(1),
            (None, false) => None,
        }
    }
}
