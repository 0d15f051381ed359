//! [`Bytes`]: a Kafka `bytes` value, borrowed or (with `alloc`) owned.

use core::fmt;

/// A Kafka `bytes` value. Decoding borrows it from the input.
#[derive(Clone, Default)]
pub struct Bytes<'a>(Repr<'a>);

enum Repr<'a> {
    Borrowed(&'a [u8]),
    #[cfg(feature = "alloc")]
    Owned(alloc::vec::Vec<u8>),
}

/// A borrowed value is copied inline; an owned one is cloned out of line.
impl Clone for Repr<'_> {
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn clone(&self) -> Self {
        match self {
            Repr::Borrowed(b) => Repr::Borrowed(b),
            #[cfg(feature = "alloc")]
            Repr::Owned(v) => Repr::Owned(crate::owned::clone_vec(v)),
        }
    }
}

impl Default for Repr<'_> {
    fn default() -> Self {
        Repr::Borrowed(&[])
    }
}

impl<'a> Bytes<'a> {
    /// Bytes borrowing `b`.
    pub const fn new(b: &'a [u8]) -> Self {
        Bytes(Repr::Borrowed(b))
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        match &self.0 {
            Repr::Borrowed(b) => b,
            #[cfg(feature = "alloc")]
            Repr::Owned(v) => v,
        }
    }

    /// The bytes, borrowed from the input when they were decoded from it.
    pub fn borrowed(&self) -> Option<&'a [u8]> {
        match self.0 {
            Repr::Borrowed(b) => Some(b),
            #[cfg(feature = "alloc")]
            Repr::Owned(_) => None,
        }
    }

    /// An owned copy that outlives the input.
    #[cfg(feature = "alloc")]
    pub fn into_owned(self) -> Bytes<'static> {
        match self.0 {
            Repr::Borrowed(b) => Bytes(Repr::Owned(b.to_vec())),
            Repr::Owned(v) => Bytes(Repr::Owned(v)),
        }
    }
}

impl core::ops::Deref for Bytes<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl<'a> From<&'a [u8]> for Bytes<'a> {
    fn from(b: &'a [u8]) -> Self {
        Bytes::new(b)
    }
}

#[cfg(feature = "alloc")]
impl From<alloc::vec::Vec<u8>> for Bytes<'_> {
    fn from(v: alloc::vec::Vec<u8>) -> Self {
        Bytes(Repr::Owned(v))
    }
}

impl PartialEq for Bytes<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}
impl Eq for Bytes<'_> {}

impl fmt::Debug for Bytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("0x")?;
        for b in self.as_slice() {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Bytes<'_> {
    fn format(&self, f: defmt::Formatter) {
        defmt::write!(f, "{=[u8]:x}", self.as_slice())
    }
}
