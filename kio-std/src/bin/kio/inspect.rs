//! `kio inspect`: the Kafka conversation in a capture.

use std::path::PathBuf;

use clap::ValueEnum;
use kio_std::inspect::{self, InspectOptions};

use crate::{input, output, CmdResult, Failure};

/// The capture bundled with kio (kafka-python 3.0 talking to Tansu on port
/// 19092), used when no file is given.
pub const BUNDLED: &[u8] = include_bytes!("../../../data/kafka-python-session.pcapng");

/// The broker port of the bundled capture.
pub const BUNDLED_PORT: u16 = 19092;

/// Output formats of `kio inspect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON object per frame, in capture time order (docs/JSON.md).
    #[value(alias = "json")]
    Jsonl,
    /// One line per request/response pair.
    Table,
}

/// Arguments of `kio inspect`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
With no FILE, inspects the capture bundled with kio: kafka-python 3.0 creating \
a topic, producing 6 records with headers and reading them back from a Tansu \
broker on port 19092.

Examples:
  kio inspect --format table
  kio inspect traffic.pcapng --port 9092 --port 9093
  kio inspect traffic.pcap | jq 'select(.apiName == \"Produce\")'")]
pub struct Args {
    /// A pcap or pcapng capture (the bundled capture when absent).
    pub file: Option<PathBuf>,
    /// The broker's TCP port (repeatable; default 9092, or 19092 for the bundled capture).
    #[arg(long = "port")]
    pub ports: Vec<u16>,
    /// How to print the conversation (default: the table on a terminal,
    /// JSON Lines when piped).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Re-encode every frame from its JSON and compare with the captured
    /// bytes (adds `roundTrip` to each JSON object; fails on a mismatch).
    #[arg(long)]
    pub check: bool,
    /// The memory budget of each frame's derived views, e.g. `64M`; default
    /// 64 × the frame's size, at least 1 MiB and at most 256 MiB (docs/JSON.md).
    #[arg(long, value_name = "SIZE", value_parser = kio_std::json::budget::parse_size)]
    pub max_decompressed: Option<usize>,
}

/// Runs `kio inspect`.
pub fn run(a: Args) -> CmdResult {
    let (bytes, mut ports) = match &a.file {
        Some(p) => (input::read_all(Some(p))?, Vec::new()),
        None => (BUNDLED.to_vec(), vec![BUNDLED_PORT]),
    };
    if !a.ports.is_empty() {
        ports = a.ports.clone();
    }
    let opts = InspectOptions {
        ports,
        check: a.check,
        decode: kio_std::json::DecodeOptions {
            max_decompressed: a.max_decompressed,
        },
    };
    let conv = inspect::inspect(&bytes, &opts).map_err(Failure::input)?;
    for issue in &conv.issues {
        eprintln!("kio: capture: {issue}");
    }
    let format = a.format.unwrap_or_else(|| {
        use std::io::IsTerminal;
        if std::io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Jsonl
        }
    });
    match format {
        Format::Jsonl => {
            let mut out = String::new();
            for f in &conv.frames {
                out.push_str(
                    &serde_json::to_string(&f.json).map_err(|e| Failure::input(e.to_string()))?,
                );
                out.push('\n');
            }
            output::write(out.as_bytes())?;
        }
        Format::Table => output::write(inspect::table(&conv).as_bytes())?,
    }
    let s = conv.stats;
    let mut summary = format!(
        "kio inspect: {} connections, {} requests, {} responses, {} paired",
        s.connections, s.requests, s.responses, s.paired
    );
    if a.check {
        summary.push_str(&format!(
            ", {} re-encoded identically, {} mismatches",
            s.identical, s.mismatches
        ));
    }
    if s.non_canonical > 0 {
        let rewritten = if a.check {
            " (JSON → bytes writes their canonical form)"
        } else {
            ""
        };
        summary.push_str(&format!(
            ", {} non-canonical frames{rewritten}",
            s.non_canonical
        ));
    }
    for (n, what) in [
        (s.decode_errors, "decode errors"),
        (s.unpaired_responses, "unpaired responses"),
        (s.unanswered_requests, "requests without response"),
    ] {
        if n > 0 {
            summary.push_str(&format!(", {n} {what}"));
        }
    }
    eprintln!("{summary}");
    if s.requests + s.responses == 0 {
        return Err(Failure::input(
            "no Kafka frames found (is --port the broker's port?)",
        ));
    }
    if s.decode_errors > 0 || s.mismatches > 0 || s.unpaired_responses > 0 {
        return Err(Failure {
            code: 1,
            message: String::new(),
        });
    }
    Ok(())
}
