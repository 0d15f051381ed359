//! [`RecordsBytes`]: the raw bytes of a `records` field.

use super::Bytes;

/// The bytes of a Kafka `records` field (record batches), as they are on the
/// wire. [`crate::records`] parses them into batches and records.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RecordsBytes<'a>(pub Bytes<'a>);

impl<'a> RecordsBytes<'a> {
    /// Records over `b` (for example a batch built by the batch writer).
    pub const fn new(b: &'a [u8]) -> Self {
        RecordsBytes(Bytes::new(b))
    }
    /// The raw bytes.
    pub fn as_slice(&self) -> &[u8] {
        self.0.as_slice()
    }
    /// An owned copy that outlives the input.
    #[cfg(feature = "alloc")]
    pub fn into_owned(self) -> RecordsBytes<'static> {
        RecordsBytes(self.0.into_owned())
    }
}
