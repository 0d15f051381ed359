//! The records the firmware produces: a pure function of the record's
//! index, written again independently in Python by the test that checks
//! them (scripts/firmware-check.py).
//!
//! Record `i` (0..300) goes to partition `(i / 10) % 3` in batch `i / 10`:
//! key `key-NNN`; value `vNNN:` + `sensor-reading;` × (1 + i % 4) + bytes
//! `(i * 7 + j) & 0xff` for `j` in `0..i % 16`; timestamp
//! 1_700_000_000_000 + 1000 i; headers `seq` = decimal i, `src` =
//! `qemu-mps2-an386`, and when `i % 5 == 0` a third, `none`, with a null value.

use kio_core::records::Header;

/// Records produced.
pub const COUNT: u32 = 300;
/// Records per batch.
pub const PER_BATCH: u32 = 10;
/// Partitions of the topic.
pub const PARTITIONS: u32 = 3;
/// The first record's timestamp.
pub const BASE_TIMESTAMP: i64 = 1_700_000_000_000;
const SRC: &[u8] = b"qemu-mps2-an386";
const READING: &[u8] = b"sensor-reading;";

/// The partition of record `i`.
pub fn partition_of(i: u32) -> i32 {
    ((i / PER_BATCH) % PARTITIONS) as i32
}

/// Record `i`'s bytes.
pub struct Rec {
    /// `key-NNN`.
    pub key: [u8; 7],
    value: [u8; 96],
    value_len: usize,
    seq: [u8; 3],
    seq_len: usize,
    /// The timestamp.
    pub timestamp: i64,
    /// Whether the null-valued header is present.
    pub null_header: bool,
}

fn digits3(v: u32, out: &mut [u8]) {
    out[0] = b'0' + (v / 100 % 10) as u8;
    out[1] = b'0' + (v / 10 % 10) as u8;
    out[2] = b'0' + (v % 10) as u8;
}

impl Rec {
    /// Record `i`.
    pub fn new(i: u32) -> Rec {
        let mut key = *b"key-000";
        digits3(i, &mut key[4..]);
        let mut value = [0u8; 96];
        value[0] = b'v';
        digits3(i, &mut value[1..4]);
        value[4] = b':';
        let mut n = 5;
        for _ in 0..1 + i % 4 {
            value[n..n + READING.len()].copy_from_slice(READING);
            n += READING.len();
        }
        for j in 0..i % 16 {
            value[n] = ((i * 7 + j) & 0xff) as u8;
            n += 1;
        }
        let mut seq = [0u8; 3];
        let seq_len = if i >= 100 {
            digits3(i, &mut seq);
            3
        } else if i >= 10 {
            seq[0] = b'0' + (i / 10) as u8;
            seq[1] = b'0' + (i % 10) as u8;
            2
        } else {
            seq[0] = b'0' + i as u8;
            1
        };
        Rec {
            key,
            value,
            value_len: n,
            seq,
            seq_len,
            timestamp: BASE_TIMESTAMP + 1000 * i as i64,
            null_header: i.is_multiple_of(5),
        }
    }

    /// The value.
    pub fn value(&self) -> &[u8] {
        &self.value[..self.value_len]
    }

    /// The headers (two or three).
    pub fn headers(&self) -> ([Header<'_>; 3], usize) {
        let h = [
            Header {
                key: "seq",
                value: Some(&self.seq[..self.seq_len]),
            },
            Header {
                key: "src",
                value: Some(SRC),
            },
            Header {
                key: "none",
                value: None,
            },
        ];
        (h, if self.null_header { 3 } else { 2 })
    }
}

/// The index in a `key-NNN` key.
#[cfg_attr(not(feature = "readback"), allow(dead_code))]
pub fn index_of(key: &[u8]) -> Option<u32> {
    let d = key.strip_prefix(b"key-")?;
    if d.len() != 3 || !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(d.iter().fold(0, |a, &c| a * 10 + u32::from(c - b'0')))
}
