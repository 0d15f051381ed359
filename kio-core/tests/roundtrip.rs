//! Every message, every valid version: random valid encodings (from the
//! schema-driven generator in `common::gen`, written independently of the
//! generated codecs) decode, re-encode to identical bytes, agree with
//! `encoded_len`, survive `into_owned` and a JSON round trip, and every
//! strict prefix fails.

mod common;

use common::gen::{message, Rng};
use kio_core::wire::IndexSlot;
use kio_core::{IntoOwned, Message};
use proptest::prelude::*;

/// A sink with no spare room of its own and no `Vec` behind it: every
/// field is written through `put`.
struct PutOnly(Vec<u8>);

impl kio_core::wire::Sink for PutOnly {
    fn put(&mut self, bytes: &[u8]) -> Result<(), kio_core::EncodeError> {
        self.0.extend_from_slice(bytes);
        Ok(())
    }
}

/// A `Vec` that an encode fails into holds what it held before, though the
/// failure comes after bytes were written (here a null topic name where
/// the version has no null, after the topic count).
#[test]
fn failed_encode_leaves_vec_as_it_was() {
    use kio_core::messages::{metadata_request::MetadataRequestTopic, MetadataRequest};
    let topics = [MetadataRequestTopic {
        name: None,
        ..Default::default()
    }];
    let req = MetadataRequest {
        topics: Some(kio_core::Array::from(&topics)),
        ..Default::default()
    };
    let mut out = b"before".to_vec();
    let err = req.encode(&mut out, 9).expect_err("a null name at v9");
    assert!(
        matches!(err.kind, kio_core::EncodeErrorKind::NullNotAllowed(9)),
        "{err}"
    );
    assert_eq!(out, b"before");
    // The same value where the name may be null encodes, after the old bytes.
    req.encode(&mut out, 10).expect("v10 allows a null name");
    assert_eq!(out.get(..6), Some(&b"before"[..]));
    assert_eq!(out.get(6..), Some(&req.to_vec(10).expect("to_vec")[..]));
}

struct Stats {
    pairs: usize,
    cases: usize,
}

fn roundtrip<'a, M>(bytes: &'a [u8], version: i16) -> Result<(), String>
where
    M: Message<'a> + IntoOwned + serde::Serialize,
    M::Owned: Message<'static> + serde::de::DeserializeOwned,
{
    let name = M::SCHEMA.name;
    let value = M::decode(bytes, version)
        .map_err(|e| format!("{name} v{version}: decode {e}: {bytes:02x?}"))?;
    let again = value
        .to_vec(version)
        .map_err(|e| format!("{name} v{version}: encode {e}"))?;
    if again != bytes {
        return Err(format!(
            "{name} v{version}: re-encoded bytes differ\n in: {bytes:02x?}\nout: {again:02x?}"
        ));
    }
    // Into a sink with no spare room (every field through `put`), and
    // appended to a `Vec` that already holds bytes (through its zeroed
    // stretch, grown as it goes), as into `to_vec`'s `SliceSink` (each
    // struct through a local cursor).
    let mut plain = PutOnly(Vec::new());
    value
        .encode(&mut plain, version)
        .map_err(|e| format!("{name} v{version}: encode into a put-only sink {e}"))?;
    if plain.0 != bytes {
        return Err(format!(
            "{name} v{version}: put-only encode differs
 in: {bytes:02x?}
out: {:02x?}",
            plain.0
        ));
    }
    let mut direct = b"kept".to_vec();
    value
        .encode(&mut direct, version)
        .map_err(|e| format!("{name} v{version}: encode into a Vec {e}"))?;
    if direct.get(..4) != Some(&b"kept"[..]) || direct.get(4..) != Some(bytes) {
        return Err(format!(
            "{name} v{version}: Vec encode differs
 in: {bytes:02x?}
out: {direct:02x?}"
        ));
    }
    // One byte short: the local cursors run out, the sink is written field
    // by field again and fails at the same byte, leaving a prefix.
    if let Some(short_len) = bytes.len().checked_sub(1) {
        let mut short = vec![0u8; short_len];
        let mut sink = kio_core::SliceSink::new(&mut short);
        match value.encode(&mut sink, version) {
            Err(e) if e.kind == kio_core::EncodeErrorKind::BufferFull => {}
            other => return Err(format!("{name} v{version}: short buffer gave {other:?}")),
        }
        if !bytes.starts_with(sink.written()) {
            return Err(format!("{name} v{version}: short buffer holds other bytes"));
        }
    }
    let len = value.encoded_len(version).map_err(|e| e.to_string())?;
    if len != bytes.len() {
        return Err(format!(
            "{name} v{version}: encoded_len {len} != {}",
            bytes.len()
        ));
    }
    // Owned values hold Vecs, so this exercises every element encoder
    // (decoded arrays re-encode from their validated bytes).
    let owned = value.clone().into_owned();
    if M::decode(bytes, version).map(|v| v == value) != Ok(true) {
        return Err(format!(
            "{name} v{version}: decoding twice gave different values"
        ));
    }
    let from_owned = owned
        .to_vec(version)
        .map_err(|e| format!("{name} v{version}: owned encode {e}"))?;
    if from_owned != bytes {
        return Err(format!(
            "{name} v{version}: owned re-encode differs\n in: {bytes:02x?}\nout: {from_owned:02x?}"
        ));
    }
    let mut plain = PutOnly(Vec::new());
    owned
        .encode(&mut plain, version)
        .map_err(|e| format!("{name} v{version}: owned encode into a put-only sink {e}"))?;
    let mut direct = Vec::new();
    owned
        .encode(&mut direct, version)
        .map_err(|e| format!("{name} v{version}: owned encode into a Vec {e}"))?;
    if plain.0 != bytes || direct != bytes {
        return Err(format!(
            "{name} v{version}: owned re-encode into a sink differs\n in: {bytes:02x?}\nput-only: {:02x?}\nVec: {direct:02x?}",
            plain.0
        ));
    }
    // The serde (JSON) form is lossless: JSON -> value -> bytes is identical.
    let json =
        serde_json::to_string(&value).map_err(|e| format!("{name} v{version}: to JSON {e}"))?;
    let from_json: M::Owned = serde_json::from_str(&json)
        .map_err(|e| format!("{name} v{version}: from JSON {e}: {json}"))?;
    let json_bytes = from_json
        .to_vec(version)
        .map_err(|e| format!("{name} v{version}: JSON encode {e}"))?;
    if json_bytes != bytes {
        return Err(format!(
            "{name} v{version}: JSON round trip differs\njson: {json}"
        ));
    }
    for cut in 0..bytes.len() {
        if M::decode(&bytes[..cut], version).is_ok() {
            return Err(format!(
                "{name} v{version}: strict prefix of {cut}/{} bytes decoded",
                bytes.len()
            ));
        }
    }
    Ok(())
}

/// One indexed decode: its `Debug` form (which iterates every array to
/// its end) and its re-encoding.
fn indexed_once<'b, M: Message<'b>>(
    bytes: &'b [u8],
    version: i16,
    slots: &'b mut [IndexSlot],
) -> Result<(String, Vec<u8>), kio_core::DecodeError> {
    let value = M::decode_indexed(bytes, version, slots)?;
    Ok((
        format!("{value:?}"),
        value.to_vec(version).unwrap_or_default(),
    ))
}

/// Slots holding junk, as an index reused from another message would.
fn junk_slots(n: usize) -> Vec<IndexSlot> {
    (0..n)
        .map(|i| IndexSlot::new((i as u32).wrapping_mul(2_654_435_761)))
        .collect()
}

/// `decode_indexed` agrees with `decode`: the same value (compared through
/// `Debug`) and bytes with enough slots, with none, and with numbers of
/// slots in between that cut the index short (so arrays fall back to
/// walking at every depth); the same error on every strict prefix.
macro_rules! check_indexed {
    ($ty:ty, $bytes:expr, $version:expr) => {{
        let (bytes, version): (&[u8], i16) = ($bytes, $version);
        let name = <$ty as Message>::SCHEMA.name;
        let plain = <$ty>::decode(bytes, version).map_err(|e| e.to_string())?;
        let want = format!("{plain:?}");
        let needed = <$ty>::index_slots(bytes, version).map_err(|e| e.to_string())?;
        let mut sizes = vec![0, needed, needed + 3];
        sizes.extend((1..needed).step_by(needed / 7 + 1));
        for size in sizes {
            let mut slots = junk_slots(size);
            let (got, again) = indexed_once::<$ty>(bytes, version, &mut slots)
                .map_err(|e| format!("{name} v{version}: indexed decode ({size} slots) {e}"))?;
            if got != want {
                return Err(format!(
                    "{name} v{version}: indexed decode ({size} of {needed} slots) differs: {bytes:02x?}"
                ));
            }
            if again != bytes {
                return Err(format!(
                    "{name} v{version}: indexed value ({size} slots) re-encodes differently"
                ));
            }
        }
        for cut in 0..bytes.len() {
            let plain = <$ty>::decode(&bytes[..cut], version).err();
            let mut slots = junk_slots(needed);
            let indexed = indexed_once::<$ty>(&bytes[..cut], version, &mut slots).err();
            if indexed != plain {
                return Err(format!(
                    "{name} v{version}: prefix of {cut} bytes: indexed decode {indexed:?}, decode {plain:?}"
                ));
            }
        }
    }};
}

fn all_messages(seed: u64, per_version: usize, stats: &mut Stats) -> Result<(), String> {
    let mut rng = Rng(seed);
    macro_rules! check {
        ($ty:ident, $md:ident, $kind:ident) => {{
            let schema = &kio_core::messages::$md::SCHEMA;
            for version in schema.valid.min..=schema.valid.max {
                stats.pairs += 1;
                for _ in 0..per_version {
                    let bytes = message(&mut rng, schema, version);
                    stats.cases += 1;
                    roundtrip::<kio_core::messages::$ty>(&bytes, version)?;
                    check_indexed!(kio_core::messages::$ty, &bytes, version);
                }
            }
        }};
    }
    kio_core::for_each_message!(check);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_message_every_version_roundtrips(seed in any::<u64>()) {
        let mut stats = Stats { pairs: 0, cases: 0 };
        if let Err(e) = all_messages(seed, 8, &mut stats) {
            prop_assert!(false, "{}", e);
        }
        let expected: usize = kio_core::ALL_SCHEMAS.iter().map(|s| (s.valid.max - s.valid.min + 1) as usize).sum();
        prop_assert_eq!(stats.pairs, expected);
    }
}

#[test]
fn counts() {
    let mut stats = Stats { pairs: 0, cases: 0 };
    all_messages(7, 1, &mut stats).unwrap();
    println!(
        "message versions: {}, schemas: {}, cases per proptest run: {}",
        stats.pairs,
        kio_core::ALL_SCHEMAS.len(),
        stats.pairs * 8 * 24
    );
    // 4.3.1 has 198 message files; every 3.9.0 file matches one of them
    // (API 74 by its key: ListClientMetricsResources is ListConfigResources).
    assert_eq!(kio_core::ALL_SCHEMAS.len(), 198);
}
