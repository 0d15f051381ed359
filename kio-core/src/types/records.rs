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

    /// The record batches (and legacy message sets) in these bytes, parsed
    /// lazily; see [`crate::records`].
    ///
    /// ```
    /// use kio_core::records::{BatchItem, BatchOptions, BatchWriter, NewRecord};
    /// use kio_core::RecordsBytes;
    ///
    /// let mut buf = [0u8; 256];
    /// let mut w = BatchWriter::new(&mut buf, BatchOptions::default()).unwrap();
    /// w.append(&NewRecord { value: Some(b"hello"), ..Default::default() }).unwrap();
    /// let batch = w.finish().unwrap();
    ///
    /// // A Produce request can carry the writer's output without a copy.
    /// let records = RecordsBytes::new(batch);
    /// for item in records.batches() {
    ///     if let BatchItem::Batch(b) = item.unwrap() {
    ///         let r = b.records().unwrap().next().unwrap();
    ///         assert_eq!(r.value, Some(&b"hello"[..]));
    ///     }
    /// }
    /// ```
    pub fn batches(&self) -> crate::records::RecordBatches<'_> {
        crate::records::RecordBatches::new(self.as_slice())
    }
    /// An owned copy that outlives the input.
    #[cfg(feature = "alloc")]
    pub fn into_owned(self) -> RecordsBytes<'static> {
        RecordsBytes(self.0.into_owned())
    }
}
