//! Every version of every message, against the Kafka release it was taken
//! from.
//!
//! kio-core is generated from several releases at once (newest first:
//! [`RELEASES`]); each version's wire layout must be the one the newest
//! release that defines it gives. This test reads Kafka's JSON files again,
//! with a walk of its own (not kio-gen's code: its own comment stripper,
//! version-range parser and field walk over `serde_json::Value`), and
//! compares, for every (message, version) pair of the union, the fields of
//! kio-core's static schema tables at that version — names, types, order,
//! tags, nullability, nesting — with the fields the source release's file
//! gives at that version. It also checks the message names (the newest
//! release's), the union of valid versions, each release's own valid versions
//! as the tables record them, flexible versions and which versions are stable.

use std::collections::BTreeMap;

mod common;

use common::kafka_json::{bounds, in_range, json_layout, strip_comments, type_text, Line};
use kio_core::{FieldSchema, MessageSchema};
use serde_json::Value;

/// The releases, newest first, as `scripts/test.sh` runs kio-gen.
const RELEASES: [&str; 2] = ["4.3.1", "3.9.0"];

fn folder(release: &str) -> String {
    format!(
        "{}/../../shared/kafka-schema/{release}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// The fields kio-core's tables give at version `v`, in wire order.
fn kio_layout(schema: &MessageSchema, v: i16) -> Result<Vec<Line>, String> {
    let flexible = schema.flexible.contains(v);
    let mut out = Vec::new();
    fn walk(
        fields: &[FieldSchema],
        v: i16,
        flexible: bool,
        depth: usize,
        out: &mut Vec<Line>,
    ) -> Result<(), String> {
        for f in fields {
            if !f.versions.contains(v) {
                continue;
            }
            if type_text(&f.ty) != f.type_name {
                return Err(format!(
                    "{}: parsed type {} but type name {}",
                    f.name,
                    type_text(&f.ty),
                    f.type_name
                ));
            }
            out.push(Line {
                depth,
                name: f.name.to_string(),
                ty: f.type_name.to_string(),
                nullable: f.nullable_versions.contains(v),
                tag: if flexible && f.is_tagged_at(v) {
                    f.tag.map(u64::from)
                } else {
                    None
                },
            });
            walk(f.fields, v, flexible, depth + 1, out)?;
        }
        Ok(())
    }
    walk(schema.fields, v, flexible, 0, &mut out)?;
    Ok(out)
}

/// One message file of one release.
struct File {
    json: Value,
    valid: Option<(i16, i16)>,
    unstable: bool,
}

/// What identifies a message across releases: requests and responses by
/// API key (Kafka renamed API 74), the rest by name.
fn identity(json: &Value) -> String {
    match json["apiKey"].as_i64() {
        Some(k) => format!("{}/{k}", json["type"].as_str().unwrap()),
        None => json["name"].as_str().unwrap().to_string(),
    }
}

/// Every message file of every release: identity → one entry per release.
fn read_releases() -> BTreeMap<String, Vec<Option<File>>> {
    let mut all: BTreeMap<String, Vec<Option<File>>> = BTreeMap::new();
    for (i, release) in RELEASES.iter().enumerate() {
        let dir = folder(release);
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir}: {e}")) {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !name.ends_with(".json") || name == "errors.json" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let json: Value = serde_json::from_str(&strip_comments(&text))
                .unwrap_or_else(|e| panic!("{release}/{name}: {e}"));
            let file = File {
                valid: bounds(json["validVersions"].as_str().unwrap()),
                unstable: json["latestVersionUnstable"].as_bool().unwrap_or(false),
                json,
            };
            let slot = all
                .entry(identity(&file.json))
                .or_insert_with(|| (0..RELEASES.len()).map(|_| None).collect());
            assert!(slot[i].is_none(), "{release}: two files for {name}");
            slot[i] = Some(file);
        }
    }
    all
}

fn find(files: &[Option<File>]) -> Option<&'static MessageSchema> {
    let newest = files.iter().flatten().next()?;
    kio_core::find_schema(newest.json["name"].as_str()?)
}

#[test]
fn every_version_is_laid_out_as_its_release_says() {
    assert_eq!(
        kio_core::RELEASES,
        RELEASES,
        "kio-core's releases, newest first"
    );
    let all = read_releases();
    assert_eq!(
        all.len(),
        kio_core::ALL_SCHEMAS.len(),
        "one kio-core schema per message of any release"
    );
    let mut failures = Vec::new();
    let mut pairs = 0usize;
    let mut by_source: BTreeMap<&str, usize> = BTreeMap::new();
    let mut checked_fields = 0usize;
    for (id, files) in &all {
        let Some(schema) = find(files) else {
            failures.push(format!(
                "{id}: no kio-core schema named after the newest file"
            ));
            continue;
        };
        let name = schema.name;
        // Each release's own versions, as the tables record them.
        if schema.releases.len() != RELEASES.len() {
            failures.push(format!(
                "{name}: {} releases recorded",
                schema.releases.len()
            ));
            continue;
        }
        for (i, (rec, file)) in schema.releases.iter().zip(files).enumerate() {
            let want = file.as_ref().and_then(|f| f.valid);
            let got = (!rec.valid.is_empty()).then_some((rec.valid.min, rec.valid.max));
            if rec.release != RELEASES[i] || got != want {
                failures.push(format!(
                    "{name}: release {} records {got:?}, {}'s file says {want:?}",
                    rec.release, RELEASES[i]
                ));
            }
            let unstable = file.as_ref().is_some_and(|f| f.unstable);
            if rec.latest_version_unstable != unstable {
                failures.push(format!("{name}: {} latestVersionUnstable", rec.release));
            }
        }
        // The union of valid versions.
        let lo = files
            .iter()
            .flatten()
            .filter_map(|f| f.valid)
            .map(|r| r.0)
            .min();
        let hi = files
            .iter()
            .flatten()
            .filter_map(|f| f.valid)
            .map(|r| r.1)
            .max();
        let (Some(lo), Some(hi)) = (lo, hi) else {
            failures.push(format!("{name}: no release defines a version"));
            continue;
        };
        if (schema.valid.min, schema.valid.max) != (lo, hi) {
            failures.push(format!(
                "{name}: valid {} but the releases' union is {lo}-{hi}",
                schema.valid
            ));
        }
        for v in lo..=hi {
            // The source: the newest release whose file defines v.
            let Some((ri, src)) = files.iter().enumerate().find_map(|(i, f)| {
                f.as_ref()
                    .filter(|f| f.valid.is_some_and(|(a, b)| a <= v && v <= b))
                    .map(|f| (i, f))
            }) else {
                failures.push(format!("{name} v{v}: no release defines it"));
                continue;
            };
            pairs += 1;
            *by_source.entry(RELEASES[ri]).or_default() += 1;
            if schema.source(v).map(|r| r.release) != Some(RELEASES[ri]) {
                failures.push(format!("{name} v{v}: source is not {}", RELEASES[ri]));
            }
            let flexible = in_range(src.json.get("flexibleVersions"), v);
            if schema.flexible.contains(v) != flexible {
                failures.push(format!("{name} v{v}: flexible should be {flexible}"));
            }
            let stable = !(src.unstable && src.valid.map(|r| r.1) == Some(v));
            if schema.is_stable(v) != stable {
                failures.push(format!("{name} v{v}: stable should be {stable}"));
            }
            let want = json_layout(&src.json, v);
            match kio_layout(schema, v) {
                Err(e) => failures.push(format!("{name} v{v}: {e}")),
                Ok(got) if got != want => failures.push(format!(
                    "{name} v{v}: layout differs from {}'s\n  kio:   {got:?}\n  kafka: {want:?}",
                    RELEASES[ri]
                )),
                Ok(got) => checked_fields += got.len(),
            }
        }
    }
    println!(
        "{} messages, {pairs} (message, version) pairs, {checked_fields} field layouts checked; \
         pairs by source release: {by_source:?}",
        all.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The test's own walk must see differences where the releases differ:
/// `ReadShareGroupStateSummaryResponse` v0 changed between 3.9.0 and 4.3.1
/// without a version bump, and kio-core follows 4.3.1.
#[test]
fn the_walk_sees_same_version_differences() {
    let all = read_releases();
    let files = &all["response/87"];
    let (new, old) = (files[0].as_ref().unwrap(), files[1].as_ref().unwrap());
    assert_ne!(json_layout(&new.json, 0), json_layout(&old.json, 0));
    let schema = find(files).unwrap();
    assert_eq!(kio_layout(schema, 0).unwrap(), json_layout(&new.json, 0));
}
