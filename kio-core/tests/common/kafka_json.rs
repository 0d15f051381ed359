//! An independent reading of Kafka's JSON schema files (not kio-gen's
//! code): its own comment stripper, version-range parser and field walk
//! over `serde_json::Value`, shared by the tests that compare kio-core's
//! static tables with the files (`release_layouts`, `internal_records`).

use std::collections::BTreeMap;

use kio_core::FieldType;
use serde_json::Value;

/// `//` and `/* */` comments removed, outside strings.
pub fn strip_comments(text: &str) -> String {
    let mut out = String::new();
    let (mut in_string, mut escaped) = (false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match (c, chars.peek()) {
            ('/', Some('/')) => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                let mut last = ' ';
                for n in chars.by_ref() {
                    if last == '*' && n == '/' {
                        break;
                    }
                    last = n;
                }
            }
            _ => {
                if c == '"' {
                    in_string = true;
                }
                out.push(c);
            }
        }
    }
    out
}

/// `"none"`, `"3"`, `"0-4"`, `"9+"` → inclusive bounds (`None` for none).
pub fn bounds(spec: &str) -> Option<(i16, i16)> {
    let spec = spec.trim();
    if spec == "none" {
        return None;
    }
    if let Some(lo) = spec.strip_suffix('+') {
        return Some((lo.parse().unwrap(), i16::MAX));
    }
    Some(match spec.split_once('-') {
        Some((lo, hi)) => (lo.parse().unwrap(), hi.parse().unwrap()),
        None => {
            let v = spec.parse().unwrap();
            (v, v)
        }
    })
}

/// Whether version `v` is in the range `spec` (a JSON string), if any.
pub fn in_range(spec: Option<&Value>, v: i16) -> bool {
    spec.and_then(Value::as_str)
        .and_then(bounds)
        .is_some_and(|(lo, hi)| lo <= v && v <= hi)
}

/// One field of a layout at one version.
#[derive(Debug, PartialEq, Eq)]
pub struct Line {
    pub depth: usize,
    pub name: String,
    pub ty: String,
    pub nullable: bool,
    pub tag: Option<u64>,
}

/// The fields of a file at `v`. A field without `versions` has its
/// `taggedVersions` (Kafka's generator does the same).
pub fn json_layout(file: &Value, v: i16) -> Vec<Line> {
    let mut common: BTreeMap<&str, &Value> = BTreeMap::new();
    for c in file["commonStructs"].as_array().into_iter().flatten() {
        common.insert(c["name"].as_str().unwrap(), &c["fields"]);
    }
    let flexible = in_range(file.get("flexibleVersions"), v);
    fn walk(
        fields: &Value,
        v: i16,
        flexible: bool,
        common: &BTreeMap<&str, &Value>,
        depth: usize,
        out: &mut Vec<Line>,
    ) {
        for f in fields.as_array().into_iter().flatten() {
            let versions = f.get("versions").or_else(|| f.get("taggedVersions"));
            if !in_range(versions, v) {
                continue;
            }
            let ty = f["type"].as_str().unwrap().to_string();
            let tag = (flexible && in_range(f.get("taggedVersions"), v)).then(|| {
                let t = &f["tag"];
                t.as_u64()
                    .unwrap_or_else(|| t.as_str().unwrap().parse().unwrap())
            });
            out.push(Line {
                depth,
                name: f["name"].as_str().unwrap().to_string(),
                ty: ty.clone(),
                nullable: in_range(f.get("nullableVersions"), v),
                tag,
            });
            let elem = ty.strip_prefix("[]").unwrap_or(&ty);
            if let Some(sub) = f.get("fields") {
                walk(sub, v, flexible, common, depth + 1, out);
            } else if let Some(sub) = common.get(elem) {
                walk(sub, v, flexible, common, depth + 1, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&file["fields"], v, flexible, &common, 0, &mut out);
    out
}

/// Kafka's spelling of a parsed type.
pub fn type_text(t: &FieldType) -> String {
    match t {
        FieldType::Bool => "bool".into(),
        FieldType::Int8 => "int8".into(),
        FieldType::Int16 => "int16".into(),
        FieldType::Uint16 => "uint16".into(),
        FieldType::Int32 => "int32".into(),
        FieldType::Uint32 => "uint32".into(),
        FieldType::Int64 => "int64".into(),
        FieldType::Float64 => "float64".into(),
        FieldType::String => "string".into(),
        FieldType::Bytes => "bytes".into(),
        FieldType::Records => "records".into(),
        FieldType::Uuid => "uuid".into(),
        FieldType::Struct(n) => (*n).into(),
        FieldType::Array(e) => format!("[]{}", type_text(e)),
    }
}
