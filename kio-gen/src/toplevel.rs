//! The generated files that span all messages: the module list, `ApiKey`,
//! the request/response dispatch enums, `ErrorCode` and the schema registry.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::emit::api_name;
use crate::model::{Kind, Message};
use crate::names::{pascal_from_screaming, snake};
use crate::spec::ErrorSpec;

fn modname(m: &Message) -> proc_macro2::Ident {
    format_ident!("{}", snake(&m.name))
}

fn requests(messages: &[Message]) -> Vec<(&Message, &Message)> {
    let mut v: Vec<(&Message, &Message)> = messages
        .iter()
        .filter(|m| m.kind == Kind::Request)
        .filter_map(|q| {
            let p = messages
                .iter()
                .find(|p| p.kind == Kind::Response && p.api_key == q.api_key)?;
            Some((q, p))
        })
        .collect();
    v.sort_by_key(|(q, _)| q.api_key);
    v
}

/// `mod.rs`: one module per message, and the top-level types re-exported.
pub fn module(messages: &[Message]) -> TokenStream {
    let mods = messages.iter().map(|m| {
        let md = modname(m);
        let ty = format_ident!("{}", m.name);
        let doc = format!(" `{}` and its nested structs.", m.name);
        quote! {
            #[doc = #doc]
            pub mod #md;
            pub use #md::#ty;
        }
    });
    quote! {
        //! Every message of Kafka's schemas: one module per message, holding
        //! the message type, its nested structs and its static schema.
        #![allow(clippy::all)]
        mod api_key;
        mod dispatch;
        mod error_code;
        mod registry;
        pub use api_key::ApiKey;
        pub use dispatch::{RequestBody, ResponseBody};
        pub use error_code::ErrorCode;
        pub use registry::{find_schema, ALL_SCHEMAS, RELEASES};
        #(#mods)*
    }
}

/// `api_key.rs`: the `ApiKey` enum.
pub fn api_key(messages: &[Message]) -> TokenStream {
    let pairs = requests(messages);
    let variants = pairs.iter().map(|(q, _)| {
        let v = format_ident!("{}", api_name(q));
        let k = q.api_key.unwrap_or_default();
        let doc = format!(
            " API key {k}: `{}` / `{}`; versions {}.",
            q.name,
            api_name(q),
            q.valid.text()
        );
        quote!(#[doc = #doc] #v = #k,)
    });
    let all = pairs.iter().map(|(q, _)| {
        let v = format_ident!("{}", api_name(q));
        quote!(ApiKey::#v,)
    });
    let from = pairs.iter().map(|(q, _)| {
        let v = format_ident!("{}", api_name(q));
        let k = q.api_key.unwrap_or_default();
        quote!(#k => Some(ApiKey::#v),)
    });
    let names = pairs.iter().map(|(q, _)| {
        let v = format_ident!("{}", api_name(q));
        let n = api_name(q);
        quote!(ApiKey::#v => #n,)
    });
    let req = pairs.iter().map(|(q, _)| {
        let v = format_ident!("{}", api_name(q));
        let md = modname(q);
        quote!(ApiKey::#v => &super::#md::SCHEMA,)
    });
    let resp = pairs.iter().map(|(q, p)| {
        let v = format_ident!("{}", api_name(q));
        let md = modname(p);
        quote!(ApiKey::#v => &super::#md::SCHEMA,)
    });
    let n = pairs.len();
    quote! {
        use crate::rt;

        /// A Kafka API: the key that request and response headers carry.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        #[repr(i16)]
        pub enum ApiKey {
            #(#variants)*
        }

        impl ApiKey {
            /// Every API, by key.
            pub const ALL: [ApiKey; #n] = [#(#all)*];

            /// The API with this key, if Kafka defines it.
            pub const fn from_i16(key: i16) -> Option<ApiKey> {
                match key {
                    #(#from)*
                    _ => None,
                }
            }

            /// The numeric key.
            pub const fn key(self) -> i16 {
                self as i16
            }

            /// The API's name, e.g. `"Metadata"`.
            pub const fn name(self) -> &'static str {
                match self {
                    #(#names)*
                }
            }

            /// The request's schema.
            pub fn request_schema(self) -> &'static rt::MessageSchema {
                match self {
                    #(#req)*
                }
            }

            /// The response's schema.
            pub fn response_schema(self) -> &'static rt::MessageSchema {
                match self {
                    #(#resp)*
                }
            }

            /// The versions both request and response support: every version
            /// any release generated from defines ([`crate::RELEASES`]).
            pub fn valid_versions(self) -> rt::VersionRange {
                self.request_schema().valid
            }

            /// The highest stable version (`None` if no version is stable): what
            /// a client should offer unless asked for unstable versions.
            pub fn latest_stable_version(self) -> Option<i16> {
                self.request_schema().latest_stable()
            }

            /// Whether `version` is valid and stable (not the unstable latest
            /// version of the release its layout comes from).
            pub fn is_stable(self, version: i16) -> bool {
                self.request_schema().is_stable(version)
            }

            /// Whether `version` of this API uses flexible (compact) encodings.
            pub fn is_flexible(self, version: i16) -> bool {
                self.request_schema().flexible.contains(version)
            }

            /// The request header version for `version` of this API: 2 for
            /// flexible versions, 1 otherwise, and 0 for ControlledShutdown v0.
            pub fn request_header_version(self, version: i16) -> i16 {
                if self.key() == 7 && version == 0 {
                    0
                } else if self.is_flexible(version) {
                    2
                } else {
                    1
                }
            }

            /// The response header version for `version` of this API: 1 for
            /// flexible versions, 0 otherwise, and always 0 for ApiVersions
            /// (a client must read it before it knows what the broker supports).
            pub fn response_header_version(self, version: i16) -> i16 {
                if self.key() != 18 && self.is_flexible(version) {
                    1
                } else {
                    0
                }
            }
        }

        impl TryFrom<i16> for ApiKey {
            type Error = i16;
            fn try_from(key: i16) -> Result<ApiKey, i16> {
                ApiKey::from_i16(key).ok_or(key)
            }
        }

        impl core::fmt::Display for ApiKey {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.name())
            }
        }
    }
}

fn dispatch_enum(messages: &[Message], request: bool) -> TokenStream {
    let pairs = requests(messages);
    let (ename, what) = if request {
        ("RequestBody", "request")
    } else {
        ("ResponseBody", "response")
    };
    let ename = format_ident!("{}", ename);
    let pick = |(q, p): &(&Message, &Message)| -> (proc_macro2::Ident, proc_macro2::Ident, proc_macro2::Ident) {
        let m = if request { *q } else { *p };
        (format_ident!("{}", api_name(q)), modname(m), format_ident!("{}", m.name))
    };
    let variants = pairs.iter().map(|pr| {
        let (v, md, ty) = pick(pr);
        quote!(#[doc = concat!(" `", stringify!(#ty), "`.")] #v(super::#md::#ty<'a>),)
    });
    let decode = pairs.iter().map(|pr| {
        let (v, md, ty) = pick(pr);
        quote!(ApiKey::#v => #ename::#v(<super::#md::#ty<'a> as rt::Message<'a>>::decode_from(r, version)?),)
    });
    let encode = pairs.iter().map(|pr| {
        let (v, _, _) = pick(pr);
        quote!(#ename::#v(m) => rt::Message::encode(m, w, version),)
    });
    let key = pairs.iter().map(|pr| {
        let (v, _, _) = pick(pr);
        quote!(#ename::#v(_) => ApiKey::#v,)
    });
    let owned = pairs.iter().map(|pr| {
        let (v, _, _) = pick(pr);
        quote!(#ename::#v(m) => #ename::#v(rt::IntoOwned::into_owned(m)),)
    });
    let ser = pairs.iter().map(|pr| {
        let (v, _, _) = pick(pr);
        quote!(#ename::#v(m) => serde::Serialize::serialize(m, s),)
    });
    let de = pairs.iter().map(|pr| {
        let (v, _, _) = pick(pr);
        quote!(ApiKey::#v => #ename::#v(serde::Deserialize::deserialize(d)?),)
    });
    let doc = format!(" Any {what}: one variant per API.");
    let decode_doc = format!(
        " Decodes a {what} body of `api_key` at `version` from a reader, leaving what follows."
    );
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        pub enum #ename<'a> {
            #(#variants)*
        }

        impl<'a> #ename<'a> {
            #[doc = #decode_doc]
            pub fn decode_from(api_key: ApiKey, version: i16, r: &mut rt::Reader<'a>) -> Result<Self, rt::DecodeError> {
                Ok(match api_key {
                    #(#decode)*
                })
            }

            /// Decodes exactly `bytes` as the body of `api_key` at `version`.
            pub fn decode(api_key: ApiKey, version: i16, bytes: &'a [u8]) -> Result<Self, rt::DecodeError> {
                let mut r = rt::Reader::new(bytes);
                let body = Self::decode_from(api_key, version, &mut r)?;
                r.finish()?;
                Ok(body)
            }

            /// Encodes the body at `version`.
            pub fn encode(&self, w: &mut dyn rt::Sink, version: i16) -> Result<(), rt::EncodeError> {
                match self {
                    #(#encode)*
                }
            }

            /// The exact number of bytes [`Self::encode`] writes.
            pub fn encoded_len(&self, version: i16) -> Result<usize, rt::EncodeError> {
                let mut c = rt::CountingSink::default();
                self.encode(&mut c, version)?;
                Ok(c.count)
            }

            /// The API this body belongs to.
            pub fn api_key(&self) -> ApiKey {
                match self {
                    #(#key)*
                }
            }

            /// An owned copy that outlives the input.
            #[cfg(feature = "alloc")]
            pub fn into_owned(self) -> #ename<'static> {
                match self {
                    #(#owned)*
                }
            }
        }

        #[cfg(feature = "serde")]
        impl serde::Serialize for #ename<'_> {
            /// Serializes the message itself (the API is known from context).
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(#ser)*
                }
            }
        }

        #[cfg(feature = "serde")]
        impl #ename<'static> {
            /// Deserializes the message of `api_key` (the JSON does not name its API).
            pub fn deserialize_as<'de, D: serde::Deserializer<'de>>(api_key: ApiKey, d: D) -> Result<Self, D::Error> {
                Ok(match api_key {
                    #(#de)*
                })
            }
        }
    }
}

/// `dispatch.rs`: `RequestBody` and `ResponseBody`.
pub fn dispatch(messages: &[Message]) -> TokenStream {
    let req = dispatch_enum(messages, true);
    let resp = dispatch_enum(messages, false);
    quote! {
        use super::ApiKey;
        use crate::rt;
        #req
        #resp
    }
}

/// `registry.rs`: every message schema, for introspection.
pub fn registry(messages: &[Message]) -> TokenStream {
    let all = messages.iter().map(|m| {
        let md = modname(m);
        quote!(&super::#md::SCHEMA,)
    });
    let n = messages.len();
    let release_names: Vec<&str> = messages
        .first()
        .map(|m| m.releases.iter().map(|r| r.name.as_str()).collect())
        .unwrap_or_default();
    let nr = release_names.len();
    let each = messages.iter().map(|m| {
        let md = modname(m);
        let ty = format_ident!("{}", m.name);
        let kind = format_ident!(
            "{}",
            match m.kind {
                Kind::Request => "request",
                Kind::Response => "response",
                Kind::Header => "header",
                Kind::Data => "data",
            }
        );
        quote!($m!(#ty, #md, #kind);)
    });
    quote! {
        use crate::rt;

        /// Calls macro `$m!(TypeName, module_name, kind)` once for every message
        /// (`kind` is `request`, `response`, `header` or `data`): a way for tests
        /// and tools to reach every message type without listing them by hand.
        #[macro_export]
        macro_rules! for_each_message {
            ($m:ident) => {
                #(#each)*
            };
        }

        /// The Kafka releases generated from, newest first. Each version of a
        /// message is laid out as the newest of them that defines it.
        pub static RELEASES: [&str; #nr] = [#(#release_names),*];

        /// Every message schema: requests, responses, headers and data schemas, by name.
        pub static ALL_SCHEMAS: [&rt::MessageSchema; #n] = [#(#all)*];

        /// The schema of the message named `name` (e.g. `"MetadataRequest"`).
        pub fn find_schema(name: &str) -> Option<&'static rt::MessageSchema> {
            ALL_SCHEMAS.iter().copied().find(|s| s.name == name)
        }
    }
}

/// `error_code.rs`: `ErrorCode` from Kafka's error table.
pub fn error_codes(errors: &[ErrorSpec]) -> Result<TokenStream, String> {
    if errors.is_empty() {
        return Err("errors.json: missing or empty (it generates ErrorCode)".into());
    }
    let mut seen = std::collections::BTreeSet::new();
    for e in errors {
        if !seen.insert(e.code) {
            return Err(format!("errors.json: code {} listed twice", e.code));
        }
    }
    let variant = |e: &ErrorSpec| format_ident!("{}", pascal_from_screaming(&e.name));
    let variants = errors.iter().map(|e| {
        let v = variant(e);
        let doc = format!(
            " `{}` ({}): {}{}",
            e.name,
            e.code,
            e.message.as_deref().unwrap_or("no error."),
            if e.retriable { " Retriable." } else { "" }
        );
        quote!(#[doc = #doc] #v,)
    });
    let from = errors.iter().map(|e| {
        let v = variant(e);
        let c = e.code;
        quote!(#c => ErrorCode::#v,)
    });
    let code = errors.iter().map(|e| {
        let v = variant(e);
        let c = e.code;
        quote!(ErrorCode::#v => #c,)
    });
    let name = errors.iter().map(|e| {
        let v = variant(e);
        let n = &e.name;
        quote!(ErrorCode::#v => #n,)
    });
    let message = errors.iter().map(|e| {
        let v = variant(e);
        match &e.message {
            Some(m) => quote!(ErrorCode::#v => Some(#m),),
            None => quote!(ErrorCode::#v => None,),
        }
    });
    let exception = errors.iter().map(|e| {
        let v = variant(e);
        match &e.exception {
            Some(m) => quote!(ErrorCode::#v => Some(#m),),
            None => quote!(ErrorCode::#v => None,),
        }
    });
    let retriable = errors.iter().filter(|e| e.retriable).map(|e| {
        let v = variant(e);
        quote!(ErrorCode::#v)
    });
    let all = errors.iter().map(|e| {
        let v = variant(e);
        quote!(ErrorCode::#v,)
    });
    let n = errors.len();
    Ok(quote! {
        /// A Kafka error code (from Kafka's `Errors` table). Codes Kafka does not
        /// define are kept as [`ErrorCode::Unknown`], so they round-trip.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        pub enum ErrorCode {
            #(#variants)*
            /// A code Kafka's error table (of the newest release) does not define.
            Unknown(i16),
        }

        impl ErrorCode {
            /// Every code Kafka defines.
            pub const ALL: [ErrorCode; #n] = [#(#all)*];

            /// The code's meaning (`Unknown` for codes Kafka does not define).
            pub const fn from_code(code: i16) -> ErrorCode {
                match code {
                    #(#from)*
                    other => ErrorCode::Unknown(other),
                }
            }

            /// The numeric code.
            pub const fn code(self) -> i16 {
                match self {
                    #(#code)*
                    ErrorCode::Unknown(c) => c,
                }
            }

            /// Kafka's name, e.g. `"UNKNOWN_TOPIC_OR_PARTITION"`.
            pub const fn name(self) -> &'static str {
                match self {
                    #(#name)*
                    ErrorCode::Unknown(_) => "UNKNOWN",
                }
            }

            /// Kafka's default message for the code.
            pub const fn message(self) -> Option<&'static str> {
                match self {
                    #(#message)*
                    ErrorCode::Unknown(_) => None,
                }
            }

            /// The Java exception class Kafka raises for the code.
            pub const fn exception(self) -> Option<&'static str> {
                match self {
                    #(#exception)*
                    ErrorCode::Unknown(_) => None,
                }
            }

            /// Whether a client may retry (the exception is a `RetriableException`).
            pub const fn is_retriable(self) -> bool {
                matches!(self, #(#retriable)|*)
            }

            /// True for `NONE` (code 0).
            pub const fn is_ok(self) -> bool {
                self.code() == 0
            }
        }

        impl From<i16> for ErrorCode {
            fn from(code: i16) -> ErrorCode {
                ErrorCode::from_code(code)
            }
        }

        impl From<ErrorCode> for i16 {
            fn from(code: ErrorCode) -> i16 {
                code.code()
            }
        }

        impl core::fmt::Display for ErrorCode {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.message() {
                    Some(m) => write!(f, "{} ({}): {}", self.name(), self.code(), m),
                    None => write!(f, "{} ({})", self.name(), self.code()),
                }
            }
        }
    })
}
