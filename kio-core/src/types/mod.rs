//! The value types that generated messages are made of.

mod array;
mod bytes;
mod records;
mod str;
mod tagged;
mod uuid;

pub use array::{Array, ArrayIter};
pub use bytes::Bytes;
pub use records::RecordsBytes;
pub use str::Str;
pub use tagged::{RawTag, TagSpec, TaggedSection, TaggedWriter, UnknownTags, UnknownTagsIter};
pub use uuid::Uuid;
