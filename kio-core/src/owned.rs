//! [`IntoOwned`]: turn values that borrow from a frame into values that own
//! their data (`'static`), so they can outlive the frame.

use crate::types::{Array, Bytes, RecordsBytes, Str, UnknownTags, Uuid};

/// A value that can be made to own its data.
pub trait IntoOwned {
    /// The owned form.
    type Owned: 'static;
    /// Copies any borrowed data into owned storage.
    fn into_owned(self) -> Self::Owned;
}

macro_rules! identity {
    ($($t:ty),*) => {$(
        impl IntoOwned for $t {
            type Owned = $t;
            fn into_owned(self) -> $t { self }
        }
    )*};
}
identity!(bool, i8, i16, u16, i32, u32, i64, f64, Uuid);

impl IntoOwned for Str<'_> {
    type Owned = Str<'static>;
    fn into_owned(self) -> Str<'static> {
        Str::into_owned(self)
    }
}

impl IntoOwned for Bytes<'_> {
    type Owned = Bytes<'static>;
    fn into_owned(self) -> Bytes<'static> {
        Bytes::into_owned(self)
    }
}

impl IntoOwned for RecordsBytes<'_> {
    type Owned = RecordsBytes<'static>;
    fn into_owned(self) -> RecordsBytes<'static> {
        RecordsBytes::into_owned(self)
    }
}

impl IntoOwned for UnknownTags<'_> {
    type Owned = UnknownTags<'static>;
    fn into_owned(self) -> UnknownTags<'static> {
        UnknownTags::into_owned(self)
    }
}

impl<T: IntoOwned> IntoOwned for Option<T> {
    type Owned = Option<T::Owned>;
    fn into_owned(self) -> Option<T::Owned> {
        self.map(T::into_owned)
    }
}

impl<'a, T> IntoOwned for Array<'a, T>
where
    T: crate::codec::Wire<'a> + Clone + IntoOwned + 'a,
{
    type Owned = Array<'static, T::Owned>;
    fn into_owned(self) -> Array<'static, T::Owned> {
        self.into_owned_with(T::into_owned)
    }
}

/// Clones a `Vec` out of line: the `Clone` of a borrowed-or-owned value
/// ([`Array`], [`Str`], [`Bytes`], [`UnknownTags`]) stays a few inlined
/// instructions for views, which is what iteration clones.
#[cold]
#[inline(never)]
pub(crate) fn clone_vec<T: Clone>(v: &[T]) -> alloc::vec::Vec<T> {
    v.to_vec()
}
