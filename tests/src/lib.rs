//! # kio-interop: kio checked against the world
//!
//! The suites in `tests/tests/` check kio against programs nobody here wrote:
//! the Tansu broker, the real clients (confluent-kafka's librdkafka and
//! kafka-python), Wireshark's `tshark` dissector, the installer on a machine
//! without its tools, and (in `tests/browser/`, run by
//! `scripts/test-browser.sh`) the devtools page in headless Chromium.
//! Each crate's own tests stay beside its code (`kio-core/tests`,
//! `kio-std/tests`, ...).
//!
//! This module is the one place that starts and stops those outside
//! processes. Everything runs on 127.0.0.1 and is stopped when its handle is
//! dropped, or when the test ends.
//!
//! The peers are installed by `scripts/install-test-deps.sh`. A test that
//! needs one fails when it is missing; set `KIO_SKIP_REAL_PEERS=1` to turn
//! such tests into a printed skip instead (CI never sets it).
//!
//! The `kio` CLI under test is built by this crate from kio-std's own
//! sources as the binary `kio-interop-cli` (so it is always the current
//! code); tests reach it with `env!("CARGO_BIN_EXE_kio-interop-cli")`.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../../kio-std/tests/support/mod.rs"]
mod cli_support;

pub use cli_support::{repo, run_kio, shared_capture};

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
        Tansu::start_on(free_port())
    }

    /// Starts a broker on `port` (e.g. again after [`Tansu::stop`], to
    /// restart it where clients knew it) and waits until it accepts
    /// connections.
    pub fn start_on(port: u16) -> Tansu {
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

impl Tansu {
    /// Kills the broker (as a crash would) and waits for it to be gone.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for Tansu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The Python of the test venv (with kafka-python and confluent-kafka):
/// `KIO_PYTHON`, else `$KIO_VENV/bin/python`, else `<repo>/.venv/bin/python`.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("KIO_PYTHON") {
        return PathBuf::from(p);
    }
    match std::env::var_os("KIO_VENV") {
        Some(v) => PathBuf::from(v).join("bin/python"),
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
    let child = Command::new(&py)
        .arg("-c")
        .arg(script)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python starts");
    let out = wait_bounded(child, timeout);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Waits for `child` at most `timeout`, killing it then; returns its output.
/// Its stdout and stderr are drained while it runs, so a chatty child
/// cannot block on a full pipe.
pub fn wait_bounded(mut child: Child, timeout: Duration) -> std::process::Output {
    use std::io::Read;
    fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    }
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let start = Instant::now();
    let status = loop {
        match child.try_wait().expect("wait") {
            Some(status) => break status,
            None if start.elapsed() > timeout => {
                let _ = child.kill();
                break child.wait().expect("wait after kill");
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    std::process::Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

/// A long-running `kio` command (such as `kio proxy`), stopped with SIGTERM
/// (then killed) on [`KioProcess::stop`] or drop.
pub struct KioProcess {
    child: Option<Child>,
}

impl KioProcess {
    /// Starts `bin` (the CLI under test) with `args`; stdout is discarded,
    /// stderr is kept for [`KioProcess::stop`].
    pub fn start(bin: &str, args: &[&str]) -> KioProcess {
        let child = Command::new(bin)
            .env_remove("RUST_LOG")
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{bin} {args:?} does not start: {e}"));
        KioProcess { child: Some(child) }
    }

    /// The process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// SIGTERM, wait (at most 10 s, then kill) and return what it printed on stderr.
    pub fn stop(mut self) -> String {
        let Some(child) = self.child.take() else {
            return String::new();
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let out = wait_bounded(child, Duration::from_secs(10));
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

impl Drop for KioProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs `tshark` with `args` (at most 60 s); returns its stdout, or panics
/// with its stderr.
pub fn run_tshark(args: &[&str]) -> String {
    let child = Command::new("tshark")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run tshark (run scripts/install-test-deps.sh): {e}"));
    let out = wait_bounded(child, Duration::from_secs(60));
    assert!(
        out.status.success(),
        "tshark {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A path under the repository, as a string (for arguments to outside tools).
pub fn repo_path(rel: impl AsRef<Path>) -> String {
    repo().join(rel).to_string_lossy().into_owned()
}
