//! Golden-output tests of the `kio` CLI's formats. Regenerate the files in
//! `tests/golden/` with `KIO_BLESS=1 cargo test -p kio-std --test cli_golden`.

mod support;

use support::{golden, run_kio};

const KIO: &str = env!("CARGO_BIN_EXE_kio");

/// ApiVersionsRequest v3 from kafka-python's peer script.
const API_VERSIONS_V3: &str = "0000001b0012000300000001000570656572730006726177707904302e3100";
/// MetadataRequest v12: client id `kio`, one topic `kp-test`, no topic id.
const METADATA_V12: &str = "0000002b0003000c0000000700036b696f000200000000000000000000000000000000086b702d7465737400000000";

fn ok(args: &[&str], stdin: &[u8]) -> String {
    let (code, out, err) = run_kio(KIO, args, stdin);
    assert_eq!(code, 0, "kio {args:?} failed: {err}");
    String::from_utf8(out).expect("utf-8 output")
}

#[test]
fn schema_list() {
    golden("schema-list.txt", &ok(&["schema"], b""));
}

#[test]
fn schema_metadata() {
    golden("schema-metadata.txt", &ok(&["schema", "Metadata"], b""));
}

#[test]
fn schema_metadata_v12_json() {
    golden(
        "schema-metadata-v12.json",
        &ok(
            &["schema", "MetadataRequest", "--version", "12", "--json"],
            b"",
        ),
    );
}

#[test]
fn schema_header_and_data_schemas() {
    golden(
        "schema-request-header.txt",
        &ok(&["schema", "RequestHeader"], b""),
    );
    golden(
        "schema-consumer-protocol-assignment.txt",
        &ok(&["schema", "ConsumerProtocolAssignment"], b""),
    );
}

#[test]
fn decode_api_versions() {
    golden(
        "decode-api-versions-v3.json",
        &ok(&["decode"], API_VERSIONS_V3.as_bytes()),
    );
}

#[test]
fn decode_metadata() {
    golden(
        "decode-metadata-v12.json",
        &ok(&["decode"], METADATA_V12.as_bytes()),
    );
}

#[test]
fn inspect_table() {
    golden(
        "inspect-bundled.table.txt",
        &ok(&["inspect", "--format", "table"], b""),
    );
}

#[test]
fn inspect_jsonl() {
    golden("inspect-bundled.jsonl", &ok(&["inspect"], b""));
}
