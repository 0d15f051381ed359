//! [`Array`]: a Kafka array, either a lazy view over the frame or a slice
//! (or `Vec`) the caller owns.

use core::fmt;
use core::marker::PhantomData;
#[cfg(feature = "index")]
use core::sync::atomic::AtomicU32;

use crate::codec::{Cx, Wire};
use crate::error::{DecodeError, EncodeError};
use crate::wire::{Reader, Sink};

/// A Kafka array of `T`.
///
/// Decoding validates every element once without building it
/// ([`Wire::skip`]) and keeps a view of the bytes; [`Array::iter`] builds
/// each element as you go, from bytes already validated, so nothing is
/// allocated and iteration cannot fail. To build a message, wrap a slice you own
/// (`Array::from(&topics[..])`, a stack array or a `heapless::Vec`), or with
/// `alloc` a `Vec`.
///
/// ```
/// use kio_core::Array;
/// let ids = [1i32, 2, 3];
/// let a = Array::from(&ids[..]);
/// assert_eq!(a.iter().sum::<i32>(), 6);
/// ```
pub enum Array<'a, T> {
    /// A validated view over encoded elements in the input.
    Wire(WireArray<'a, T>),
    /// Elements in a slice the caller owns.
    Slice(&'a [T]),
    /// Elements in a `Vec`.
    #[cfg(feature = "alloc")]
    Vec(alloc::vec::Vec<T>),
}

/// The encoded elements of an [`Array`], validated when decoded.
///
/// Kept small (32 bytes; 48 with the `index` feature): offsets and counts
/// fit in `u32` because a Kafka frame's size is an `int32`.
pub struct WireArray<'a, T> {
    bytes: &'a [u8],
    base: u32,
    len: u32,
    cx: Cx,
    /// The block of this array in its decode index (`ix` empty: none).
    #[cfg(feature = "index")]
    ip: u32,
    #[cfg(feature = "index")]
    ix: &'a [AtomicU32],
    _elem: PhantomData<fn() -> T>,
}

impl<T> Clone for WireArray<'_, T> {
    fn clone(&self) -> Self {
        Self {
            bytes: self.bytes,
            base: self.base,
            len: self.len,
            cx: self.cx,
            #[cfg(feature = "index")]
            ip: self.ip,
            #[cfg(feature = "index")]
            ix: self.ix,
            _elem: PhantomData,
        }
    }
}

impl<'a, T> WireArray<'a, T> {
    /// A view of `len` elements laid out as `cx` in `bytes`, which start at
    /// absolute offset `base`, walked when iterated.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn walked(bytes: &'a [u8], base: usize, len: usize, cx: Cx) -> Self {
        WireArray {
            bytes,
            // Offsets and counts within one frame, which is at most `i32::MAX` bytes.
            base: u32::try_from(base).unwrap_or(u32::MAX),
            len: u32::try_from(len).unwrap_or(u32::MAX),
            cx,
            #[cfg(feature = "index")]
            ip: 0,
            #[cfg(feature = "index")]
            ix: &[],
            _elem: PhantomData,
        }
    }

    /// The view of an array whose block in the reader's index ends at
    /// absolute offset `end`, or `None` when the reader has no block for it.
    #[cfg(feature = "index")]
    #[inline(always)]
    fn indexed(r: &mut Reader<'a>, len: usize, cx: Cx) -> Option<Self> {
        let base = r.offset();
        let (h, end) = r.ix().take(base, len)?;
        let bytes = r.next_bytes(end.checked_sub(base)?)?;
        Some(WireArray {
            bytes,
            base: u32::try_from(base).ok()?,
            len: u32::try_from(len).ok()?,
            cx,
            ip: h,
            ix: r.ix().slots(),
            _elem: PhantomData,
        })
    }
}

/// Cloning a view is a copy, inlined; only a `Vec` is cloned out of line.
/// (A struct whose clone is a call keeps the elements an iterator yields in
/// memory, since `iter` clones out of slices on the same path.)
impl<T: Clone> Clone for Array<'_, T> {
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn clone(&self) -> Self {
        match self {
            Array::Wire(a) => Array::Wire(a.clone()),
            Array::Slice(s) => Array::Slice(s),
            #[cfg(feature = "alloc")]
            Array::Vec(v) => Array::Vec(crate::owned::clone_vec(v)),
        }
    }
}

impl<T> Default for Array<'_, T> {
    fn default() -> Self {
        Array::Slice(&[])
    }
}

impl<'a, T> From<&'a [T]> for Array<'a, T> {
    fn from(s: &'a [T]) -> Self {
        Array::Slice(s)
    }
}

impl<'a, T, const N: usize> From<&'a [T; N]> for Array<'a, T> {
    fn from(s: &'a [T; N]) -> Self {
        Array::Slice(s)
    }
}

#[cfg(feature = "alloc")]
impl<T> From<alloc::vec::Vec<T>> for Array<'_, T> {
    fn from(v: alloc::vec::Vec<T>) -> Self {
        Array::Vec(v)
    }
}

#[cfg(feature = "alloc")]
impl<T> FromIterator<T> for Array<'_, T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Array::Vec(iter.into_iter().collect())
    }
}

impl<'a, T> Array<'a, T> {
    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            Array::Wire(w) => w.len as usize,
            Array::Slice(s) => s.len(),
            #[cfg(feature = "alloc")]
            Array::Vec(v) => v.len(),
        }
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The encoded bytes of the elements, when this array was decoded.
    pub fn wire_bytes(&self) -> Option<&'a [u8]> {
        match self {
            Array::Wire(w) => Some(w.bytes),
            _ => None,
        }
    }
}

impl<'a, T: Wire<'a>> Array<'a, T> {
    /// Reads a count and checks that many elements without building them
    /// ([`Wire::skip`]; one length check for fixed-size elements); `None`
    /// for a null array. The count is checked against the bytes that remain
    /// before any element is looked at.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub(crate) fn read_elements(r: &mut Reader<'a>, cx: Cx) -> Result<Option<Self>, DecodeError> {
        let Some(len) = r.length(cx.flexible, true)? else {
            return Ok(None);
        };
        let elem_cx = Cx {
            nullable: false,
            ..cx
        };
        #[cfg(feature = "index")]
        if T::FIXED_SIZE.is_none() && r.ix().readable() {
            if let Some(a) = WireArray::indexed(r, len, elem_cx) {
                return Ok(Some(Array::Wire(a)));
            }
        }
        let base = r.offset();
        let rest = r.rest();
        Self::skip_counted(r, len, elem_cx)?;
        let used = r.offset() - base;
        let bytes = rest.get(..used).unwrap_or_default();
        Ok(Some(Array::Wire(WireArray::walked(
            bytes, base, len, elem_cx,
        ))))
    }

    /// Like [`Array::read_elements`] without keeping anything: `false` for a null array.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub(crate) fn skip_elements(r: &mut Reader<'a>, cx: Cx) -> Result<bool, DecodeError> {
        let Some(len) = r.length(cx.flexible, true)? else {
            return Ok(false);
        };
        let elem_cx = Cx {
            nullable: false,
            ..cx
        };
        #[cfg(feature = "index")]
        if T::FIXED_SIZE.is_none()
            && r.ix().readable()
            && WireArray::<T>::indexed(r, len, elem_cx).is_some()
        {
            return Ok(true);
        }
        Self::skip_counted(r, len, elem_cx)?;
        Ok(true)
    }

    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn skip_counted(r: &mut Reader<'a>, len: usize, elem_cx: Cx) -> Result<(), DecodeError> {
        match T::FIXED_SIZE {
            // `len` is at most the bytes that remain, so this cannot overflow.
            // One check for the whole run; when it fails, the elements are
            // skipped one by one so that the error points at the first
            // element that does not fit (as an element-wise read reports it).
            Some(size) => {
                // (`Reader::skip` does not move on failure.)
                if r.skip(len.saturating_mul(size)).is_ok() {
                    return Ok(());
                }
                for _ in 0..len {
                    T::skip(r, elem_cx)?;
                }
                Ok(())
            }
            None => {
                #[cfg(feature = "index")]
                {
                    let start = r.offset();
                    if let Some(b) = r.ix().reserve(start, len) {
                        for i in 0..len {
                            r.ix().element_start(b, i);
                            T::skip(r, elem_cx)?;
                            let end = r.offset();
                            r.ix().element_end(b, i, end);
                        }
                        r.ix().close(b);
                        return Ok(());
                    }
                }
                for _ in 0..len {
                    T::skip(r, elem_cx)?;
                }
                Ok(())
            }
        }
    }

    /// [`Array::read_elements`] over validated bytes (iteration of the
    /// array that holds this one): `Some(None)` for null, `None` for what
    /// `read_elements` would reject. No error is built.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub(crate) fn read_elements_valid(r: &mut Reader<'a>, cx: Cx) -> Option<Option<Self>> {
        let Some(len) = r.next_length(cx.flexible, true)? else {
            return Some(None);
        };
        let elem_cx = Cx {
            nullable: false,
            ..cx
        };
        #[cfg(feature = "index")]
        if T::FIXED_SIZE.is_none() && r.ix().readable() {
            if let Some(a) = WireArray::indexed(r, len, elem_cx) {
                return Some(Some(Array::Wire(a)));
            }
        }
        let base = r.offset();
        let rest = r.rest();
        Self::skip_counted_valid(r, len, elem_cx)?;
        let used = r.offset() - base;
        Some(Some(Array::Wire(WireArray::walked(
            rest.get(..used)?,
            base,
            len,
            elem_cx,
        ))))
    }

    /// [`Array::skip_elements`] over validated bytes.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub(crate) fn skip_elements_valid(r: &mut Reader<'a>, cx: Cx) -> Option<bool> {
        let Some(len) = r.next_length(cx.flexible, true)? else {
            return Some(false);
        };
        let elem_cx = Cx {
            nullable: false,
            ..cx
        };
        #[cfg(feature = "index")]
        if T::FIXED_SIZE.is_none()
            && r.ix().readable()
            && WireArray::<T>::indexed(r, len, elem_cx).is_some()
        {
            return Some(true);
        }
        Self::skip_counted_valid(r, len, elem_cx)?;
        Some(true)
    }

    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn skip_counted_valid(r: &mut Reader<'a>, len: usize, elem_cx: Cx) -> Option<()> {
        match T::FIXED_SIZE {
            Some(size) => r.advance(len.checked_mul(size)?),
            None => {
                for _ in 0..len {
                    T::skip_valid(r, elem_cx)?;
                }
                Some(())
            }
        }
    }

    /// The bytes [`Array::write_elements`] writes (without the count), or its error.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub(crate) fn elements_len(&self, cx: Cx) -> Result<usize, EncodeError> {
        let elem_cx = Cx {
            nullable: false,
            ..cx
        };
        if let Some(size) = T::FIXED_SIZE {
            return Ok(self.len().saturating_mul(size));
        }
        match self {
            Array::Wire(a) if a.cx == elem_cx => Ok(a.bytes.len()),
            Array::Wire(a) => {
                let mut r = Reader::with_base(a.bytes, a.base as usize);
                let mut n = 0usize;
                for _ in 0..a.len {
                    let Some(e) = T::read_valid(&mut r, a.cx) else {
                        break;
                    };
                    n += e.wire_len(elem_cx)?;
                }
                Ok(n)
            }
            Array::Slice(s) => len_all(s, elem_cx),
            #[cfg(feature = "alloc")]
            Array::Vec(v) => len_all(v, elem_cx),
        }
    }

    /// [`Array::elements_len`] by arithmetic ([`Wire::fast_len`]): `None`
    /// when an element cannot be written or sized cheaply.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub(crate) fn elements_fast_len(&self, cx: Cx) -> Option<usize> {
        let elem_cx = Cx {
            nullable: false,
            ..cx
        };
        if let Some(size) = T::FIXED_SIZE {
            return self.len().checked_mul(size);
        }
        match self {
            Array::Wire(a) if a.cx == elem_cx => Some(a.bytes.len()),
            Array::Wire(a) => {
                let mut r = Reader::with_base(a.bytes, a.base as usize);
                let mut n = 0usize;
                for _ in 0..a.len {
                    n += T::read_valid(&mut r, a.cx)?.fast_len(elem_cx)?;
                }
                Some(n)
            }
            Array::Slice(s) => fast_len_all(s, elem_cx),
            #[cfg(feature = "alloc")]
            Array::Vec(v) => fast_len_all(v, elem_cx),
        }
    }

    /// Writes every element (the count is written by the caller): a decoded
    /// array at the layout it was decoded with is one copy of its bytes;
    /// otherwise each element is written by reference.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    pub(crate) fn write_elements<S: Sink + ?Sized>(
        &self,
        w: &mut S,
        cx: Cx,
    ) -> Result<(), EncodeError> {
        let elem_cx = Cx {
            nullable: false,
            ..cx
        };
        if let Some(size) = T::FIXED_SIZE {
            if w.add_len(self.len().saturating_mul(size)) {
                return Ok(());
            }
            // Elements in memory, into a sink with room: one bounds check for
            // the run, then a loop of fixed-size stores (which vectorizes).
            // (Not on bare metal, for flash.)
            #[cfg(not(target_os = "none"))]
            let elems = match self {
                Array::Slice(s) => Some(*s),
                #[cfg(feature = "alloc")]
                Array::Vec(v) => Some(v.as_slice()),
                Array::Wire(_) => None,
            };
            #[cfg(not(target_os = "none"))]
            if let Some(s) = elems.filter(|_| size > 0) {
                let total = s.len().saturating_mul(size);
                if let Some(dst) = w.spare().get_mut(..total) {
                    for (d, e) in dst.chunks_exact_mut(size).zip(s) {
                        e.write(&mut crate::wire::SliceSink::new(d), elem_cx)?;
                    }
                    w.commit(total);
                    return Ok(());
                }
            }
        }
        match self {
            Array::Wire(a) if a.cx == elem_cx => w.put(a.bytes),
            Array::Wire(a) => {
                let mut r = Reader::with_base(a.bytes, a.base as usize);
                for _ in 0..a.len {
                    // Validated when decoded, at this reader and layout.
                    let Some(e) = T::read_valid(&mut r, a.cx) else {
                        break;
                    };
                    e.write(w, elem_cx)?;
                }
                Ok(())
            }
            Array::Slice(s) => write_all(s, w, elem_cx),
            #[cfg(feature = "alloc")]
            Array::Vec(v) => write_all(v, w, elem_cx),
        }
    }
}

impl<'a, T: Wire<'a>> Array<'a, T> {
    /// The common case of an array of fixed-size elements held in memory
    /// (a slice or a `Vec`), compact and shorter than 127 (a one-byte
    /// prefix), into a sink with spare room ([`Sink::spare`]): prefix and
    /// elements written straight there after one bounds check. `None` when
    /// the case does not apply; [`Wire::write`] then writes it the general
    /// way, with the same bytes.
    #[cfg(not(target_os = "none"))]
    #[inline(always)]
    pub(crate) fn write_short_fixed<S: Sink + ?Sized>(
        &self,
        w: &mut S,
        cx: Cx,
    ) -> Option<Result<(), EncodeError>> {
        let size = T::FIXED_SIZE.filter(|&s| s > 0)?;
        let elems: &[T] = match self {
            Array::Slice(s) => s,
            #[cfg(feature = "alloc")]
            Array::Vec(v) => v,
            Array::Wire(_) => return None,
        };
        let n = elems.len();
        if !cx.flexible || n >= 0x7f {
            return None;
        }
        let elem_cx = Cx {
            nullable: false,
            ..cx
        };
        // `n < 127`, so neither the product nor the prefix overflows.
        let total = 1 + n * size;
        if let Some(dst) = w.spare().get_mut(..total) {
            return Some(fill_short_fixed(dst, elems, size, elem_cx).map(|()| w.commit(total)));
        }
        if w.add_len(total) {
            return Some(Ok(()));
        }
        None
    }
}

/// Writes the one-byte compact prefix of `elems` (fewer than 127) and then
/// each element into its `size`-byte slot of `dst`.
#[cfg(not(target_os = "none"))]
#[inline(always)]
fn fill_short_fixed<'a, T: Wire<'a>>(
    dst: &mut [u8],
    elems: &[T],
    size: usize,
    cx: Cx,
) -> Result<(), EncodeError> {
    if let Some((head, body)) = dst.split_first_mut() {
        *head = (elems.len() + 1) as u8;
        for (d, e) in body.chunks_exact_mut(size).zip(elems) {
            e.write(&mut crate::wire::SliceSink::new(d), cx)?;
        }
    }
    Ok(())
}

#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
fn write_all<'a, T: Wire<'a>, S: Sink + ?Sized>(
    s: &[T],
    w: &mut S,
    cx: Cx,
) -> Result<(), EncodeError> {
    for e in s {
        e.write(w, cx)?;
    }
    Ok(())
}

#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
fn fast_len_all<'a, T: Wire<'a>>(s: &[T], cx: Cx) -> Option<usize> {
    let mut n = 0usize;
    for e in s {
        n += e.fast_len(cx)?;
    }
    Some(n)
}

#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
fn len_all<'a, T: Wire<'a>>(s: &[T], cx: Cx) -> Result<usize, EncodeError> {
    let mut n = 0usize;
    for e in s {
        n += e.wire_len(cx)?;
    }
    Ok(n)
}

impl<'a, T: Wire<'a> + Clone> Array<'a, T> {
    /// Iterates the elements by value (decoded views are cheap to make).
    pub fn iter(&self) -> ArrayIter<'_, 'a, T> {
        match self {
            #[cfg(feature = "index")]
            Array::Wire(a) if !a.ix.is_empty() => ArrayIter::Indexed(IndexedIter {
                bytes: a.bytes,
                base: a.base as usize,
                ix: a.ix,
                h: a.ip,
                i: 0,
                len: a.len,
                cx: a.cx,
                _elem: PhantomData,
            }),
            Array::Wire(a) => ArrayIter::Wire {
                r: Reader::with_base(a.bytes, a.base as usize),
                left: a.len as usize,
                cx: a.cx,
            },
            Array::Slice(s) => ArrayIter::Slice(s.iter()),
            #[cfg(feature = "alloc")]
            Array::Vec(v) => ArrayIter::Slice(v.iter()),
        }
    }

    /// An owned array (a `Vec`) of owned elements, outliving the input.
    #[cfg(feature = "alloc")]
    pub fn into_owned_with<U>(self, f: impl FnMut(T) -> U) -> Array<'static, U> {
        Array::Vec(self.iter().map(f).collect())
    }
}

/// Iterator over an [`Array`]'s elements.
pub enum ArrayIter<'s, 'a, T> {
    /// Decoding from a validated view.
    Wire {
        /// Reader over the remaining element bytes.
        r: Reader<'a>,
        /// Elements left.
        left: usize,
        /// Layout of the elements.
        cx: Cx,
    },
    /// Cloning out of a slice.
    Slice(core::slice::Iter<'s, T>),
    /// Decoding from a validated view whose element offsets are in a
    /// decode index ([`crate::wire::index`]).
    #[cfg(feature = "index")]
    Indexed(IndexedIter<'a, T>),
}

/// Iterator over the elements of a decoded array whose offsets are in a
/// decode index: each element is read from where the index says it is, so
/// reading one does not wait for the one before.
#[cfg(feature = "index")]
pub struct IndexedIter<'a, T> {
    bytes: &'a [u8],
    base: usize,
    ix: &'a [AtomicU32],
    h: u32,
    i: u32,
    len: u32,
    cx: Cx,
    _elem: PhantomData<fn() -> T>,
}

#[cfg(feature = "index")]
impl<'a, T: Wire<'a>> IndexedIter<'a, T> {
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn element(&self, i: u32) -> Option<T> {
        let (start, end, cursor) =
            crate::wire::index::Cursor::element(self.ix, self.h, i, self.len, self.base)?;
        let bytes = self
            .bytes
            .get(start.checked_sub(self.base)?..end.checked_sub(self.base)?)?;
        T::read_valid(&mut Reader::with_index(bytes, start, cursor), self.cx)
    }
}

#[cfg(feature = "index")]
impl<'a, T: Wire<'a>> Iterator for IndexedIter<'a, T> {
    type Item = T;
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn next(&mut self) -> Option<T> {
        if self.i >= self.len {
            return None;
        }
        let i = self.i;
        self.i += 1;
        // Validated and indexed at decode time: cannot fail; if it ever
        // did, iteration would simply end.
        let e = self.element(i);
        if e.is_none() {
            self.i = self.len;
        }
        e
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = (self.len - self.i) as usize;
        (n, Some(n))
    }
}

impl<'a, T: Wire<'a> + Clone> Iterator for ArrayIter<'_, 'a, T> {
    type Item = T;
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn next(&mut self) -> Option<T> {
        match self {
            ArrayIter::Wire { r, left, cx } => {
                if *left == 0 {
                    return None;
                }
                *left -= 1;
                // Validated at decode time with the same reader and layout, so this
                // cannot fail; if it ever did, iteration would simply end.
                match T::read_valid(r, *cx) {
                    Some(e) => Some(e),
                    None => {
                        *left = 0;
                        None
                    }
                }
            }
            ArrayIter::Slice(it) => it.next().cloned(),
            #[cfg(feature = "index")]
            ArrayIter::Indexed(it) => it.next(),
        }
    }

    /// One loop per kind of array (the kind is checked once, not per
    /// element), so `for_each`, `sum`, `map(..).collect()` and the like
    /// run a loop that knows how its elements are made.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn fold<B, F: FnMut(B, T) -> B>(self, init: B, mut f: F) -> B {
        let mut acc = init;
        match self {
            ArrayIter::Wire { mut r, left, cx } => {
                for _ in 0..left {
                    match T::read_valid(&mut r, cx) {
                        Some(e) => acc = f(acc, e),
                        None => break,
                    }
                }
            }
            ArrayIter::Slice(it) => {
                for e in it {
                    acc = f(acc, e.clone());
                }
            }
            #[cfg(feature = "index")]
            ArrayIter::Indexed(it) => {
                for e in it {
                    acc = f(acc, e);
                }
            }
        }
        acc
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = match self {
            ArrayIter::Wire { left, .. } => *left,
            ArrayIter::Slice(it) => it.len(),
            #[cfg(feature = "index")]
            ArrayIter::Indexed(it) => it.size_hint().0,
        };
        (n, Some(n))
    }
}

impl<'a, T: Wire<'a> + Clone> ExactSizeIterator for ArrayIter<'_, 'a, T> {}

impl<'a, T: Wire<'a> + Clone + PartialEq> PartialEq for Array<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| a == b)
    }
}

impl<'a, T: Wire<'a> + Clone + fmt::Debug> fmt::Debug for Array<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(feature = "defmt")]
impl<'a, T: Wire<'a> + Clone + defmt::Format> defmt::Format for Array<'a, T> {
    fn format(&self, f: defmt::Formatter) {
        defmt::write!(f, "[");
        for (i, e) in self.iter().enumerate() {
            if i > 0 {
                defmt::write!(f, ", ");
            }
            defmt::write!(f, "{}", e);
        }
        defmt::write!(f, "]");
    }
}
