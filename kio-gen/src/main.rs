//! The `kio-gen` command: `kio-gen --schema DIR [--schema OLDER_DIR ...] --out DIR [--check]`.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut schemas: Vec<PathBuf> = Vec::new();
    let mut out = PathBuf::from("kio-core/src/generated");
    let mut check = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--schema" => schemas.push(args.next().map(PathBuf::from).unwrap_or_default()),
            "--out" => out = args.next().map(PathBuf::from).unwrap_or_default(),
            "--check" => check = true,
            "-h" | "--help" => {
                println!(
                    "kio-gen: generate kio-core's messages from Kafka's JSON schemas\n\n\
                     usage: kio-gen [--schema DIR]... [--out DIR] [--check]\n\n  \
                     --schema DIR  Kafka's clients/src/main/resources/common/message folder of one\n                \
                     release, named after the folder (e.g. 4.3.1). Repeat it, newest\n                \
                     release first, to generate the union of their versions (default:\n                \
                     ../shared/kafka-schema/4.3.1 then ../shared/kafka-schema/3.9.0); an\n                \
                     errors.json beside the newest schemas generates ErrorCode\n  \
                     --out DIR     where the Rust goes (default kio-core/src/generated)\n  \
                     --check       write nothing; fail if the output would change"
                );
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("kio-gen: unknown argument {other:?} (see --help)");
                return ExitCode::from(2);
            }
        }
    }
    if schemas.is_empty() {
        schemas = vec![
            PathBuf::from("../shared/kafka-schema/4.3.1"),
            PathBuf::from("../shared/kafka-schema/3.9.0"),
        ];
    }
    let dirs: Vec<&std::path::Path> = schemas.iter().map(|p| p.as_path()).collect();
    let result = kio_gen::load_releases(&dirs)
        .and_then(|(messages, errors)| {
            let n = messages.len();
            kio_gen::generate(&messages, &errors).map(|o| (o, n))
        })
        .and_then(|(output, n)| kio_gen::write(&output, &out, check).map(|d| (d, n, output.len())));
    match result {
        Ok((differ, _, files)) if check && !differ.is_empty() => {
            eprintln!(
                "kio-gen --check: {} of {files} generated files differ: {}",
                differ.len(),
                differ.join(", ")
            );
            ExitCode::FAILURE
        }
        Ok((differ, n, files)) => {
            eprintln!(
                "kio-gen: {n} schemas, {files} files, {} changed",
                differ.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kio-gen: {e}");
            ExitCode::FAILURE
        }
    }
}
