//! `kio encode`: JSON → bytes.

use std::path::PathBuf;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use clap::ValueEnum;
use serde_json::Value;

use crate::{input, output, CmdResult, Failure};

/// How output bytes are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutFormat {
    /// Lowercase hex, one line per document.
    Hex,
    /// Standard base64, one line per document.
    Base64,
    /// The bytes themselves, documents back to back.
    Raw,
}

/// Arguments of `kio encode`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
The input is one or more JSON documents in the shape `kio decode` prints \
(docs/JSON.md): a frame (with `header`) becomes a size-prefixed frame, a \
bare body becomes the body's bytes. Keys beginning with `_` (other than \
`_unknownTaggedFields`) are views and are ignored, as are unknown top-level keys.

Example:
  kio decode frame.hex | kio encode")]
pub struct Args {
    /// The input file (stdin when absent or `-`).
    pub file: Option<PathBuf>,
    /// How to write the bytes.
    #[arg(long, value_enum, default_value_t = OutFormat::Hex)]
    pub format: OutFormat,
}

/// Runs `kio encode`.
pub fn run(a: Args) -> CmdResult {
    let text = input::read_all(a.file.as_deref())?;
    let mut n = 0;
    for doc in serde_json::Deserializer::from_slice(&text).into_iter::<Value>() {
        n += 1;
        let doc = doc.map_err(|e| Failure::input(format!("document {n}: invalid JSON: {e}")))?;
        let bytes = kio_std::json::encode(&doc)
            .map_err(|e| Failure::input(format!("document {n}: cannot encode: {e}")))?;
        match a.format {
            OutFormat::Hex => output::line(&hex::encode(&bytes))?,
            OutFormat::Base64 => output::line(&STANDARD.encode(&bytes))?,
            OutFormat::Raw => output::write(&bytes)?,
        }
    }
    if n == 0 {
        return Err(Failure::input("no JSON documents in the input"));
    }
    Ok(())
}
