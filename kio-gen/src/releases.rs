//! What each version of a message owes to which release: the doc text and
//! the `releases` table of its static schema.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Message, Vr};

/// `a`, `a and b`, ...
fn join(names: &[&str]) -> String {
    names.join(" and ")
}

/// Which releases define `v`, in words (kio-core's `Provenance` says the same at run time).
pub fn provenance(m: &Message, v: i16) -> String {
    let defined: Vec<&str> = m
        .releases
        .iter()
        .filter(|r| r.valid.contains(v))
        .map(|r| r.name.as_str())
        .collect();
    let missing: Vec<&str> = m
        .releases
        .iter()
        .filter(|r| !r.valid.contains(v))
        .map(|r| r.name.as_str())
        .collect();
    let n_def = defined.len();
    let newest_only = n_def > 0 && m.releases[..n_def].iter().all(|r| r.valid.contains(v));
    let mut t = if defined.is_empty() {
        "in no known release".to_string()
    } else if missing.is_empty() {
        format!("in {}", join(&defined))
    } else if newest_only {
        format!("new after {} (only in {})", missing[0], join(&defined))
    } else {
        format!(
            "only in {} (not in {}; still decoded)",
            join(&defined),
            join(&missing)
        )
    };
    if !m.is_stable(v) {
        t += ", unstable";
    }
    t
}

/// The doc paragraph of a message: versions by release, stability and
/// same-version differences.
pub fn doc(m: &Message) -> String {
    let mut ranges: Vec<(i16, i16, String)> = Vec::new();
    for v in m.valid.min..=m.valid.max {
        let mut t = provenance(m, v);
        if let Some(r) = m.source_of(v) {
            if m.releases.iter().filter(|x| x.valid.contains(v)).count() > 1 {
                t += &format!("; layout from {}", r.name);
            }
        }
        match ranges.last_mut() {
            Some((_, hi, lt)) if *lt == t && *hi + 1 == v => *hi = v,
            _ => ranges.push((v, v, t)),
        }
    }
    let mut d = String::from("\n\nVersions by release:");
    for (lo, hi, t) in ranges {
        d += &format!("\n- v{}: {t}.", Vr { min: lo, max: hi }.text());
    }
    match m.latest_stable() {
        Some(s) if s == m.valid.max => {}
        Some(s) => d += &format!("\n\nHighest stable version: {s}."),
        None => d += "\n\nNo version is stable.",
    }
    if !m.notes.is_empty() {
        d += "\n\nSame version, different schemas in different releases:";
        for n in &m.notes {
            d += &format!("\n- {n}");
        }
    }
    d
}

/// The `releases` table of the message's `SCHEMA`.
pub fn table(m: &Message) -> TokenStream {
    let rows = m.releases.iter().map(|r| {
        let name = &r.name;
        let valid = if r.valid.is_empty() {
            quote!(rt::VersionRange::NONE)
        } else {
            let a = proc_macro2::Literal::i16_unsuffixed(r.valid.min);
            let b = proc_macro2::Literal::i16_unsuffixed(r.valid.max);
            quote!(rt::VersionRange::new(#a, #b))
        };
        let u = r.latest_version_unstable;
        quote! {
            rt::ReleaseVersions { release: #name, valid: #valid, latest_version_unstable: #u },
        }
    });
    quote!(&[#(#rows)*])
}
