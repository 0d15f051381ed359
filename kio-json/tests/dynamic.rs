//! The schema-driven codec (`kio_json::dynamic`, used by the browser build)
//! against the generated codec (`kio_json`'s root functions, used by the
//! CLI): the same JSON from the same bytes, the same bytes from the same
//! JSON, and the same verdict on broken bytes — for every request and
//! response of every version, and for every frame of the bundled captures.

#[allow(dead_code)]
#[path = "../../kio-core/tests/common/gen.rs"]
mod gen;

use kio_core::{ApiKey, MessageKind, ALL_SCHEMAS};
use kio_json::{dynamic, Kind};

fn kinds() -> Vec<(Kind, ApiKey, &'static kio_core::MessageSchema)> {
    let mut out = Vec::new();
    for &s in ALL_SCHEMAS.iter() {
        let kind = match s.kind {
            MessageKind::Request => Kind::Request,
            MessageKind::Response => Kind::Response,
            _ => continue,
        };
        let api = ApiKey::from_i16(s.api_key.unwrap()).unwrap();
        out.push((kind, api, s));
    }
    out
}

fn json(v: &serde_json::Value) -> String {
    serde_json::to_string(v).unwrap()
}

#[test]
fn same_json_and_bytes_for_random_messages() {
    let mut rng = gen::Rng(0x6b69_6f77_6173_6d00);
    let mut checked = 0;
    for (kind, api, schema) in kinds() {
        for version in schema.valid.min..=schema.valid.max {
            for _ in 0..12 {
                let bytes = gen::message(&mut rng, schema, version);
                let want = kio_json::decode_body(kind, api, version, &bytes);
                let got = dynamic::decode_body(kind, api, version, &bytes);
                match (&want, &got) {
                    (Ok(w), Ok(g)) => {
                        assert_eq!(
                            json(w),
                            json(g),
                            "{} v{version} {}",
                            schema.name,
                            hex::encode(&bytes)
                        );
                        let a = kio_json::encode(w).unwrap();
                        let b = dynamic::encode(g).unwrap();
                        assert_eq!(a, b, "{} v{version}: re-encoded bytes differ", schema.name);
                        assert_eq!(b, bytes, "{} v{version}: not byte-identical", schema.name);
                    }
                    (Err(w), Err(g)) => {
                        assert_eq!(w.offset(), g.offset, "{} v{version}", schema.name)
                    }
                    _ => panic!(
                        "{} v{version}: generated {want:?} vs dynamic {got:?} for {}",
                        schema.name,
                        hex::encode(&bytes)
                    ),
                }
                checked += 1;
                // Broken variants: truncated, and with one bit flipped.
                for cut in [bytes.len() / 2, bytes.len().saturating_sub(1)] {
                    let short = &bytes[..cut];
                    let w = kio_json::decode_body(kind, api, version, short);
                    let g = dynamic::decode_body(kind, api, version, short);
                    match (&w, &g) {
                        (Ok(w), Ok(g)) => assert_eq!(json(w), json(g)),
                        (Err(w), Err(g)) => assert_eq!(
                            w.offset(),
                            g.offset,
                            "{} v{version} cut {cut}: {w} vs {g}",
                            schema.name
                        ),
                        _ => panic!("{} v{version} cut {cut}: {w:?} vs {g:?}", schema.name),
                    }
                }
                if !bytes.is_empty() {
                    let mut m = bytes.clone();
                    let i = rng.below(m.len() as u64) as usize;
                    m[i] ^= 1 << rng.below(8);
                    let w = kio_json::decode_body(kind, api, version, &m);
                    let g = dynamic::decode_body(kind, api, version, &m);
                    match (&w, &g) {
                        (Ok(w), Ok(g)) => {
                            assert_eq!(json(w), json(g), "{} v{version} flipped", schema.name);
                            let a = kio_json::encode(w);
                            let b = dynamic::encode(g);
                            assert_eq!(a.is_ok(), b.is_ok(), "{} v{version}", schema.name);
                            if let (Ok(a), Ok(b)) = (a, b) {
                                assert_eq!(a, b, "{} v{version} flipped re-encode", schema.name);
                            }
                        }
                        (Err(w), Err(g)) => assert_eq!(
                            w.offset(),
                            g.offset,
                            "{} v{version} flipped: {w} vs {g}",
                            schema.name
                        ),
                        _ => panic!("{} v{version} flipped: {w:?} vs {g:?}", schema.name),
                    }
                }
            }
        }
    }
    assert!(checked > 5000, "{checked}");
}

#[test]
fn same_json_for_every_captured_frame() {
    let mut total = 0;
    for name in [
        "kafka-python-session.pcapng",
        "librdkafka-compression.pcapng",
    ] {
        let path = format!(
            "{}/../../shared/captures/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let bytes = std::fs::read(&path).unwrap();
        for (payload, ctx) in frames(&bytes) {
            let want = kio_json::decode_frame(&payload, ctx).unwrap();
            let got = dynamic::decode_frame(&payload, ctx).unwrap();
            assert_eq!(json(&want), json(&got));
            let a = kio_json::encode(&want).unwrap();
            let b = dynamic::encode(&got).unwrap();
            assert_eq!(a, b);
            assert_eq!(&b[4..], &payload[..]);
            total += 1;
        }
    }
    assert!(total > 20, "{total} frames");
}

/// Frames of a capture with their response context (requests: `None`).
type Framed = (Vec<u8>, Option<(ApiKey, i16)>);

fn frames(bytes: &[u8]) -> Vec<Framed> {
    let cap = kio_capture::parse(bytes, &kio_capture::Options::with_ports([19092])).unwrap();
    let mut out = Vec::new();
    for conn in &cap.connections {
        let mut pending = std::collections::HashMap::new();
        for f in &conn.frames {
            match f.direction {
                kio_capture::Direction::ToServer => {
                    let h = f.request_header().unwrap();
                    pending.insert(
                        h.correlation_id,
                        (ApiKey::from_i16(h.api_key).unwrap(), h.api_version),
                    );
                    out.push((f.payload.clone(), None));
                }
                kio_capture::Direction::ToClient => {
                    if let Some(ctx) = f.correlation_id().and_then(|c| pending.remove(&c)) {
                        out.push((f.payload.clone(), Some(ctx)));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn same_json_and_bytes_with_trailing_bytes() {
    let frame = hex::decode("0003000c0000000700036b696f000200000000000000000000000000000000086b702d7465737400000000abcdef").unwrap();
    let want = kio_json::decode_frame(&frame, None).unwrap();
    let got = dynamic::decode_frame(&frame, None).unwrap();
    assert_eq!(json(&want), json(&got));
    assert_eq!(got[kio_json::TRAILING], "q83v");
    assert_eq!(
        kio_json::encode(&want).unwrap(),
        dynamic::encode(&got).unwrap()
    );
    assert_eq!(&dynamic::encode(&got).unwrap()[4..], &frame[..]);
}
