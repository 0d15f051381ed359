//! The connection to the broker, as the producer sees it.

use core::future::Future;
use embedded_io::ErrorKind;

/// A blocking connection to one broker: a stream that can be opened again
/// and a way to wait.
///
/// Reads should fail (not block for ever) when the broker stops answering:
/// a read timeout is how a producer on a UART notices a lost connection.
pub trait Link: embedded_io::Read + embedded_io::Write {
    /// Opens the connection again after a stream error: a new TCP
    /// connection, or on a UART bridged to TCP, discarding what was buffered.
    fn reconnect(&mut self) -> Result<(), ErrorKind>;
    /// Waits `ms` milliseconds (the retry backoff).
    fn sleep_ms(&mut self, ms: u32);
}

/// The async twin of [`Link`].
pub trait AsyncLink: embedded_io_async::Read + embedded_io_async::Write {
    /// Opens the connection again after a stream error.
    fn reconnect(&mut self) -> impl Future<Output = Result<(), ErrorKind>>;
    /// Waits `ms` milliseconds.
    fn sleep_ms(&mut self, ms: u32) -> impl Future<Output = ()>;
}
