//! What a field's value means, for a reader of a decoded frame: error codes
//! by name (kio-core's table generated from Kafka's `Errors`), timestamps as
//! dates, durations in readable units, and the values an enumeration field's
//! schema `about` text names (`Allowed values: 0 for no acknowledgments, 1
//! for only the leader and -1 for the full ISR`). Nothing here is a
//! hand-typed table: the meanings are read from the static schemas kio-core
//! carries, so a schema with new text gets new meanings.

use kio_core::{ErrorCode, FieldSchema, FieldType};
use serde_json::{json, Value};

/// An error code as `{code, name, message, retriable}` (`message` is null
/// for `NONE` and for codes Kafka does not define; `name` is then `UNKNOWN`).
pub fn error_code(code: i64) -> Value {
    let Ok(c) = i16::try_from(code) else {
        return json!({"code": code, "name": "UNKNOWN", "message": null, "retriable": false});
    };
    let e = ErrorCode::from_code(c);
    let name = match e {
        ErrorCode::Unknown(_) => "UNKNOWN",
        e => e.name(),
    };
    json!({"code": code, "name": name, "message": e.message(), "retriable": e.is_retriable()})
}

/// Every error code Kafka defines, in code order.
pub fn error_codes() -> Value {
    let mut all: Vec<_> = ErrorCode::ALL.iter().map(|e| e.code()).collect();
    all.sort_unstable();
    all.into_iter()
        .map(|c| error_code(c.into()))
        .collect::<Vec<_>>()
        .into()
}

/// Whether a JSON key names an error code (`errorCode`, `acknowledgeErrorCode`).
pub fn is_error_key(key: &str) -> bool {
    key == "errorCode" || key.ends_with("ErrorCode")
}

/// Whether a JSON key names a timestamp (`baseTimestamp`, `commitTimestamp`).
pub fn is_timestamp_key(key: &str) -> bool {
    key.to_ascii_lowercase().contains("timestamp")
}

fn is_integer(t: &FieldType) -> bool {
    matches!(
        t,
        FieldType::Int8
            | FieldType::Int16
            | FieldType::Uint16
            | FieldType::Int32
            | FieldType::Uint32
            | FieldType::Int64
    )
}

/// The integer type of a field or of its array's elements.
fn scalar(f: &FieldSchema) -> &FieldType {
    match &f.ty {
        FieldType::Array(e) => e,
        t => t,
    }
}

/// Whether the field holds an error code: an `int16` named `ErrorCode` or
/// `...ErrorCode`.
pub fn is_error_field(f: &FieldSchema) -> bool {
    matches!(scalar(f), FieldType::Int16) && f.name.ends_with("ErrorCode")
}

const NOT_A_POINT: [&str; 7] = [
    "period", "duration", "lifetime", "timeout", "interval", "wait", "length",
];

/// Whether the field holds a point in time in milliseconds since the epoch:
/// an `int64` whose name or `about` says timestamp, or whose name ends in
/// `TimeMs`/`Time` without its `about` calling it a period, duration,
/// lifetime, timeout, interval or wait.
pub fn is_timestamp_field(f: &FieldSchema) -> bool {
    if !matches!(scalar(f), FieldType::Int64) {
        return false;
    }
    let about = f.about.to_ascii_lowercase();
    if f.name.to_ascii_lowercase().contains("timestamp") {
        return !about.contains("lifetime");
    }
    if about.contains("timestamp") {
        return true;
    }
    (f.name.ends_with("TimeMs") || f.name.ends_with("Time"))
        && !NOT_A_POINT.iter().any(|w| about.contains(w))
}

/// Whether the field holds a duration in milliseconds: an integer named
/// `...Ms` that is not a timestamp.
pub fn is_duration_field(f: &FieldSchema) -> bool {
    is_integer(scalar(f)) && f.name.ends_with("Ms") && !is_timestamp_field(f)
}

/// Milliseconds since the epoch as RFC 3339 UTC (`2026-12-01T16:09:24.934Z`),
/// or `None` outside 1970..10000.
pub fn date(ms: i64) -> Option<String> {
    if !(1..253_402_300_800_000).contains(&ms) {
        return None;
    }
    let t = std::time::Duration::from_millis(ms as u64);
    let s = kio_json::inspect::rfc3339(t);
    // rfc3339 writes microseconds; a millisecond value has three digits.
    Some(format!("{}Z", &s[..s.len() - 4]))
}

/// Milliseconds in a readable unit (`30 s`, `5 min`, `1.5 h`), or `None`
/// below one second (the number is then plain enough).
pub fn duration(ms: i64) -> Option<String> {
    let a = ms.unsigned_abs() as f64;
    let (v, unit) = if a < 1000.0 {
        return None;
    } else if a < 60_000.0 {
        (a / 1000.0, "s")
    } else if a < 3_600_000.0 {
        (a / 60_000.0, "min")
    } else if a < 86_400_000.0 {
        (a / 3_600_000.0, "h")
    } else {
        (a / 86_400_000.0, "days")
    };
    let sign = if ms < 0 { "-" } else { "" };
    let v = format!("{v:.1}");
    Some(format!(
        "{sign}{} {unit}",
        v.strip_suffix(".0").unwrap_or(&v)
    ))
}

// ------------------------------------------------------------ about text

/// The values an `about` text names, in the order it names them: `(value,
/// meaning)`. Understands the forms Kafka's schemas use: `0 for X`, `-1 if
/// X`, `0 to X`, `-1 means X`, `1 will X`/`2 is X`, `1=X`, `{0 = X, ...}`,
/// `0:X,1:Y`, `0/1 = X`, `NAME (field = 0)`, `A value of '0' X`, `0
/// otherwise`, and a parenthesised list of names, `(group, transaction,
/// share)`, numbered from 0 when the text names no number. Comparisons
/// (`>= 0`, `< 1`, `epoch = 0, must`) and references (`KIP-74 for`) are not
/// values. A value named twice gets both meanings, joined by `; `.
pub fn enum_values(about: &str) -> Vec<(i64, String)> {
    let mut out: Vec<(i64, String)> = Vec::new();
    fn add(out: &mut Vec<(i64, String)>, v: i64, m: String) {
        if m.is_empty() {
            return;
        }
        match out.iter_mut().find(|(x, _)| *x == v) {
            Some((_, old)) if !old.split("; ").any(|o| o == m) => {
                old.push_str("; ");
                old.push_str(&m);
            }
            Some(_) => {}
            None => out.push((v, m)),
        }
    }
    let cands = candidates(about);
    for (i, c) in cands.iter().enumerate() {
        let end = cands.get(i + 1).map_or(about.len(), |n| n.start);
        let m = match &c.label {
            Label::Given(s) => s.clone(),
            Label::After(at) => clause(&about[*at..end.max(*at)]),
        };
        for v in &c.values {
            add(&mut out, *v, m.clone());
        }
    }
    if out.is_empty() {
        for (i, name) in listed_names(about).into_iter().enumerate() {
            add(&mut out, i as i64, name);
        }
    }
    out
}

enum Label {
    /// The meaning starts at this byte and runs to the end of its clause.
    After(usize),
    /// The meaning is this text (`NAME (field = 0)`, `0 otherwise`).
    Given(String),
}

struct Candidate {
    start: usize,
    values: Vec<i64>,
    label: Label,
}

/// A number at `i`: `(value, end)`, with an optional sign.
fn number(b: &[u8], i: usize) -> Option<(i64, usize)> {
    let mut j = i;
    if matches!(b.get(j), Some(b'-' | b'+')) {
        j += 1;
    }
    let d0 = j;
    while b.get(j).is_some_and(u8::is_ascii_digit) {
        j += 1;
    }
    if j == d0
        || b.get(j)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    {
        return None;
    }
    let s = std::str::from_utf8(&b[i..j]).ok()?;
    Some((s.trim_start_matches('+').parse().ok()?, j))
}

/// The word before byte `i` (skipping spaces), if any.
fn word_before(s: &str, i: usize) -> &str {
    let t = s[..i].trim_end();
    let start = t
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |p| p + 1);
    &t[start..]
}

fn candidates(about: &str) -> Vec<Candidate> {
    let b = about.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let prev = if i == 0 { b' ' } else { b[i - 1] };
        let starts = (b[i].is_ascii_digit()
            || (matches!(b[i], b'-' | b'+') && b.get(i + 1).is_some_and(u8::is_ascii_digit)))
            && matches!(prev, b' ' | b'(' | b'{' | b',' | b':' | b';' | b'\'');
        let Some((v0, mut j)) = starts.then(|| number(b, i)).flatten() else {
            i += 1;
            continue;
        };
        let start = i;
        // Comparisons are not values: `>= 0`, `< 1`, `field = 0`.
        let before = about[..i].trim_end();
        let quoted = prev == b'\'';
        if before.ends_with(['<', '>', '=']) && !quoted {
            // `NAME (field = 0)`: the name before the parenthesis.
            if let Some(name) = reversed_name(about, before, j) {
                out.push(Candidate {
                    start,
                    values: vec![v0],
                    label: Label::Given(name),
                });
            }
            i = j;
            continue;
        }
        let mut values = vec![v0];
        // `0/1 = X`
        while b.get(j) == Some(&b'/') {
            match number(b, j + 1) {
                Some((v, k)) => {
                    values.push(v);
                    j = k;
                }
                None => break,
            }
        }
        if quoted && b.get(j) == Some(&b'\'') {
            j += 1;
        }
        let rest = &about[j..];
        let label = if let Some(r) = rest
            .strip_prefix(':')
            .filter(|r| r.starts_with(|c: char| c.is_ascii_alphabetic()))
        {
            Some(Label::After(about.len() - r.len()))
        } else if let Some(r) = rest.trim_start().strip_prefix('=') {
            Some(Label::After(about.len() - r.len()))
        } else if rest.starts_with(' ') {
            let r = rest.trim_start();
            let w = r
                .split(|c: char| !c.is_ascii_alphabetic())
                .next()
                .unwrap_or("");
            match w {
                "otherwise" => Some(Label::Given("otherwise".into())),
                "for" | "if" | "to" | "means" | "will" | "is" => {
                    Some(Label::After(about.len() - r.len() + w.len()))
                }
                // `A value of '0' elects the preferred replica.`
                _ if quoted && !w.is_empty() => Some(Label::After(about.len() - r.len())),
                _ => None,
            }
        } else {
            None
        };
        if let Some(label) = label {
            out.push(Candidate {
                start,
                values,
                label,
            });
        }
        i = j;
    }
    out
}

/// `READ_UNCOMMITTED (isolation_level = 0)`: the capitalised name before the
/// parenthesis holding `ident = N)`.
fn reversed_name(about: &str, before_eq: &str, num_end: usize) -> Option<String> {
    if !about[num_end..].starts_with(')') {
        return None;
    }
    let inner = before_eq.strip_suffix('=')?.trim_end();
    let open = inner.rfind('(')?;
    let ident = inner[open + 1..].trim();
    if ident.is_empty() || !ident.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let name = word_before(about, open);
    (name.len() > 1 && name.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .then(|| name.to_string())
}

/// A meaning from the text after its value: up to the end of its clause
/// (`,`, `;`, `.`, `}` outside parentheses), trimmed of joining words.
fn clause(s: &str) -> String {
    let mut depth = 0i32;
    let mut end = s.len();
    let b = s.as_bytes();
    for (k, &c) in b.iter().enumerate() {
        match c {
            b'(' => depth += 1,
            b')' if depth > 0 => depth -= 1,
            b')' | b'}' => {
                end = k;
                break;
            }
            b',' | b';' if depth == 0 => {
                end = k;
                break;
            }
            // A full stop ends a sentence; `e.g.` or `0.5` do not.
            b'.' if depth == 0 && b.get(k + 1).is_none_or(|n| *n == b' ') => {
                end = k;
                break;
            }
            _ => {}
        }
    }
    let mut m = s[..end].trim();
    loop {
        let before = m;
        for w in [" and", " or", " etc", ","] {
            m = m.strip_suffix(w).unwrap_or(m).trim_end();
        }
        m = m.strip_prefix("that ").unwrap_or(m);
        if m == before {
            break;
        }
    }
    m.to_string()
}

/// `(group, transaction, share)`: a parenthesised list of two or more single
/// words, not ending in `etc.`.
fn listed_names(about: &str) -> Vec<String> {
    let mut rest = about;
    while let Some(open) = rest.find('(') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(')') else { break };
        let items: Vec<&str> = after[..close].split(',').map(str::trim).collect();
        if items.len() >= 2
            && items.iter().all(|w| {
                !w.is_empty() && w.chars().all(|c| c.is_ascii_alphabetic()) && !w.starts_with("etc")
            })
        {
            return items.into_iter().map(String::from).collect();
        }
        rest = &after[close + 1..];
    }
    Vec::new()
}

// ------------------------------------------------------------ notes

/// The values a field's `about` text names ([`enum_values`]), for integer
/// fields that do not hold an error code; empty for the others.
pub fn field_values(f: &FieldSchema) -> Vec<(i64, String)> {
    if !is_integer(scalar(f)) || is_error_field(f) || !f.fields.is_empty() {
        return Vec::new();
    }
    enum_values(f.about)
}

/// A note on one value of a schema field, for the page: `{kind, text, ...}`
/// with `kind` one of `error` (plus the [`error_code`] fields), `time`,
/// `duration` or `enum` (plus `values: [[value, meaning], ...]`, and `known:
/// false` when the value is not among them). `None` when the value needs no
/// note.
pub fn note(f: &FieldSchema, v: i64) -> Option<Value> {
    if is_error_field(f) {
        return Some(error_note(v));
    }
    let values = field_values(f);
    if is_timestamp_field(f) {
        if let Some(d) = date(v) {
            return Some(json!({"kind": "time", "text": d}));
        }
    } else if values.is_empty() && is_duration_field(f) {
        return duration(v).map(|d| json!({"kind": "duration", "text": d}));
    }
    if values.is_empty() {
        return None;
    }
    let hit = values.iter().find(|(x, _)| *x == v).map(|(_, m)| m.clone());
    let table: Vec<Value> = values.iter().map(|(x, m)| json!([x, m])).collect();
    match hit {
        Some(m) => Some(json!({"kind": "enum", "text": m, "values": table})),
        // A value the text does not name (a count, an epoch, an id): a note
        // only for fields that look like closed enumerations.
        None if is_enumeration(f) => Some(
            json!({"kind": "enum", "text": "a value the schema does not name", "known": false, "values": table}),
        ),
        None => None,
    }
}

/// An error note: `{kind: "error", code, name, message, retriable, text}`.
pub fn error_note(code: i64) -> Value {
    let mut e = error_code(code);
    let text = match (e["name"].as_str(), e["retriable"].as_bool()) {
        (Some(n), Some(true)) => format!("{n} (retriable)"),
        (Some(n), _) => n.to_string(),
        _ => String::new(),
    };
    if let Value::Object(m) = &mut e {
        m.insert("kind".into(), "error".into());
        m.insert("text".into(), text.into());
    }
    e
}

/// Whether a field is a closed enumeration (its values are all named):
/// `int8` fields, and names ending in `Type`, `Level`, `Mode` or `State`.
fn is_enumeration(f: &FieldSchema) -> bool {
    matches!(scalar(f), FieldType::Int8)
        || ["Type", "Level", "Mode", "State", "Acks"]
            .iter()
            .any(|s| f.name.ends_with(s))
}

/// A note on a value in a derived view (record batches, nested payloads),
/// known only by its JSON key: error codes and timestamps.
pub fn view_note(key: &str, v: &Value) -> Option<Value> {
    let n = v.as_i64()?;
    if is_error_key(key) {
        return Some(error_note(n));
    }
    if is_timestamp_key(key) {
        return date(n).map(|d| json!({"kind": "time", "text": d}));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(api: &str, path: &[&str]) -> &'static FieldSchema {
        let s = kio_core::find_schema(api).unwrap_or_else(|| panic!("{api}"));
        let mut fields = s.fields;
        let mut f = None;
        for name in path {
            let x = fields
                .iter()
                .find(|x| x.name == *name)
                .unwrap_or_else(|| panic!("{api}.{name}"));
            fields = x.fields;
            f = Some(x);
        }
        f.unwrap()
    }

    fn vals(api: &str, path: &[&str]) -> Vec<(i64, String)> {
        enum_values(field(api, path).about)
    }

    // Expected meanings are Kafka's (its docs and Java enums), not ours.
    #[test]
    fn acks_isolation_level_and_friends() {
        let acks = vals("ProduceRequest", &["Acks"]);
        assert_eq!(
            acks,
            vec![
                (0, "no acknowledgments".into()),
                (1, "only the leader".into()),
                (-1, "the full ISR".into())
            ]
        );
        // org.apache.kafka.common.IsolationLevel: READ_UNCOMMITTED(0), READ_COMMITTED(1).
        let iso = vals("FetchRequest", &["IsolationLevel"]);
        assert_eq!(
            iso,
            vec![(0, "READ_UNCOMMITTED".into()), (1, "READ_COMMITTED".into())]
        );
        assert_eq!(vals("ListOffsetsRequest", &["IsolationLevel"]), iso);
        // FindCoordinatorRequest.CoordinatorType: GROUP(0), TRANSACTION(1), SHARE(2).
        let kt = vals("FindCoordinatorRequest", &["KeyType"]);
        assert_eq!(
            kt.iter().map(|(v, _)| *v).collect::<Vec<_>>(),
            vec![0, 1, 2]
        );
        assert_eq!(kt[1].1, "transaction");
        // AlterConfigOp.OpType: SET(0), DELETE(1), APPEND(2), SUBTRACT(3).
        let op = vals(
            "IncrementalAlterConfigsRequest",
            &["Resources", "Configs", "ConfigOperation"],
        );
        assert_eq!(op[3], (3, "Subtract".into()));
        // ElectionType: PREFERRED(0), UNCLEAN(1).
        let el = vals("ElectLeadersRequest", &["ElectionType"]);
        assert_eq!(el[0].0, 0);
        assert!(el[0].1.contains("preferred replica"), "{el:?}");
        assert!(el[1].1.contains("first live replica"), "{el:?}");
        let ep = vals("DescribeClusterRequest", &["EndpointType"]);
        assert_eq!(ep, vec![(1, "brokers".into()), (2, "controllers".into())]);
        let mt = vals("DescribeClientQuotasRequest", &["Components", "MatchType"]);
        assert_eq!(
            mt,
            vec![
                (0, "exact name".into()),
                (1, "default name".into()),
                (2, "any specified name".into())
            ]
        );
        let me = vals("ConsumerGroupHeartbeatRequest", &["MemberEpoch"]);
        assert_eq!(
            me.iter().map(|(v, _)| *v).collect::<Vec<_>>(),
            vec![0, -1, -2]
        );
        assert_eq!(me[1].1, "leave the group");
        let ut = vals("UpdateFeaturesRequest", &["FeatureUpdates", "UpgradeType"]);
        assert_eq!(
            ut.iter().map(|(v, _)| *v).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert_eq!(ut[1].1, "safe downgrades only (lossless)");
        let lr = vals(
            "AlterPartitionRequest",
            &["Topics", "Partitions", "LeaderRecoveryState"],
        );
        assert_eq!(lr.iter().map(|(v, _)| *v).collect::<Vec<_>>(), vec![1, 0]);
        let hw = vals("FetchRequest", &["ReplicaState", "ReplicaEpoch"]);
        assert_eq!(hw, vec![(-1, "not available".into())]);
    }

    #[test]
    fn comparisons_and_references_are_not_values() {
        assert!(
            vals("FetchRequest", &["MaxBytes"]).is_empty(),
            "KIP-74 is not a value"
        );
        assert!(vals("ApiVersionsResponse", &["FinalizedFeaturesEpoch"])
            .iter()
            .all(|(v, _)| *v == -1));
        assert!(vals(
            "UpdateFeaturesRequest",
            &["FeatureUpdates", "MaxVersionLevel"]
        )
        .is_empty());
        assert!(vals("ListTransactionsRequest", &["DurationFilter"]).is_empty());
        assert!(
            vals("CreateAclsRequest", &["Creations", "Operation"]).is_empty(),
            "`(read, write, etc.)` is no list"
        );
    }

    #[test]
    fn every_schema_parses_without_panic_and_reads_kafkas_forms() {
        fn walk(fs: &'static [FieldSchema], n: &mut usize) {
            for f in fs {
                let v = enum_values(f.about);
                if is_integer(scalar(f)) && !v.is_empty() {
                    *n += 1;
                }
                for (_, m) in v {
                    assert!(!m.is_empty() && m.len() < 200, "{}: {m:?}", f.about);
                }
                walk(f.fields, n);
            }
        }
        let mut n = 0;
        for s in kio_core::ALL_SCHEMAS.iter() {
            walk(s.fields, &mut n);
        }
        assert!(n >= 40, "{n} integer fields with named values");
    }

    #[test]
    fn timestamps_and_durations() {
        assert!(is_timestamp_field(field(
            "ProduceResponse",
            &["Responses", "PartitionResponses", "LogAppendTimeMs"]
        )));
        assert!(is_timestamp_field(field(
            "ListOffsetsResponse",
            &["Topics", "Partitions", "Timestamp"]
        )));
        assert!(is_timestamp_field(field(
            "DescribeTransactionsResponse",
            &["TransactionStates", "TransactionStartTimeMs"]
        )));
        assert!(!is_timestamp_field(field(
            "OffsetCommitRequest",
            &["RetentionTimeMs"]
        )));
        assert!(!is_timestamp_field(field(
            "CreateDelegationTokenRequest",
            &["MaxLifetimeMs"]
        )));
        assert!(is_duration_field(field(
            "JoinGroupRequest",
            &["SessionTimeoutMs"]
        )));
        assert!(is_duration_field(field(
            "ProduceResponse",
            &["ThrottleTimeMs"]
        )));
        // 1 December 2026, 16:09:24.934 UTC (date -u -d @1796141364.934).
        assert_eq!(
            date(1_796_141_364_934).as_deref(),
            Some("2026-12-01T16:09:24.934Z")
        );
        assert_eq!(date(-1), None);
        assert_eq!(duration(45_000).as_deref(), Some("45 s"));
        assert_eq!(duration(300_000).as_deref(), Some("5 min"));
        assert_eq!(duration(90 * 60_000).as_deref(), Some("1.5 h"));
        assert_eq!(duration(250), None);
    }

    #[test]
    fn error_codes_by_name() {
        let e = error_code(6);
        assert_eq!(e["name"], "NOT_LEADER_OR_FOLLOWER");
        assert_eq!(e["retriable"], true);
        assert_eq!(error_code(0)["name"], "NONE");
        assert_eq!(error_code(79)["name"], "MEMBER_ID_REQUIRED");
        assert_eq!(error_code(79)["retriable"], false);
        assert_eq!(error_code(30_000)["name"], "UNKNOWN");
        let f = field("JoinGroupResponse", &["ErrorCode"]);
        assert_eq!(
            note(f, 6).unwrap()["text"],
            "NOT_LEADER_OR_FOLLOWER (retriable)"
        );
        assert_eq!(
            error_codes().as_array().unwrap().len(),
            ErrorCode::ALL.len()
        );
    }

    #[test]
    fn notes_on_enumerations() {
        let acks = field("ProduceRequest", &["Acks"]);
        assert_eq!(note(acks, -1).unwrap()["text"], "the full ISR");
        assert_eq!(note(acks, 5).unwrap()["known"], false);
        let epoch = field(
            "FetchSnapshotRequest",
            &["Topics", "Partitions", "CurrentLeaderEpoch"],
        );
        assert_eq!(note(epoch, -1).unwrap()["text"], "unknown leader epoch");
        assert!(note(epoch, 7).is_none(), "an epoch of 7 is just a number");
    }
}
