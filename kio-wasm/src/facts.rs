//! What the capture view filters on, read from a frame's JSON: the topics
//! it names and the error codes it carries. The walk is generic over the
//! JSON (fields and derived views alike), so it needs no list of APIs: a
//! topic is a `name`/`topic` string in an array under a key that says
//! `topic`, or a string in such an array (a subscription's topic list); an
//! error is a non-zero `errorCode`/`...ErrorCode`.

use serde_json::{json, Value};

use crate::meaning;

/// At most this many topics and errors are listed per frame (256).
const MAX_LISTED: usize = 256;
/// JSON nesting the walk follows (Kafka's schemas nest less than 10 deep).
const MAX_DEPTH: usize = 64;

/// A frame's topics and errors.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Facts {
    /// Topic names, each once, in the order first seen.
    pub topics: Vec<String>,
    /// Non-zero error codes: `{path, code, name, message, retriable}`
    /// (`path` a JSON pointer into the frame's JSON).
    pub errors: Vec<Value>,
    /// How many errors there were (`errors` keeps the first 256).
    pub error_count: usize,
}

/// The facts of one frame's JSON (the `kio inspect` object).
pub fn of(frame: &Value) -> Facts {
    let mut f = Facts::default();
    for part in ["body", "header"] {
        if let Some(v) = frame.get(part) {
            walk(v, &format!("/{part}"), false, 0, &mut f);
        }
    }
    f
}

fn topic(f: &mut Facts, name: &str) {
    if !name.is_empty() && f.topics.len() < MAX_LISTED && !f.topics.iter().any(|t| t == name) {
        f.topics.push(name.to_string());
    }
}

fn walk(v: &Value, path: &str, in_topics: bool, depth: usize, f: &mut Facts) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{path}/{}", k.replace('~', "~0").replace('/', "~1"));
                if meaning::is_error_key(k) {
                    if let Some(code) = x.as_i64().filter(|c| *c != 0) {
                        f.error_count += 1;
                        if f.errors.len() < MAX_LISTED {
                            let mut e = meaning::error_code(code);
                            e["path"] = json!(p);
                            f.errors.push(e);
                        }
                    }
                    continue;
                }
                if let (true, Some(s)) = (
                    in_topics && (k == "name" || k == "topic" || k == "topicName"),
                    x.as_str(),
                ) {
                    topic(f, s);
                }
                if (k == "topic" || k == "topicName") && x.is_string() {
                    topic(f, x.as_str().unwrap_or_default());
                }
                let topical = k.to_ascii_lowercase().contains("topic");
                walk(x, &p, topical && x.is_array(), depth + 1, f);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                match x {
                    Value::String(s) if in_topics => topic(f, s),
                    _ => walk(x, &format!("{path}/{i}"), in_topics, depth + 1, f),
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_and_errors() {
        let frame = json!({"body": {
            "errorCode": 0,
            "topics": [{"name": "orders", "partitions": [{"partitionIndex": 0, "errorCode": 6}]},
                       {"name": "audit", "partitions": []}],
            "members": [{"_metadata": {"topics": ["orders", "payments"]}}],
            "coordinators": [{"key": "g", "errorCode": 15}],
        }});
        let f = of(&frame);
        assert_eq!(f.topics, vec!["orders", "audit", "payments"]);
        assert_eq!(f.error_count, 2);
        assert_eq!(f.errors[0]["name"], "NOT_LEADER_OR_FOLLOWER");
        assert_eq!(f.errors[0]["path"], "/body/topics/0/partitions/0/errorCode");
        assert_eq!(f.errors[1]["name"], "COORDINATOR_NOT_AVAILABLE");
    }
}
