//! The JSON schema files as Kafka writes them: comment stripping and the
//! raw, strictly-checked shapes (`deny_unknown_fields`: nothing is skipped).

use serde::Deserialize;

/// Removes `//` comments outside of strings (Kafka's JSON has them).
pub fn strip_comments(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut chars = src.chars().peekable();
    let mut in_str = false;
    while let Some(c) = chars.next() {
        if in_str {
            out.push(c);
            match c {
                '\\' => {
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                }
                '"' => in_str = false,
                _ => {}
            }
        } else if c == '"' {
            in_str = true;
            out.push(c);
        } else if c == '/' && chars.peek() == Some(&'/') {
            for n in chars.by_ref() {
                if n == '\n' {
                    out.push('\n');
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A message file (`"type"`: request, response, header or data).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MessageSpec {
    pub api_key: Option<i16>,
    #[serde(rename = "type")]
    pub kind: String,
    pub listeners: Option<Vec<String>>,
    pub name: String,
    pub valid_versions: String,
    pub deprecated_versions: Option<String>,
    /// Absent only on `"validVersions": "none"` stubs (Kafka 4's removed APIs).
    pub flexible_versions: Option<String>,
    pub latest_version_unstable: Option<bool>,
    /// Absent only on `"validVersions": "none"` stubs.
    pub fields: Option<Vec<FieldSpec>>,
    pub common_structs: Option<Vec<StructSpec>>,
}

/// A `commonStructs` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StructSpec {
    pub name: String,
    pub versions: String,
    pub fields: Vec<FieldSpec>,
}

/// A field.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FieldSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub versions: String,
    pub nullable_versions: Option<String>,
    pub flexible_versions: Option<String>,
    pub tag: Option<serde_json::Value>,
    pub tagged_versions: Option<String>,
    pub default: Option<serde_json::Value>,
    pub ignorable: Option<bool>,
    pub map_key: Option<bool>,
    pub entity_type: Option<String>,
    pub zero_copy: Option<bool>,
    pub about: Option<String>,
    pub fields: Option<Vec<FieldSpec>>,
}

/// One entry of `errors.json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorSpec {
    pub code: i16,
    pub name: String,
    pub message: Option<String>,
    pub exception: Option<String>,
    pub retriable: bool,
}

#[cfg(test)]
mod tests {
    use super::strip_comments;

    #[test]
    fn strips_comments_but_not_urls_in_strings() {
        let s = "// head\n{ \"a\": \"http://x\" // tail\n}";
        assert_eq!(strip_comments(s), "\n{ \"a\": \"http://x\" \n}");
    }
}
