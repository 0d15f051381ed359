mod common;
use common::records::*;
use kio_core::records::varint::*;
use kio_core::records::*;

fn sample() -> Vec<Rec> {
    vec![
        Rec {
            timestamp: 1_700_000_000_000,
            key: Some(b"k1".to_vec()),
            value: Some(b"hello".to_vec()),
            headers: vec![
                ("h".into(), Some(b"1".to_vec())),
                ("h".into(), Some(b"2".to_vec())),
                ("n".into(), None),
            ],
        },
        Rec {
            timestamp: 1_700_000_000_005,
            key: None,
            value: None,
            headers: vec![],
        },
        Rec {
            timestamp: 1_699_999_999_990,
            key: Some(vec![]),
            value: Some(vec![7; 300]),
            headers: vec![],
        },
    ]
}

fn opts(c: Compression) -> BatchOptions {
    BatchOptions {
        base_offset: 42,
        producer_id: 7,
        producer_epoch: 3,
        base_sequence: 100,
        compression: c,
        ..Default::default()
    }
}

#[test]
fn varints_match_kafka() {
    let cases: &[(i32, &[u8])] = &[
        (0, &[0]),
        (-1, &[1]),
        (1, &[2]),
        (63, &[0x7e]),
        (-64, &[0x7f]),
        (64, &[0x80, 1]),
        (i32::MAX, &[0xfe, 0xff, 0xff, 0xff, 0x0f]),
        (i32::MIN, &[0xff, 0xff, 0xff, 0xff, 0x0f]),
    ];
    for &(v, b) in cases {
        let mut buf = [0u8; 5];
        let n = encode_varint(v, &mut buf).unwrap();
        assert_eq!(&buf[..n], b, "{v}");
        assert_eq!(decode_varint(b).unwrap(), (v, b.len()));
        assert_eq!(varint_len(v), b.len());
    }
    assert_eq!(
        decode_varint(&[0x80; 6]).unwrap_err().kind,
        RecordsErrorKind::VarintTooLong
    );
    assert_eq!(
        decode_varlong(&[0x80; 11]).unwrap_err().kind,
        RecordsErrorKind::VarintTooLong
    );
    assert_eq!(
        decode_varlong(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
            .unwrap()
            .0,
        i64::MIN
    );
    assert!(matches!(
        decode_varint(&[0x80]).unwrap_err().kind,
        RecordsErrorKind::UnexpectedEof { .. }
    ));
}

#[test]
fn roundtrip_every_codec() {
    for c in [
        Compression::None,
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ] {
        let bytes = build(opts(c), &sample());
        let got = decode_all(&bytes);
        assert_eq!(got.len(), 1);
        let (h, recs) = &got[0];
        assert_eq!(recs, &sample(), "{c:?}");
        assert_eq!(h.base_offset, 42);
        assert_eq!(h.record_count, 3);
        assert_eq!(h.last_offset_delta, 2);
        assert_eq!(h.producer_id, 7);
        assert_eq!(h.base_sequence, 100);
        assert_eq!(h.base_timestamp, 1_700_000_000_000);
        assert_eq!(h.max_timestamp, 1_700_000_000_005);
        assert_eq!(h.attributes.compression(), Ok(c));
        // also into a caller buffer
        let b = RecordBatch::parse(&bytes).unwrap();
        let mut buf = [0u8; 4096];
        let rs: Vec<Rec> = b
            .decompress_into(&mut buf)
            .unwrap()
            .map(|r| Rec::of(&r))
            .collect();
        assert_eq!(rs, sample());
        let offsets: Vec<i64> = b
            .decompress_into(&mut buf)
            .unwrap()
            .map(|r| r.offset)
            .collect();
        assert_eq!(offsets, [42, 43, 44]);
        // too small a buffer is an error, not a panic
        let mut small = [0u8; 100];
        assert!(matches!(
            b.decompress_into(&mut small).unwrap_err().kind,
            RecordsErrorKind::OutputTooLarge { .. }
        ));
    }
}

#[test]
fn batch_writer_no_heap_matches_builder() {
    for c in [
        Compression::None,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Gzip,
    ] {
        let mut buf = [0u8; 2048];
        let mut scratch = [0u8; 2048];
        let mut w = BatchWriter::new(&mut buf, opts(c)).unwrap();
        for r in sample() {
            let hs: Vec<Header<'_>> = r
                .headers
                .iter()
                .map(|(k, v)| Header {
                    key: k,
                    value: v.as_deref(),
                })
                .collect();
            w.append(&NewRecord {
                timestamp: r.timestamp,
                key: r.key.as_deref(),
                value: r.value.as_deref(),
                headers: &hs,
            })
            .unwrap();
        }
        let bytes = if c == Compression::None {
            w.finish().unwrap().to_vec()
        } else {
            w.finish_compressed(&mut scratch).unwrap().to_vec()
        };
        if c != Compression::Gzip {
            assert_eq!(bytes, build(opts(c), &sample()), "{c:?}");
        }
        assert_eq!(decode_all(&bytes)[0].1, sample());
    }
    // buffer too small: clean error, writer still usable
    let mut buf = [0u8; 80];
    let mut w = BatchWriter::new(&mut buf, opts(Compression::None)).unwrap();
    let big = [0u8; 50];
    let e = w
        .append(&NewRecord {
            timestamp: 0,
            key: None,
            value: Some(&big),
            headers: &[],
        })
        .unwrap_err();
    assert!(matches!(e.kind, RecordsErrorKind::BufferTooSmall { .. }));
    w.append(&NewRecord {
        timestamp: 0,
        key: None,
        value: Some(b"x"),
        headers: &[],
    })
    .unwrap();
    let out = w.finish().unwrap();
    assert_eq!(RecordBatch::parse(out).unwrap().record_count(), 1);
    assert!(BatchWriter::new(&mut [0u8; 60], BatchOptions::default()).is_err());
}

#[test]
fn truncated_last_batch_is_not_an_error() {
    let mut two = build(opts(Compression::None), &sample());
    let first_len = two.len();
    two.extend(build(
        BatchOptions {
            base_offset: 45,
            ..opts(Compression::Lz4)
        },
        &sample(),
    ));
    for cut in 0..two.len() {
        let items: Vec<_> = RecordBatches::new(&two[..cut]).collect();
        let want_batches = usize::from(cut >= first_len);
        let mut batches = 0;
        for (i, it) in items.iter().enumerate() {
            match it {
                Ok(BatchItem::Batch(_)) => batches += 1,
                Ok(BatchItem::Truncated(t)) => {
                    assert_eq!(i, items.len() - 1);
                    assert_eq!(t.offset, if cut >= first_len { first_len } else { 0 });
                    assert_eq!(t.available, cut - t.offset);
                    assert!(t.needed > t.available);
                    if t.available >= 12 {
                        assert_eq!(
                            t.needed,
                            if cut >= first_len {
                                two.len() - first_len
                            } else {
                                first_len
                            }
                        );
                    }
                }
                other => panic!("cut {cut}: {other:?}"),
            }
        }
        assert_eq!(batches, want_batches, "cut {cut}");
    }
    assert_eq!(RecordBatches::new(&two).count(), 2);
}

#[test]
fn crc_error_names_batch_and_base_offset() {
    let mut two = build(opts(Compression::None), &sample());
    let l = two.len();
    two.extend(build(
        BatchOptions {
            base_offset: 99,
            ..opts(Compression::None)
        },
        &sample(),
    ));
    let last = two.len() - 1;
    two[last] ^= 1;
    let items: Vec<_> = RecordBatches::new(&two).collect();
    assert!(matches!(items[0], Ok(BatchItem::Batch(_))));
    let e = items[1].clone().unwrap_err();
    assert_eq!(e.batch, Some(1));
    assert_eq!(e.offset, l + 17);
    assert!(matches!(
        e.kind,
        RecordsErrorKind::CrcMismatch {
            base_offset: 99,
            ..
        }
    ));
    println!("{e}");
    // with CRC checks off the corrupt record is still caught by validation or decodes consistently
    let _ = RecordBatches::new(&two).verify_crc(false).count();
}

fn recrc(b: &mut [u8]) {
    let c = crc::crc32c(&b[21..]);
    b[17..21].copy_from_slice(&c.to_be_bytes());
}

#[test]
fn absurd_record_count_rejected_fast() {
    let mut b = build(opts(Compression::None), &sample());
    b[57..61].copy_from_slice(&(1i32 << 30).to_be_bytes());
    recrc(&mut b);
    let e = RecordBatch::parse(&b).unwrap_err();
    assert_eq!(e.kind, RecordsErrorKind::InvalidRecordCount(1 << 30));
    b[57..61].copy_from_slice(&i32::MIN.to_be_bytes());
    recrc(&mut b);
    assert!(RecordBatch::parse(&b).is_err());
    // compressed: count is checked against the decompressed bytes
    let mut c = build(opts(Compression::Lz4), &sample());
    c[57..61].copy_from_slice(&i32::MAX.to_be_bytes());
    recrc(&mut c);
    let bt = RecordBatch::parse(&c).unwrap();
    assert!(matches!(
        bt.decompress_to_vec(1 << 20).unwrap_err().kind,
        RecordsErrorKind::InvalidRecordCount(_)
    ));
    // count too small: trailing bytes
    b[57..61].copy_from_slice(&2i32.to_be_bytes());
    recrc(&mut b);
    assert!(matches!(
        RecordBatch::parse(&b).unwrap_err().kind,
        RecordsErrorKind::TrailingBytes(_)
    ));
}

#[test]
fn decompression_bombs_are_errors() {
    let zeros = vec![0u8; 8 << 20];
    for c in [
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ] {
        let z = compression::compress_to_vec(c, &zeros).unwrap();
        assert!(z.len() < zeros.len() / 5, "{c:?} {}", z.len());
        let e = compression::decompress_to_vec(c, &z, 1 << 20).unwrap_err();
        assert_eq!(
            e.kind,
            RecordsErrorKind::OutputTooLarge { limit: 1 << 20 },
            "{c:?}"
        );
        let mut buf = vec![0u8; 1000];
        let e = compression::decompress_into(c, &z, &mut buf).unwrap_err();
        assert!(
            matches!(e.kind, RecordsErrorKind::OutputTooLarge { .. }),
            "{c:?} {e}"
        );
        assert_eq!(
            compression::decompress_to_vec(c, &z, 8 << 20).unwrap(),
            zeros
        );
    }
    // snappy header claiming 4 GiB in a few bytes: rejected before allocating
    let e = compression::decompress_to_vec(
        Compression::Snappy,
        &[0xff, 0xff, 0xff, 0xff, 0x0f, 0],
        usize::MAX,
    )
    .unwrap_err();
    assert!(matches!(e.kind, RecordsErrorKind::Decompression(_)));
}

#[test]
fn interop_with_other_implementations() {
    use std::io::{Read, Write};
    let data: Vec<u8> = (0..200_000u32)
        .flat_map(|i| ((i * 7919) % 251).to_le_bytes())
        .take(300_000)
        .collect();
    let text: Vec<u8> = b"the quick brown fox jumps over the lazy dog ".repeat(5000);
    for d in [&data, &text] {
        // snappy raw: snap -> ours, ours -> snap
        let s = snap::raw::Encoder::new().compress_vec(d).unwrap();
        assert_eq!(
            &compression::decompress_to_vec(Compression::Snappy, &s, 1 << 24).unwrap(),
            d
        );
        let ours = compression::compress_to_vec(Compression::Snappy, d).unwrap();
        // ours is xerial: unwrap chunks and feed snap
        assert_eq!(&ours[..8], b"\x82SNAPPY\0");
        let mut pos = 16;
        let mut plain = Vec::new();
        while pos < ours.len() {
            let l = u32::from_be_bytes(ours[pos..pos + 4].try_into().unwrap()) as usize;
            plain.extend(
                snap::raw::Decoder::new()
                    .decompress_vec(&ours[pos + 4..pos + 4 + l])
                    .unwrap(),
            );
            pos += 4 + l;
        }
        assert_eq!(&plain, d);
        // lz4 frame: lz4_flex frame (with checksums, linked blocks) -> ours; ours -> lz4_flex
        let mut info = lz4_flex::frame::FrameInfo::new();
        info.content_checksum = true;
        info.block_checksums = true;
        info.content_size = Some(d.len() as u64);
        info.block_mode = lz4_flex::frame::BlockMode::Linked;
        let mut enc = lz4_flex::frame::FrameEncoder::with_frame_info(info, Vec::new());
        enc.write_all(d).unwrap();
        let f = enc.finish().unwrap();
        assert_eq!(
            &compression::decompress_to_vec(Compression::Lz4, &f, 1 << 24).unwrap(),
            d
        );
        let ours = compression::compress_to_vec(Compression::Lz4, d).unwrap();
        let mut back = Vec::new();
        lz4_flex::frame::FrameDecoder::new(&ours[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(&back, d);
        // gzip: flate2 -> ours; ours -> flate2
        let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        g.write_all(d).unwrap();
        let g = g.finish().unwrap();
        assert_eq!(
            &compression::decompress_to_vec(Compression::Gzip, &g, 1 << 24).unwrap(),
            d
        );
        let ours = compression::compress_to_vec(Compression::Gzip, d).unwrap();
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&ours[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(&back, d);
    }
    // xxh32 known vectors
    assert_eq!(compression::xxh32(b"", 0), 0x02CC_5D05);
    assert_eq!(compression::xxh32(b"a", 0), 0x550D_7456);
    assert_eq!(compression::xxh32(b"abc", 0), 0x32D1_53FF);
    assert_eq!(
        compression::xxh32(b"Nobody inspects the spammish repetition", 0),
        0xE229_3B2F
    );
}

#[test]
fn control_batch_markers() {
    let mut b = RecordBatchBuilder::new(BatchOptions {
        control: true,
        transactional: true,
        producer_id: 5,
        producer_epoch: 1,
        ..Default::default()
    });
    b.append_end_txn_marker(1000, true, 7).unwrap();
    b.append_end_txn_marker(1001, false, 8).unwrap();
    let bytes = b.build().unwrap();
    let batch = RecordBatch::parse(&bytes).unwrap();
    assert!(batch.is_control() && batch.is_transactional());
    let rs: Vec<_> = batch
        .records()
        .unwrap()
        .map(|r| ControlRecord::parse(&r).unwrap())
        .collect();
    assert!(matches!(
        rs[0],
        ControlRecord::EndTxn {
            commit: true,
            marker: EndTxnMarker {
                coordinator_epoch: 7,
                version: 0
            },
            ..
        }
    ));
    assert!(matches!(
        rs[1],
        ControlRecord::EndTxn {
            commit: false,
            marker: EndTxnMarker {
                coordinator_epoch: 8,
                ..
            },
            ..
        }
    ));
    // Kafka's bytes for a commit marker key / value
    assert_eq!(
        ControlRecordKey {
            version: 0,
            control_type: ControlType::Commit
        }
        .to_bytes(),
        [0, 0, 0, 1]
    );
    assert!(ControlRecordKey::parse(&[0, 0]).is_err());
}

#[test]
fn legacy_message_sets() {
    use kio_core::records::legacy::write_legacy_message;
    for magic in [0i8, 1] {
        // plain messages
        let mut set = vec![0u8; 1024];
        let mut n = 0;
        for i in 0..3 {
            n += write_legacy_message(
                &mut set[n..],
                10 + i,
                magic,
                0,
                1000 + i,
                Some(b"k"),
                Some(format!("v{i}").as_bytes()),
            )
            .unwrap();
        }
        set.truncate(n);
        let msgs: Vec<_> = RecordBatches::new(&set)
            .map(|m| match m.unwrap() {
                BatchItem::Legacy(m) => m,
                o => panic!("{o:?}"),
            })
            .collect();
        assert_eq!(msgs.len(), 3);
        assert_eq!(msgs[2].offset, 12);
        assert_eq!(msgs[2].value, Some(&b"v2"[..]));
        assert_eq!(
            msgs[1].timestamp,
            if magic == 1 { Some(1001) } else { None }
        );
        // compressed wrapper: inner offsets relative (magic 1) or absolute (magic 0)
        for c in [Compression::Gzip, Compression::Snappy, Compression::Lz4] {
            let mut inner = vec![0u8; 1024];
            let mut n = 0;
            for i in 0..3i64 {
                let off = if magic == 1 { i } else { 100 + i };
                n += write_legacy_message(
                    &mut inner[n..],
                    off,
                    magic,
                    0,
                    5,
                    None,
                    Some(&[i as u8; 10]),
                )
                .unwrap();
            }
            let z = compression::compress_to_vec(c, &inner[..n]).unwrap();
            let mut wrapper = vec![0u8; 2048];
            let w = write_legacy_message(&mut wrapper, 102, magic, c.id() as i8, 5, None, Some(&z))
                .unwrap();
            let m = match RecordBatches::new(&wrapper[..w]).next().unwrap().unwrap() {
                BatchItem::Legacy(m) => m,
                o => panic!("{o:?}"),
            };
            assert_eq!(m.compression(), c);
            let mut buf = [0u8; 1024];
            let offs: Vec<i64> = m
                .decompress_into(&mut buf)
                .unwrap()
                .map(|x| x.offset)
                .collect();
            assert_eq!(offs, [100, 101, 102], "magic {magic} {c:?}");
            let d = m.decompress_to_vec(1 << 20).unwrap();
            assert_eq!(
                d.messages()
                    .map(|x| x.value.unwrap()[0])
                    .collect::<Vec<_>>(),
                [0, 1, 2]
            );
        }
        // corrupt CRC
        set[20] ^= 0xff;
        assert!(matches!(
            RecordBatches::new(&set).next().unwrap().unwrap_err().kind,
            RecordsErrorKind::CrcMismatch { .. }
        ));
    }
}

#[test]
fn header_utf8_and_null_key_checked() {
    let mut b = build(
        opts(Compression::None),
        &[Rec {
            timestamp: 0,
            key: None,
            value: None,
            headers: vec![("ab".into(), None)],
        }],
    );
    let pos = b.windows(2).position(|w| w == b"ab").unwrap();
    b[pos] = 0xff;
    recrc(&mut b);
    assert_eq!(
        RecordBatch::parse(&b).unwrap_err().kind,
        RecordsErrorKind::InvalidUtf8
    );
}
