//! `kio-gen`: turns Kafka's JSON message schemas into kio-core's Rust source.
//!
//! ```text
//! cargo run -p kio-gen -- --schema ../shared/kafka-schema/4.3.1 \
//!     --schema ../shared/kafka-schema/3.9.0 --out kio-core/src/generated
//! ```
//!
//! Several releases' folders can be given, newest first: they are merged
//! ([`merge`]) into one type per message whose versions are the union, each
//! version laid out as the newest release that defines it says.
//!
//! Every file of each schema folder is read and validated; anything the
//! generator does not understand stops it with a message naming the file and
//! the field. The output is formatted, marked `@generated`, and identical on
//! every run for the same input.
#![cfg_attr(docsrs, feature(doc_cfg))]

/// This crate's README, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub mod emit;
pub mod merge;
pub mod model;
pub mod names;
pub mod records;
pub mod releases;
pub mod spec;
mod toplevel;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use model::{Kind, Message};

/// Everything generation produces: file name → contents.
pub type Output = BTreeMap<String, String>;

/// Reads, validates and merges the release folders in `dirs` (newest first;
/// each release is named after its folder). `ErrorCode` comes from the
/// newest release that has an `errors.json`.
pub fn load_releases(dirs: &[&Path]) -> Result<(Vec<Message>, Vec<spec::ErrorSpec>), String> {
    let mut sets = Vec::new();
    let mut errors = Vec::new();
    for dir in dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| format!("{}: cannot name a release after this folder", dir.display()))?;
        let (messages, errs) = load(dir)?;
        if errors.is_empty() {
            errors = errs;
        }
        sets.push(merge::ReleaseSet { name, messages });
    }
    let messages = merge::merge(&sets)?;
    check_pairs(&messages)?;
    Ok((messages, errors))
}

/// Reads and validates every message file in `dir`, sorted by name.
pub fn load(dir: &Path) -> Result<(Vec<Message>, Vec<spec::ErrorSpec>), String> {
    let mut names: Vec<_> = fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    let mut messages = Vec::new();
    let mut errors = None;
    for n in &names {
        let path = dir.join(n);
        let text = fs::read_to_string(&path).map_err(|e| format!("{n}: {e}"))?;
        let json = spec::strip_comments(&text);
        if n == "errors.json" {
            errors = Some(serde_json::from_str(&json).map_err(|e| format!("{n}: {e}"))?);
            continue;
        }
        // Parsed through a `Value` first: Kafka's files repeat a key here and
        // there, and Kafka's own generator (Jackson) takes the last value.
        let value: serde_json::Value =
            serde_json::from_str(&json).map_err(|e| format!("{n}: {e}"))?;
        let s: spec::MessageSpec =
            serde_json::from_value(value).map_err(|e| format!("{n}: {e}"))?;
        let mut m = model::build(n, &s)?;
        m.releases = vec![model::Release {
            name: dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            valid: m.valid,
            latest_version_unstable: m.latest_version_unstable,
        }];
        if format!("{}.json", m.name) != *n {
            return Err(format!(
                "{n}: message is named {}, not after its file",
                m.name
            ));
        }
        messages.push(m);
    }
    if messages.is_empty() {
        return Err(format!("{}: no message schemas found", dir.display()));
    }
    check_pairs(&messages)?;
    Ok((messages, errors.unwrap_or_default()))
}

fn check_pairs(messages: &[Message]) -> Result<(), String> {
    let mut keys: BTreeMap<i16, (Option<&Message>, Option<&Message>)> = BTreeMap::new();
    for m in messages {
        if let Some(k) = m.api_key {
            let e = keys.entry(k).or_default();
            let slot = if m.kind == Kind::Request {
                &mut e.0
            } else {
                &mut e.1
            };
            if let Some(prev) = slot {
                return Err(format!(
                    "{}: API key {k} already used by {}",
                    m.file, prev.name
                ));
            }
            *slot = Some(m);
        }
    }
    for (k, (req, resp)) in &keys {
        match (req, resp) {
            (Some(q), Some(p)) => {
                if emit::api_name(q) != emit::api_name(p) {
                    return Err(format!(
                        "API key {k}: request {} and response {} do not match",
                        q.name, p.name
                    ));
                }
                if q.valid != p.valid {
                    return Err(format!(
                        "API key {k}: request and response valid versions differ"
                    ));
                }
            }
            _ => return Err(format!("API key {k}: needs both a request and a response")),
        }
    }
    Ok(())
}

const HEADER: &str = "// @generated by kio-gen from Kafka's JSON message schemas. Do not edit.\n";

fn format(tokens: proc_macro2::TokenStream, what: &str) -> Result<String, String> {
    let file = syn::parse2::<syn::File>(tokens)
        .map_err(|e| format!("generated {what} does not parse: {e}"))?;
    let text = prettyplease::unparse(&file);
    // prettyplease leaves macro bodies on long lines: one call per line reads better.
    let text = text
        .replace("$m ! (", "$m!(")
        .replace("); $m!(", ");\n        $m!(")
        .replace("); $m !\n        (", ");\n        $m!(");
    Ok(format!("{HEADER}\n{text}"))
}

/// Generates every file of `kio-core/src/generated/`.
pub fn generate(messages: &[Message], errors: &[spec::ErrorSpec]) -> Result<Output, String> {
    let mut out = Output::new();
    for m in messages {
        let body = emit::message(m);
        let tokens = quote::quote! {
            #![allow(clippy::all)]
            use crate::rt;
            #body
        };
        out.insert(
            format!("{}.rs", names::snake(&m.name)),
            format(tokens, &m.name)?,
        );
    }
    out.insert(
        "mod.rs".into(),
        format(toplevel::module(messages), "mod.rs")?,
    );
    out.insert(
        "api_key.rs".into(),
        format(toplevel::api_key(messages), "api_key.rs")?,
    );
    out.insert(
        "dispatch.rs".into(),
        format(toplevel::dispatch(messages), "dispatch.rs")?,
    );
    out.insert(
        "error_code.rs".into(),
        format(toplevel::error_codes(errors)?, "error_code.rs")?,
    );
    out.insert(
        "registry.rs".into(),
        format(toplevel::registry(messages), "registry.rs")?,
    );
    Ok(out)
}

/// Writes `output` into `dir`, removing stale `.rs` files; or, with `check`,
/// reports every file that differs. Returns the files that differ.
pub fn write(output: &Output, dir: &Path, check: bool) -> Result<Vec<String>, String> {
    let mut differ = Vec::new();
    if !check {
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let existing: Vec<String> = fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".rs"))
                .collect()
        })
        .unwrap_or_default();
    for stale in existing.iter().filter(|n| !output.contains_key(*n)) {
        differ.push(stale.clone());
        if !check {
            fs::remove_file(dir.join(stale)).map_err(|e| format!("{stale}: {e}"))?;
        }
    }
    for (name, text) in output {
        let path = dir.join(name);
        if fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            differ.push(name.clone());
            if !check {
                fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
            }
        }
    }
    Ok(differ)
}
