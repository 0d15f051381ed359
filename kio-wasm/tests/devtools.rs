//! The bindings' logic on the host: decode, spans, encode, schemas, captures,
//! errors, and the same JSON as the `kio` CLI for the same bytes.

use kio_wasm::devtools as dt;
use serde_json::Value;

const FRAME: &str = "0000002b0003000c0000000700036b696f000200000000000000000000000000000000086b702d7465737400000000";

fn capture() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/captures/kafka-python-session.pcapng"
    ))
    .unwrap()
}

fn find<'v>(tree: &'v Value, path: &str) -> Option<&'v Value> {
    if tree["path"] == path {
        return Some(tree);
    }
    tree["children"]
        .as_array()?
        .iter()
        .find_map(|c| find(c, path))
}

#[test]
fn decodes_a_metadata_frame_with_spans_and_encodes_it_back() {
    let bytes = dt::parse_bytes(FRAME).unwrap();
    let doc = dt::decode_frame(&bytes, None).unwrap();
    assert_eq!(doc["apiName"], "Metadata");
    assert_eq!(doc["apiVersion"], 12);
    assert_eq!(doc["correlationId"], 7);
    assert_eq!(doc["header"]["clientId"], "kio");
    assert_eq!(doc["body"]["topics"][0]["name"], "kp-test");
    assert_eq!(doc["body"]["allowAutoTopicCreation"], false);
    assert_eq!(dt::encode_document(&doc).unwrap(), bytes);
    // Without the size prefix too.
    assert_eq!(dt::decode_frame(&bytes[4..], None).unwrap(), doc);

    let tree = dt::frame_tree(&bytes, None).unwrap();
    let name = find(&tree, "body.topics[0].name").unwrap();
    assert_eq!(
        (name["start"].as_u64(), name["end"].as_u64()),
        (Some(35), Some(43))
    );
    assert_eq!(name["value"], "kp-test");
    let corr = find(&tree, "header.correlationId").unwrap();
    assert_eq!(
        (corr["start"].as_u64(), corr["end"].as_u64()),
        (Some(8), Some(12))
    );
    // Fields the version does not carry are not in the tree.
    assert!(find(&tree, "body.includeClusterAuthorizedOperations").is_none());

    // A bare body.
    let body = &bytes[18..];
    let d = dt::decode(3, 12, "request", body).unwrap();
    assert_eq!(d["body"], doc["body"]);
    assert_eq!(dt::encode(3, 12, "request", &d["body"]).unwrap(), body);
    assert_eq!(dt::encode(3, 12, "request", &d).unwrap(), body);
    let t = dt::tree(3, 12, "request", body).unwrap();
    assert_eq!(find(&t, "body.topics[0].name").unwrap()["start"], 17);
}

#[test]
fn errors_carry_offsets_and_paths() {
    let bytes = dt::parse_bytes(FRAME).unwrap();
    let e = dt::decode_frame(&bytes[..30], None).unwrap_err();
    assert_eq!(e.offset, Some(19));
    assert_eq!(e.path, "MetadataRequest.Topics[0].TopicId");
    let e = dt::decode(3, 99, "request", &[]).unwrap_err();
    assert!(e.message.contains("unsupported version 99"), "{e}");
    let e = dt::decode(999, 0, "request", &[]).unwrap_err();
    assert!(e.message.contains("unknown API key"), "{e}");
    let e = dt::encode(
        3,
        3,
        "request",
        &serde_json::json!({"allowAutoTopicCreation": false}),
    )
    .unwrap_err();
    assert!(e.message.contains("cannot carry"), "{e}");
    let e = dt::encode(3, 12, "request", &serde_json::json!({"nope": 1})).unwrap_err();
    assert!(e.message.contains("unknown field `nope`"), "{e}");
}

#[test]
fn builds_a_request_from_defaults() {
    let mut body = dt::default_body(3, "request").unwrap();
    assert_eq!(body["allowAutoTopicCreation"], true);
    body["allowAutoTopicCreation"] = false.into();
    body["topics"] = serde_json::json!([{"name": "kp-test"}]);
    let b = dt::build_request(3, 12, 7, Some("kio"), &body).unwrap();
    assert_eq!(hex::encode(b), FRAME);
}

#[test]
fn schemas() {
    let apis = dt::apis();
    let apis = apis.as_array().unwrap();
    assert!(apis.len() >= 80);
    let meta = apis.iter().find(|a| a["name"] == "Metadata").unwrap();
    assert_eq!(
        meta["maxVersion"],
        i64::from(kio_core::ApiKey::Metadata.valid_versions().max)
    );
    let s = dt::message_schema(3, "request").unwrap();
    let f = &s["fields"][1];
    assert_eq!(f["name"], "AllowAutoTopicCreation");
    assert_eq!(f["versions"]["text"], "4+");
    assert_eq!(f["defaultValue"], true);
    assert!(f["about"].as_str().unwrap().contains("auto-create"));
    assert_eq!(s["fields"][0]["fields"][0]["name"], "TopicId");
    assert_eq!(
        dt::schema_by_name("RequestHeader").unwrap()["kind"],
        "header"
    );
}

#[test]
fn inspects_the_capture() {
    let conv = dt::inspect_capture(&capture(), &[19092]).unwrap();
    let frames = conv["frames"].as_array().unwrap();
    let calls = conv["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 22);
    assert_eq!(conv["stats"]["paired"], 22);
    assert_eq!(conv["stats"]["decodeErrors"], 0);
    let names: Vec<String> = calls
        .iter()
        .map(|c| {
            let q = &frames[c["request"].as_u64().unwrap() as usize];
            format!("{} v{}", q["apiName"].as_str().unwrap(), q["apiVersion"])
        })
        .collect();
    for want in [
        "ApiVersions v4",
        "Metadata v12",
        "CreateTopics v7",
        "InitProducerId v4",
        "Produce v9",
        "ListOffsets v9",
        "Fetch v12",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }
    // Every frame re-encodes to its bytes, and its spans tree builds.
    use base64::Engine as _;
    for f in frames {
        let wire = base64::engine::general_purpose::STANDARD
            .decode(f["frame"].as_str().unwrap())
            .unwrap();
        assert_eq!(dt::encode_document(&f["json"]).unwrap(), wire);
        let ctx = (f["kind"] == "response").then(|| {
            (
                f["apiKey"].as_i64().unwrap() as i16,
                f["apiVersion"].as_i64().unwrap() as i16,
            )
        });
        let tree = dt::frame_tree(&wire, ctx).unwrap();
        assert_eq!(tree["end"].as_u64(), Some(wire.len() as u64));
    }
    // The Produce request's records.
    let produce = frames
        .iter()
        .find(|f| f["apiName"] == "Produce" && f["kind"] == "request")
        .unwrap();
    let recs =
        &produce["json"]["body"]["topicData"][0]["partitionData"][0]["_records"][0]["records"];
    assert_eq!(recs[0]["key"], "sensor-0");
    assert_eq!(recs[0]["value"], "{\"temp\": 20.5}");

    // Each record of the uncompressed batch has the byte span it came from:
    // the spans are back to back and hold the record's key and value.
    let wire = base64::engine::general_purpose::STANDARD
        .decode(produce["frame"].as_str().unwrap())
        .unwrap();
    let tree = dt::frame_tree(&wire, None).unwrap();
    let mut records = Vec::new();
    collect_type(&tree, "Record", &mut records);
    let views: Vec<&Value> = produce["json"]["body"]["topicData"][0]["partitionData"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["_records"].as_array().unwrap())
        .flat_map(|b| b["records"].as_array().unwrap())
        .collect();
    assert_eq!(records.len(), views.len());
    let mut prev_end = None;
    for (r, view) in records.iter().zip(views) {
        let (start, end) = (
            r["start"].as_u64().unwrap() as usize,
            r["end"].as_u64().unwrap() as usize,
        );
        if let Some(p) = prev_end {
            assert!(start >= p, "records are in order");
        }
        prev_end = Some(end);
        let bytes = &wire[start..end];
        for field in ["key", "value"] {
            let text = view[field].as_str().unwrap();
            assert!(
                bytes.windows(text.len()).any(|w| w == text.as_bytes()),
                "{field} {text} in its span"
            );
        }
    }
}

fn collect_type<'v>(tree: &'v Value, ty: &str, out: &mut Vec<&'v Value>) {
    if tree["type"] == ty {
        out.push(tree);
    }
    for c in tree["children"].as_array().into_iter().flatten() {
        collect_type(c, ty, out);
    }
}

#[test]
fn hostile_input_never_panics() {
    let mut seed = 0x1234_5678_9abc_def0u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let base = dt::parse_bytes(FRAME).unwrap();
    let cap = capture();
    for i in 0..3000 {
        let mut b = if i % 2 == 0 {
            base.clone()
        } else {
            cap[..(next() as usize % cap.len())].to_vec()
        };
        for _ in 0..(next() % 4) {
            let j = next() as usize % b.len().max(1);
            if let Some(x) = b.get_mut(j) {
                *x = next() as u8;
            }
        }
        let _ = dt::decode_frame(&b, None);
        let _ = dt::frame_tree(&b, Some((1, 12)));
        let _ = dt::decode((next() % 80) as i16, (next() % 18) as i16, "response", &b);
        let _ = dt::inspect_capture(&b, &[19092]);
    }
}

fn kio_bin() -> Option<std::path::PathBuf> {
    let p = std::env::var_os("KIO_BIN")
        .map(Into::into)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/debug/kio")
        });
    if p.exists() {
        Some(p)
    } else {
        eprintln!("kio CLI not found at {}: build it with `cargo build -p kio-std --bin kio`; CLI checks skipped", p.display());
        None
    }
}

/// Issue 5: the same bytes decoded by the browser build (this crate's code,
/// the schema-driven codec) and by the `kio` CLI give the same JSON.
#[test]
fn same_json_as_the_cli() {
    // Always: against the generated codec the CLI uses (kio-json's root functions).
    let bytes = dt::parse_bytes(FRAME).unwrap();
    let ours = dt::decode_frame(&bytes, None).unwrap();
    let theirs = kio_json::decode_frame(&bytes[4..], None).unwrap();
    assert_eq!(
        serde_json::to_string(&ours).unwrap(),
        serde_json::to_string(&theirs).unwrap()
    );

    let Some(kio) = kio_bin() else { return };
    let run = |args: &[&str], input: Option<&str>| {
        use std::io::Write;
        let mut child = std::process::Command::new(&kio)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.unwrap_or("").as_bytes()).unwrap();
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "kio {args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let cli = run(&["decode", "--compact"], Some(FRAME));
    assert_eq!(cli.trim(), serde_json::to_string(&ours).unwrap());

    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/captures/kafka-python-session.pcapng"
    );
    let lines = run(&["inspect", "--port", "19092", path], None);
    let conv = dt::inspect_capture(&capture(), &[19092]).unwrap();
    let frames = conv["frames"].as_array().unwrap();
    let lines: Vec<&str> = lines.lines().collect();
    assert_eq!(lines.len(), frames.len());
    for (line, f) in lines.iter().zip(frames) {
        assert_eq!(*line, serde_json::to_string(&f["json"]).unwrap());
    }
}
