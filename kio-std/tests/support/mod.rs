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
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
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
            .args(["broker", "--listener-url", &url, "--advertised-listener-url", &url])
            .args(["--storage-engine", "memory://tansu/"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin} (run scripts/install-test-deps.sh): {e}"));
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
    assert!(py.exists(), "{} missing (run scripts/install-test-deps.sh)", py.display());
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
