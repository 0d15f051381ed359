//! Every input in `fuzz/regressions/TARGET/` through the check of its fuzz
//! target (`fuzz/src/checks.rs`, the same functions the libFuzzer targets
//! call), so an input that once broke a guarantee fails `cargo test` on
//! stable if it breaks again. See `fuzz/regressions/README.md`.

#[path = "../../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod kio_fuzz;

use kio_core::ApiKey;
use std::path::{Path, PathBuf};

/// The regression inputs of `target`, as the target's fuzzer would see
/// them: a file named `ApiName-vN-…` gets the selector of that pair put in
/// front (for targets whose input starts with one).
fn inputs(target: &str, selector_at: Option<usize>) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries {
        let path = e.expect("a readable directory entry").path();
        let mut data = std::fs::read(&path).expect("a readable regression file");
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if let Some(at) = selector_at {
            let Some((api, version)) = api_and_version(name) else {
                panic!(
                    "{}: name it ApiName-vN-… (see fuzz/regressions/README.md)",
                    path.display()
                );
            };
            let sel = kio_fuzz::selector(api, version);
            assert_eq!(
                kio_fuzz::pick(&[&sel[..], &[0]].concat()).map(|(a, v, _)| (a, v)),
                Some((api, version)),
                "{}: {} v{version} is not in the table of pairs",
                path.display(),
                api.name()
            );
            data.splice(at..at, sel);
        }
        out.push((path, data));
    }
    out.sort();
    out
}

/// `("AddOffsetsToTxn", 3)` from `AddOffsetsToTxn-v3-anything`.
fn api_and_version(file: &str) -> Option<(ApiKey, i16)> {
    let mut parts = file.splitn(3, '-');
    let name = parts.next()?;
    let version = parts.next()?.strip_prefix('v')?.parse().ok()?;
    let api = ApiKey::ALL.into_iter().find(|k| k.name() == name)?;
    Some((api, version))
}

/// Runs `check` on every input of `target`; returns how many there were.
fn run(target: &str, selector_at: Option<usize>, check: fn(&[u8])) -> usize {
    let all = inputs(target, selector_at);
    for (path, data) in &all {
        if let Err(e) = std::panic::catch_unwind(|| check(data)) {
            let why = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("{}: {why}", path.display());
        }
    }
    all.len()
}

#[test]
fn request_frame_regressions() {
    assert!(run("request_frame", None, kio_fuzz::checks::request_frame) >= 2);
}

#[test]
fn response_body_regressions() {
    assert!(run("response_body", Some(0), kio_fuzz::checks::response_body) >= 2);
}

#[test]
fn other_targets_regressions() {
    run("record_batches", None, kio_fuzz::checks::record_batches);
    run("differential", Some(0), kio_fuzz::checks::differential);
    run("json_encode", None, kio_fuzz::checks::json_encode);
    run("json_view", Some(1), kio_fuzz::checks::json_view);
    run("capture", None, kio_fuzz::checks::capture);
}

/// The file-name convention itself: a misspelt API must fail, not run the
/// input against whatever pair its first bytes happen to pick.
#[test]
fn names_map_to_pairs() {
    assert_eq!(
        api_and_version("ListOffsets-v7-x"),
        Some((ApiKey::ListOffsets, 7))
    );
    assert_eq!(api_and_version("NoSuchApi-v7-x"), None);
    assert_eq!(api_and_version("crash-123"), None);
}
