//! Helpers shared by kio's fuzz targets: how a target turns its first
//! bytes into an API, version and kind, so one corpus file names them.

use kio_core::ApiKey;

pub mod checks;

/// Every (API, version) pair kio knows, in a fixed order.
pub fn all_versions() -> Vec<(ApiKey, i16)> {
    let mut v = Vec::new();
    for k in ApiKey::ALL {
        let r = k.valid_versions();
        for ver in r.min..=r.max {
            v.push((k, ver));
        }
    }
    v
}

/// Splits `data` into (API, version, rest): the first two bytes (big
/// endian, modulo the number of pairs) pick an entry of [`all_versions`].
/// The seed files are written with [`selector`].
pub fn pick(data: &[u8]) -> Option<(ApiKey, i16, &[u8])> {
    let (head, rest) = data.split_at_checked(2)?;
    let all = all_versions();
    let i = usize::from(u16::from_be_bytes([head[0], head[1]])) % all.len();
    let (k, v) = all[i];
    Some((k, v, rest))
}

/// The two bytes that make [`pick`] choose `api` at `version`.
pub fn selector(api: ApiKey, version: i16) -> [u8; 2] {
    let i = all_versions()
        .iter()
        .position(|&(k, v)| k == api && v == version)
        .unwrap_or(0);
    (i as u16).to_be_bytes()
}

/// True when the non-canonical places of re-encoded bytes (`out`) are no
/// more than those of the input (`input`), unknown-tag order aside: the
/// binary codec writes the fields it decoded canonically, but an array it
/// decoded is written back as one copy of its bytes, so a non-canonical
/// boolean or varint inside such an array is kept as it came (never one
/// that was not in the input).
pub fn kept_from_input(
    input: &kio_json::canonical::Findings,
    out: &kio_json::canonical::Findings,
) -> bool {
    let not_tag_order = out
        .list
        .iter()
        .filter(|f| !(f.what.starts_with("duplicate tag ") || f.what.starts_with("tag ")))
        .count();
    not_tag_order + out.more <= input.list.len() + input.more
}
