//! The validated model of a message: versions parsed, types resolved,
//! defaults checked. Anything not understood stops generation with a message
//! naming the file and the field.

use std::collections::BTreeMap;

use crate::spec::{FieldSpec, MessageSpec, StructSpec};

/// An inclusive version range; empty when `min > max` ("none").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vr {
    pub min: i16,
    pub max: i16,
}

impl Vr {
    pub const NONE: Vr = Vr { min: 0, max: -1 };
    pub fn is_empty(self) -> bool {
        self.min > self.max
    }
    pub fn contains(self, v: i16) -> bool {
        self.min <= v && v <= self.max
    }
    pub fn contains_range(self, other: Vr) -> bool {
        other.is_empty() || (self.min <= other.min && other.max <= self.max)
    }
    pub fn intersect(self, other: Vr) -> Vr {
        let r = Vr {
            min: self.min.max(other.min),
            max: self.max.min(other.max),
        };
        if r.is_empty() {
            Vr::NONE
        } else {
            r
        }
    }
    pub fn parse(s: &str) -> Result<Vr, String> {
        let s = s.trim();
        let num = |t: &str| {
            t.trim()
                .parse::<i16>()
                .map_err(|_| format!("bad version number {t:?} in {s:?}"))
        };
        if s == "none" {
            return Ok(Vr::NONE);
        }
        let r = if let Some(a) = s.strip_suffix('+') {
            Vr {
                min: num(a)?,
                max: i16::MAX,
            }
        } else if let Some((a, b)) = s.split_once('-') {
            Vr {
                min: num(a)?,
                max: num(b)?,
            }
        } else {
            let v = num(s)?;
            Vr { min: v, max: v }
        };
        if r.min < 0 || r.is_empty() {
            return Err(format!("bad version range {s:?}"));
        }
        Ok(r)
    }
    pub fn text(self) -> String {
        if self.is_empty() {
            "none".into()
        } else if self.max == i16::MAX {
            format!("{}+", self.min)
        } else if self.min == self.max {
            format!("{}", self.min)
        } else {
            format!("{}-{}", self.min, self.max)
        }
    }
}

/// A primitive type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prim {
    Bool,
    Int8,
    Int16,
    Uint16,
    Int32,
    Uint32,
    Int64,
    Float64,
    String,
    Bytes,
    Records,
    Uuid,
}

impl Prim {
    fn parse(s: &str) -> Option<Prim> {
        Some(match s {
            "bool" => Prim::Bool,
            "int8" => Prim::Int8,
            "int16" => Prim::Int16,
            "uint16" => Prim::Uint16,
            "int32" => Prim::Int32,
            "uint32" => Prim::Uint32,
            "int64" => Prim::Int64,
            "float64" => Prim::Float64,
            "string" => Prim::String,
            "bytes" => Prim::Bytes,
            "records" => Prim::Records,
            "uuid" => Prim::Uuid,
            _ => return None,
        })
    }
    pub fn is_int(self) -> bool {
        matches!(
            self,
            Prim::Int8 | Prim::Int16 | Prim::Uint16 | Prim::Int32 | Prim::Uint32 | Prim::Int64
        )
    }
    pub fn int_range(self) -> (i128, i128) {
        match self {
            Prim::Int8 => (i8::MIN.into(), i8::MAX.into()),
            Prim::Int16 => (i16::MIN.into(), i16::MAX.into()),
            Prim::Uint16 => (0, u16::MAX.into()),
            Prim::Int32 => (i32::MIN.into(), i32::MAX.into()),
            Prim::Uint32 => (0, u32::MAX.into()),
            _ => (i64::MIN.into(), i64::MAX.into()),
        }
    }
    /// Whether the type can be null at all.
    pub fn nullable_capable(self) -> bool {
        matches!(self, Prim::String | Prim::Bytes | Prim::Records)
    }
}

/// A field's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    Prim(Prim),
    Struct(String),
    Array(Box<Ty>),
}

/// A field's default value.
#[derive(Debug, Clone, PartialEq)]
pub enum Default {
    /// The type's plain default (0, false, "", empty, zero uuid).
    Plain,
    Null,
    Int(i128),
    Bool(bool),
    Float(f64),
    Str(String),
}

/// A validated field.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub ty: Ty,
    pub raw_type: String,
    pub versions: Vr,
    pub nullable: Vr,
    pub tag: Option<u32>,
    pub tagged: Vr,
    pub flexible_override: Option<Vr>,
    pub default: Default,
    pub raw_default: String,
    pub ignorable: bool,
    pub map_key: bool,
    pub entity_type: String,
    pub zero_copy: bool,
    pub about: String,
}

impl Field {
    /// Nullable in some version.
    pub fn is_option(&self) -> bool {
        !self.nullable.is_empty()
    }
}

/// A struct: the message itself or a nested or common struct.
#[derive(Debug, Clone)]
pub struct StructDef {
    pub name: String,
    pub versions: Vr,
    pub fields: Vec<Field>,
    /// Field schemas nest in the static schema tables: the nested structs'
    /// names by field index.
    pub is_common: bool,
}

/// The kind of a message file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Request,
    Response,
    Header,
    Data,
}

/// A validated message file.
#[derive(Debug, Clone)]
pub struct Message {
    pub file: String,
    pub name: String,
    pub kind: Kind,
    pub api_key: Option<i16>,
    pub listeners: Vec<String>,
    pub valid: Vr,
    pub flexible: Vr,
    pub deprecated: Vr,
    pub latest_version_unstable: bool,
    /// The top-level struct first, then every nested and common struct.
    pub structs: Vec<StructDef>,
    /// Every release generated from, newest first, with the versions each
    /// defines (none when the release has no such message or a `none` stub).
    pub releases: Vec<Release>,
    /// Same-version schema differences between releases, for the docs.
    pub notes: Vec<String>,
}

/// One release's view of a message: the versions it defines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// The release, e.g. `4.3.1` (the schema folder's name).
    pub name: String,
    /// The versions that release's file defines (empty for a `none` stub).
    pub valid: Vr,
    /// Whether that release marks its latest version unstable.
    pub latest_version_unstable: bool,
}

impl Message {
    /// The newest release that defines `v`: the one its wire layout comes from.
    pub fn source_of(&self, v: i16) -> Option<&Release> {
        self.releases.iter().find(|r| r.valid.contains(v))
    }
    /// Whether `v` is a stable version: the release it comes from does not
    /// mark it as its unstable latest version.
    pub fn is_stable(&self, v: i16) -> bool {
        match self.source_of(v) {
            Some(r) => !(r.latest_version_unstable && v == r.valid.max),
            None => false,
        }
    }
    /// The highest stable version, if any.
    pub fn latest_stable(&self) -> Option<i16> {
        (self.valid.min..=self.valid.max)
            .rev()
            .find(|&v| !self.valid.is_empty() && self.is_stable(v))
    }
}

impl Message {
    pub fn root(&self) -> &StructDef {
        &self.structs[0]
    }
    pub fn find_struct(&self, name: &str) -> Option<&StructDef> {
        self.structs.iter().find(|s| s.name == name)
    }
}

struct Ctx<'a> {
    file: &'a str,
    valid: Vr,
    flexible: Vr,
    common: BTreeMap<String, &'a StructSpec>,
    structs: Vec<StructDef>,
}

impl Ctx<'_> {
    fn err(&self, path: &str, msg: impl std::fmt::Display) -> String {
        format!("{}: {}: {}", self.file, path, msg)
    }
}

/// Validates a parsed file.
pub fn build(file: &str, spec: &MessageSpec) -> Result<Message, String> {
    let e = |m: String| format!("{file}: {m}");
    let valid = Vr::parse(&spec.valid_versions).map_err(|m| e(format!("validVersions: {m}")))?;
    let stub = valid.is_empty();
    if stub && (spec.flexible_versions.is_some() || spec.fields.is_some()) {
        return Err(e(
            "a \"validVersions\": \"none\" stub cannot have flexibleVersions or fields".into(),
        ));
    }
    let flexible = match &spec.flexible_versions {
        Some(f) => Vr::parse(f).map_err(|m| e(format!("flexibleVersions: {m}")))?,
        None if stub => Vr::NONE,
        None => return Err(e("missing field `flexibleVersions`".into())),
    };
    let no_fields = Vec::new();
    let spec_fields = match &spec.fields {
        Some(f) => f,
        None if stub => &no_fields,
        None => return Err(e("missing field `fields`".into())),
    };
    if !flexible.is_empty() && flexible.max != i16::MAX {
        return Err(e("flexibleVersions must be open-ended (N+) or none".into()));
    }
    let deprecated = match &spec.deprecated_versions {
        Some(d) => Vr::parse(d).map_err(|m| e(format!("deprecatedVersions: {m}")))?,
        None => Vr::NONE,
    };
    if !valid.contains_range(deprecated) {
        return Err(e("deprecatedVersions outside validVersions".into()));
    }
    let kind = match spec.kind.as_str() {
        "request" => Kind::Request,
        "response" => Kind::Response,
        "header" => Kind::Header,
        "data" => Kind::Data,
        k => return Err(e(format!("unknown message type {k:?}"))),
    };
    if matches!(kind, Kind::Request | Kind::Response) != spec.api_key.is_some() {
        return Err(e(
            "requests and responses (and only they) need an apiKey".into()
        ));
    }
    let expected_suffix = match kind {
        Kind::Request => Some("Request"),
        Kind::Response => Some("Response"),
        _ => None,
    };
    if let Some(sfx) = expected_suffix {
        if !spec.name.ends_with(sfx) {
            return Err(e(format!("a {} must be named *{sfx}", spec.kind)));
        }
    }
    let mut common = BTreeMap::new();
    for cs in spec.common_structs.iter().flatten() {
        if common.insert(cs.name.clone(), cs).is_some() {
            return Err(e(format!("commonStructs: {} defined twice", cs.name)));
        }
    }
    let mut cx = Ctx {
        file,
        valid,
        flexible,
        common,
        structs: Vec::new(),
    };
    cx.structs.push(StructDef {
        name: spec.name.clone(),
        versions: valid,
        fields: vec![],
        is_common: false,
    });
    let fields = build_fields(&mut cx, &spec.name, spec_fields, valid)?;
    cx.structs[0].fields = fields;
    // Common structs referenced nowhere are still generated (they are part of the schema).
    let names: Vec<String> = cx.common.keys().cloned().collect();
    for n in names {
        if !cx.structs.iter().any(|s| s.name == n) {
            ensure_common(&mut cx, &n, "commonStructs")?;
        }
    }
    Ok(Message {
        file: file.to_string(),
        name: spec.name.clone(),
        kind,
        api_key: spec.api_key,
        listeners: spec.listeners.clone().unwrap_or_default(),
        valid,
        flexible,
        deprecated,
        latest_version_unstable: spec.latest_version_unstable.unwrap_or(false),
        structs: cx.structs,
        releases: Vec::new(),
        notes: Vec::new(),
    })
}

fn ensure_common(cx: &mut Ctx<'_>, name: &str, path: &str) -> Result<(), String> {
    if cx.structs.iter().any(|s| s.name == name) {
        return Ok(());
    }
    let Some(cs) = cx.common.get(name).copied() else {
        return Err(cx.err(
            path,
            format!("type {name} has no fields and is not a common struct"),
        ));
    };
    let versions = Vr::parse(&cs.versions).map_err(|m| cx.err(path, m))?;
    let idx = cx.structs.len();
    cx.structs.push(StructDef {
        name: name.to_string(),
        versions,
        fields: vec![],
        is_common: true,
    });
    let fields = build_fields(cx, name, &cs.fields, versions.intersect(cx.valid))?;
    cx.structs[idx].fields = fields;
    Ok(())
}

fn build_fields(
    cx: &mut Ctx<'_>,
    owner: &str,
    specs: &[FieldSpec],
    parent: Vr,
) -> Result<Vec<Field>, String> {
    let mut out = Vec::new();
    let mut tags = BTreeMap::new();
    for f in specs {
        let field = build_field(cx, owner, f, parent)?;
        if out.iter().any(|o: &Field| o.name == field.name) {
            return Err(cx.err(&format!("{owner}.{}", f.name), "duplicate field name"));
        }
        if field.tag.is_some() && tags.len() >= 12 {
            return Err(cx.err(
                &format!("{owner}.{}", f.name),
                "more than 12 tagged fields in one struct",
            ));
        }
        if let Some(t) = field.tag {
            if let Some(prev) = tags.insert(t, field.name.clone()) {
                return Err(cx.err(
                    &format!("{owner}.{}", f.name),
                    format!("tag {t} already used by {prev}"),
                ));
            }
        }
        out.push(field);
    }
    Ok(out)
}

fn build_field(cx: &mut Ctx<'_>, owner: &str, f: &FieldSpec, parent: Vr) -> Result<Field, String> {
    let path = format!("{owner}.{}", f.name);
    let err = |m: String| cx.err(&path, m);
    if f.name.is_empty() || !f.name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(err(format!("field name {:?} is not alphanumeric", f.name)));
    }
    let versions = Vr::parse(&f.versions).map_err(|m| err(format!("versions: {m}")))?;
    if versions.min > cx.valid.max {
        return Err(err(format!(
            "versions {} start after validVersions {}",
            f.versions,
            cx.valid.text()
        )));
    }
    let live = versions.intersect(parent);
    let nullable = match &f.nullable_versions {
        Some(n) => Vr::parse(n).map_err(|m| err(format!("nullableVersions: {m}")))?,
        None => Vr::NONE,
    };
    // Resolve the type.
    let (ty, inline_fields) = if let Some(elem) = f.ty.strip_prefix("[]") {
        if let Some(p) = Prim::parse(elem) {
            if matches!(p, Prim::Records) {
                return Err(err("arrays of records are not a Kafka type".into()));
            }
            if f.fields.is_some() {
                return Err(err("an array of primitives cannot have fields".into()));
            }
            (Ty::Array(Box::new(Ty::Prim(p))), None)
        } else {
            check_struct_name(elem).map_err(&err)?;
            (
                Ty::Array(Box::new(Ty::Struct(elem.to_string()))),
                f.fields.as_ref(),
            )
        }
    } else if let Some(p) = Prim::parse(&f.ty) {
        if f.fields.is_some() {
            return Err(err(format!("type {} cannot have fields", f.ty)));
        }
        (Ty::Prim(p), None)
    } else {
        check_struct_name(&f.ty).map_err(&err)?;
        (Ty::Struct(f.ty.clone()), f.fields.as_ref())
    };
    let struct_name = match &ty {
        Ty::Struct(s) => Some(s.clone()),
        Ty::Array(e) => match &**e {
            Ty::Struct(s) => Some(s.clone()),
            _ => None,
        },
        Ty::Prim(_) => None,
    };
    if let Some(sn) = &struct_name {
        match inline_fields {
            Some(fields) => {
                if cx.structs.iter().any(|s| &s.name == sn) || cx.common.contains_key(sn) {
                    return Err(err(format!("struct {sn} is defined more than once")));
                }
                let idx = cx.structs.len();
                cx.structs.push(StructDef {
                    name: sn.clone(),
                    versions,
                    fields: vec![],
                    is_common: false,
                });
                let fields = build_fields(cx, sn, fields, live)?;
                cx.structs[idx].fields = fields;
            }
            None => ensure_common(cx, sn, &path)?,
        }
    }
    let err = |m: String| cx.err(&path, m);
    // Nullability.
    if !nullable.is_empty() {
        let ok = match &ty {
            Ty::Prim(p) => p.nullable_capable(),
            Ty::Struct(_) | Ty::Array(_) => true,
        };
        if !ok {
            return Err(err(format!("type {} cannot be nullable", f.ty)));
        }
    }
    // Tags.
    let tag = match &f.tag {
        None => None,
        Some(v) => Some(
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse::<u64>().ok()))
                .and_then(|t| u32::try_from(t).ok())
                .ok_or_else(|| err(format!("tag {v} is not a non-negative integer")))?,
        ),
    };
    let tagged = match (&f.tagged_versions, tag) {
        (Some(t), Some(_)) => Vr::parse(t).map_err(|m| err(format!("taggedVersions: {m}")))?,
        (None, None) => Vr::NONE,
        (Some(_), None) => return Err(err("taggedVersions without a tag".into())),
        (None, Some(_)) => return Err(err("a tagged field needs taggedVersions".into())),
    };
    if tag.is_some() {
        if tagged.max != i16::MAX {
            return Err(err("taggedVersions must be open-ended".into()));
        }
        if !cx.flexible.contains_range(tagged) {
            return Err(err("taggedVersions outside flexibleVersions".into()));
        }
        if tagged != versions {
            return Err(err(
                "a field tagged in only some of its versions is not supported".into(),
            ));
        }
    }
    let flexible_override = match &f.flexible_versions {
        Some(fv) => {
            let r = Vr::parse(fv).map_err(|m| err(format!("flexibleVersions: {m}")))?;
            if !matches!(ty, Ty::Prim(Prim::String | Prim::Bytes)) {
                return Err(err(
                    "field-level flexibleVersions is only understood on strings and bytes".into(),
                ));
            }
            Some(r)
        }
        None => None,
    };
    let is_array = matches!(ty, Ty::Array(_));
    let map_key = f.map_key.unwrap_or(false);
    if map_key && is_array {
        return Err(err("mapKey on an array field".into()));
    }
    if f.zero_copy.unwrap_or(false) && !matches!(ty, Ty::Prim(Prim::Bytes)) {
        return Err(err("zeroCopy on a non-bytes field".into()));
    }
    // Defaults.
    let raw_default = match &f.default {
        None => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(serde_json::Value::Bool(b)) => b.to_string(),
        Some(v) => {
            return Err(err(format!(
                "default {v} is not a string, number or boolean"
            )))
        }
    };
    let default = parse_default(&ty, &raw_default, versions, nullable).map_err(&err)?;
    Ok(Field {
        name: f.name.clone(),
        ty,
        raw_type: f.ty.clone(),
        versions,
        nullable,
        tag,
        tagged,
        flexible_override,
        default,
        raw_default,
        ignorable: f.ignorable.unwrap_or(false),
        map_key,
        entity_type: f.entity_type.clone().unwrap_or_default(),
        zero_copy: f.zero_copy.unwrap_or(false),
        about: f.about.clone().unwrap_or_default(),
    })
}

fn check_struct_name(n: &str) -> Result<(), String> {
    let ok = n.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && n.chars().all(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(format!("unknown type {n:?}"))
    }
}

fn parse_default(ty: &Ty, raw: &str, versions: Vr, nullable: Vr) -> Result<Default, String> {
    if raw.is_empty() && !matches!(ty, Ty::Prim(Prim::String)) {
        return Ok(Default::Plain);
    }
    let null_ok = |what: &str| {
        if nullable.contains_range(versions) || nullable.min <= versions.min {
            Ok(Default::Null)
        } else {
            Err(format!(
                "default null for a {what} that is not nullable in all its versions"
            ))
        }
    };
    match ty {
        Ty::Prim(Prim::Bool) => match raw {
            "true" => Ok(Default::Bool(true)),
            "false" => Ok(Default::Bool(false)),
            _ => Err(format!("default {raw:?} is not a boolean")),
        },
        Ty::Prim(p) if p.is_int() => {
            let (neg, digits) = match raw.strip_prefix('-') {
                Some(d) => (true, d),
                None => (false, raw),
            };
            let v = if let Some(h) = digits
                .strip_prefix("0x")
                .or_else(|| digits.strip_prefix("0X"))
            {
                i128::from_str_radix(h, 16)
            } else if digits.len() > 1 && digits.starts_with('0') {
                i128::from_str_radix(&digits[1..], 8)
            } else {
                digits.parse::<i128>()
            }
            .map_err(|_| format!("default {raw:?} is not an integer"))?;
            let v = if neg { -v } else { v };
            let (lo, hi) = p.int_range();
            if v < lo || v > hi {
                return Err(format!("default {raw} does not fit {p:?}"));
            }
            Ok(Default::Int(v))
        }
        Ty::Prim(Prim::Float64) => raw
            .parse::<f64>()
            .map(Default::Float)
            .map_err(|_| format!("default {raw:?} is not a float")),
        Ty::Prim(Prim::String) => match raw {
            "null" => null_ok("string"),
            "" => Ok(Default::Plain),
            s => Ok(Default::Str(s.to_string())),
        },
        Ty::Prim(Prim::Bytes | Prim::Records) | Ty::Struct(_) | Ty::Array(_) => match raw {
            "null" => null_ok("field"),
            _ => Err(format!(
                "only null can be the default of a {ty:?} field, not {raw:?}"
            )),
        },
        Ty::Prim(p) => Err(format!("type {p:?} cannot have a default")),
    }
}
