//! Helpers for kio-std's own tests: run the `kio` binary, find a capture,
//! compare with golden files. Nothing here starts a broker or a client: the
//! suites that check kio against real peers live in the `kio-interop` crate
//! (`tests/` at the repository root), which includes this module too.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The repository root (every crate of the workspace sits one level below it).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The `kio` binary built for this test run (pass `env!("CARGO_BIN_EXE_kio")`).
pub fn kio_command(bin: &str) -> Command {
    let mut c = Command::new(bin);
    c.env_remove("RUST_LOG");
    c
}

/// Runs `kio` with `args` and `stdin`; returns (exit code, stdout, stderr).
pub fn run_kio(bin: &str, args: &[&str], stdin: &[u8]) -> (i32, Vec<u8>, String) {
    use std::io::Write;
    let mut child = kio_command(bin)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kio starts");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("kio output");
    let _ = writer.join();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A capture of `../shared/captures/` (or kio-std's bundled copy of the
/// kafka-python one).
pub fn shared_capture(name: &str) -> PathBuf {
    let shared = repo().join("../shared/captures").join(name);
    if shared.exists() {
        return shared;
    }
    let bundled = repo().join("kio-std/data").join(name);
    assert!(bundled.exists(), "capture {name} not found");
    bundled
}

/// Compares `actual` with the golden file `kio-std/tests/golden/<name>`; with
/// `KIO_BLESS=1` writes it instead.
pub fn golden(name: &str, actual: &str) {
    let path = repo().join("kio-std/tests/golden").join(name);
    if std::env::var_os("KIO_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("dir")).expect("golden dir");
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with KIO_BLESS=1 to create it)",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from the golden file at line {}:\n  golden: {:?}\n  actual: {:?}\n\
             (run with KIO_BLESS=1 to accept the new output)",
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}
