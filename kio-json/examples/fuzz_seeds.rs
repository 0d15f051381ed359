//! Writes the seed corpora of kio's fuzz targets (`fuzz/`), one directory
//! per target, from the real captures and from frames built here:
//!
//! ```sh
//! cargo run -p kio-json --example fuzz_seeds -- fuzz/corpus ../shared/captures
//! ```
//!
//! (`scripts/fuzz.sh` runs it when a corpus is missing.) Seeds are derived
//! data, not committed: every run rebuilds them the same way.
//!
//! * every captured frame (requests; responses with the request's API and
//!   version, as the targets' two-byte selector encodes it);
//! * for every API, version and kind, the body of the default message
//!   (every field at its default), encoded by the schema-driven codec;
//! * the `records` fields of the captures (batches of every codec) and small
//!   payloads compressed with each codec;
//! * the JSON of captured frames (for the JSON encoder);
//! * the capture files themselves;
//! * the inputs of issue 11's findings (NaN, unsorted tags).

use std::fs;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use kio_core::records::compression::{compress_to_vec, Compression};
use kio_core::{dynamic, ApiKey};
use kio_json::inspect::{inspect, InspectOptions};
use kio_json::Kind;
use serde_json::Value;

/// The same order as the fuzz crate's `all_versions`.
fn all_versions() -> Vec<(ApiKey, i16)> {
    let mut v = Vec::new();
    for k in ApiKey::ALL {
        let r = k.valid_versions();
        for ver in r.min..=r.max {
            v.push((k, ver));
        }
    }
    v
}

fn selector(api: ApiKey, version: i16) -> [u8; 2] {
    let i = all_versions()
        .iter()
        .position(|&(k, v)| k == api && v == version)
        .unwrap_or(0);
    (i as u16).to_be_bytes()
}

struct Corpus {
    root: PathBuf,
    count: usize,
}

impl Corpus {
    fn put(&mut self, target: &str, name: &str, bytes: &[u8]) {
        let dir = self.root.join(target);
        fs::create_dir_all(&dir).expect("corpus directory");
        fs::write(dir.join(name), bytes).expect("seed file");
        self.count += 1;
    }
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Every `records` field's bytes in a document.
fn records_of(v: &Value, out: &mut Vec<Vec<u8>>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "records" {
                    if let Some(b) = x.as_str().and_then(|s| STANDARD.decode(s).ok()) {
                        if !b.is_empty() {
                            out.push(b);
                        }
                    }
                } else if !kio_json::is_view_key(k) {
                    records_of(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| records_of(x, out)),
        _ => {}
    }
}

/// The length of the header (`schema` at `version`) at the start of `payload`.
fn header_len(
    payload: &[u8],
    schema: &'static kio_core::MessageSchema,
    version: i16,
) -> Option<usize> {
    let mut r = kio_core::Reader::new(payload);
    dynamic::decode_from(schema, version, &mut r).ok()?;
    Some(r.offset())
}

fn captures(c: &mut Corpus, dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        eprintln!("fuzz_seeds: no captures in {}", dir.display());
        return;
    };
    let opts = InspectOptions {
        ports: vec![9092, 19092],
        ..InspectOptions::default()
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.extension().and_then(|x| x.to_str()) != Some("pcapng") {
            continue;
        }
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("cap")
            .to_string();
        let bytes = fs::read(&path).expect("capture");
        c.put("capture", &name, &bytes);
        let Ok(conv) = inspect(&bytes, &opts) else {
            continue;
        };
        let mut records = Vec::new();
        for (i, f) in conv.frames.iter().enumerate() {
            let payload = &f.wire[4..];
            let id = format!("{name}-{i}");
            let text = serde_json::to_string(&f.json).expect("JSON text");
            c.put("json_encode", &id, text.as_bytes());
            records_of(&f.json, &mut records);
            match (f.kind, f.api) {
                (Kind::Request, api) => {
                    c.put("request_frame", &id, payload);
                    c.put("json_view", &id, &cat(&[&[0], payload]));
                    if let Some((api, v)) = api {
                        let schema = &kio_core::messages::request_header::SCHEMA;
                        if let Some(h) = header_len(payload, schema, api.request_header_version(v))
                        {
                            let body = &payload[h..];
                            c.put("differential", &id, &cat(&[&selector(api, v), &[0], body]));
                        }
                    }
                }
                (Kind::Response, Some((api, v))) => {
                    let sel = selector(api, v);
                    c.put("json_view", &id, &cat(&[&[1], &sel, payload]));
                    let schema = &kio_core::messages::response_header::SCHEMA;
                    if let Some(h) = header_len(payload, schema, api.response_header_version(v)) {
                        let body = &payload[h..];
                        c.put("response_body", &id, &cat(&[&sel, body]));
                        c.put("differential", &id, &cat(&[&sel, &[1], body]));
                    }
                }
                _ => {}
            }
        }
        for (i, r) in records.iter().enumerate() {
            c.put(
                "record_batches",
                &format!("{name}-records-{i}"),
                &cat(&[&[0], r]),
            );
        }
    }
}

fn defaults(c: &mut Corpus) {
    for (api, v) in all_versions() {
        let sel = selector(api, v);
        for (kind, byte, schema) in [
            (Kind::Request, 0u8, api.request_schema()),
            (Kind::Response, 1u8, api.response_schema()),
        ] {
            let s = dynamic::Value::Struct(dynamic::default_struct(schema.fields));
            let mut body = Vec::new();
            if dynamic::encode(schema, v, &s, &mut body).is_err() {
                continue;
            }
            let id = format!("default-{}-{kind}-v{v}", api.name());
            c.put("differential", &id, &cat(&[&sel, &[byte], &body]));
            match kind {
                Kind::Response => c.put("response_body", &id, &cat(&[&sel, &body])),
                Kind::Request => {
                    // A frame: request header (v1 or v2: client id "kio") then the body.
                    let mut f = Vec::new();
                    f.extend_from_slice(&api.key().to_be_bytes());
                    f.extend_from_slice(&v.to_be_bytes());
                    f.extend_from_slice(&1i32.to_be_bytes());
                    f.extend_from_slice(&3i16.to_be_bytes());
                    f.extend_from_slice(b"kio");
                    if api.request_header_version(v) >= 2 {
                        f.push(0);
                    }
                    f.extend_from_slice(&body);
                    c.put("request_frame", &id, &f);
                    c.put("json_view", &id, &cat(&[&[0], &f]));
                }
            }
        }
    }
}

fn codecs(c: &mut Corpus) {
    let sample: Vec<u8> = (0..2000u32).flat_map(|i| (i % 251).to_be_bytes()).collect();
    for id in 0..=4u8 {
        let codec = Compression::from_id(id).unwrap_or_default();
        if let Ok(z) = compress_to_vec(codec, &sample) {
            c.put(
                "record_batches",
                &format!("codec-{id}"),
                &cat(&[&[5 + id], &z]),
            );
        }
    }
}

fn findings(c: &mut Corpus) {
    // Issue 11, finding 2: NaN in AlterClientQuotas v0.
    let nan = hex("003100000000000700000000000100000000000000010000 7ff8000000000000 0000");
    c.put("request_frame", "issue11-nan", &nan);
    c.put("json_view", "issue11-nan", &cat(&[&[0], &nan]));
    // Finding 3: unsorted unknown tags in ControllerRegistrationResponse v0.
    let sel = selector(ApiKey::ControllerRegistration, 0);
    let body = hex("000000000000000205000000");
    c.put(
        "differential",
        "issue11-unsorted",
        &cat(&[&sel, &[1], &body]),
    );
    c.put("response_body", "issue11-unsorted", &cat(&[&sel, &body]));
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().unwrap_or_else(|| "fuzz/corpus".into()));
    let caps = PathBuf::from(args.next().unwrap_or_else(|| "../shared/captures".into()));
    let mut c = Corpus { root, count: 0 };
    captures(&mut c, &caps);
    defaults(&mut c);
    codecs(&mut c);
    findings(&mut c);
    println!(
        "fuzz_seeds: wrote {} seed files under {}",
        c.count,
        c.root.display()
    );
}
