//! Real peers for kio-std's tests: the Tansu broker and the Python clients.
//! Everything runs on 127.0.0.1 and is stopped when the test ends.
//!
//! The peers are installed by `scripts/install-test-deps.sh`. A test that
//! needs one fails when it is missing; set `KIO_SKIP_REAL_PEERS=1` to turn
//! such tests into a printed skip instead (CI never sets it).
#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// True (after printing why) when real-peer tests should be skipped.
pub fn skip_real_peers(what: &str) -> bool {
    if std::env::var_os("KIO_SKIP_REAL_PEERS").is_some() {
        eprintln!("skipping {what}: KIO_SKIP_REAL_PEERS is set");
        return true;
    }
    false
}

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Waits until something accepts connections on `addr`.
pub fn wait_listening(addr: SocketAddr, timeout: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// A Tansu broker (in-memory storage) on 127.0.0.1, killed on drop.
pub struct Tansu {
    /// Where it listens.
    pub addr: SocketAddr,
    child: Child,
}

impl Tansu {
    /// Starts a broker on a free port and waits until it accepts connections.
    pub fn start() -> Tansu {
        let port = free_port();
        let url = format!("tcp://127.0.0.1:{port}");
        let bin = std::env::var("KIO_TANSU").unwrap_or_else(|_| "tansu".into());
        let child = Command::new(&bin)
            .args([
                "broker",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
            ])
            .args(["--storage-engine", "memory://tansu/"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {bin} (run scripts/install-test-deps.sh): {e}")
            });
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
        let mut t = Tansu { addr, child };
        if !wait_listening(addr, Duration::from_secs(20)) {
            let _ = t.child.kill();
            panic!("tansu did not listen on {addr}");
        }
        t
    }
}

impl Drop for Tansu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The Python of the test venv (with kafka-python and confluent-kafka).
pub fn python() -> PathBuf {
    match std::env::var_os("KIO_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => repo().join(".venv/bin/python"),
    }
}

/// Runs a Python script (text) with arguments in the test venv, with a
/// timeout; returns (success, stdout, stderr).
pub fn run_python(script: &str, args: &[&str], timeout: Duration) -> (bool, String, String) {
    let py = python();
    assert!(
        py.exists(),
        "{} missing (run scripts/install-test-deps.sh)",
        py.display()
    );
    let mut child = Command::new(&py)
        .arg("-c")
        .arg(script)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python starts");
    let start = Instant::now();
    loop {
        match child.try_wait().expect("wait") {
            Some(_) => break,
            None if start.elapsed() > timeout => {
                let _ = child.kill();
                break;
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    let out = child.wait_with_output().expect("output");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The `kio` binary built for this test run (only in tests that declare it:
/// pass `env!("CARGO_BIN_EXE_kio")`).
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

/// A capture of `../shared/captures/` (or the bundled copy of the
/// kafka-python one).
pub fn shared_capture(name: &str) -> PathBuf {
    let shared = repo().join("../shared/captures").join(name);
    if shared.exists() {
        return shared;
    }
    let bundled = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name);
    assert!(bundled.exists(), "capture {name} not found");
    bundled
}

/// Compares `actual` with the golden file `tests/golden/<name>`; with
/// `KIO_BLESS=1` writes it instead.
pub fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
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
