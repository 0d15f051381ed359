//! Kafka's internal records: the schemas of `__consumer_offsets`,
//! `__transaction_state`, `__share_group_state`, `__cluster_metadata` and
//! `__remote_log_metadata` (Kafka's `4.3.1-records` folders), generated into
//! `kio-core/src/internal_records/` by the same emitter as the messages.
//!
//! ```text
//! kio-gen ... --records ../shared/kafka-schema/4.3.1-records \
//!     [--records-out kio-core/src/internal_records]
//! ```
//!
//! Each file becomes one module like a message's (its type, nested structs,
//! static schema); `mod.rs` adds, per topic, the table of record types and an
//! enum over the keys and values, dispatched on the type id (coordinator
//! topics) or API key (`metadata` records). The framing around them (the
//! int16 type id, the value's version prefix, KRaft's varint frame) is
//! hand-written in `kio_core::internal_topics`.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{self, Message};
use crate::{names, spec, Output};

/// The folders generated, with the module role each plays.
pub const FOLDERS: &[(&str, Family)] = &[
    ("group-coordinator", Family::Coordinator("GroupCoordinator")),
    (
        "transaction-coordinator",
        Family::Coordinator("TransactionCoordinator"),
    ),
    ("share-coordinator", Family::Coordinator("ShareCoordinator")),
    ("metadata", Family::Metadata("MetadataRecordBody")),
    ("storage", Family::Metadata("RemoteLogMetadataBody")),
];

/// How a folder's records are framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Keys and values paired by type id (`coordinator-key` / `-value`);
    /// the enum prefix (`GroupCoordinator` → `GroupCoordinatorKey`).
    Coordinator(&'static str),
    /// `type: metadata` records with an API key each; the enum's name.
    Metadata(&'static str),
}

/// What a file is in its folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `coordinator-key`.
    Key,
    /// `coordinator-value`.
    Value,
    /// `metadata`.
    Metadata,
    /// `data` (no type id: ProducerSnapshot and the like).
    Data,
}

/// One generated folder.
#[derive(Debug)]
pub struct Folder {
    /// The folder's name (`group-coordinator`).
    pub name: String,
    /// How its records are framed.
    pub family: Family,
    /// Its files, with their roles, sorted by name.
    pub messages: Vec<(Role, Message)>,
}

/// Reads and validates the folders of [`FOLDERS`] under `root`.
pub fn load(root: &Path) -> Result<Vec<Folder>, String> {
    let release = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let release = release.trim_end_matches("-records").to_string();
    let mut out = Vec::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (folder, family) in FOLDERS {
        let dir = root.join(folder);
        let mut names: Vec<String> = fs::read_dir(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json"))
            .collect();
        names.sort();
        let mut messages = Vec::new();
        for n in &names {
            let file = format!("{folder}/{n}");
            let text = fs::read_to_string(dir.join(n)).map_err(|e| format!("{file}: {e}"))?;
            let mut value: serde_json::Value = serde_json::from_str(&spec::strip_comments(&text))
                .map_err(|e| format!("{file}: {e}"))?;
            default_versions(&mut value);
            let mut s: spec::MessageSpec =
                serde_json::from_value(value).map_err(|e| format!("{file}: {e}"))?;
            let role = match s.kind.as_str() {
                "coordinator-key" => Role::Key,
                "coordinator-value" => Role::Value,
                "metadata" => Role::Metadata,
                "data" => Role::Data,
                k => return Err(format!("{file}: unknown record file type {k:?}")),
            };
            // The message model knows requests, responses, headers and data;
            // a record is data with a type id, kept beside the model.
            s.kind = "data".into();
            let api_key = s.api_key.take();
            if (role == Role::Data) == api_key.is_some() {
                return Err(format!(
                    "{file}: a {role:?} record needs an apiKey (and data none)"
                ));
            }
            let mut m = model::build(&file, &s)?;
            m.api_key = api_key;
            m.releases = vec![model::Release {
                name: release.clone(),
                valid: m.valid,
                latest_version_unstable: m.latest_version_unstable,
            }];
            if role == Role::Key
                && (m.valid != model::Vr { min: 0, max: 0 } || !m.flexible.is_empty())
            {
                return Err(format!(
                    "{file}: a coordinator key must have versions exactly 0 and none flexible"
                ));
            }
            if let Some(prev) = seen.insert(m.name.clone(), file.clone()) {
                return Err(format!("{file}: {} already defined by {prev}", m.name));
            }
            messages.push((role, m));
        }
        check_family(folder, *family, &messages)?;
        out.push(Folder {
            name: folder.to_string(),
            family: *family,
            messages,
        });
    }
    Ok(out)
}

/// A tagged field may leave out `versions`: Kafka's generator then takes
/// its `taggedVersions` (StreamsGroupMetadataValue.LastAssignmentConfigs).
fn default_versions(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            if !m.contains_key("versions") {
                if let Some(t) = m.get("taggedVersions").cloned() {
                    m.insert("versions".into(), t);
                }
            }
            m.values_mut().for_each(default_versions);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(default_versions),
        _ => {}
    }
}

fn check_family(folder: &str, family: Family, messages: &[(Role, Message)]) -> Result<(), String> {
    let mut ids: BTreeMap<(i16, bool), &str> = BTreeMap::new();
    for (role, m) in messages {
        let Some(k) = m.api_key else { continue };
        let slot = (k, *role == Role::Value);
        if let Some(prev) = ids.insert(slot, &m.name) {
            return Err(format!(
                "{folder}: type id {k} used by {prev} and {}",
                m.name
            ));
        }
        match (family, role) {
            (Family::Coordinator(_), Role::Key | Role::Value) => {}
            (Family::Metadata(_), Role::Metadata) => {}
            _ => return Err(format!("{folder}: {} is a {role:?} record here", m.name)),
        }
    }
    if let Family::Coordinator(_) = family {
        for (k, _) in ids.keys().filter(|(_, v)| !v) {
            if !ids.contains_key(&(*k, true)) {
                return Err(format!("{folder}: type id {k} has a key and no value"));
            }
        }
        for (k, _) in ids.keys().filter(|(_, v)| *v) {
            if !ids.contains_key(&(*k, false)) {
                return Err(format!("{folder}: type id {k} has a value and no key"));
            }
        }
    }
    Ok(())
}

/// The record type's name: the file's name without `Key`/`Value`/`Record`.
pub fn type_name(m: &Message) -> String {
    let n = m.name.as_str();
    n.strip_suffix("Key")
        .or_else(|| n.strip_suffix("Value"))
        .or_else(|| n.strip_suffix("Record"))
        .unwrap_or(n)
        .to_string()
}

/// Every file of `kio-core/src/internal_records/`.
pub fn generate(folders: &[Folder]) -> Result<Output, String> {
    let mut out = Output::new();
    for f in folders {
        for (_, m) in &f.messages {
            let body = crate::emit::message(m);
            let tokens = quote! {
                #![allow(clippy::all)]
                use crate::rt;
                #body
            };
            out.insert(
                format!("{}.rs", names::snake(&m.name)),
                crate::format(tokens, &m.name)?,
            );
        }
    }
    out.insert("mod.rs".into(), crate::format(module(folders), "mod.rs")?);
    Ok(out)
}

fn module(folders: &[Folder]) -> TokenStream {
    let mut items = TokenStream::new();
    let mut count = 0usize;
    let mut versions = 0usize;
    for f in folders {
        for (_, m) in &f.messages {
            let md = format_ident!("{}", names::snake(&m.name));
            let ty = format_ident!("{}", m.name);
            let doc = format!(
                " `{}` ({}/{}) and its nested structs.",
                m.name,
                f.name,
                m.file.rsplit('/').next().unwrap_or("")
            );
            items.extend(quote! {
                #[doc = #doc]
                pub mod #md;
                pub use #md::#ty;
            });
            count += 1;
            versions += (m.valid.max - m.valid.min + 1) as usize;
        }
    }
    for f in folders {
        items.extend(match f.family {
            Family::Coordinator(prefix) => coordinator_enums(f, prefix),
            Family::Metadata(name) => metadata_enum(f, name),
        });
    }
    let all = folders
        .iter()
        .flat_map(|f| f.messages.iter())
        .map(|(_, m)| {
            let md = format_ident!("{}", names::snake(&m.name));
            quote!(&#md::SCHEMA,)
        });
    let head = format!(
        " Kafka's internal records ({count} schemas, {versions} schema versions): the keys and\n values of \
         the coordinator topics and the KRaft and remote-log metadata records,\n one module per \
         schema file. The framing around them is in\n [`crate::internal_topics`]."
    );
    quote! {
        #![doc = #head]
        #![allow(clippy::all)]
        use crate::rt;
        use crate::internal_topics::RecordType;
        #items
        /// Every internal record schema, in folder then file order.
        pub static ALL_RECORD_SCHEMAS: &[&rt::MessageSchema] = &[#(#all)*];
    }
}

fn lit(k: i16) -> proc_macro2::Literal {
    proc_macro2::Literal::i16_unsuffixed(k)
}

fn coordinator_enums(f: &Folder, prefix: &str) -> TokenStream {
    let key_enum = format_ident!("{prefix}Key");
    let value_enum = format_ident!("{prefix}Value");
    let table = format_ident!("{}_TYPES", names::snake(prefix).to_uppercase());
    let mut keys: Vec<&Message> = f
        .messages
        .iter()
        .filter(|(r, _)| *r == Role::Key)
        .map(|(_, m)| m)
        .collect();
    keys.sort_by_key(|m| m.api_key);
    let value_of = |k: i16| {
        f.messages
            .iter()
            .find(|(r, m)| *r == Role::Value && m.api_key == Some(k))
            .map(|(_, m)| m)
            .expect("checked: every key has a value")
    };
    let mut rows = Vec::new();
    let mut kvars = Vec::new();
    let mut vvars = Vec::new();
    let mut kread = Vec::new();
    let mut vread = Vec::new();
    let mut kid = Vec::new();
    let mut vid = Vec::new();
    let mut kwrite = Vec::new();
    let mut vwrite = Vec::new();
    let mut klen = Vec::new();
    let mut vlen = Vec::new();
    for k in &keys {
        let id = k.api_key.unwrap_or(-1);
        let v = value_of(id);
        let var = format_ident!("{}", type_name(k));
        let kt = format_ident!("{}", k.name);
        let vt = format_ident!("{}", v.name);
        let km = format_ident!("{}", names::snake(&k.name));
        let vm = format_ident!("{}", names::snake(&v.name));
        let name = type_name(k);
        let idl = lit(id);
        rows.push(quote! {
            RecordType { id: #idl, name: #name, key: Some(&#km::SCHEMA), value: &#vm::SCHEMA },
        });
        let kdoc = format!(" Type {id}: `{}`.", k.name);
        let vdoc = format!(" Type {id}: `{}`.", v.name);
        kvars.push(quote!(#[doc = #kdoc] #var(#kt<'a>),));
        vvars.push(quote!(#[doc = #vdoc] #var(#vt<'a>),));
        kread.push(
            quote!(#idl => #key_enum::#var(<#kt<'a> as rt::Message<'a>>::decode_from(r, 0)?),),
        );
        vread.push(quote!(#idl => #value_enum::#var(<#vt<'a> as rt::Message<'a>>::decode_from(r, version)?),));
        kid.push(quote!(#key_enum::#var(_) => #idl,));
        vid.push(quote!(#value_enum::#var(_) => #idl,));
        kwrite.push(quote!(#key_enum::#var(m) => rt::Message::encode(m, w, 0),));
        vwrite.push(quote!(#value_enum::#var(m) => rt::Message::encode(m, w, version),));
        klen.push(quote!(#key_enum::#var(m) => rt::Message::encoded_len(m, 0),));
        vlen.push(quote!(#value_enum::#var(m) => rt::Message::encoded_len(m, version),));
    }
    let tdoc = format!(
        " The record types of `{}`: type id, name, key and value schemas.",
        f.name
    );
    let kedoc = format!(
        " A key of `{}`, by its type id (the key body is always version 0).",
        f.name
    );
    let vedoc = format!(" A value of `{}`, by its key's type id.", f.name);
    quote! {
        #[doc = #tdoc]
        pub static #table: &[RecordType] = &[#(#rows)*];
        #[doc = #kedoc]
        #[derive(Debug, Clone, PartialEq)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize))]
        #[cfg_attr(feature = "serde", serde(untagged))]
        pub enum #key_enum<'a> { #(#kvars)* }
        impl<'a> #key_enum<'a> {
            /// The record types this enum covers.
            pub const TYPES: &'static [RecordType] = #table;
            /// Reads the key body of type `type_id` (after its int16 prefix);
            /// `Ok(None)` for a type id this schema set does not define.
            pub fn read(type_id: i16, r: &mut rt::Reader<'a>) -> Result<Option<Self>, rt::DecodeError> {
                Ok(Some(match type_id { #(#kread)* _ => return Ok(None) }))
            }
            /// The type id.
            pub fn type_id(&self) -> i16 { match self { #(#kid)* } }
            /// Writes the key body (version 0, without the type id).
            pub fn write<S: rt::Sink + ?Sized>(&self, w: &mut S) -> Result<(), rt::EncodeError> {
                match self { #(#kwrite)* }
            }
            /// The size of [`Self::write`]'s output.
            pub fn body_len(&self) -> Result<usize, rt::EncodeError> { match self { #(#klen)* } }
        }
        #[doc = #vedoc]
        #[derive(Debug, Clone, PartialEq)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize))]
        #[cfg_attr(feature = "serde", serde(untagged))]
        pub enum #value_enum<'a> { #(#vvars)* }
        impl<'a> #value_enum<'a> {
            /// The record types this enum covers.
            pub const TYPES: &'static [RecordType] = #table;
            /// Reads the value body of type `type_id` at `version` (after its
            /// int16 version prefix); `Ok(None)` for an unknown type id.
            pub fn read(type_id: i16, version: i16, r: &mut rt::Reader<'a>) -> Result<Option<Self>, rt::DecodeError> {
                Ok(Some(match type_id { #(#vread)* _ => return Ok(None) }))
            }
            /// The type id of the key this value belongs to.
            pub fn type_id(&self) -> i16 { match self { #(#vid)* } }
            /// Writes the value body at `version` (without the version prefix).
            pub fn write<S: rt::Sink + ?Sized>(&self, w: &mut S, version: i16) -> Result<(), rt::EncodeError> {
                match self { #(#vwrite)* }
            }
            /// The size of [`Self::write`]'s output at `version`.
            pub fn body_len(&self, version: i16) -> Result<usize, rt::EncodeError> { match self { #(#vlen)* } }
        }
    }
}

fn metadata_enum(f: &Folder, name: &str) -> TokenStream {
    let en = format_ident!("{name}");
    let table = format_ident!("{}_TYPES", names::snake(name).to_uppercase());
    let mut recs: Vec<&Message> = f
        .messages
        .iter()
        .filter(|(r, _)| *r == Role::Metadata)
        .map(|(_, m)| m)
        .collect();
    recs.sort_by_key(|m| m.api_key);
    let mut rows = Vec::new();
    let mut vars = Vec::new();
    let mut read = Vec::new();
    let mut ids = Vec::new();
    let mut write = Vec::new();
    let mut len = Vec::new();
    for m in &recs {
        let id = m.api_key.unwrap_or(-1);
        let idl = lit(id);
        let var = format_ident!("{}", type_name(m));
        let t = format_ident!("{}", m.name);
        let md = format_ident!("{}", names::snake(&m.name));
        let n = &m.name;
        rows.push(quote!(RecordType { id: #idl, name: #n, key: None, value: &#md::SCHEMA },));
        let doc = format!(" API key {id}: `{}`.", m.name);
        vars.push(quote!(#[doc = #doc] #var(#t<'a>),));
        read.push(
            quote!(#idl => #en::#var(<#t<'a> as rt::Message<'a>>::decode_from(r, version)?),),
        );
        ids.push(quote!(#en::#var(_) => #idl,));
        write.push(quote!(#en::#var(m) => rt::Message::encode(m, w, version),));
        len.push(quote!(#en::#var(m) => rt::Message::encoded_len(m, version),));
    }
    let tdoc = format!(" The records of `{}`: API key, name and schema.", f.name);
    let edoc = format!(" A record of `{}`, by its API key.", f.name);
    quote! {
        #[doc = #tdoc]
        pub static #table: &[RecordType] = &[#(#rows)*];
        #[doc = #edoc]
        #[derive(Debug, Clone, PartialEq)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize))]
        #[cfg_attr(feature = "serde", serde(untagged))]
        pub enum #en<'a> { #(#vars)* }
        impl<'a> #en<'a> {
            /// The record types this enum covers.
            pub const TYPES: &'static [RecordType] = #table;
            /// Reads the body of record `api_key` at `version`; `Ok(None)`
            /// for an API key this schema set does not define.
            pub fn read(api_key: i16, version: i16, r: &mut rt::Reader<'a>) -> Result<Option<Self>, rt::DecodeError> {
                Ok(Some(match api_key { #(#read)* _ => return Ok(None) }))
            }
            /// The API key.
            pub fn api_key(&self) -> i16 { match self { #(#ids)* } }
            /// Writes the body at `version` (without the frame).
            pub fn write<S: rt::Sink + ?Sized>(&self, w: &mut S, version: i16) -> Result<(), rt::EncodeError> {
                match self { #(#write)* }
            }
            /// The size of [`Self::write`]'s output at `version`.
            pub fn body_len(&self, version: i16) -> Result<usize, rt::EncodeError> { match self { #(#len)* } }
        }
    }
}
