mod common;
use common::records::*;
use kio_core::records::*;
use proptest::prelude::*;

fn rec() -> impl Strategy<Value = Rec> {
    (
        -1_000_000i64..1_000_000,
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..200)),
        proptest::collection::vec(
            (
                "[a-c]{0,3}",
                proptest::option::of(proptest::collection::vec(any::<u8>(), 0..8)),
            ),
            0..4,
        ),
    )
        .prop_map(|(t, key, value, headers)| Rec {
            timestamp: 1_700_000_000_000 + t,
            key,
            value,
            headers,
        })
}

fn codec() -> impl Strategy<Value = Compression> {
    prop_oneof![
        Just(Compression::None),
        Just(Compression::Gzip),
        Just(Compression::Snappy),
        Just(Compression::Lz4),
        Just(Compression::Zstd)
    ]
}

fn opts() -> impl Strategy<Value = BatchOptions> {
    (
        any::<i64>(),
        any::<i32>(),
        any::<i64>(),
        any::<i16>(),
        any::<i32>(),
        any::<bool>(),
        codec(),
    )
        .prop_map(
            |(
                base_offset,
                partition_leader_epoch,
                producer_id,
                producer_epoch,
                base_sequence,
                transactional,
                compression,
            )| BatchOptions {
                base_offset,
                partition_leader_epoch,
                producer_id,
                producer_epoch,
                base_sequence,
                transactional,
                compression,
                ..Default::default()
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200), ..ProptestConfig::default() })]

    #[test]
    fn encode_decode_equal(o in opts(), recs in proptest::collection::vec(rec(), 0..12)) {
        let bytes = build(o, &recs);
        let got = decode_all(&bytes);
        prop_assert_eq!(got.len(), 1);
        let (h, back) = &got[0];
        prop_assert_eq!(back, &recs);
        prop_assert_eq!(h.base_offset, o.base_offset);
        prop_assert_eq!(h.producer_id, o.producer_id);
        prop_assert_eq!(h.producer_epoch, o.producer_epoch);
        prop_assert_eq!(h.base_sequence, o.base_sequence);
        prop_assert_eq!(h.partition_leader_epoch, o.partition_leader_epoch);
        prop_assert_eq!(h.attributes.is_transactional(), o.transactional);
        prop_assert_eq!(h.record_count as usize, recs.len());
        if let Some(m) = recs.iter().map(|r| r.timestamp).max() {
            prop_assert_eq!(h.max_timestamp, m);
        }
    }

    #[test]
    fn prefixes_and_bit_flips_never_panic(o in opts(), recs in proptest::collection::vec(rec(), 1..5), flip in any::<prop::sample::Index>()) {
        let mut bytes = build(o, &recs);
        let full = walk(&bytes).unwrap();
        prop_assert!(full >= recs.len());
        for cut in 0..bytes.len() {
            // a strict prefix is a Truncated item, never an error or a panic
            let items: Vec<_> = RecordBatches::new(&bytes[..cut]).collect();
            prop_assert!(items.iter().all(|i| matches!(i, Ok(BatchItem::Truncated(_)))), "cut {}", cut);
        }
        let bit = flip.index(bytes.len() * 8);
        bytes[bit / 8] ^= 1 << (bit % 8);
        // CRC on: error or a consistent decode (a flip in the base offset/length/epoch is outside the CRC)
        let _ = walk(&bytes);
        // CRC off: the validator alone must keep it panic-free
        for item in RecordBatches::new(&bytes).verify_crc(false) {
            if let Ok(BatchItem::Batch(b)) = item {
                if let Ok(rs) = b.records() { for r in rs { let _ = r.headers().count(); } }
                if let Ok(d) = b.decompress_to_vec(1 << 20) { for r in d.records() { let _ = r.headers().count(); } }
            }
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = walk(&bytes);
        for c in [Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd] {
            let _ = compression::decompress_to_vec(c, &bytes, 1 << 16);
            let mut buf = [0u8; 512];
            let _ = compression::decompress_into(c, &bytes, &mut buf);
        }
    }

    #[test]
    fn codec_flips_never_panic(data in proptest::collection::vec(0u8..4, 0..3000), c in codec(), flip in any::<prop::sample::Index>()) {
        let mut z = compression::compress_to_vec(c, &data).unwrap();
        prop_assert_eq!(&compression::decompress_to_vec(c, &z, data.len()).unwrap(), &data);
        if !z.is_empty() {
            let bit = flip.index(z.len() * 8);
            z[bit / 8] ^= 1 << (bit % 8);
            let _ = compression::decompress_to_vec(c, &z, 1 << 16);
            for cut in 0..z.len() { let _ = compression::decompress_to_vec(c, &z[..cut], 1 << 16); }
        }
    }
}
