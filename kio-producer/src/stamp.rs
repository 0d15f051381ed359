//! Stamping a finished batch with the producer's identity and sequence.
//!
//! The batch is built before its sequence is known (and a retry after an
//! epoch bump needs a new epoch and sequence), so [`stamp`] rewrites the
//! producer id, epoch and base sequence in the 61-byte header and
//! recomputes the CRC-32C, which covers them. The records are not touched.

use kio_core::records::batch::{ATTRIBUTES_OFFSET, CRC_OFFSET, LOG_OVERHEAD};
use kio_core::records::crc::crc32c;
use kio_core::records::{BatchHeader, RecordsError, RecordsErrorKind};

/// Rewrites the producer id, epoch and base sequence of the magic-2 batch
/// that is exactly `batch`, and its CRC. Returns the batch's record count.
pub fn stamp(
    batch: &mut [u8],
    producer_id: i64,
    producer_epoch: i16,
    base_sequence: i32,
) -> Result<i32, RecordsError> {
    let mut h = BatchHeader::read(batch, 0)?;
    let invalid = |what| RecordsError::new(RecordsErrorKind::InvalidState, what, 0);
    if h.magic != 2 {
        return Err(invalid("batch magic (only magic 2 can be produced)"));
    }
    let declared = usize::try_from(h.batch_length)
        .ok()
        .and_then(|l| l.checked_add(LOG_OVERHEAD));
    if declared != Some(batch.len()) {
        return Err(invalid(
            "batch length (the slice must be exactly one batch)",
        ));
    }
    h.producer_id = producer_id;
    h.producer_epoch = producer_epoch;
    h.base_sequence = base_sequence;
    h.write(batch).ok_or(invalid("batch header"))?;
    let crc = crc32c(batch.get(ATTRIBUTES_OFFSET..).unwrap_or_default());
    if let Some(d) = batch.get_mut(CRC_OFFSET..ATTRIBUTES_OFFSET) {
        d.copy_from_slice(&crc.to_be_bytes());
    }
    Ok(h.record_count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kio_core::records::{BatchOptions, BatchWriter, NewRecord, RecordBatch};

    #[test]
    fn stamped_batch_parses_with_new_fields_and_valid_crc() {
        let mut buf = [0u8; 256];
        let mut w = BatchWriter::new(&mut buf, BatchOptions::default()).unwrap();
        let rec = NewRecord {
            timestamp: 5,
            key: Some(b"k"),
            value: Some(b"v"),
            headers: &[],
        };
        w.append(&rec).unwrap();
        w.append(&rec).unwrap();
        let n = w.finish().unwrap().len();
        assert_eq!(stamp(&mut buf[..n], 42, 3, 7), Ok(2));
        // RecordBatch::parse checks the CRC.
        let b = RecordBatch::parse(&buf[..n]).unwrap();
        assert_eq!(
            (b.producer_id(), b.producer_epoch(), b.base_sequence()),
            (42, 3, 7)
        );
        assert!(stamp(&mut buf[..n - 1], 1, 1, 1).is_err());
    }
}
