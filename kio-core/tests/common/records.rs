use kio_core::records::*;

/// Owned copy of a record for comparisons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rec {
    pub timestamp: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

impl Rec {
    pub fn of(r: &Record<'_>) -> Rec {
        Rec {
            timestamp: r.timestamp,
            key: r.key.map(|k| k.to_vec()),
            value: r.value.map(|k| k.to_vec()),
            headers: r
                .headers()
                .map(|h| (h.key.to_string(), h.value.map(|v| v.to_vec())))
                .collect(),
        }
    }
}

pub fn build(opts: BatchOptions, recs: &[Rec]) -> Vec<u8> {
    let mut b = RecordBatchBuilder::new(opts);
    for r in recs {
        let hs: Vec<Header<'_>> = r
            .headers
            .iter()
            .map(|(k, v)| Header {
                key: k,
                value: v.as_deref(),
            })
            .collect();
        b.append(&NewRecord {
            timestamp: r.timestamp,
            key: r.key.as_deref(),
            value: r.value.as_deref(),
            headers: &hs,
        })
        .unwrap();
    }
    b.build().unwrap()
}

/// Decodes every batch fully; panics on errors (test helper).
pub fn decode_all(bytes: &[u8]) -> Vec<(BatchHeader, Vec<Rec>)> {
    let mut out = Vec::new();
    for item in RecordBatches::new(bytes) {
        match item.unwrap() {
            BatchItem::Batch(b) => {
                let recs: Vec<Rec> = if b.compression() == Compression::None {
                    b.records().unwrap().map(|r| Rec::of(&r)).collect()
                } else {
                    let d = b.decompress_to_vec(64 << 20).unwrap();
                    d.records().map(|r| Rec::of(&r)).collect()
                };
                out.push((*b.header(), recs));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    out
}

/// Walks everything, returning Ok/Err but never panicking (for fuzz tests).
pub fn walk(bytes: &[u8]) -> Result<usize, RecordsError> {
    let mut n = 0;
    for item in RecordBatches::new(bytes) {
        match item? {
            BatchItem::Batch(b) => {
                let _ = b.computed_crc();
                if let Ok(rs) = b.records() {
                    for r in rs {
                        n += r.headers().count() + 1;
                    }
                } else {
                    let mut buf = vec![0u8; 1 << 16];
                    if let Ok(rs) = b.decompress_into(&mut buf) {
                        n += rs.count();
                    }
                    if let Ok(d) = b.decompress_to_vec(1 << 20) {
                        n += d.records().count();
                    }
                }
            }
            BatchItem::Legacy(m) => {
                if m.compression() != Compression::None {
                    if let Ok(d) = m.decompress_to_vec(1 << 20) {
                        n += d.messages().count();
                    }
                }
                n += 1;
            }
            BatchItem::Truncated(_) => {}
        }
    }
    Ok(n)
}
