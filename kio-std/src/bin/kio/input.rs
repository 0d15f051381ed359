//! Reading input bytes: from a file or stdin, as hex, base64 or raw.

use std::io::Read;
use std::path::Path;

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;
use clap::ValueEnum;

use crate::Failure;

/// How input bytes are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InFormat {
    /// Hex if the input is hex digits, else base64 if it is base64, else raw.
    Auto,
    /// Hex digits (whitespace, `:` and a leading `0x` are ignored).
    Hex,
    /// Standard base64 (whitespace ignored, padding optional).
    Base64,
    /// The bytes themselves.
    Raw,
}

/// Reads a file, or stdin when `path` is `None` or `-`.
pub fn read_all(path: Option<&Path>) -> Result<Vec<u8>, Failure> {
    match path {
        Some(p) if p != Path::new("-") => std::fs::read(p)
            .map_err(|e| Failure::input(format!("cannot read {}: {e}", p.display()))),
        _ => {
            let mut v = Vec::new();
            std::io::stdin()
                .read_to_end(&mut v)
                .map_err(|e| Failure::input(format!("cannot read stdin: {e}")))?;
            Ok(v)
        }
    }
}

fn compact_text(input: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(input).ok()?;
    Some(s.chars().filter(|c| !c.is_whitespace()).collect())
}

fn parse_hex(s: &str) -> Result<Vec<u8>, String> {
    let s: String = s.chars().filter(|c| *c != ':').collect();
    let s = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(&s);
    hex::decode(s).map_err(|e| format!("invalid hex: {e}"))
}

fn parse_base64(s: &str) -> Result<Vec<u8>, String> {
    STANDARD
        .decode(s)
        .or_else(|_| STANDARD_NO_PAD.decode(s.trim_end_matches('=')))
        .map_err(|e| format!("invalid base64: {e}"))
}

/// Decodes the input text according to `format`.
pub fn bytes_of(input: &[u8], format: InFormat) -> Result<Vec<u8>, Failure> {
    let text = || {
        compact_text(input).ok_or_else(|| Failure::input("input is not text (try --format raw)"))
    };
    match format {
        InFormat::Raw => Ok(input.to_vec()),
        InFormat::Hex => parse_hex(&text()?).map_err(Failure::input),
        InFormat::Base64 => parse_base64(&text()?).map_err(Failure::input),
        InFormat::Auto => {
            let Some(t) = compact_text(input) else {
                return Ok(input.to_vec());
            };
            if t.is_empty() {
                return Ok(Vec::new());
            }
            if let Ok(b) = parse_hex(&t) {
                return Ok(b);
            }
            if let Ok(b) = parse_base64(&t) {
                return Ok(b);
            }
            Ok(input.to_vec())
        }
    }
}
