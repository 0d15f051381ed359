//! `kio decode`: bytes → JSON.

use std::path::PathBuf;

use clap::ValueEnum;
use kio_core::frame::peek_request;
use kio_core::ApiKey;
use kio_std::json::{self, JsonError, Kind};
use serde_json::Value;

use crate::input::{self, InFormat};
use crate::{output, CmdResult, Failure};

/// The `--kind` of a bare body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// A request body.
    Request,
    /// A response body.
    Response,
}

/// Arguments of `kio decode`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Without --kind the input is a whole frame (the 4-byte size prefix is optional; \
several size-prefixed frames in a row are decoded one per line). A request frame \
names its API and version; a response frame needs --api-key and --api-version of \
its request. With --kind the input is a bare body (no header).

Examples:
  kio decode <<< 0000001b0012000300000001000570656572730006726177707904302e3100
  kio decode --api-key Metadata --api-version 12 response.bin
  kio decode --kind request --api-key 18 --api-version 3 --format base64 body.b64")]
pub struct Args {
    /// The input file (stdin when absent or `-`).
    pub file: Option<PathBuf>,
    /// How the input is written.
    #[arg(long, value_enum, default_value_t = InFormat::Auto)]
    pub format: InFormat,
    /// The API (name like `Metadata` or key number) of a response frame or a body.
    #[arg(long)]
    pub api_key: Option<String>,
    /// The API version of a response frame or a body.
    #[arg(long, allow_hyphen_values = true)]
    pub api_version: Option<i16>,
    /// Decode a bare body of this kind instead of a frame.
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// Print one line per document instead of indented JSON.
    #[arg(long)]
    pub compact: bool,
    /// The memory budget of each frame's derived views (decompressed
    /// batches, readable keys and values), e.g. `64M`; default 64 × the
    /// frame's size, at least 1 MiB and at most 256 MiB (docs/JSON.md).
    #[arg(long, value_name = "SIZE", value_parser = json::budget::parse_size)]
    pub max_decompressed: Option<usize>,
}

/// Runs `kio decode`.
pub fn run(a: Args) -> CmdResult {
    let opts = json::DecodeOptions {
        max_decompressed: a.max_decompressed,
    };
    let raw = input::read_all(a.file.as_deref())?;
    let bytes = input::bytes_of(&raw, a.format)?;
    let api = match &a.api_key {
        Some(name) => Some(
            json::api_by_name(name)
                .ok_or_else(|| Failure::usage(format!("--api-key: unknown API {name:?}")))?,
        ),
        None => None,
    };
    let context = match (api, a.api_version) {
        (Some(k), Some(v)) => {
            if !k.valid_versions().contains(v) {
                return Err(Failure::usage(format!(
                    "--api-version: {} has versions {}, not {v}",
                    k.name(),
                    k.valid_versions()
                )));
            }
            Some((k, v))
        }
        (None, None) => None,
        _ => return Err(Failure::usage("--api-key and --api-version go together")),
    };
    let docs = match a.kind {
        Some(kind) => {
            let (k, v) = context
                .ok_or_else(|| Failure::usage("--kind needs --api-key and --api-version"))?;
            let kind = match kind {
                KindArg::Request => Kind::Request,
                KindArg::Response => Kind::Response,
            };
            vec![json::decode_body_with(kind, k, v, &bytes, &opts)
                .map_err(|e| failure(&e, 0, &format!("{} {kind} body v{v}", k.name())))?]
        }
        None => decode_frames(&bytes, context, &opts)?,
    };
    let pretty = docs.len() == 1 && !a.compact;
    for d in &docs {
        let s = if pretty {
            serde_json::to_string_pretty(d)
        } else {
            serde_json::to_string(d)
        }
        .map_err(|e| Failure::input(e.to_string()))?;
        output::line(&s)?;
    }
    Ok(())
}

/// Splits the input into size-prefixed frames when it is exactly a run of
/// them; otherwise it is one frame without a prefix. Gives (offset of the
/// frame's first byte after any prefix, frame).
fn split_frames(bytes: &[u8]) -> Vec<(usize, &[u8])> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let Some(p) = bytes.get(pos..pos + 4) else {
            break;
        };
        let size = u32::from_be_bytes([p[0], p[1], p[2], p[3]]) as usize;
        match bytes.get(pos + 4..pos + 4 + size) {
            Some(frame) if size > 0 => {
                out.push((pos + 4, frame));
                pos += 4 + size;
            }
            _ => break,
        }
    }
    if pos == bytes.len() && !out.is_empty() {
        out
    } else {
        vec![(0, bytes)]
    }
}

fn decode_frames(
    bytes: &[u8],
    context: Option<(ApiKey, i16)>,
    opts: &json::DecodeOptions,
) -> Result<Vec<Value>, Failure> {
    if bytes.is_empty() {
        return Err(Failure::input("no input bytes"));
    }
    let mut docs = Vec::new();
    for (base, frame) in split_frames(bytes) {
        let what = match context {
            Some((k, v)) => format!("{} v{v} response frame", k.name()),
            None => match peek_request(frame) {
                Ok(p) => match ApiKey::from_i16(p.api_key) {
                    Some(k) => format!("{} v{} request frame", k.name(), p.api_version),
                    None => format!("request frame with unknown API key {}", p.api_key),
                },
                Err(_) => "request frame".into(),
            },
        };
        docs.push(
            json::decode_frame_with(frame, context, opts).map_err(|e| failure(&e, base, &what))?,
        );
    }
    Ok(docs)
}

/// A decode failure as "cannot decode WHAT at input byte N (in FIELD): WHY".
fn failure(e: &JsonError, base: usize, what: &str) -> Failure {
    match e {
        JsonError::Decode(d) => {
            let field = if d.field.is_empty() {
                String::new()
            } else {
                format!(" in {}", d.field)
            };
            Failure::input(format!(
                "cannot decode {what}: at input byte {}{field}: {}",
                base + d.offset,
                d.kind
            ))
        }
        other => Failure::input(format!("cannot decode {what}: {other}")),
    }
}
