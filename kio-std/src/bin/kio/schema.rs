//! `kio schema`: the APIs and their messages' fields, from kio-core's static
//! schema tables.

use kio_core::{ApiKey, FieldSchema, MessageKind, MessageSchema, VersionRange, ALL_SCHEMAS};
use serde_json::{json, Value};

use crate::{output, CmdResult, Failure};

/// Arguments of `kio schema`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  kio schema                        list every API with its versions
  kio schema Metadata               request and response fields of API 3
  kio schema 3 --version 12         only the fields of version 12
  kio schema RequestHeader          a header, or a data schema such as ConsumerProtocolAssignment
  kio schema Fetch --json           machine-readable")]
pub struct Args {
    /// An API name (`Metadata`) or key (`3`), or a message name
    /// (`MetadataRequest`, `RequestHeader`, `ConsumerProtocolAssignment`).
    pub name: Option<String>,
    /// Show only the fields present in this version.
    #[arg(long)]
    pub version: Option<i16>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `kio schema`.
pub fn run(a: Args) -> CmdResult {
    let Some(name) = &a.name else {
        if a.version.is_some() {
            return Err(Failure::usage("--version needs a message or API name"));
        }
        return if a.json { list_json() } else { list_text() };
    };
    let messages = lookup(name).ok_or_else(|| {
        Failure::input(format!(
            "no API or message named {name:?} (see `kio schema` for the list)"
        ))
    })?;
    if let Some(v) = a.version {
        for m in &messages {
            if !m.valid.contains(v) {
                return Err(Failure::input(format!(
                    "{} has versions {}, not {v}",
                    m.name, m.valid
                )));
            }
        }
    }
    if a.json {
        let docs: Vec<Value> = messages
            .iter()
            .map(|m| message_json(m, a.version))
            .collect();
        let s = serde_json::to_string_pretty(&docs).map_err(|e| Failure::input(e.to_string()))?;
        return output::line(&s);
    }
    let mut out = String::new();
    for (i, m) in messages.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        message_text(m, a.version, &mut out);
    }
    output::write(out.as_bytes())
}

/// The schemas a name refers to: an API's request and response, or one message.
pub fn lookup(name: &str) -> Option<Vec<&'static MessageSchema>> {
    if let Some(k) = kio_std::json::api_by_name(name) {
        return Some(vec![k.request_schema(), k.response_schema()]);
    }
    kio_core::find_schema(name)
        .or_else(|| {
            ALL_SCHEMAS
                .iter()
                .copied()
                .find(|s| s.name.eq_ignore_ascii_case(name))
        })
        .map(|s| vec![s])
}

fn list_text() -> CmdResult {
    let mut out = format!(
        "{:>4}  {:<30} {:<9} {:<9} {:<10}\n",
        "KEY", "API", "VERSIONS", "FLEXIBLE", "DEPRECATED"
    );
    for k in ApiKey::ALL {
        let s = k.request_schema();
        let mut line = format!(
            "{:>4}  {:<30} {:<9} {:<9} {:<10}",
            k.key(),
            k.name(),
            s.valid.to_string(),
            s.flexible.to_string(),
            s.deprecated.to_string()
        );
        if s.latest_version_unstable {
            line.push_str(" (latest version unstable)");
        }
        if let Some(st) = s.latest_stable().filter(|&st| st != s.valid.max) {
            line.push_str(&format!(" (stable up to {st})"));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push_str("\nOther schemas (headers and data):\n");
    for s in ALL_SCHEMAS.iter().filter(|s| s.api_key.is_none()) {
        out.push_str(&format!(
            "      {:<30} {:<9} {}\n",
            s.name,
            s.valid.to_string(),
            kind_name(s.kind)
        ));
    }
    output::write(out.as_bytes())
}

fn list_json() -> CmdResult {
    let apis: Vec<Value> = ApiKey::ALL
        .iter()
        .map(|k| {
            let s = k.request_schema();
            json!({
                "apiKey": k.key(),
                "name": k.name(),
                "validVersions": s.valid.to_string(),
                "flexibleVersions": s.flexible.to_string(),
                "deprecatedVersions": s.deprecated.to_string(),
                "latestVersionUnstable": s.latest_version_unstable,
                "latestStableVersion": s.latest_stable(),
                "releases": releases_json(s),
                "listeners": s.listeners,
            })
        })
        .collect();
    let s = serde_json::to_string_pretty(&apis).map_err(|e| Failure::input(e.to_string()))?;
    output::line(&s)
}

fn kind_name(k: MessageKind) -> &'static str {
    match k {
        MessageKind::Request => "request",
        MessageKind::Response => "response",
        MessageKind::Header => "header",
        MessageKind::Data => "data",
    }
}

fn message_text(m: &MessageSchema, version: Option<i16>, out: &mut String) {
    let mut head = m.name.to_string();
    if let Some(k) = m.api_key.and_then(ApiKey::from_i16) {
        head.push_str(&format!(
            " — API {} ({}) {}",
            k.key(),
            k.name(),
            kind_name(m.kind)
        ));
    } else {
        head.push_str(&format!(" — {}", kind_name(m.kind)));
    }
    head.push_str(&format!(", versions {}", m.valid));
    if !m.flexible.is_empty() {
        head.push_str(&format!(", flexible {}", m.flexible));
    }
    if !m.deprecated.is_empty() {
        head.push_str(&format!(", deprecated {}", m.deprecated));
    }
    if m.latest_version_unstable {
        head.push_str(", latest version unstable");
    }
    if let Some(st) = m.latest_stable().filter(|&st| st != m.valid.max) {
        head.push_str(&format!(", stable up to {st}"));
    }
    if let Some(v) = version {
        head.push_str(&format!(" — showing version {v}"));
        if m.deprecated.contains(v) {
            head.push_str(" (deprecated)");
        }
    }
    out.push_str(&head);
    out.push('\n');
    match version {
        Some(v) => {
            out.push_str(&format!("  v{v}: {}", m.provenance(v)));
            if let Some(r) = m.source(v).filter(|_| m.defined_by(v).count() > 1) {
                out.push_str(&format!("; layout from {}", r.release));
            }
            out.push('\n');
        }
        None => {
            for (r, p) in m.provenance_ranges() {
                out.push_str(&format!("  v{r}: {p}\n"));
            }
        }
    }
    fields_text(m.fields, version, 1, out);
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn fields_text(fields: &[FieldSchema], version: Option<i16>, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    for f in fields {
        if version.is_some_and(|v| !f.versions.contains(v)) {
            continue;
        }
        let mut line = format!("{pad}{}: {}", f.name, f.type_name);
        if f.json_name != lower_first(f.name) {
            line.push_str(&format!(" (JSON \"{}\")", f.json_name));
        }
        match version {
            None => {
                line.push_str(&format!(", versions {}", f.versions));
                if !f.nullable_versions.is_empty() {
                    line.push_str(&format!(", nullable {}", f.nullable_versions));
                }
                if let Some(t) = f.tag {
                    line.push_str(&format!(", tag {t} in {}", f.tagged_versions));
                }
            }
            Some(v) => {
                if f.nullable_versions.contains(v) {
                    line.push_str(", nullable");
                }
                if let Some(t) = f.tag.filter(|_| f.tagged_versions.contains(v)) {
                    line.push_str(&format!(", tag {t}"));
                }
            }
        }
        if let Some(fv) = f.flexible_versions {
            line.push_str(&format!(", flexible {fv}"));
        }
        if !f.default.is_empty() {
            line.push_str(&format!(", default {}", f.default));
        }
        if f.ignorable {
            line.push_str(", ignorable");
        }
        if f.map_key {
            line.push_str(", map key");
        }
        if !f.entity_type.is_empty() {
            line.push_str(&format!(", entity {}", f.entity_type));
        }
        out.push_str(&line);
        out.push('\n');
        if !f.about.is_empty() {
            out.push_str(&format!("{pad}    {}\n", f.about));
        }
        fields_text(f.fields, version, depth + 1, out);
    }
}

fn range(r: VersionRange) -> Value {
    Value::String(r.to_string())
}

fn message_json(m: &MessageSchema, version: Option<i16>) -> Value {
    json!({
        "name": m.name,
        "kind": kind_name(m.kind),
        "apiKey": m.api_key,
        "validVersions": range(m.valid),
        "flexibleVersions": range(m.flexible),
        "deprecatedVersions": range(m.deprecated),
        "latestVersionUnstable": m.latest_version_unstable,
        "latestStableVersion": m.latest_stable(),
        "releases": releases_json(m),
        "listeners": m.listeners,
        "version": version,
        "versionProvenance": version.map(|v| json!({
            "provenance": m.provenance(v).to_string(),
            "stable": m.is_stable(v),
            "layoutFrom": m.source(v).map(|r| r.release),
            "definedBy": m.defined_by(v).collect::<Vec<_>>(),
        })),
        "fields": fields_json(m.fields, version),
    })
}

/// Each release's versions and the versions in runs of equal provenance.
fn releases_json(m: &MessageSchema) -> Value {
    json!({
        "byRelease": m.releases.iter().map(|r| json!({
            "release": r.release,
            "validVersions": range(r.valid),
            "latestVersionUnstable": r.latest_version_unstable,
        })).collect::<Vec<_>>(),
        "byVersion": m.provenance_ranges().map(|(r, p)| json!({
            "versions": range(r),
            "provenance": p.to_string(),
        })).collect::<Vec<_>>(),
    })
}

fn fields_json(fields: &[FieldSchema], version: Option<i16>) -> Value {
    Value::Array(
        fields
            .iter()
            .filter(|f| version.is_none_or(|v| f.versions.contains(v)))
            .map(|f| {
                json!({
                    "name": f.name,
                    "jsonName": f.json_name,
                    "type": f.type_name,
                    "versions": range(f.versions),
                    "nullableVersions": range(f.nullable_versions),
                    "tag": f.tag,
                    "taggedVersions": range(f.tagged_versions),
                    "flexibleVersions": f.flexible_versions.map(range),
                    "default": f.default,
                    "ignorable": f.ignorable,
                    "mapKey": f.map_key,
                    "entityType": f.entity_type,
                    "zeroCopy": f.zero_copy,
                    "about": f.about,
                    "fields": fields_json(f.fields, version),
                })
            })
            .collect(),
    )
}
