//! Wire primitives: a bounds-checked reader over borrowed bytes and the
//! [`Sink`] that encoders write into.

#[cfg(feature = "index")]
pub mod index;
mod reader;
mod sink;
#[cfg(all(feature = "alloc", not(target_os = "none")))]
pub(crate) mod vec_sink;

#[cfg(feature = "index")]
pub use index::{Index, IndexSlot};

pub use reader::Reader;
pub use sink::nested;
pub use sink::{put_uvarint, uvarint_len, CountingSink, IoSink, Sink, SliceSink, WindowSink};
