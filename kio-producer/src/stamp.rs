//! Stamping a finished batch with the producer's identity and sequence.
//!
//! The batch is built before its sequence is known (and a retry after an
//! epoch bump needs a new epoch and sequence), so [`stamp`] rewrites the
//! producer id, epoch and base sequence in the 61-byte header and
//! recomputes the CRC-32C, which covers them. The records are not touched.

use kio_core::records::batch::{
    ATTRIBUTES_OFFSET, CRC_OFFSET, LOG_OVERHEAD, RECORDS_COUNT_OFFSET, RECORD_BATCH_OVERHEAD,
};
use kio_core::records::crc::crc32c;
use kio_core::records::{RecordsError, RecordsErrorKind};

/// Where the batch length, magic, producer id, producer epoch and base
/// sequence sit in a magic-2 batch header (Kafka's `DefaultRecordBatch`).
const LENGTH_OFFSET: usize = 8;
const MAGIC_OFFSET: usize = 16;
const PRODUCER_ID_OFFSET: usize = 43;
const PRODUCER_EPOCH_OFFSET: usize = 51;
const BASE_SEQUENCE_OFFSET: usize = 53;

/// Rewrites the producer id, epoch and base sequence of the magic-2 batch
/// that is exactly `batch`, and its CRC. Returns the batch's record count.
///
/// The fields are patched in place at their fixed offsets (a parse of the
/// whole header would link the header reader and its messages into a
/// firmware for three fields).
pub fn stamp(
    batch: &mut [u8],
    producer_id: i64,
    producer_epoch: i16,
    base_sequence: i32,
) -> Result<i32, RecordsError> {
    let invalid = |what| RecordsError::new(RecordsErrorKind::InvalidState, what, 0);
    let len = batch.len();
    let Some(header) = batch.get_mut(..RECORD_BATCH_OVERHEAD) else {
        return Err(invalid("batch header (shorter than 61 bytes)"));
    };
    let be4 = |h: &[u8], at: usize| i32::from_be_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]]);
    if header[MAGIC_OFFSET] != 2 {
        return Err(invalid("batch magic (only magic 2 can be produced)"));
    }
    let declared = usize::try_from(be4(header, LENGTH_OFFSET))
        .ok()
        .and_then(|l| l.checked_add(LOG_OVERHEAD));
    if declared != Some(len) {
        return Err(invalid(
            "batch length (the slice must be exactly one batch)",
        ));
    }
    let record_count = be4(header, RECORDS_COUNT_OFFSET);
    header[PRODUCER_ID_OFFSET..PRODUCER_EPOCH_OFFSET].copy_from_slice(&producer_id.to_be_bytes());
    header[PRODUCER_EPOCH_OFFSET..BASE_SEQUENCE_OFFSET]
        .copy_from_slice(&producer_epoch.to_be_bytes());
    header[BASE_SEQUENCE_OFFSET..RECORDS_COUNT_OFFSET]
        .copy_from_slice(&base_sequence.to_be_bytes());
    let crc = crc32c(batch.get(ATTRIBUTES_OFFSET..).unwrap_or_default());
    if let Some(d) = batch.get_mut(CRC_OFFSET..ATTRIBUTES_OFFSET) {
        d.copy_from_slice(&crc.to_be_bytes());
    }
    Ok(record_count)
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
