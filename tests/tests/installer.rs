//! `scripts/install-test-deps.sh` on a machine that lacks its tools.
//!
//! CI runs on a machine where everything is already installed, so a probe
//! that breaks when its tool is absent (as `wasm-bindgen --version` under
//! `set -euo pipefail` once did) stays invisible there. These tests run the
//! real script with a `PATH` from which `wasm-bindgen`, `tansu` and
//! `qemu-system-arm` are hidden and with an empty venv folder, so every probe
//! meets an absent tool.

use std::collections::BTreeSet;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use kio_interop::{repo_path, wait_bounded};

/// Tools the dry run must find missing.
const HIDDEN: [&str; 3] = ["wasm-bindgen", "tansu", "qemu-system-arm"];
/// The installer's steps, in order.
const STEPS: [&str; 6] = [
    "rust-targets",
    "debian",
    "python",
    "tansu",
    "wasm-bindgen",
    "cargo-fuzz",
];

/// A folder of symlinks to every executable on this `PATH` except `hidden`
/// (and the files in `stubs`, written as scripts instead).
fn shadow_path(dir: &Path, hidden: &[&str], stubs: &[(&str, &str)]) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let mut seen = BTreeSet::new();
    for (name, body) in stubs {
        let p = bin.join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        seen.insert(name.to_string());
    }
    let path = std::env::var("PATH").unwrap_or_default();
    for entry in std::env::split_paths(&path) {
        let Ok(read) = std::fs::read_dir(&entry) else {
            continue;
        };
        for f in read.flatten() {
            let name = f.file_name().to_string_lossy().into_owned();
            if hidden.contains(&name.as_str()) || !seen.insert(name.clone()) {
                continue;
            }
            let _ = symlink(f.path(), bin.join(&name));
        }
    }
    bin.to_string_lossy().into_owned()
}

/// Runs the installer with `args`, the given `PATH` and an empty venv folder;
/// returns (exit code, stdout + stderr).
fn installer(args: &[&str], path: &str, venv: &Path) -> (i32, String) {
    let child = Command::new("bash")
        .arg(repo_path("scripts/install-test-deps.sh"))
        .args(args)
        .env("PATH", path)
        .env("KIO_VENV", venv)
        .env_remove("KIO_SKIP_TANSU")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash runs the installer");
    let out = wait_bounded(child, Duration::from_secs(120));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// The installer's line for `step` (its lines read `[install-test-deps] step: ...`).
fn step_lines<'t>(out: &'t str, step: &str) -> Vec<&'t str> {
    let tag = format!("{step}:");
    out.lines()
        .filter_map(|l| l.strip_prefix("[install-test-deps]"))
        .map(str::trim_start)
        .filter_map(|l| l.strip_prefix(&tag))
        .map(str::trim)
        .collect()
}

#[test]
fn dry_run_reports_each_missing_tool_and_installs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let venv = dir.path().join("venv");
    std::fs::create_dir_all(&venv).unwrap();
    let path = shadow_path(dir.path(), &HIDDEN, &[]);
    for tool in HIDDEN {
        assert!(
            !Path::new(&path).join(tool).exists(),
            "{tool} must be hidden"
        );
    }

    let (code, out) = installer(&["--dry-run"], &path, &venv);
    assert_eq!(code, 0, "the dry run must exit 0:\n{out}");

    // Every step answers exactly once, with "present" or "would install ...".
    for step in STEPS {
        let lines = step_lines(&out, step);
        assert_eq!(lines.len(), 1, "step {step}: one line expected:\n{out}");
        assert!(
            lines[0].starts_with("present") || lines[0].starts_with("would install"),
            "step {step}: {:?}",
            lines[0]
        );
    }
    // The hidden tools and the empty venv are all "would install".
    for (step, what) in [
        ("debian", "qemu-system-arm"),
        ("tansu", "tansu"),
        ("wasm-bindgen", "wasm-bindgen-cli"),
        ("python", "kafka-python"),
    ] {
        let line = step_lines(&out, step).join(" ");
        assert!(
            line.starts_with("would install") && line.contains(what),
            "step {step} must say it would install {what}: {line:?}\n{out}"
        );
    }
    // Nothing was installed.
    assert_eq!(std::fs::read_dir(&venv).unwrap().count(), 0, "venv touched");
    assert!(!out.contains("FAILED"), "{out}");
}

#[test]
fn a_failing_install_names_the_step_and_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let venv = dir.path().join("venv");
    std::fs::create_dir_all(&venv).unwrap();
    // qemu-system-arm is hidden, so the debian step must install it; apt-get
    // is a stub failing as a registry error would.
    let path = shadow_path(
        dir.path(),
        &HIDDEN,
        &[(
            "apt-get",
            "echo 'E: simulated registry error' >&2; exit 100",
        )],
    );
    let (code, out) = installer(&[], &path, &venv);
    assert_eq!(code, 1, "a failed step exits 1:\n{out}");
    let failure = step_lines(&out, "debian")
        .into_iter()
        .find(|l| l.starts_with("FAILED"))
        .unwrap_or_else(|| panic!("no FAILED line for the debian step:\n{out}"));
    assert!(
        failure.contains("exited with 100") && failure.contains("apt-get"),
        "the failure names the command and its exit code: {failure:?}"
    );
    // It stopped there: no later step ran.
    for later in ["python", "tansu", "wasm-bindgen"] {
        assert!(step_lines(&out, later).is_empty(), "{later} ran:\n{out}");
    }
}
