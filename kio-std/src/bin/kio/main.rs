//! `kio`: the Kafka wire protocol on the command line.
//!
//! Decode bytes to JSON and back, browse Kafka's message schemas, inspect
//! packet captures, probe a broker and run an inspecting proxy. Data goes to
//! stdout, diagnostics to stderr. Exit codes: 0 ok, 1 input or decoding
//! error, 2 usage error.
#![forbid(unsafe_code)]

mod decode;
mod encode;
mod input;
mod inspect;
mod output;
mod probe;
mod proxy;
mod schema;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The Kafka wire protocol: decode and encode frames, browse schemas,
/// inspect captures, probe brokers, proxy clients.
#[derive(Parser, Debug)]
#[command(name = "kio", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Decode bytes (hex, base64 or raw) of a frame or a body into JSON.
    Decode(decode::Args),
    /// Encode JSON (as printed by `kio decode`) back into bytes.
    Encode(encode::Args),
    /// List the APIs, or show a message's fields with versions, types, defaults and docs.
    Schema(schema::Args),
    /// Decode the Kafka conversation in a pcap/pcapng capture (the bundled one by default).
    Inspect(inspect::Args),
    /// Ask a broker for its API versions and metadata (like `kcat -L`).
    Probe(probe::Args),
    /// Run an inspecting proxy between Kafka clients and a broker.
    Proxy(Box<proxy::Args>),
}

/// A failed command: the exit code and what to tell the user.
#[derive(Debug)]
pub struct Failure {
    /// 1 for input and decoding errors, 2 for usage errors.
    pub code: u8,
    /// The message, printed after `kio: `.
    pub message: String,
}

impl Failure {
    /// An input or decoding error (exit code 1).
    pub fn input(message: impl Into<String>) -> Self {
        Failure {
            code: 1,
            message: message.into(),
        }
    }

    /// A usage error (exit code 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: 2,
            message: message.into(),
        }
    }
}

/// What every command returns.
pub type CmdResult = Result<(), Failure>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode(a) => decode::run(a),
        Command::Encode(a) => encode::run(a),
        Command::Schema(a) => schema::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Probe(a) => probe::run(a),
        Command::Proxy(a) => proxy::run(*a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if !f.message.is_empty() {
                eprintln!("kio: {}", f.message);
            }
            ExitCode::from(f.code)
        }
    }
}
