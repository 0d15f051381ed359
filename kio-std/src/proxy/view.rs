//! What the proxy shows of each frame: JSON Lines or a live table (one
//! line per request/response pair, with its latency), filtered by API,
//! topic or client id, with or without the records' bytes.

use serde_json::{Map, Value};

/// How frames are shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per frame and per event (docs/JSON.md).
    #[default]
    Json,
    /// One line per request/response pair, as `kio inspect --format
    /// table`, printed when the response arrives; events as `# ...` lines.
    Table,
}

/// What to show.
#[derive(Debug, Clone, Default)]
pub struct ViewOptions {
    /// JSON Lines or table.
    pub format: Format,
    /// Only these APIs (names, case-insensitive; empty: all).
    pub apis: Vec<String>,
    /// Only requests naming one of these topics (empty: all).
    pub topics: Vec<String>,
    /// Only requests of these client ids (empty: all).
    pub client_ids: Vec<String>,
    /// Drop the base64 of record batches where their decoded view is shown.
    pub no_records: bool,
}

impl ViewOptions {
    /// Whether a decoded request line passes the filters (its response
    /// follows its request's fate).
    pub fn matches(&self, line: &Map<String, Value>) -> bool {
        let api = line.get("apiName").and_then(Value::as_str).unwrap_or("");
        if !self.apis.is_empty() && !self.apis.iter().any(|a| a.eq_ignore_ascii_case(api)) {
            return false;
        }
        if !self.client_ids.is_empty() {
            let id = line
                .get("header")
                .and_then(|h| h.get("clientId"))
                .and_then(Value::as_str)
                .unwrap_or("");
            if !self.client_ids.iter().any(|c| c == id) {
                return false;
            }
        }
        if !self.topics.is_empty() {
            let mut names = Vec::new();
            if let Some(b) = line.get("body") {
                collect_names(b, 0, &mut names);
            }
            if !names.iter().any(|n| self.topics.contains(n)) {
                return false;
            }
        }
        true
    }
}

/// Topic (and group) names a body mentions: string values of `name`,
/// `topic` and `groupId` keys, at most 64, at most 8 levels deep.
pub fn collect_names(v: &Value, depth: usize, out: &mut Vec<String>) {
    if depth > 8 || out.len() >= 64 {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("name" | "topic" | "groupId" | "key", Value::String(s)) => {
                        if !out.contains(s) {
                            out.push(s.clone());
                        }
                    }
                    _ => collect_names(x, depth + 1, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_names(x, depth + 1, out)),
        _ => {}
    }
}

/// Records in the decoded views (`_records`) of a body.
pub fn count_records(v: &Value) -> usize {
    match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, x)| match (k.as_str(), x) {
                ("_records", Value::Array(batches)) => batches
                    .iter()
                    .map(|b| {
                        b.get("records")
                            .and_then(Value::as_array)
                            .map_or(0, Vec::len)
                    })
                    .sum(),
                _ => count_records(x),
            })
            .sum(),
        Value::Array(a) => a.iter().map(count_records).sum(),
        _ => 0,
    }
}

/// Non-zero `errorCode`s of a body, by name, deduplicated (at most 8).
pub fn error_codes(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "errorCode" {
                    if let Some(c) = x.as_i64().filter(|c| *c != 0) {
                        let name = i16::try_from(c)
                            .ok()
                            .map(kio_core::ErrorCode::from_code)
                            .map_or(c.to_string(), |e| e.name().to_string());
                        if !out.contains(&name) && out.len() < 8 {
                            out.push(name);
                        }
                    }
                } else {
                    error_codes(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| error_codes(x, out)),
        _ => {}
    }
}

/// Removes the base64 `records` of every object that also has the decoded
/// `_records` view.
pub fn drop_record_bytes(v: &mut Value) {
    match v {
        Value::Object(m) => {
            let keys: Vec<String> = m
                .keys()
                .filter(|k| !k.starts_with('_') && m.contains_key(&format!("_{k}")))
                .cloned()
                .collect();
            for k in keys {
                if m.get(&k).is_some_and(Value::is_string) {
                    m.insert(k, Value::String("<dropped: --no-records>".into()));
                }
            }
            m.values_mut().for_each(drop_record_bytes);
        }
        Value::Array(a) => a.iter_mut().for_each(drop_record_bytes),
        _ => {}
    }
}

/// What the table keeps of a request until its response arrives.
#[derive(Debug, Clone, Default)]
pub struct RequestInfo {
    /// Whether it passed the filters.
    pub shown: bool,
    /// Its size, prefix included.
    pub bytes: usize,
    /// Up to three names it mentions, and how many more.
    pub names: String,
    /// Records it carries.
    pub records: usize,
}

impl RequestInfo {
    /// The table's view of a decoded request line.
    pub fn of(line: &Map<String, Value>, bytes: usize, shown: bool) -> RequestInfo {
        let mut names = Vec::new();
        let body = line.get("body");
        if let Some(b) = body {
            collect_names(b, 0, &mut names);
        }
        let more = names.len().saturating_sub(3);
        let mut s = names.iter().take(3).cloned().collect::<Vec<_>>().join(",");
        if more > 0 {
            s.push_str(&format!(",+{more}"));
        }
        RequestInfo {
            shown,
            bytes,
            names: s,
            records: body.map_or(0, count_records),
        }
    }
}

/// The table's header line.
pub fn table_header() -> String {
    format!(
        "{:<15} {:>4} {:<28} {:>5} {:>7} {:>7} {:>9}  {}\n",
        "TIME", "CONN", "API", "CORR", "REQ B", "RESP B", "LATENCY", "SUMMARY"
    )
}

/// One table line: a request (`req`) and its response line (`resp`).
pub fn table_row(req: &RequestInfo, resp: &Map<String, Value>, resp_bytes: usize) -> String {
    let s = |k: &str| resp.get(k).and_then(Value::as_str).unwrap_or("");
    let time = s("time").get(11..26).unwrap_or("-").to_string();
    let conn = resp.get("connection").map_or("-".into(), Value::to_string);
    let api = format!(
        "{} v{}",
        resp.get("apiName").and_then(Value::as_str).unwrap_or("?"),
        resp.get("apiVersion").map_or("?".into(), Value::to_string)
    );
    let corr = resp
        .get("correlationId")
        .map_or("-".into(), Value::to_string);
    let latency = resp
        .get("latencyUs")
        .and_then(Value::as_u64)
        .map_or("-".into(), |us| {
            if us < 1000 {
                format!("{us} µs")
            } else {
                format!("{:.1} ms", us as f64 / 1000.0)
            }
        });
    let mut parts = Vec::new();
    if !req.names.is_empty() {
        parts.push(req.names.clone());
    }
    let records = req.records + resp.get("body").map_or(0, count_records);
    if records > 0 {
        parts.push(format!("{records} records"));
    }
    if let Some(e) = resp.get("error") {
        parts.push(format!(
            "response: {}",
            e.get("message").and_then(Value::as_str).unwrap_or("?")
        ));
    } else {
        let mut errs = Vec::new();
        if let Some(b) = resp.get("body") {
            error_codes(b, &mut errs);
        }
        parts.push(if errs.is_empty() {
            "ok".into()
        } else {
            errs.join(",")
        });
    }
    if resp.contains_key("rewrites") {
        parts.push("addresses rewritten".into());
    }
    format!(
        "{time:<15} {conn:>4} {api:<28} {corr:>5} {:>7} {resp_bytes:>7} {latency:>9}  {}\n",
        req.bytes,
        parts.join("; ")
    )
}

/// An event as one table line: `# time event key=value ...`.
pub fn event_line(v: &Value) -> String {
    let Some(m) = v.as_object() else {
        return format!("# {v}\n");
    };
    let mut out = String::from("# ");
    if let Some(t) = m.get("time").and_then(Value::as_str) {
        out.push_str(t.get(11..26).unwrap_or(t));
        out.push(' ');
    }
    out.push_str(m.get("event").and_then(Value::as_str).unwrap_or("?"));
    for (k, x) in m {
        if matches!(k.as_str(), "time" | "event" | "counts" | "totals") {
            continue;
        }
        match x {
            Value::String(s) => out.push_str(&format!(" {k}={s}")),
            other => out.push_str(&format!(" {k}={other}")),
        }
    }
    out.push('\n');
    out
}
