//! [`Str`]: a Kafka string, borrowed from the frame or (with `alloc`) owned.

use core::fmt;

/// A Kafka `string`. Decoding borrows it from the input. Like Kafka's own
/// decoder, bytes that are not valid UTF-8 are accepted (Kafka replaces them
/// when it reads; we keep them so a decode → encode round trip is exact):
/// [`Str::to_str`] says whether the text is valid, `Display` prints it lossily.
#[derive(Clone, Default)]
pub struct Str<'a>(Repr<'a>);

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

impl<'a> Str<'a> {
    /// A string borrowing `s`.
    pub const fn new(s: &'a str) -> Self {
        Str(Repr::Borrowed(s.as_bytes()))
    }

    /// A string over raw bytes, valid UTF-8 or not (as decoded from the wire).
    pub const fn from_utf8_unchecked_bytes(b: &'a [u8]) -> Self {
        Str(Repr::Borrowed(b))
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Borrowed(b) => b,
            #[cfg(feature = "alloc")]
            Repr::Owned(v) => v,
        }
    }

    /// The text, or the UTF-8 error if the peer sent invalid bytes.
    pub fn to_str(&self) -> Result<&str, core::str::Utf8Error> {
        core::str::from_utf8(self.as_bytes())
    }

    /// The text; invalid UTF-8 (which Kafka would replace) gives `""`.
    /// Use [`Str::to_str`] to tell the two apart.
    pub fn as_str(&self) -> &str {
        self.to_str().unwrap_or_default()
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.as_bytes().is_empty()
    }

    /// An owned copy that outlives the input.
    #[cfg(feature = "alloc")]
    pub fn into_owned(self) -> Str<'static> {
        match self.0 {
            Repr::Borrowed(b) => Str(Repr::Owned(b.to_vec())),
            Repr::Owned(v) => Str(Repr::Owned(v)),
        }
    }
}

impl<'a> From<&'a str> for Str<'a> {
    fn from(s: &'a str) -> Self {
        Str::new(s)
    }
}

#[cfg(feature = "alloc")]
impl From<super::Bytes<'_>> for Str<'static> {
    /// Raw bytes as a string (valid UTF-8 or not).
    fn from(b: super::Bytes<'_>) -> Self {
        Str(Repr::Owned(b.as_slice().to_vec()))
    }
}

#[cfg(feature = "alloc")]
impl From<alloc::string::String> for Str<'_> {
    fn from(s: alloc::string::String) -> Self {
        Str(Repr::Owned(s.into_bytes()))
    }
}

impl PartialEq for Str<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}
impl Eq for Str<'_> {}

impl PartialEq<str> for Str<'_> {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}
impl PartialEq<&str> for Str<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl fmt::Display for Str<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.as_bytes().utf8_chunks() {
            f.write_str(chunk.valid())?;
            if !chunk.invalid().is_empty() {
                f.write_str("\u{FFFD}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Str<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_str() {
            Ok(s) => fmt::Debug::fmt(s, f),
            Err(_) => write!(f, "invalid-utf8{:?}", self.as_bytes()),
        }
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Str<'_> {
    fn format(&self, f: defmt::Formatter) {
        match self.to_str() {
            Ok(s) => defmt::write!(f, "{=str}", s),
            Err(_) => defmt::write!(f, "{=[u8]}", self.as_bytes()),
        }
    }
}
