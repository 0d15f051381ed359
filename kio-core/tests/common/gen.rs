//! A schema-driven generator of random, valid encodings of any message at
//! any version. It walks the static schema tables (not the generated codecs),
//! so it is an encoder written independently of the one under test.
//!
//! "Valid" means what Kafka's own encoder could have written: canonical
//! varints, booleans 0/1, tagged fields only when not at their default,
//! in ascending tag order, finite floats.

use kio_core::{FieldSchema, FieldType, MessageSchema};

/// SplitMix64: small, seedable, good enough for test data.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    pub fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn uvarint(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// What the generator may produce beyond the plainest valid encodings.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Sometimes append an invalid UTF-8 byte to strings (Kafka's Java
    /// decoder accepts them; decoders that insist on UTF-8, such as the
    /// `kafka-protocol` crate's, do not).
    pub invalid_utf8: bool,
    /// Sometimes send known tagged fields at their default value (as some
    /// brokers do; Kafka's own encoder omits them, and so do encoders such
    /// as the `kafka-protocol` crate's, so such bytes do not round-trip
    /// through them).
    pub tags_at_default: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            invalid_utf8: true,
            tags_at_default: true,
        }
    }
}

/// Layout of one message version.
#[derive(Clone, Copy)]
pub struct Layout {
    pub version: i16,
    pub flexible: bool,
    pub options: Options,
}

/// Random bytes of `schema` at `version`.
pub fn message(rng: &mut Rng, schema: &MessageSchema, version: i16) -> Vec<u8> {
    message_with(rng, schema, version, Options::default())
}

/// Random bytes of `schema` at `version`, with the given [`Options`].
pub fn message_with(
    rng: &mut Rng,
    schema: &MessageSchema,
    version: i16,
    options: Options,
) -> Vec<u8> {
    let lay = Layout {
        version,
        flexible: schema.flexible.contains(version),
        options,
    };
    let mut out = Vec::new();
    fields(rng, schema.fields, lay, &mut out, 0);
    out
}

fn length(out: &mut Vec<u8>, len: Option<usize>, compact: bool, wide: bool) {
    match (len, compact) {
        (None, true) => out.push(0),
        (Some(n), true) => uvarint(out, n as u32 + 1),
        (None, false) if wide => out.extend_from_slice(&(-1i32).to_be_bytes()),
        (None, false) => out.extend_from_slice(&(-1i16).to_be_bytes()),
        (Some(n), false) if wide => out.extend_from_slice(&(n as i32).to_be_bytes()),
        (Some(n), false) => out.extend_from_slice(&(n as i16).to_be_bytes()),
    }
}

fn text(rng: &mut Rng, lay: Layout) -> Vec<u8> {
    const WORDS: &[&str] = &[
        "",
        "kio",
        "kp-test",
        "démo",
        "ünïcödé",
        "topic.with.dots",
        "日本",
    ];
    let mut v = WORDS[rng.below(WORDS.len() as u64) as usize]
        .as_bytes()
        .to_vec();
    if lay.options.invalid_utf8 && rng.chance(8) {
        v.push(0xff); // invalid UTF-8: Kafka accepts it, so do we
    }
    v
}

fn fields(rng: &mut Rng, fs: &[FieldSchema], lay: Layout, out: &mut Vec<u8>, depth: usize) {
    for f in fs
        .iter()
        .filter(|f| f.tag.is_none() && f.versions.contains(lay.version))
    {
        value(rng, f, lay, out, depth);
    }
    if !lay.flexible {
        return;
    }
    // Tagged section: known fields (only when not at their default) and unknown tags.
    let mut entries: Vec<(u32, Vec<u8>)> = Vec::new();
    for f in fs.iter().filter(|f| f.is_tagged_at(lay.version)) {
        if rng.chance(2) {
            continue;
        }
        let mut v = Vec::new();
        value(rng, f, lay, &mut v, depth);
        let mut d = Vec::new();
        default_value(f, lay, &mut d);
        // Some brokers (Tansu) send known tags at their default value: those
        // must round-trip too.
        if v != d || (lay.options.tags_at_default && rng.chance(2)) {
            entries.push((f.tag.unwrap_or_default(), v));
        }
    }
    if rng.chance(4) {
        let tag = 1000 + rng.below(5000) as u32;
        if !fs.iter().any(|f| f.tag == Some(tag)) {
            let n = rng.below(6) as usize;
            entries.push((tag, rng.bytes(n)));
        }
    }
    entries.sort_by_key(|e| e.0);
    entries.dedup_by_key(|e| e.0);
    uvarint(out, entries.len() as u32);
    for (tag, data) in entries {
        uvarint(out, tag);
        uvarint(out, data.len() as u32);
        out.extend_from_slice(&data);
    }
}

fn field_flexible(f: &FieldSchema, lay: Layout) -> bool {
    match f.flexible_versions {
        Some(r) => r.contains(lay.version),
        None => lay.flexible,
    }
}

fn value(rng: &mut Rng, f: &FieldSchema, lay: Layout, out: &mut Vec<u8>, depth: usize) {
    let nullable = f.nullable_versions.contains(lay.version);
    let compact = field_flexible(f, lay);
    scalar(rng, &f.ty, f, nullable, compact, lay, out, depth);
}

#[allow(clippy::too_many_arguments)]
fn scalar(
    rng: &mut Rng,
    ty: &FieldType,
    f: &FieldSchema,
    nullable: bool,
    compact: bool,
    lay: Layout,
    out: &mut Vec<u8>,
    depth: usize,
) {
    match ty {
        FieldType::Bool => out.push(rng.below(2) as u8),
        FieldType::Int8 => out.push(rng.next() as u8),
        FieldType::Int16 | FieldType::Uint16 => {
            out.extend_from_slice(&(rng.next() as u16).to_be_bytes())
        }
        FieldType::Int32 | FieldType::Uint32 => {
            out.extend_from_slice(&(rng.next() as u32).to_be_bytes())
        }
        FieldType::Int64 => out.extend_from_slice(&rng.next().to_be_bytes()),
        FieldType::Float64 => {
            let x = (rng.next() as i32) as f64 / 7.0;
            out.extend_from_slice(&x.to_be_bytes());
        }
        FieldType::Uuid => out.extend_from_slice(&rng.bytes(16)),
        FieldType::String => {
            if nullable && rng.chance(5) {
                length(out, None, compact, false);
            } else {
                let t = text(rng, lay);
                length(out, Some(t.len()), compact, false);
                out.extend_from_slice(&t);
            }
        }
        FieldType::Bytes | FieldType::Records => {
            if nullable && rng.chance(5) {
                length(out, None, compact, true);
            } else {
                let n = rng.below(12) as usize;
                length(out, Some(n), compact, true);
                out.extend_from_slice(&rng.bytes(n));
            }
        }
        FieldType::Struct(_) => {
            if nullable {
                if rng.chance(4) {
                    out.push(0xff);
                    return;
                }
                out.push(1);
            }
            fields(rng, f.fields, lay, out, depth + 1);
        }
        FieldType::Array(elem) => {
            if nullable && rng.chance(5) {
                length(out, None, compact, true);
                return;
            }
            let n = if depth > 3 { 0 } else { rng.below(4) as usize };
            length(out, Some(n), compact, true);
            for _ in 0..n {
                scalar(rng, elem, f, false, compact, lay, out, depth + 1);
            }
        }
    }
}

/// The encoding of a field's default value (what Kafka would omit when tagged).
fn default_value(f: &FieldSchema, lay: Layout, out: &mut Vec<u8>) {
    let compact = field_flexible(f, lay);
    let d = f.default;
    let int = || -> i64 {
        if d.is_empty() {
            0
        } else if let Some(h) = d.strip_prefix("0x") {
            i64::from_str_radix(h, 16).unwrap_or(0)
        } else {
            d.parse().unwrap_or(0)
        }
    };
    match f.ty {
        FieldType::Bool => out.push(u8::from(d == "true")),
        FieldType::Int8 => out.push(int() as u8),
        FieldType::Int16 | FieldType::Uint16 => {
            out.extend_from_slice(&(int() as u16).to_be_bytes())
        }
        FieldType::Int32 | FieldType::Uint32 => {
            out.extend_from_slice(&(int() as u32).to_be_bytes())
        }
        FieldType::Int64 => out.extend_from_slice(&int().to_be_bytes()),
        FieldType::Float64 => out.extend_from_slice(&d.parse::<f64>().unwrap_or(0.0).to_be_bytes()),
        FieldType::Uuid => out.extend_from_slice(&[0; 16]),
        FieldType::String if d == "null" => length(out, None, compact, false),
        FieldType::String => {
            length(out, Some(d.len()), compact, false);
            out.extend_from_slice(d.as_bytes());
        }
        FieldType::Bytes | FieldType::Array(_) if d == "null" => length(out, None, compact, true),
        FieldType::Bytes | FieldType::Array(_) => length(out, Some(0), compact, true),
        FieldType::Records => length(out, None, compact, true),
        FieldType::Struct(_) => {
            if d == "null" {
                out.push(0xff);
                return;
            }
            if f.nullable_versions.contains(lay.version) {
                out.push(1);
            }
            for g in f
                .fields
                .iter()
                .filter(|g| g.tag.is_none() && g.versions.contains(lay.version))
            {
                default_value(g, lay, out);
            }
            if lay.flexible {
                out.push(0);
            }
        }
    }
}
