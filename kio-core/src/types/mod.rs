//! The value types that generated messages are made of.

mod array;
mod bytes;
mod records;
mod str;
mod tagged;
mod uuid;

#[cfg(feature = "index")]
pub use array::IndexedIter;
pub use array::{Array, ArrayIter};
pub use bytes::Bytes;
pub use records::RecordsBytes;
pub use str::Str;
pub use tagged::{
    RawTag, TagSet, TaggedSection, TaggedWriter, UnknownTags, UnknownTagsIter, MAX_TYPED_TAGS,
};
pub use uuid::Uuid;
