//! Everything generated code refers to, in one place (`use crate::rt;`).

#[cfg(not(target_os = "none"))]
pub use crate::codec::fast_or_counted_len;
pub use crate::codec::{Cx, Message, Request, Response, Struct, Wire};
pub use crate::error::{DecodeError, EncodeError, EncodeErrorKind};
pub use crate::generated::ApiKey;
#[cfg(feature = "alloc")]
pub use crate::owned::IntoOwned;
pub use crate::schema::{
    FieldSchema, FieldType, MessageKind, MessageSchema, ReleaseVersions, VersionRange,
};
pub use crate::types::{
    Array, Bytes, RecordsBytes, Str, TaggedSection, TaggedWriter, UnknownTags, Uuid,
};
#[cfg(not(target_os = "none"))]
pub use crate::wire::uvarint_len;
#[cfg(not(any(target_os = "none", target_family = "wasm")))]
pub use crate::wire::{nested, SliceSink};
pub use crate::wire::{CountingSink, Reader, Sink};
