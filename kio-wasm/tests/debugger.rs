//! The debugger's readings on real bytes (issue 14): a kafka-python
//! consumer group through Tansu (tests/browser/fixtures). Expected names and
//! messages come from Kafka's error table (../shared/kafka-schema), not from
//! kio.

use base64::Engine as _;
use kio_wasm::devtools as dt;
use serde_json::Value;

fn group_capture() -> Value {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/browser/fixtures/kafka-python-group.pcapng"
    ))
    .unwrap();
    dt::inspect_capture(&bytes, &[19092]).unwrap()
}

fn kafka_error(code: i64) -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/kafka-schema/4.3.1/errors.json"
    ))
    .unwrap();
    let all: Vec<Value> = serde_json::from_str(&text).unwrap();
    all.into_iter().find(|e| e["code"] == code).unwrap()
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

fn tree_of(f: &Value) -> Value {
    let wire = base64::engine::general_purpose::STANDARD
        .decode(f["frame"].as_str().unwrap())
        .unwrap();
    let ctx = (f["kind"] == "response").then(|| {
        (
            f["apiKey"].as_i64().unwrap() as i16,
            f["apiVersion"].as_i64().unwrap() as i16,
        )
    });
    dt::frame_tree(&wire, ctx).unwrap()
}

#[test]
fn member_id_required_by_name_in_the_tree_and_the_frame_facts() {
    let conv = group_capture();
    let frames = conv["frames"].as_array().unwrap();
    let want = kafka_error(79);
    let joins: Vec<&Value> = frames
        .iter()
        .filter(|f| f["apiName"] == "JoinGroup" && f["kind"] == "response")
        .collect();
    assert_eq!(joins.len(), 2);
    assert_eq!(joins[0]["errorCount"], 1);
    let e = &joins[0]["errors"][0];
    assert_eq!(e["path"], "/body/errorCode");
    assert_eq!(e["name"], want["name"]);
    assert_eq!(e["message"], want["message"]);
    assert_eq!(e["retriable"], want["retriable"]);
    let t0 = tree_of(joins[0]);
    let note = &find(&t0, "body.errorCode").unwrap()["note"];
    assert_eq!(note["kind"], "error");
    assert_eq!(note["name"], want["name"]);
    assert_eq!(joins[1]["errorCount"], 0);
    let t1 = tree_of(joins[1]);
    let ok = &find(&t1, "body.errorCode").unwrap()["note"];
    assert_eq!(ok["name"], kafka_error(0)["name"]);
    // Every request names its client id; the consumer's are kio-consumer.
    let q = frames
        .iter()
        .find(|f| f["apiName"] == "JoinGroup" && f["kind"] == "request")
        .unwrap();
    assert_eq!(q["clientId"], "kio-consumer");
}

#[test]
fn topics_of_the_calls() {
    let conv = group_capture();
    let frames = conv["frames"].as_array().unwrap();
    for api in [
        "Produce",
        "Fetch",
        "OffsetCommit",
        "OffsetFetch",
        "CreateTopics",
    ] {
        let f = frames
            .iter()
            .find(|f| f["apiName"] == api && f["kind"] == "request")
            .unwrap();
        assert_eq!(f["topics"], serde_json::json!(["orders"]), "{api}");
    }
}

#[test]
fn record_timestamps_read_as_dates_near_the_capture_time() {
    let conv = group_capture();
    let frames = conv["frames"].as_array().unwrap();
    let produce = frames
        .iter()
        .find(|f| f["apiName"] == "Produce" && f["kind"] == "request")
        .unwrap();
    let tree = tree_of(produce);
    let path = "body.topicData[0].partitionData[0].records._records[0].baseTimestamp";
    let node = find(&tree, path).unwrap_or_else(|| panic!("{path} in {tree}"));
    let ms = node["value"].as_i64().unwrap();
    let capture_ms = (produce["time"].as_f64().unwrap() * 1000.0) as i64;
    assert!((ms - capture_ms).abs() < 1000, "{ms} vs {capture_ms}");
    let text = node["note"]["text"].as_str().unwrap();
    assert_eq!(text, kio_wasm::meaning::date(ms).unwrap());
    // The date's day is the capture's (`date -u` of the capture time).
    assert_eq!(
        &text[..10],
        &kio_json::inspect::rfc3339(std::time::Duration::from_millis(capture_ms as u64))[..10]
    );
    // acks: kafka-python 3.0's default, -1 (`'acks': -1` in its KafkaProducer),
    // read from the schema's about text.
    assert_eq!(find(&tree, "body.acks").unwrap()["value"], -1);
    assert_eq!(
        find(&tree, "body.acks").unwrap()["note"]["text"],
        "the full ISR"
    );
}
