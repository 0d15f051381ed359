//! The `kio-gen` command: `kio-gen --schema DIR [--schema OLDER_DIR ...] --out DIR [--check]`.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut schemas: Vec<PathBuf> = Vec::new();
    let mut out = PathBuf::from("kio-core/src/generated");
    let mut check = false;
    let mut records: Option<PathBuf> = None;
    let mut records_out = PathBuf::from("kio-core/src/internal_records");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--schema" => schemas.push(args.next().map(PathBuf::from).unwrap_or_default()),
            "--out" => out = args.next().map(PathBuf::from).unwrap_or_default(),
            "--check" => check = true,
            "--records" => records = args.next().map(PathBuf::from),
            "--records-out" => records_out = args.next().map(PathBuf::from).unwrap_or_default(),
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
                     --records DIR Kafka's internal-record schemas (a folder holding group-coordinator/,\n                \
                     transaction-coordinator/, share-coordinator/, metadata/, storage/, e.g.\n                \
                     ../shared/kafka-schema/4.3.1-records); generates them too\n  \
                     --records-out DIR  where they go (default kio-core/src/internal_records)\n  \
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
    if let Some(root) = &records {
        let result = kio_gen::records::load(root).and_then(|folders| {
            let n: usize = folders.iter().map(|f| f.messages.len()).sum();
            let output = kio_gen::records::generate(&folders)?;
            kio_gen::write(&output, &records_out, check).map(|d| (d, n, output.len()))
        });
        match result {
            Ok((differ, _, files)) if check && !differ.is_empty() => {
                eprintln!(
                    "kio-gen --check: {} of {files} generated record files differ: {}",
                    differ.len(),
                    differ.join(", ")
                );
                return ExitCode::FAILURE;
            }
            Ok((differ, n, files)) => eprintln!(
                "kio-gen: {n} record schemas, {files} files, {} changed",
                differ.len()
            ),
            Err(e) => {
                eprintln!("kio-gen: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
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
