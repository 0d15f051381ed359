//! Wire primitives: a bounds-checked reader over borrowed bytes and the
//! [`Sink`] that encoders write into.

mod reader;
mod sink;

pub use reader::Reader;
pub use sink::nested;
pub use sink::{put_uvarint, uvarint_len, CountingSink, IoSink, Sink, SliceSink, WindowSink};
