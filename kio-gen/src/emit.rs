//! Rust source for one message: its structs, their codecs and its static schema.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::model::{Default as Def, Field, Kind, Message, Prim, StructDef, Ty, Vr};
use crate::names::{field_ident, json_name, snake};

fn ident(s: &str) -> proc_macro2::Ident {
    match s.strip_prefix("r#") {
        Some(raw) => proc_macro2::Ident::new_raw(raw, proc_macro2::Span::call_site()),
        None => format_ident!("{}", s),
    }
}

fn lit_i16(v: i16) -> TokenStream {
    if v == i16::MAX {
        quote!(i16::MAX)
    } else {
        let l = Literal::i16_unsuffixed(v);
        quote!(#l)
    }
}

/// `VersionRange { .. }` as a constant expression.
fn vr_expr(r: Vr) -> TokenStream {
    if r.is_empty() {
        quote!(rt::VersionRange::NONE)
    } else {
        let (a, b) = (lit_i16(r.min), lit_i16(r.max));
        quote!(rt::VersionRange::new(#a, #b))
    }
}

/// A boolean expression on `v` for "v in r", or `None` when it always holds
/// within `within` (the versions the message is valid in).
fn cond(r: Vr, within: Vr) -> Option<TokenStream> {
    if r.contains_range(within) {
        return None;
    }
    let r = r.intersect(within);
    Some(if r.is_empty() {
        quote!(false)
    } else if r.max >= within.max {
        let a = lit_i16(r.min);
        quote!(v >= #a)
    } else if r.min <= within.min {
        let b = lit_i16(r.max);
        quote!(v <= #b)
    } else if r.min == r.max {
        let a = lit_i16(r.min);
        quote!(v == #a)
    } else {
        let (a, b) = (lit_i16(r.min), lit_i16(r.max));
        quote!((#a..=#b).contains(&v))
    })
}

fn cond_or_true(r: Vr, within: Vr) -> TokenStream {
    cond(r, within).unwrap_or_else(|| quote!(true))
}

fn elem_ty(t: &Ty) -> TokenStream {
    match t {
        Ty::Prim(p) => prim_ty(*p),
        Ty::Struct(s) => {
            let i = ident(s);
            quote!(#i<'a>)
        }
        Ty::Array(e) => {
            let e = elem_ty(e);
            quote!(rt::Array<'a, #e>)
        }
    }
}

fn prim_ty(p: Prim) -> TokenStream {
    match p {
        Prim::Bool => quote!(bool),
        Prim::Int8 => quote!(i8),
        Prim::Int16 => quote!(i16),
        Prim::Uint16 => quote!(u16),
        Prim::Int32 => quote!(i32),
        Prim::Uint32 => quote!(u32),
        Prim::Int64 => quote!(i64),
        Prim::Float64 => quote!(f64),
        Prim::String => quote!(rt::Str<'a>),
        Prim::Bytes => quote!(rt::Bytes<'a>),
        Prim::Records => quote!(rt::RecordsBytes<'a>),
        Prim::Uuid => quote!(rt::Uuid),
    }
}

fn field_ty(f: &Field) -> TokenStream {
    let base = elem_ty(&f.ty);
    if f.is_option() {
        quote!(Option<#base>)
    } else {
        base
    }
}

fn default_expr(f: &Field) -> TokenStream {
    let plain = match &f.ty {
        Ty::Prim(Prim::Records) if f.is_option() => return quote!(None),
        Ty::Prim(Prim::Float64) => quote!(0.0),
        Ty::Prim(Prim::Bool) => quote!(false),
        Ty::Prim(p) if p.is_int() => quote!(0),
        Ty::Prim(Prim::Uuid) => quote!(rt::Uuid::ZERO),
        Ty::Prim(Prim::String) => quote!(rt::Str::new("")),
        Ty::Prim(_) | Ty::Array(_) | Ty::Struct(_) => quote!(::core::default::Default::default()),
    };
    let value = match &f.default {
        Def::Plain => plain,
        Def::Null => return quote!(None),
        Def::Int(v) => {
            let l = Literal::i128_unsuffixed(*v);
            quote!(#l)
        }
        Def::Bool(b) => quote!(#b),
        Def::Float(x) => {
            let l = Literal::f64_unsuffixed(*x);
            quote!(#l)
        }
        Def::Str(s) => quote!(rt::Str::new(#s)),
    };
    if f.is_option() {
        quote!(Some(#value))
    } else {
        value
    }
}

/// Emits one message module's contents.
pub fn message(m: &Message) -> TokenStream {
    let mut items = TokenStream::new();
    for (i, s) in m.structs.iter().enumerate() {
        items.extend(struct_def(m, s, i == 0));
    }
    items.extend(schema_tables(m));
    items.extend(message_impls(m));
    items
}

fn doc_lines(text: &str) -> TokenStream {
    let mut out = TokenStream::new();
    for line in text.lines() {
        let l = format!(" {line}");
        out.extend(quote!(#[doc = #l]));
    }
    out
}

fn struct_doc(m: &Message, s: &StructDef, top: bool) -> String {
    if top {
        let what = match m.kind {
            Kind::Request => format!(
                "The `{}` request (API key {}).",
                m.name,
                m.api_key.unwrap_or(-1)
            ),
            Kind::Response => format!(
                "The `{}` response (API key {}).",
                m.name,
                m.api_key.unwrap_or(-1)
            ),
            Kind::Header => format!("The `{}`.", m.name),
            Kind::Data => format!("The `{}` data schema.", m.name),
        };
        let mut d = format!(
            "{what}\n\nValid versions: {}; flexible versions: {}.",
            m.valid.text(),
            m.flexible.text()
        );
        if !m.deprecated.is_empty() {
            d += &format!(" Deprecated versions: {}.", m.deprecated.text());
        }
        if m.latest_version_unstable {
            d += " The latest version is unstable.";
        }
        d + &crate::releases::doc(m)
    } else if s.is_common {
        format!(
            "`{}`, a common struct of `{}` (versions {}).",
            s.name,
            m.name,
            s.versions.text()
        )
    } else {
        format!(
            "`{}`, a struct of `{}` (versions {}).",
            s.name,
            m.name,
            s.versions.text()
        )
    }
}

/// Kafka's about-text as Markdown: brackets and angle brackets are literal.
fn escape_doc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '[' | ']' | '<' | '>') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn field_doc(f: &Field) -> String {
    let mut d = if f.about.is_empty() {
        String::new()
    } else {
        format!("{}\n\n", escape_doc(&f.about))
    };
    d += &format!(
        "Kafka type `{}`; versions {}",
        f.raw_type,
        f.versions.text()
    );
    if !f.nullable.is_empty() {
        d += &format!("; nullable in {}", f.nullable.text());
    }
    if let Some(t) = f.tag {
        d += &format!("; tag {t} in {}", f.tagged.text());
    }
    if !f.raw_default.is_empty() {
        d += &format!("; default `{}`", f.raw_default);
    }
    if f.ignorable {
        d += "; ignorable";
    }
    if !f.entity_type.is_empty() {
        d += &format!("; entity type `{}`", f.entity_type);
    }
    d + "."
}

fn struct_def(m: &Message, s: &StructDef, top: bool) -> TokenStream {
    let name = ident(&s.name);
    let doc = doc_lines(&struct_doc(m, s, top));
    let fields = s.fields.iter().map(|f| {
        let id = ident(&field_ident(&f.name));
        let ty = field_ty(f);
        let doc = doc_lines(&field_doc(f));
        let json = json_name(&f.name);
        // float64: lossless JSON for NaN and ±Inf (docs/JSON.md).
        let serde = if matches!(f.ty, Ty::Prim(Prim::Float64)) {
            quote!(serde(rename = #json, with = "crate::serde_impls::float64"))
        } else {
            quote!(serde(rename = #json))
        };
        quote! {
            #doc
            #[cfg_attr(feature = "serde", #serde)]
            pub #id: #ty,
        }
    });
    let defaults = s.fields.iter().map(|f| {
        let id = ident(&field_ident(&f.name));
        let d = default_expr(f);
        quote!(#id: #d,)
    });
    let owned = s.fields.iter().map(|f| {
        let id = ident(&field_ident(&f.name));
        quote!(#id: rt::IntoOwned::into_owned(self.#id),)
    });
    let read = read_fn(m, s, Mode::Checked);
    let skip = skip_fn(m, s, Mode::Checked);
    let read_valid = read_fn(m, s, Mode::Valid);
    let skip_valid = skip_fn(m, s, Mode::Valid);
    let Encode {
        write,
        write_fields,
        len,
    } = encode_fns(m, s);
    let owner = &s.name;
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        pub struct #name<'a> {
            #(#fields)*
            /// Tagged fields this schema does not know, kept as raw bytes and written back.
            #[cfg_attr(feature = "serde", serde(rename = "_unknownTaggedFields", skip_serializing_if = "rt::UnknownTags::is_empty"))]
            pub unknown_tagged_fields: rt::UnknownTags<'a>,
        }

        impl Default for #name<'_> {
            fn default() -> Self {
                Self {
                    #(#defaults)*
                    unknown_tagged_fields: rt::UnknownTags::default(),
                }
            }
        }

        impl #name<'_> {
            /// The struct's name in Kafka's schema.
            pub const NAME: &'static str = #owner;
        }

        impl<'a> #name<'a> {
            #write_fields
        }

        impl<'a> rt::Wire<'a> for #name<'a> {
            #read
            #skip
            #read_valid
            #skip_valid
            #write
            #len
        }

        impl<'a> rt::Struct<'a> for #name<'a> {}

        #[cfg(feature = "alloc")]
        impl<'a> rt::IntoOwned for #name<'a> {
            type Owned = #name<'static>;
            fn into_owned(self) -> #name<'static> {
                #name {
                    #(#owned)*
                    unknown_tagged_fields: self.unknown_tagged_fields.into_owned(),
                }
            }
        }
    }
}

fn field_cx(m: &Message, f: &Field, tagged: bool) -> TokenStream {
    let flexible = match f.flexible_override {
        Some(r) => cond_or_true(r, m.valid),
        None if tagged => quote!(true),
        None => quote!(cx.flexible),
    };
    let nullable = cond_or_true(f.nullable, m.valid);
    let nullable = if f.nullable.is_empty() {
        quote!(false)
    } else {
        nullable
    };
    quote!(rt::Cx::new(v, #flexible, #nullable))
}

/// The local a generated `read` keeps a field in until the struct is built.
fn local(f: &Field) -> proc_macro2::Ident {
    format_ident!("f_{}", field_ident(&f.name).trim_start_matches("r#"))
}

/// True when `ts` mentions the identifier `name` anywhere.
fn uses_ident(ts: &TokenStream, name: &str) -> bool {
    ts.clone().into_iter().any(|t| match t {
        proc_macro2::TokenTree::Ident(i) => i == name,
        proc_macro2::TokenTree::Group(g) => uses_ident(&g.stream(), name),
        _ => false,
    })
}

/// Which decoding half a generated function is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `read` / `skip`: untrusted bytes, errors say what, where and why.
    Checked,
    /// `read_valid` / `skip_valid`: bytes `skip` already accepted (array
    /// iteration); `None` instead of an error, nothing built on the way.
    Valid,
}

impl Mode {
    /// `expr?` for a fallible step: the error named after `path`, or `None`.
    fn try_(self, expr: TokenStream, path: &str) -> TokenStream {
        match self {
            Mode::Checked => quote!(#expr.map_err(|e| e.in_field(#path))?),
            Mode::Valid => quote!(#expr.ok()?),
        }
    }
    fn read_call(self, fcx: &TokenStream, path: &str) -> TokenStream {
        match self {
            Mode::Checked => quote!(rt::Wire::read(r, #fcx).map_err(|e| e.in_field(#path))?),
            Mode::Valid => quote!(rt::Wire::read_valid(r, #fcx)?),
        }
    }
    fn skip_call(self, ty: &TokenStream, fcx: &TokenStream, path: &str) -> TokenStream {
        match self {
            Mode::Checked => {
                quote!(<#ty as rt::Wire<'a>>::skip(r, #fcx).map_err(|e| e.in_field(#path))?;)
            }
            Mode::Valid => quote!(<#ty as rt::Wire<'a>>::skip_valid(r, #fcx)?;),
        }
    }
    /// The guard of a run of fixed-size fields: one comparison; when it
    /// fails, the error of the first field that does not fit (or `None`).
    fn run_guard(self, run: &[RunField]) -> TokenStream {
        let sizes = run.iter().map(|f| &f.size);
        match self {
            Mode::Checked => {
                let table = run.iter().map(|f| {
                    let (size, path) = (&f.size, &f.path);
                    quote!((#size, #path))
                });
                quote! {
                    if r.remaining() < #(#sizes)+* {
                        return Err(r.run_error(&[#(#table),*]));
                    }
                }
            }
            Mode::Valid => quote! {
                if r.remaining() < #(#sizes)+* {
                    return None;
                }
            },
        }
    }
}

/// One field of a run of fixed-size fields.
struct RunField {
    /// Its size at this version: a literal, or `(if cond { n } else { 0 })`.
    size: TokenStream,
    /// `Struct.Field`, for the error.
    path: String,
    /// Its `read` (into a local) once the run is known to fit; or its skip.
    stmt: TokenStream,
}

/// The non-tagged fields of `s` in wire order, grouped into runs of
/// fixed-size fields (`Ok`) and single variable-size fields (`Err`).
fn field_runs(s: &StructDef) -> Vec<Result<Vec<&Field>, &Field>> {
    let mut out: Vec<Result<Vec<&Field>, &Field>> = Vec::new();
    for f in s.fields.iter().filter(|f| f.tag.is_none()) {
        if fixed_size(f).is_some() {
            if let Some(Ok(run)) = out.last_mut() {
                run.push(f);
                continue;
            }
            out.push(Ok(vec![f]));
        } else {
            out.push(Err(f));
        }
    }
    out
}

/// The size of a fixed-size field at version `v`, as an expression.
fn run_size(m: &Message, f: &Field) -> TokenStream {
    let n = Literal::usize_unsuffixed(fixed_size(f).unwrap_or_default());
    match cond(f.versions, m.valid) {
        None => quote!(#n),
        Some(c) => quote!((if #c { #n } else { 0 })),
    }
}

/// `read` (checked) or `read_valid`: each field into a local, then the
/// struct built once (no `Default` first, no drop of a value about to be
/// overwritten). A run of fixed-size fields is bounds-checked once.
fn read_fn(m: &Message, s: &StructDef, mode: Mode) -> TokenStream {
    let mut body = TokenStream::new();
    for f in s.fields.iter().filter(|f| f.tag.is_some()) {
        let loc = local(f);
        let ty = field_ty(f);
        let d = default_expr(f);
        body.extend(quote!(let mut #loc: #ty = #d;));
    }
    let one = |f: &Field, read: TokenStream| {
        let loc = local(f);
        let ty = field_ty(f);
        let d = default_expr(f);
        match cond(f.versions, m.valid) {
            None => quote!(let #loc: #ty = #read;),
            Some(c) => quote!(let #loc: #ty = if #c { #read } else { #d };),
        }
    };
    for group in field_runs(s) {
        match group {
            Err(f) => {
                let path = format!("{}.{}", s.name, f.name);
                let fcx = field_cx(m, f, false);
                body.extend(one(f, mode.read_call(&fcx, &path)));
            }
            Ok(run) if run.len() == 1 => {
                let f = run[0];
                let path = format!("{}.{}", s.name, f.name);
                let fcx = field_cx(m, f, false);
                body.extend(one(f, mode.read_call(&fcx, &path)));
            }
            Ok(run) => {
                let fields: Vec<RunField> = run
                    .iter()
                    .map(|f| {
                        let fcx = field_cx(m, f, false);
                        // The run fits, so this read cannot fail.
                        let read = quote!(rt::Wire::read_valid(r, #fcx).unwrap_or_default());
                        RunField {
                            size: run_size(m, f),
                            path: format!("{}.{}", s.name, f.name),
                            stmt: one(f, read),
                        }
                    })
                    .collect();
                body.extend(mode.run_guard(&fields));
                for f in fields {
                    body.extend(f.stmt);
                }
            }
        }
    }
    let tagged: Vec<&Field> = s.fields.iter().filter(|f| f.tag.is_some()).collect();
    let mut arms = TokenStream::new();
    for f in &tagged {
        let loc = local(f);
        let path = format!("{}.{}", s.name, f.name);
        let tag = f.tag.unwrap_or_default();
        let fcx = field_cx(m, f, true);
        let d = default_expr(f);
        let guard = match cond(f.tagged, m.valid) {
            Some(c) => quote!(if #c),
            None => quote!(),
        };
        let read = mode.try_(quote!(rt::Wire::read(&mut sub, #fcx)), &path);
        let used = mode.try_(quote!(rt::TaggedSection::check_used(tag, &sub)), &path);
        arms.extend(quote! {
            #tag #guard => {
                #loc = #read;
                #used;
                if #loc != #d {
                    tags.typed(tag);
                }
            }
        });
    }
    let section = if m.flexible.is_empty() {
        quote!(let unknown_tagged_fields = rt::UnknownTags::default();)
    } else {
        let path = format!("{}._tagged", s.name);
        let inner = if tagged.is_empty() {
            match mode {
                Mode::Checked => quote! {
                    rt::TaggedSection::read_raw_only(r).map_err(|e| e.in_field(#path))?
                },
                Mode::Valid => quote!(rt::TaggedSection::read_raw_only_valid(r)?),
            }
        } else {
            let begin = mode.try_(quote!(rt::TaggedSection::begin(r)), &path);
            let next = mode.try_(quote!(tags.next(r)), &path);
            quote! {{
                let mut tags = #begin;
                while let Some((tag, mut sub)) = #next {
                    match tag {
                        #arms
                        _ => {}
                    }
                }
                tags.finish(r)
            }}
        };
        quote! {
            let unknown_tagged_fields = if cx.flexible {
                #inner
            } else {
                rt::UnknownTags::default()
            };
        }
    };
    let inits = s.fields.iter().map(|f| {
        let id = ident(&field_ident(&f.name));
        let loc = local(f);
        quote!(#id: #loc,)
    });
    let uses_v = uses_ident(&body, "v") || uses_ident(&section, "v");
    let v_binding = if uses_v {
        quote!(let v = cx.version;)
    } else {
        quote!()
    };
    let cx_name = if uses_v || !m.flexible.is_empty() {
        quote!(cx)
    } else {
        quote!(_cx)
    };
    let r_name = if s.fields.iter().any(|f| f.tag.is_none()) || !m.flexible.is_empty() {
        quote!(r)
    } else {
        quote!(_r)
    };
    let value = quote!(Self {
        #(#inits)*
        unknown_tagged_fields,
    });
    match mode {
        Mode::Checked => quote! {
            fn read(#r_name: &mut rt::Reader<'a>, #cx_name: rt::Cx) -> Result<Self, rt::DecodeError> {
                #v_binding
                #body
                #section
                Ok(#value)
            }
        },
        // Inlined into the loop that iterates the array (servers and tools;
        // a hint on bare metal and wasm, for size): measured -30% of the
        // instructions of a MetadataResponse walk with `alloc`, where a
        // called `read_valid` returns each element through memory and its
        // drop checks every owned variant there.
        Mode::Valid => quote! {
            #[cfg_attr(not(any(target_os = "none", target_family = "wasm")), inline(always))]
            #[cfg_attr(any(target_os = "none", target_family = "wasm"), inline)]
            fn read_valid(#r_name: &mut rt::Reader<'a>, #cx_name: rt::Cx) -> Option<Self> {
                #v_binding
                #body
                #section
                Some(#value)
            }
        },
    }
}

/// The wire size of a field that always takes the same number of bytes.
fn fixed_size(f: &Field) -> Option<usize> {
    if f.is_option() {
        return None;
    }
    match &f.ty {
        Ty::Prim(Prim::Bool | Prim::Int8) => Some(1),
        Ty::Prim(Prim::Int16 | Prim::Uint16) => Some(2),
        Ty::Prim(Prim::Int32 | Prim::Uint32) => Some(4),
        Ty::Prim(Prim::Int64 | Prim::Float64) => Some(8),
        Ty::Prim(Prim::Uuid) => Some(16),
        _ => None,
    }
}

/// `skip` (checked) or `skip_valid`: the same checks as `read`, in the same
/// order and with the same errors, without building the struct (arrays are
/// validated this way). A run of fixed-size fields is one check.
fn skip_fn(m: &Message, s: &StructDef, mode: Mode) -> TokenStream {
    let mut body = TokenStream::new();
    for group in field_runs(s) {
        let one = |f: &Field| {
            let path = format!("{}.{}", s.name, f.name);
            let fcx = field_cx(m, f, false);
            let ty = field_ty(f);
            let stmt = mode.skip_call(&ty, &fcx, &path);
            match cond(f.versions, m.valid) {
                None => stmt,
                Some(c) => quote!(if #c { #stmt }),
            }
        };
        match group {
            Err(f) => body.extend(one(f)),
            Ok(run) if run.len() == 1 => body.extend(one(run[0])),
            Ok(run) => {
                let fields: Vec<RunField> = run
                    .iter()
                    .map(|f| RunField {
                        size: run_size(m, f),
                        path: format!("{}.{}", s.name, f.name),
                        stmt: TokenStream::new(),
                    })
                    .collect();
                let sizes = fields.iter().map(|f| &f.size);
                let step = match mode {
                    Mode::Checked => {
                        // After the guard the run fits: moving past it cannot fail.
                        let guard = mode.run_guard(&fields);
                        quote!(#guard let _ = r.advance(#(#sizes)+*);)
                    }
                    Mode::Valid => quote!(r.advance(#(#sizes)+*)?;),
                };
                body.extend(step);
            }
        }
    }
    let tagged: Vec<&Field> = s.fields.iter().filter(|f| f.tag.is_some()).collect();
    let section = if m.flexible.is_empty() {
        quote!()
    } else {
        let path = format!("{}._tagged", s.name);
        if tagged.is_empty() {
            let step = match mode {
                Mode::Checked => {
                    quote!(rt::TaggedSection::skip(r).map_err(|e| e.in_field(#path))?;)
                }
                Mode::Valid => quote!(rt::TaggedSection::skip_valid(r)?;),
            };
            quote! {
                if cx.flexible {
                    #step
                }
            }
        } else {
            let mut arms = TokenStream::new();
            for f in &tagged {
                let fpath = format!("{}.{}", s.name, f.name);
                let tag = f.tag.unwrap_or_default();
                let fcx = field_cx(m, f, true);
                let ty = field_ty(f);
                let guard = match cond(f.tagged, m.valid) {
                    Some(c) => quote!(if #c),
                    None => quote!(),
                };
                let skip = mode.try_(quote!(<#ty as rt::Wire<'a>>::skip(&mut sub, #fcx)), &fpath);
                let used = mode.try_(quote!(rt::TaggedSection::check_used(tag, &sub)), &fpath);
                arms.extend(quote! {
                    #tag #guard => {
                        #skip;
                        #used;
                    }
                });
            }
            let begin = mode.try_(quote!(rt::TaggedSection::begin(r)), &path);
            let next = mode.try_(quote!(tags.next(r)), &path);
            quote! {
                if cx.flexible {
                    let mut tags = #begin;
                    while let Some((tag, mut sub)) = #next {
                        match tag {
                            #arms
                            _ => {}
                        }
                    }
                }
            }
        }
    };
    let uses_v = uses_ident(&body, "v") || uses_ident(&section, "v");
    let v_binding = if uses_v {
        quote!(let v = cx.version;)
    } else {
        quote!()
    };
    let cx_name = if uses_v || !m.flexible.is_empty() {
        quote!(cx)
    } else {
        quote!(_cx)
    };
    let r_name = if s.fields.iter().any(|f| f.tag.is_none()) || !m.flexible.is_empty() {
        quote!(r)
    } else {
        quote!(_r)
    };
    match mode {
        Mode::Checked => quote! {
            fn skip(#r_name: &mut rt::Reader<'a>, #cx_name: rt::Cx) -> Result<(), rt::DecodeError> {
                #v_binding
                #body
                #section
                Ok(())
            }
        },
        Mode::Valid => quote! {
            fn skip_valid(#r_name: &mut rt::Reader<'a>, #cx_name: rt::Cx) -> Option<()> {
                #v_binding
                #body
                #section
                Some(())
            }
        },
    }
}

fn not_in_version(path: &str) -> TokenStream {
    quote!(return Err(rt::EncodeError::new(rt::EncodeErrorKind::FieldNotInVersion(v)).in_field(#path)))
}

/// True when a field of this type holds structs (whose `write` is a call).
fn has_struct(t: &Ty) -> bool {
    match t {
        Ty::Prim(_) => false,
        Ty::Struct(_) => true,
        Ty::Array(e) => has_struct(e),
    }
}

/// The encoding half of a struct's `Wire` impl.
struct Encode {
    /// `write`: the fields through a local cursor over the sink's spare
    /// room when it has some (hosted targets), else through the sink.
    write: TokenStream,
    /// The inherent `write_fields`: every field, in order, through `w`.
    write_fields: TokenStream,
    /// `fast_len` (arithmetic mirroring `write_fields`) and `wire_len`.
    len: TokenStream,
}

/// `write`, `write_fields`, `fast_len` and `wire_len` of one struct.
///
/// `write_fields` writes field by field through a generic sink. `write`
/// first tries a local `SliceSink` over `Sink::spare` (a `SliceSink` hands
/// out the rest of its buffer): a local's position stays in a register, so
/// each field costs one bounds check and a store instead of a load and store
/// of the sink's state. When the fields do not fit (or the sink has no
/// spare room) it writes them again through the sink, which fails at the
/// same byte. Bare-metal and wasm builds keep only the direct path, for
/// flash and download size.
///
/// `fast_len` mirrors `write_fields` with additions: the same conditions in
/// the same order, `None` wherever `write_fields` would return an error.
/// `wire_len` is `fast_len`, or when it says `None`, a counting `write`
/// (which gives the exact error). Fixed-size fields are summed into one
/// constant per version (`2 + 4 + 4 + if v >= 7 { 4 } else { 0 }`); the
/// version conditions are plain comparisons of one local.
fn encode_fns(m: &Message, s: &StructDef) -> Encode {
    let mut body = TokenStream::new();
    let mut local_body = TokenStream::new();
    let mut len_body = TokenStream::new();
    // Fixed-size fields present at every version, and those present at some.
    let mut fixed_always = 0usize;
    let mut fixed_cond: Vec<TokenStream> = Vec::new();
    for f in s.fields.iter().filter(|f| f.tag.is_none()) {
        let id = ident(&field_ident(&f.name));
        let path = format!("{}.{}", s.name, f.name);
        let fcx = field_cx(m, f, false);
        let stmt = quote! {
            rt::Wire::write(&self.#id, w, #fcx).map_err(|e| e.in_field(#path))?;
        };
        // A field holding structs calls their `write`: through a fresh
        // cursor over the rest, so that the local one never escapes.
        let local_stmt = if has_struct(&f.ty) {
            quote! {
                rt::nested(w, |w| rt::Wire::write(&self.#id, w, #fcx)).map_err(|e| e.in_field(#path))?;
            }
        } else {
            stmt.clone()
        };
        let c = cond(f.versions, m.valid);
        let guard = |stmt: TokenStream| match &c {
            None => stmt,
            Some(c) if f.ignorable => quote!(if #c { #stmt }),
            Some(c) => {
                let d = default_expr(f);
                let fail = not_in_version(&path);
                quote! {
                    if #c { #stmt } else if self.#id != #d { #fail; }
                }
            }
        };
        body.extend(guard(stmt));
        local_body.extend(guard(local_stmt));
        let size = fixed_size(f);
        let add = match size {
            Some(_) => quote!(),
            None => quote!(n += rt::Wire::fast_len(&self.#id, #fcx)?;),
        };
        match (&c, size) {
            (None, Some(k)) => fixed_always += k,
            (Some(c), Some(k)) => {
                let k = Literal::usize_unsuffixed(k);
                fixed_cond.push(quote!((if #c { #k } else { 0 })));
            }
            _ => {}
        }
        len_body.extend(match &c {
            None => add,
            Some(c) if f.ignorable => {
                if add.is_empty() {
                    quote!()
                } else {
                    quote!(if #c { #add })
                }
            }
            Some(c) => {
                let d = default_expr(f);
                quote! {
                    if #c { #add } else if self.#id != #d { return None; }
                }
            }
        });
    }
    // Written in ascending tag order, as Kafka does, whatever the field order
    // (TransactionLogValue declares tag 3 before tag 2).
    let mut tagged: Vec<&Field> = s.fields.iter().filter(|f| f.tag.is_some()).collect();
    tagged.sort_by_key(|f| f.tag);
    let unknown_path = format!("{}._unknownTaggedFields", s.name);
    let (section, local_section, len_section) = if m.flexible.is_empty() {
        let fail = not_in_version(&unknown_path);
        let section = quote! {
            if !self.unknown_tagged_fields.is_empty() { #fail; }
        };
        (
            section.clone(),
            section,
            quote! {
                if !self.unknown_tagged_fields.is_empty() { return None; }
            },
        )
    } else {
        let mut present = Vec::new();
        let mut lets = TokenStream::new();
        let mut writes = TokenStream::new();
        let mut sizes = TokenStream::new();
        let mut absent_checks = TokenStream::new();
        let mut absent_len_checks = TokenStream::new();
        for f in &tagged {
            let id = ident(&field_ident(&f.name));
            let path = format!("{}.{}", s.name, f.name);
            let tag = f.tag.unwrap_or_default();
            let d = default_expr(f);
            let fcx = field_cx(m, f, true);
            let c = cond(f.tagged, m.valid);
            let has_expr = match &c {
                Some(c) => quote!(#c && self.#id != #d),
                None => quote!(self.#id != #d),
            };
            let has = format_ident!("has_{}", snake(&f.name));
            lets.extend(quote!(let #has = #has_expr;));
            present.push(quote!((#tag, #has)));
            writes.extend(quote! {
                if #has {
                    let len = rt::Wire::wire_len(&self.#id, #fcx).map_err(|e| e.in_field(#path))?;
                    tw.field(w, #tag, len)?;
                    rt::Wire::write(&self.#id, w, #fcx).map_err(|e| e.in_field(#path))?;
                }
            });
            sizes.extend(quote! {
                if #has {
                    let len = rt::Wire::fast_len(&self.#id, #fcx)?;
                    count += 1;
                    n += rt::uvarint_len(#tag) + rt::uvarint_len(u32::try_from(len).ok()?) + len;
                }
            });
            if !f.ignorable {
                let fail = not_in_version(&path);
                let outside = match &c {
                    Some(c) => quote!(!cx.flexible || !(#c)),
                    None => quote!(!cx.flexible),
                };
                absent_checks.extend(quote! {
                    if (#outside) && self.#id != #d { #fail; }
                });
                absent_len_checks.extend(quote! {
                    if (#outside) && self.#id != #d { return None; }
                });
            }
        }
        let fail = not_in_version(&unknown_path);
        let (flexible_section, flexible_local, flexible_len) = if tagged.is_empty() {
            (
                quote!(rt::TaggedWriter::raw_only(w, &self.unknown_tagged_fields)?;),
                quote!(rt::TaggedWriter::raw_only_local(w, &self.unknown_tagged_fields)?;),
                quote!(n += rt::TaggedWriter::raw_only_len(&self.unknown_tagged_fields);),
            )
        } else {
            let section = quote! {
                #lets
                let mut tw = rt::TaggedWriter::begin(w, &self.unknown_tagged_fields, &[#(#present),*])?;
                #writes
                tw.finish(w)?;
            };
            (
                section.clone(),
                quote! {
                    rt::nested(w, |w| {
                        #section
                        Ok(())
                    })?;
                },
                // Raw entries next to typed tags: counted by a real write.
                quote! {
                    if !self.unknown_tagged_fields.is_empty() { return None; }
                    #lets
                    let mut count = 0u32;
                    #sizes
                    n += rt::uvarint_len(count);
                },
            )
        };
        (
            quote! {
                #absent_checks
                if cx.flexible {
                    #flexible_section
                } else if !self.unknown_tagged_fields.is_empty() {
                    #fail;
                }
            },
            quote! {
                #absent_checks
                if cx.flexible {
                    #flexible_local
                } else if !self.unknown_tagged_fields.is_empty() {
                    #fail;
                }
            },
            quote! {
                #absent_len_checks
                if cx.flexible {
                    #flexible_len
                } else if !self.unknown_tagged_fields.is_empty() {
                    return None;
                }
            },
        )
    };
    let fixed = {
        let k = Literal::usize_unsuffixed(fixed_always);
        quote!(#k #(+ #fixed_cond)*)
    };
    let write_fields = quote! {
        /// Writes every field through `w` (see `write`).
        #[cfg_attr(not(target_os = "none"), inline(always))]
        #[cfg_attr(target_os = "none", inline)]
        fn write_fields<S: rt::Sink + ?Sized>(&self, w: &mut S, cx: rt::Cx) -> Result<(), rt::EncodeError> {
            let v = cx.version;
            #body
            #section
            Ok(())
        }
    };
    let write_fields = quote! {
        #write_fields

        /// Writes every field through a local cursor (see `write`).
        #[cfg(not(any(target_os = "none", target_family = "wasm")))]
        #[inline(always)]
        fn write_local(&self, w: &mut rt::SliceSink<'_>, cx: rt::Cx) -> Result<(), rt::EncodeError> {
            let v = cx.version;
            #local_body
            #local_section
            Ok(())
        }
    };
    let write_fields = quote! {
        #write_fields

        /// `write_fields`, out of line: what `write` falls back on, kept
        /// out of its body so that the local-cursor path stays small.
        #[cfg(not(any(target_os = "none", target_family = "wasm")))]
        #[inline(never)]
        fn write_fields_outlined<S: rt::Sink + ?Sized>(&self, w: &mut S, cx: rt::Cx) -> Result<(), rt::EncodeError> {
            self.write_fields(w, cx)
        }
    };
    let write = quote! {
        #[cfg(not(any(target_os = "none", target_family = "wasm")))]
        fn write<S: rt::Sink + ?Sized>(&self, w: &mut S, cx: rt::Cx) -> Result<(), rt::EncodeError> {
            let spare = w.spare();
            if !spare.is_empty() {
                let mut c = rt::SliceSink::new(spare);
                if self.write_local(&mut c, cx).is_ok() {
                    let n = c.len();
                    w.commit(n);
                    return Ok(());
                }
            }
            self.write_fields_outlined(w, cx)
        }
        #[cfg(any(target_os = "none", target_family = "wasm"))]
        fn write<S: rt::Sink + ?Sized>(&self, w: &mut S, cx: rt::Cx) -> Result<(), rt::EncodeError> {
            self.write_fields(w, cx)
        }
    };
    let len_inner = quote!(#len_body #len_section);
    let mut_n = if !uses_ident(&len_inner, "n") {
        quote!()
    } else {
        quote!(mut)
    };
    let len_v = if uses_ident(&len_inner, "v") || uses_ident(&fixed, "v") {
        quote!(let v = cx.version;)
    } else {
        quote!()
    };
    let len_cx = if uses_ident(&len_inner, "cx") || !len_v.is_empty() {
        quote!(cx)
    } else {
        quote!(_cx)
    };
    // Bare metal keeps the trait's defaults (a counting `write`), for flash.
    let len = quote! {
        #[cfg(not(target_os = "none"))]
        fn fast_len(&self, #len_cx: rt::Cx) -> Option<usize> {
            #len_v
            let #mut_n n: usize = #fixed;
            #len_inner
            Some(n)
        }
        #[cfg(not(target_os = "none"))]
        fn wire_len(&self, cx: rt::Cx) -> Result<usize, rt::EncodeError> {
            rt::fast_or_counted_len(self, cx)
        }
    };
    Encode {
        write,
        write_fields,
        len,
    }
}

fn field_type_expr(t: &Ty) -> TokenStream {
    match t {
        Ty::Prim(p) => {
            let v = format_ident!("{}", format!("{p:?}"));
            quote!(rt::FieldType::#v)
        }
        Ty::Struct(s) => quote!(rt::FieldType::Struct(#s)),
        Ty::Array(e) => {
            let e = field_type_expr(e);
            quote!(rt::FieldType::Array(&#e))
        }
    }
}

fn fields_const(s: &StructDef) -> proc_macro2::Ident {
    format_ident!("{}_FIELDS", snake(&s.name).to_uppercase())
}

fn schema_tables(m: &Message) -> TokenStream {
    let mut out = TokenStream::new();
    for s in &m.structs {
        let cname = fields_const(s);
        let entries = s.fields.iter().map(|f| {
            let name = &f.name;
            let json = json_name(&f.name);
            let raw = &f.raw_type;
            let ty = field_type_expr(&f.ty);
            let versions = vr_expr(f.versions);
            let nullable = vr_expr(f.nullable);
            let tagged = vr_expr(f.tagged);
            let tag = match f.tag {
                Some(t) => quote!(Some(#t)),
                None => quote!(None),
            };
            let flex = match f.flexible_override {
                Some(r) => {
                    let r = vr_expr(r);
                    quote!(Some(#r))
                }
                None => quote!(None),
            };
            let default = &f.raw_default;
            let ignorable = f.ignorable;
            let map_key = f.map_key;
            let entity = &f.entity_type;
            let zero_copy = f.zero_copy;
            let about = &f.about;
            let nested = match &f.ty {
                Ty::Struct(n) => Some(n),
                Ty::Array(e) => match &**e {
                    Ty::Struct(n) => Some(n),
                    _ => None,
                },
                Ty::Prim(_) => None,
            };
            let fields = match nested.and_then(|n| m.find_struct(n)) {
                Some(ns) => {
                    let c = fields_const(ns);
                    quote!(#c)
                }
                None => quote!(&[]),
            };
            quote! {
                rt::FieldSchema {
                    name: #name,
                    json_name: #json,
                    type_name: #raw,
                    ty: #ty,
                    versions: #versions,
                    nullable_versions: #nullable,
                    tag: #tag,
                    tagged_versions: #tagged,
                    flexible_versions: #flex,
                    default: #default,
                    ignorable: #ignorable,
                    map_key: #map_key,
                    entity_type: #entity,
                    zero_copy: #zero_copy,
                    about: #about,
                    fields: #fields,
                },
            }
        });
        let doc = format!(" The fields of `{}`, in wire order.", s.name);
        out.extend(quote! {
            #[doc = #doc]
            pub static #cname: &[rt::FieldSchema] = &[#(#entries)*];
        });
    }
    let name = &m.name;
    let kind = match m.kind {
        Kind::Request => quote!(rt::MessageKind::Request),
        Kind::Response => quote!(rt::MessageKind::Response),
        Kind::Header => quote!(rt::MessageKind::Header),
        Kind::Data => quote!(rt::MessageKind::Data),
    };
    let api_key = match m.api_key {
        Some(k) => quote!(Some(#k)),
        None => quote!(None),
    };
    let valid = vr_expr(m.valid);
    let flexible = vr_expr(m.flexible);
    let deprecated = vr_expr(m.deprecated);
    let unstable = m.latest_version_unstable;
    let listeners = &m.listeners;
    let releases = crate::releases::table(m);
    let root = fields_const(m.root());
    let structs = m.structs.iter().map(|s| {
        let n = &s.name;
        let c = fields_const(s);
        quote!((#n, #c),)
    });
    out.extend(quote! {
        /// This message's schema, as Kafka's JSON defines it.
        pub static SCHEMA: rt::MessageSchema = rt::MessageSchema {
            name: #name,
            kind: #kind,
            api_key: #api_key,
            valid: #valid,
            flexible: #flexible,
            deprecated: #deprecated,
            latest_version_unstable: #unstable,
            releases: #releases,
            listeners: &[#(#listeners),*],
            fields: #root,
            structs: &[#(#structs)*],
        };
    });
    out
}

fn message_impls(m: &Message) -> TokenStream {
    let name = ident(&m.name);
    let mut out = quote! {
        impl<'a> rt::Message<'a> for #name<'a> {
            const SCHEMA: &'static rt::MessageSchema = &SCHEMA;
        }
    };
    if let Some(_key) = m.api_key {
        let api = format_ident!("{}", api_name(m));
        match m.kind {
            Kind::Request => {
                let resp_mod = format_ident!("{}", snake(&format!("{}Response", api_name(m))));
                let resp = format_ident!("{}Response", api_name(m));
                out.extend(quote! {
                    impl<'a> rt::Request<'a> for #name<'a> {
                        const API_KEY: rt::ApiKey = rt::ApiKey::#api;
                        type Response<'b> = super::#resp_mod::#resp<'b>;
                    }
                });
            }
            Kind::Response => out.extend(quote! {
                impl<'a> rt::Response<'a> for #name<'a> {
                    const API_KEY: rt::ApiKey = rt::ApiKey::#api;
                }
            }),
            _ => {}
        }
    }
    out
}

/// `MetadataRequest` → `Metadata`.
pub fn api_name(m: &Message) -> String {
    m.name
        .trim_end_matches("Request")
        .trim_end_matches("Response")
        .to_string()
}
