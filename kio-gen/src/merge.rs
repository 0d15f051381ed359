//! Several releases' schemas merged into one model per message.
//!
//! The merged message's valid versions are the union of every release's.
//! Each version's wire layout comes from the newest release that defines it
//! (its *source*); names come from the newest release that has the message at
//! all. Fields are matched by name within matched structs (nested structs are
//! matched through the field that holds them, so a renamed struct merges with
//! its old self). A field's versions, nullable versions and tagged versions in
//! the merged model are the union, over releases, of what that release says
//! for the versions it is the source of. Fields that only an older release
//! has are kept, placed after their predecessor in that release. The result
//! is then checked version by version against every source release: same
//! fields, same order, same types, tags and nullability, or generation stops.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Field, Message, Release, StructDef, Ty, Vr};

/// One release's validated messages.
pub struct ReleaseSet {
    /// The release's name, e.g. `4.3.1` (the schema folder's name).
    pub name: String,
    /// Its messages, as [`crate::load`] returns them.
    pub messages: Vec<Message>,
}

/// What identifies one message across releases: requests and responses by
/// their API key (API 74 was renamed), headers and data schemas by name.
fn identity(m: &Message) -> String {
    match m.api_key {
        Some(k) => format!("{:?}/{k}", m.kind),
        None => m.name.clone(),
    }
}

/// Merges releases given newest first. Every message any release defines
/// comes out once, sorted by name.
pub fn merge(sets: &[ReleaseSet]) -> Result<Vec<Message>, String> {
    if sets.is_empty() {
        return Err("no schema folders given".into());
    }
    let mut names = BTreeSet::new();
    for s in sets {
        if !names.insert(s.name.as_str()) {
            return Err(format!("release {} given twice", s.name));
        }
    }
    let mut groups: BTreeMap<String, Vec<(&str, &Message)>> = BTreeMap::new();
    for s in sets {
        for m in &s.messages {
            groups
                .entry(identity(m))
                .or_default()
                .push((s.name.as_str(), m));
        }
    }
    let all: Vec<&str> = sets.iter().map(|s| s.name.as_str()).collect();
    let mut out = Vec::new();
    for group in groups.values() {
        out.push(merge_one(group, &all)?);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    for w in out.windows(2) {
        if w[0].name == w[1].name {
            return Err(format!(
                "two different messages are both named {}",
                w[0].name
            ));
        }
    }
    Ok(out)
}

/// A set of versions, as flags indexed by version.
type Bits = Vec<bool>;

fn bits_to_vr(b: &Bits, open: bool, what: &str) -> Result<Vr, String> {
    let mut it = b.iter().enumerate().filter(|(_, &x)| x).map(|(i, _)| i);
    let Some(first) = it.next() else {
        return Ok(Vr::NONE);
    };
    let mut last = first;
    for i in it {
        if i != last + 1 {
            return Err(format!(
                "{what}: the merged versions are not one range (v{last} then v{i})"
            ));
        }
        last = i;
    }
    let max = if open && last + 1 == b.len() {
        i16::MAX
    } else {
        last as i16
    };
    Ok(Vr {
        min: first as i16,
        max,
    })
}

struct MField {
    f: Field,
    present: Bits,
    nullable: Bits,
    tagged: Bits,
    /// Open-ended (`N+`) in the release that is the source of the highest version.
    open: bool,
    /// The release the field's attributes (default, about, ...) come from.
    from: String,
}

struct MStruct {
    name: String,
    versions: Vr,
    is_common: bool,
    fields: Vec<MField>,
}

struct Merging<'a> {
    what: String,
    n: usize,
    structs: Vec<MStruct>,
    visited: BTreeSet<(String, String, &'a str)>,
}

fn nested(ty: &Ty) -> Option<&str> {
    match ty {
        Ty::Struct(s) => Some(s),
        Ty::Array(e) => match &**e {
            Ty::Struct(s) => Some(s),
            _ => None,
        },
        Ty::Prim(_) => None,
    }
}

/// Same shape: same primitive, or struct vs struct (names may differ), same array depth.
fn same_shape(a: &Ty, b: &Ty) -> bool {
    match (a, b) {
        (Ty::Prim(x), Ty::Prim(y)) => x == y,
        (Ty::Struct(_), Ty::Struct(_)) => true,
        (Ty::Array(x), Ty::Array(y)) => same_shape(x, y),
        _ => false,
    }
}

impl<'a> Merging<'a> {
    fn idx(&self, name: &str) -> Option<usize> {
        self.structs.iter().position(|s| s.name == name)
    }

    fn bits(&self, r: Vr, own: &Bits) -> Bits {
        (0..self.n)
            .map(|v| own[v] && r.contains(v as i16))
            .collect()
    }

    fn merge_struct(
        &mut self,
        target: &str,
        src: &'a Message,
        release: &'a str,
        src_struct: &str,
        own: &Bits,
        newest: bool,
    ) -> Result<(), String> {
        if !self
            .visited
            .insert((target.to_string(), src_struct.to_string(), release))
        {
            return Ok(());
        }
        let sdef = src
            .find_struct(src_struct)
            .ok_or_else(|| format!("{}: struct {src_struct} not found", src.file))?;
        let ti = self.idx(target).expect("target struct exists");
        {
            let t = &mut self.structs[ti];
            t.versions = Vr {
                min: t.versions.min.min(sdef.versions.min),
                max: t.versions.max.max(sdef.versions.max),
            };
        }
        let mut prev: Option<usize> = None;
        for f in &sdef.fields {
            let path = format!("{} ({release}): {}.{}", self.what, src_struct, f.name);
            let present = self.bits(f.versions, own);
            let nullable = self.bits(f.nullable, own);
            let tagged = self.bits(f.tagged, own);
            let contributes = present.iter().any(|&b| b);
            let open = own[self.n - 1] && f.versions.max == i16::MAX;
            let found = self.structs[ti]
                .fields
                .iter()
                .position(|m| m.f.name == f.name);
            let (at, child_target) = match found {
                Some(i) => {
                    let m = &mut self.structs[ti].fields[i];
                    if contributes {
                        if !same_shape(&m.f.ty, &f.ty) {
                            return Err(format!(
                                "{path}: type {} here, {} in {} (a type change the merge cannot represent)",
                                f.raw_type, m.f.raw_type, m.from
                            ));
                        }
                        if (0..self.n).any(|v| tagged[v]) && m.f.tag.is_some() && m.f.tag != f.tag {
                            return Err(format!(
                                "{path}: tag {:?} here, {:?} in {}",
                                f.tag, m.f.tag, m.from
                            ));
                        }
                        if m.f.tag.is_none() && f.tag.is_some() {
                            m.f.tag = f.tag;
                        }
                        if f.tag.is_some() && m.f.default != f.default {
                            return Err(format!(
                                "{path}: tagged field's default {:?} differs from {}'s {:?}",
                                f.raw_default, m.from, m.f.raw_default
                            ));
                        }
                        if f.flexible_override.is_some()
                            && m.f.flexible_override.is_some()
                            && f.flexible_override != m.f.flexible_override
                        {
                            return Err(format!(
                                "{path}: field flexibleVersions differ from {}'s",
                                m.from
                            ));
                        }
                        if m.f.flexible_override.is_none() {
                            m.f.flexible_override = f.flexible_override;
                        }
                        for v in 0..self.n {
                            m.present[v] |= present[v];
                            m.nullable[v] |= nullable[v];
                            m.tagged[v] |= tagged[v];
                        }
                        m.open |= open;
                    }
                    let child = nested(&m.f.ty).map(str::to_string);
                    (Some(i), if contributes { child } else { None })
                }
                None if contributes || newest => {
                    let at = prev.map_or(0, |p| p + 1);
                    let nf = f.clone();
                    // The merged struct takes the first release's name for a nested struct.
                    let child = nested(&f.ty).map(str::to_string);
                    if let (Some(c), Some(ns)) = (&child, nested(&f.ty)) {
                        if self.idx(c).is_none() {
                            let sd = src
                                .find_struct(ns)
                                .ok_or_else(|| format!("{path}: struct {ns} not found"))?;
                            self.structs.push(MStruct {
                                name: c.clone(),
                                versions: sd.versions,
                                is_common: sd.is_common,
                                fields: Vec::new(),
                            });
                        }
                    }
                    self.structs[ti].fields.insert(
                        at,
                        MField {
                            f: nf,
                            present,
                            nullable,
                            tagged,
                            open,
                            from: release.to_string(),
                        },
                    );
                    (Some(at), child)
                }
                None => (None, None),
            };
            if let Some(at) = at {
                prev = Some(at);
            }
            if let (Some(ct), Some(cs)) = (child_target, nested(&f.ty)) {
                self.merge_struct(&ct, src, release, cs, own, newest)?;
            }
        }
        Ok(())
    }
}

fn merge_one(group: &[(&str, &Message)], all: &[&str]) -> Result<Message, String> {
    let (_, newest) = group[0];
    let what = newest.name.clone();
    // Every release, newest first; one without this message defines no version.
    let releases: Vec<Release> = all
        .iter()
        .map(|name| match group.iter().find(|(r, _)| r == name) {
            Some((r, m)) => Release {
                name: r.to_string(),
                valid: m.valid,
                latest_version_unstable: m.latest_version_unstable,
            },
            None => Release {
                name: name.to_string(),
                valid: Vr::NONE,
                latest_version_unstable: false,
            },
        })
        .collect();
    let max = group.iter().map(|(_, m)| m.valid.max).max().unwrap_or(-1);
    let min = group
        .iter()
        .filter(|(_, m)| !m.valid.is_empty())
        .map(|(_, m)| m.valid.min)
        .min()
        .unwrap_or(0);
    if max < 0 {
        return Err(format!("{what}: no release defines any version"));
    }
    let n = max as usize + 1;
    // own[i][v]: release i is the newest to define v.
    let mut own: Vec<Bits> = vec![vec![false; n]; group.len()];
    for v in min..=max {
        match group.iter().position(|(_, m)| m.valid.contains(v)) {
            Some(i) => own[i][v as usize] = true,
            None => {
                return Err(format!(
                    "{what}: v{v} is defined by no release, but lower and higher versions are"
                ))
            }
        }
    }
    let union = Vr { min, max };
    let first = group
        .iter()
        .position(|(_, m)| !m.valid.is_empty())
        .expect("some release defines a version");
    let mut mg = Merging {
        what: what.clone(),
        n,
        structs: vec![MStruct {
            name: what.clone(),
            versions: union,
            is_common: false,
            fields: Vec::new(),
        }],
        visited: BTreeSet::new(),
    };
    for (i, (release, m)) in group.iter().enumerate() {
        if m.valid.is_empty() {
            continue;
        }
        let is_newest = i == first;
        if !is_newest && !own[i].iter().any(|&b| b) {
            continue;
        }
        mg.merge_struct(&what, m, release, &m.root().name, &own[i], is_newest)?;
        if is_newest {
            // Common structs nothing references are part of the schema: keep them.
            for s in m.structs.iter().skip(1) {
                if mg.idx(&s.name).is_none() {
                    mg.structs.push(MStruct {
                        name: s.name.clone(),
                        versions: s.versions,
                        is_common: s.is_common,
                        fields: Vec::new(),
                    });
                    mg.merge_struct(&s.name, m, release, &s.name, &own[i], true)?;
                }
            }
        }
    }
    let mut structs = Vec::new();
    for s in mg.structs {
        let mut fields = Vec::new();
        for mf in s.fields {
            let p = format!("{what}: {}.{}", s.name, mf.f.name);
            let mut f = mf.f;
            f.versions = bits_to_vr(&mf.present, mf.open, &p)?;
            f.nullable = bits_to_vr(&mf.nullable, true, &format!("{p} (nullable)"))?;
            f.tagged = bits_to_vr(&mf.tagged, true, &format!("{p} (tagged)"))?;
            if f.tag.is_some() && f.tagged != f.versions && !f.versions.is_empty() {
                let tagged_in_present = f.tagged.intersect(f.versions);
                if tagged_in_present != f.versions.intersect(union) {
                    return Err(format!("{p}: tagged in only some of its versions"));
                }
                f.tagged = f.versions;
            }
            if f.tag.is_some() && f.versions.is_empty() {
                f.tagged = Vr::NONE;
            }
            if f.tag.is_none() {
                f.tagged = Vr::NONE;
            }
            fields.push(f);
        }
        for (i, a) in fields.iter().enumerate() {
            for b in &fields[i + 1..] {
                if a.tag.is_some() && a.tag == b.tag && !a.tagged.intersect(b.tagged).is_empty() {
                    return Err(format!(
                        "{what}: {}: tag {:?} used by {} and {} in the same version",
                        s.name, a.tag, a.name, b.name
                    ));
                }
            }
        }
        structs.push(StructDef {
            name: s.name,
            versions: s.versions,
            fields,
            is_common: s.is_common,
        });
    }
    let msg_bits = |get: &dyn Fn(&Message) -> Vr| -> Bits {
        (0..n)
            .map(|v| {
                group
                    .iter()
                    .enumerate()
                    .any(|(i, (_, m))| own[i][v] && get(m).contains(v as i16))
            })
            .collect()
    };
    let flexible = bits_to_vr(
        &msg_bits(&|m| m.flexible),
        true,
        &format!("{what}: flexibleVersions"),
    )?;
    if !flexible.is_empty() && flexible.max != i16::MAX {
        return Err(format!(
            "{what}: merged flexibleVersions are not open-ended"
        ));
    }
    let deprecated = bits_to_vr(
        &msg_bits(&|m| m.deprecated),
        false,
        &format!("{what}: deprecatedVersions"),
    )?;
    let base = group[first].1;
    let mut merged = Message {
        file: newest.file.clone(),
        name: what.clone(),
        kind: newest.kind,
        api_key: newest.api_key,
        listeners: base.listeners.clone(),
        valid: union,
        flexible,
        deprecated,
        latest_version_unstable: false,
        structs,
        releases,
        notes: Vec::new(),
    };
    merged.latest_version_unstable = !merged.is_stable(union.max);
    // Every version against the release it comes from.
    for v in min..=max {
        let i = group
            .iter()
            .position(|(_, m)| m.valid.contains(v))
            .unwrap_or(0);
        let (release, src) = group[i];
        let got = layout(&merged, v);
        let want = layout(src, v);
        if got != want {
            return Err(format!(
                "{what} v{v}: the merged layout differs from {release}'s (generator bug):\n  merged: {got:?}\n  {release}: {want:?}"
            ));
        }
    }
    merged.notes = same_version_notes(group, &merged);
    Ok(merged)
}

/// The wire layout of `m` at version `v`, one line per field in wire order
/// (nested fields indented), with type, nullability and tag.
pub fn layout(m: &Message, v: i16) -> Vec<String> {
    let mut out = Vec::new();
    let flexible = m.flexible.contains(v);
    fn walk(
        m: &Message,
        s: &StructDef,
        v: i16,
        flexible: bool,
        depth: usize,
        out: &mut Vec<String>,
        guard: usize,
    ) {
        if guard > 32 {
            return;
        }
        for f in &s.fields {
            if !f.versions.contains(v) {
                continue;
            }
            let tag = match f.tag {
                Some(t) if flexible && f.tagged.contains(v) => format!(" tag {t}"),
                _ => String::new(),
            };
            let null = if f.nullable.contains(v) {
                " nullable"
            } else {
                ""
            };
            let ty = match &f.ty {
                Ty::Array(e) if nested(&f.ty).is_some() && matches!(**e, Ty::Struct(_)) => {
                    "[]struct".to_string()
                }
                Ty::Struct(_) => "struct".to_string(),
                _ => f.raw_type.clone(),
            };
            out.push(format!("{}{} {ty}{null}{tag}", "  ".repeat(depth), f.name));
            if let Some(n) = nested(&f.ty) {
                if let Some(ns) = m.find_struct(n) {
                    walk(m, ns, v, flexible, depth + 1, out, guard + 1);
                }
            }
        }
    }
    walk(m, m.root(), v, flexible, 0, &mut out, 0);
    out
}

/// For every version that several releases define with different schemas:
/// what differs, in words, for the generated docs.
fn same_version_notes(group: &[(&str, &Message)], merged: &Message) -> Vec<String> {
    let mut per_version: Vec<(i16, String)> = Vec::new();
    for v in merged.valid.min..=merged.valid.max {
        let Some(i) = group.iter().position(|(_, m)| m.valid.contains(v)) else {
            continue;
        };
        let (src_name, src) = group[i];
        for (other_name, other) in &group[i + 1..] {
            if !other.valid.contains(v) {
                continue;
            }
            let mut parts = Vec::new();
            if other.name != src.name {
                parts.push(format!("{other_name} names the message `{}`", other.name));
            }
            let a = layout(src, v);
            let b = layout(other, v);
            let unnamed = |x: &[String]| -> Vec<String> {
                x.iter()
                    .map(|l| {
                        let depth = l.len() - l.trim_start().len();
                        let rest = l.trim_start().split_once(' ').map_or("", |(_, t)| t);
                        format!("{depth} {rest}")
                    })
                    .collect()
            };
            if a != b && unnamed(&a) == unnamed(&b) {
                let renames: Vec<String> = a
                    .iter()
                    .zip(&b)
                    .filter(|(x, y)| x != y)
                    .map(|(x, y)| {
                        let n = |l: &str| l.trim().split(' ').next().unwrap_or("").to_string();
                        format!("`{}` for `{}`", n(y), n(x))
                    })
                    .collect();
                parts.push(format!(
                    "same wire format, but {other_name} names fields differently: {}",
                    renames.join(", ")
                ));
            } else if a != b {
                let only = |x: &[String], y: &[String]| -> Vec<String> {
                    x.iter()
                        .filter(|l| !y.contains(l))
                        .map(|l| format!("`{}`", l.trim()))
                        .collect()
                };
                let in_src = only(&a, &b);
                let in_other = only(&b, &a);
                let mut d = format!("{other_name}'s wire layout differs");
                if !in_other.is_empty() {
                    d += &format!("; only {other_name} has {}", in_other.join(", "));
                }
                if !in_src.is_empty() {
                    d += &format!("; only {src_name} has {}", in_src.join(", "));
                }
                if in_src.is_empty() && in_other.is_empty() {
                    d += " (same fields, another order)";
                }
                parts.push(d);
            }
            if !parts.is_empty() {
                per_version.push((
                    v,
                    format!("{}; this type follows {src_name}", parts.join("; ")),
                ));
            }
        }
    }
    // Group consecutive versions with the same note.
    let mut notes: Vec<(i16, i16, String)> = Vec::new();
    for (v, t) in per_version {
        match notes.last_mut() {
            Some((_, hi, lt)) if *lt == t && *hi + 1 == v => *hi = v,
            _ => notes.push((v, v, t)),
        }
    }
    notes
        .into_iter()
        .map(|(lo, hi, t)| {
            let r = Vr { min: lo, max: hi };
            format!("v{}: {t}.", r.text())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{layout, merge, ReleaseSet};
    use crate::model::{build, Message, Release};

    fn msg(release: &str, json: &str) -> Message {
        let spec = serde_json::from_str(json).unwrap();
        let mut m = build("T.json", &spec).unwrap();
        m.releases = vec![Release {
            name: release.into(),
            valid: m.valid,
            latest_version_unstable: m.latest_version_unstable,
        }];
        m
    }

    fn set(name: &str, m: Message) -> ReleaseSet {
        ReleaseSet {
            name: name.into(),
            messages: vec![m],
        }
    }

    const OLD: &str = r#"{"type":"data","name":"T","validVersions":"0-2","flexibleVersions":"none",
        "fields":[{"name":"A","type":"int32","versions":"0+"},
                  {"name":"Gone","type":"int16","versions":"0-1"},
                  {"name":"B","type":"string","versions":"1+"}]}"#;
    const NEW: &str = r#"{"type":"data","name":"T","validVersions":"2-3","flexibleVersions":"none",
        "fields":[{"name":"A","type":"int32","versions":"0+"},
                  {"name":"B","type":"string","versions":"1+"},
                  {"name":"C","type":"int64","versions":"3+"}]}"#;

    #[test]
    fn the_union_keeps_old_only_fields_in_place() {
        let m = merge(&[set("new", msg("new", NEW)), set("old", msg("old", OLD))]).unwrap();
        let m = &m[0];
        assert_eq!((m.valid.min, m.valid.max), (0, 3));
        assert_eq!(layout(m, 0), ["A int32", "Gone int16"]);
        assert_eq!(layout(m, 1), ["A int32", "Gone int16", "B string"]);
        assert_eq!(layout(m, 3), ["A int32", "B string", "C int64"]);
        assert_eq!(m.source_of(2).unwrap().name, "new");
        assert_eq!(m.source_of(1).unwrap().name, "old");
    }

    #[test]
    fn a_type_change_in_an_old_only_version_stops_generation() {
        let old = OLD.replace(
            r#""name":"A","type":"int32""#,
            r#""name":"A","type":"int64""#,
        );
        let e = merge(&[set("new", msg("new", NEW)), set("old", msg("old", &old))])
            .err()
            .unwrap();
        assert!(e.contains("T (old): T.A") && e.contains("type"), "{e}");
    }

    #[test]
    fn the_newest_release_wins_where_both_define_a_version() {
        // At v2 the old release has a field the new one does not: it follows "new".
        let old = OLD.replace(r#""versions":"0-1"}"#, r#""versions":"0-2"}"#);
        let m = merge(&[set("new", msg("new", NEW)), set("old", msg("old", &old))]).unwrap();
        assert_eq!(layout(&m[0], 2), ["A int32", "B string"]);
        assert_eq!(m[0].notes.len(), 1, "{:?}", m[0].notes);
        assert!(
            m[0].notes[0].contains("only old has `Gone int16`"),
            "{:?}",
            m[0].notes
        );
    }

    #[test]
    fn a_none_stub_takes_its_versions_from_the_older_release() {
        let stub = r#"{"type":"data","name":"T","validVersions":"none"}"#;
        let m = merge(&[set("new", msg("new", stub)), set("old", msg("old", OLD))]).unwrap();
        assert_eq!((m[0].valid.min, m[0].valid.max), (0, 2));
        assert_eq!(layout(&m[0], 1), ["A int32", "Gone int16", "B string"]);
        assert!(m[0].releases[0].valid.is_empty());
    }

    #[test]
    fn unstable_versions_are_the_unstable_latest_of_their_source() {
        let new = NEW.replace(
            r#""flexibleVersions":"none","#,
            r#""flexibleVersions":"none","latestVersionUnstable":true,"#,
        );
        let m = merge(&[set("new", msg("new", &new)), set("old", msg("old", OLD))]).unwrap();
        assert!(!m[0].is_stable(3));
        assert!(m[0].is_stable(2));
        assert_eq!(m[0].latest_stable(), Some(2));
    }
}
