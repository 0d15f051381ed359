//! The generated tables against Kafka's own files: `ErrorCode` against
//! 4.3.1's `errors.json`, `ApiKey` against the newest JSON schemas (every
//! version of every release: `release_layouts.rs`).

use kio_core::{ApiKey, ErrorCode, MessageKind};

fn shared(file: &str) -> String {
    let path = format!(
        "{}/../../shared/kafka-schema/4.3.1/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn error_codes_match_kafkas_table() {
    let table: Vec<serde_json::Value> = serde_json::from_str(&shared("errors.json")).unwrap();
    assert_eq!(ErrorCode::ALL.len(), table.len());
    for e in &table {
        let code = e["code"].as_i64().unwrap() as i16;
        let ours = ErrorCode::from_code(code);
        assert_eq!(ours.code(), code);
        assert_eq!(ours.name(), e["name"].as_str().unwrap());
        assert_eq!(ours.message(), e["message"].as_str());
        assert_eq!(
            ours.is_retriable(),
            e["retriable"].as_bool().unwrap(),
            "{}",
            ours.name()
        );
    }
    // Codes Kafka does not define survive a round trip.
    let unknown = ErrorCode::from_code(4242);
    assert_eq!(unknown, ErrorCode::Unknown(4242));
    assert_eq!(i16::from(unknown), 4242);
    let retriable = ErrorCode::ALL.iter().filter(|c| c.is_retriable()).count();
    println!(
        "{} error codes, {retriable} retriable",
        ErrorCode::ALL.len()
    );
}

#[test]
fn api_keys_match_the_schema_files() {
    for key in ApiKey::ALL {
        let req = key.request_schema();
        let resp = key.response_schema();
        assert_eq!(req.kind, MessageKind::Request);
        assert_eq!(resp.kind, MessageKind::Response);
        assert_eq!(req.api_key, Some(key.key()));
        assert_eq!(resp.api_key, Some(key.key()));
        assert_eq!(ApiKey::from_i16(key.key()), Some(key));
        // The file itself names the same key and versions.
        let text: String = shared(&format!("{}.json", req.name))
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            json["apiKey"].as_i64(),
            Some(i64::from(key.key())),
            "{}",
            req.name
        );
        // The newest release's versions are among ours ("none" for the
        // APIs Kafka 4 removed, which come from 3.9.0).
        let newest = json["validVersions"].as_str().unwrap();
        if newest != "none" {
            let (lo, hi) = newest.split_once('-').unwrap_or((newest, newest));
            assert!(req.valid.contains(lo.parse().unwrap()), "{}", req.name);
            assert!(req.valid.contains(hi.parse().unwrap()), "{}", req.name);
        }
    }
    let files = std::fs::read_dir(format!(
        "{}/../../shared/kafka-schema/4.3.1",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .filter(|e| {
        e.as_ref()
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with("Request.json")
    })
    .count();
    assert_eq!(ApiKey::ALL.len(), files);
}

#[test]
fn header_versions_follow_kafkas_rules() {
    assert_eq!(ApiKey::ControlledShutdown.request_header_version(0), 0);
    assert_eq!(ApiKey::ControlledShutdown.request_header_version(1), 1);
    assert_eq!(ApiKey::Metadata.request_header_version(8), 1);
    assert_eq!(ApiKey::Metadata.request_header_version(9), 2);
    assert_eq!(ApiKey::Metadata.response_header_version(9), 1);
    assert_eq!(ApiKey::ApiVersions.request_header_version(3), 2);
    assert_eq!(
        ApiKey::ApiVersions.response_header_version(3),
        0,
        "ApiVersions responses always use header v0"
    );
}

#[test]
fn a_heapless_vec_backs_an_array() {
    use kio_core::messages::metadata_request::{MetadataRequest, MetadataRequestTopic};
    use kio_core::{Array, Message, Str};
    let mut topics: heapless::Vec<MetadataRequestTopic, 4> = heapless::Vec::new();
    topics
        .push(MetadataRequestTopic {
            name: Some(Str::new("a")),
            ..Default::default()
        })
        .unwrap();
    topics
        .push(MetadataRequestTopic {
            name: Some(Str::new("b")),
            ..Default::default()
        })
        .unwrap();
    let req = MetadataRequest {
        topics: Some(Array::from(&topics[..])),
        ..Default::default()
    };
    let bytes = req.to_vec(12).unwrap();
    let back = MetadataRequest::decode(&bytes, 12).unwrap();
    let names: Vec<String> = back
        .topics
        .unwrap()
        .iter()
        .map(|t| t.name.unwrap().to_string())
        .collect();
    assert_eq!(names, ["a", "b"]);
}
