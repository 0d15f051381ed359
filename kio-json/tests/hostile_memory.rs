//! Finding 1 of issue 11, "60 KB in, over 1 GB out": the JSON view of a
//! `records` field decompressed every batch up to 64 MiB each and copied
//! every value into JSON. The zstd bomb here is rebuilt by hand from the
//! zstd format (RFC 8878): 30 magic-2 batches, each a zstd frame holding one
//! record whose 60 MiB value of zeros is written as RLE blocks of 128 KiB, in
//! one ProduceRequest v3 frame. A counting allocator measures the peak heap
//! of decoding it to JSON: it must stay within the frame's view budget plus
//! a small constant, and the frame must still decode losslessly.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use kio_json::budget::default_budget;
use kio_json::{dynamic, DecodeOptions};
use serde_json::{json, Value};

struct Counting;
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let now = CURRENT.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        grew(l.size());
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        grew(l.size());
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        CURRENT.fetch_sub(l.size(), Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        if new > l.size() {
            grew(new - l.size());
        } else {
            CURRENT.fetch_sub(l.size() - new, Ordering::Relaxed);
        }
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The tests measure one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Peak heap growth (bytes above the level at the start) while running `f`.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

const VALUE_LEN: usize = 60 << 20;
const RLE_BLOCK: usize = 128 << 10;

fn varint(out: &mut Vec<u8>, v: i64) {
    let mut z = ((v << 1) ^ (v >> 63)) as u64;
    loop {
        let b = (z & 0x7f) as u8;
        z >>= 7;
        if z == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// A zstd block header (RFC 8878 §3.1.1.2): 3 bytes little endian,
/// Last_Block (bit 0), Block_Type (bits 1-2), Block_Size (bits 3-23).
fn block_header(out: &mut Vec<u8>, last: bool, ty: u32, size: usize) {
    let h = u32::from(last) | (ty << 1) | ((size as u32) << 3);
    out.extend_from_slice(&h.to_le_bytes()[..3]);
}

/// One zstd frame holding one record (null key, a value of `VALUE_LEN`
/// zeros, no headers): a raw block with the record's prefix, RLE blocks of
/// 128 KiB of zeros, and a last raw block with the header count.
fn zstd_bomb_records(value_len: usize) -> Vec<u8> {
    let mut prefix = Vec::new();
    let mut body_prefix = Vec::new();
    body_prefix.push(0); // attributes
    varint(&mut body_prefix, 0); // timestamp delta
    varint(&mut body_prefix, 0); // offset delta
    varint(&mut body_prefix, -1); // key: null
    varint(&mut body_prefix, value_len as i64);
    let body_len = body_prefix.len() + value_len + 1; // + header count
    varint(&mut prefix, body_len as i64);
    prefix.extend_from_slice(&body_prefix);

    let mut z = Vec::new();
    z.extend_from_slice(&0xFD2F_B528u32.to_le_bytes()); // magic
    z.push(0x00); // Frame_Header_Descriptor: no FCS, no checksum, no dictionary, not single-segment
    z.push(7 << 3); // Window_Descriptor: exponent 7, mantissa 0 → 2^17 = 128 KiB
    block_header(&mut z, false, 0, prefix.len()); // Raw_Block
    z.extend_from_slice(&prefix);
    for _ in 0..value_len / RLE_BLOCK {
        block_header(&mut z, false, 1, RLE_BLOCK); // RLE_Block
        z.push(0);
    }
    block_header(&mut z, true, 0, 1); // last Raw_Block: header count 0
    z.push(0);
    z
}

/// A magic-2 batch of one zstd-compressed record.
fn bomb_batch(base_offset: i64, value_len: usize) -> Vec<u8> {
    let records = zstd_bomb_records(value_len);
    let mut after_crc = Vec::new();
    after_crc.extend_from_slice(&4i16.to_be_bytes()); // attributes: zstd
    after_crc.extend_from_slice(&0i32.to_be_bytes()); // last offset delta
    after_crc.extend_from_slice(&0i64.to_be_bytes()); // base timestamp
    after_crc.extend_from_slice(&0i64.to_be_bytes()); // max timestamp
    after_crc.extend_from_slice(&(-1i64).to_be_bytes()); // producer id
    after_crc.extend_from_slice(&(-1i16).to_be_bytes()); // producer epoch
    after_crc.extend_from_slice(&(-1i32).to_be_bytes()); // base sequence
    after_crc.extend_from_slice(&1i32.to_be_bytes()); // record count
    after_crc.extend_from_slice(&records);
    let crc = crc32c(&after_crc);
    let mut b = Vec::new();
    b.extend_from_slice(&base_offset.to_be_bytes());
    let batch_length = 4 + 1 + 4 + after_crc.len(); // epoch, magic, crc, rest
    b.extend_from_slice(&(batch_length as i32).to_be_bytes());
    b.extend_from_slice(&0i32.to_be_bytes()); // partition leader epoch
    b.push(2); // magic
    b.extend_from_slice(&crc.to_be_bytes());
    b.extend_from_slice(&after_crc);
    b
}

/// CRC-32C (Castagnoli), bit by bit: the batch checksum, written here
/// independently of kio-core's.
fn crc32c(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// The issue's frame: a ProduceRequest v3 of 30 bomb batches (no size prefix).
fn bomb_frame() -> Vec<u8> {
    produce_frame(30, VALUE_LEN)
}

/// A ProduceRequest v3 of `n` bomb batches with values of `value_len` zeros.
fn produce_frame(n: i64, value_len: usize) -> Vec<u8> {
    let mut records = Vec::new();
    for i in 0..n {
        records.extend_from_slice(&bomb_batch(i, value_len));
    }
    let doc = json!({
        "kind": "request", "apiKey": 0, "apiVersion": 3,
        "header": {"requestApiKey": 0, "requestApiVersion": 3, "correlationId": 1, "clientId": "bomb"},
        "body": {"transactionalId": null, "acks": 1, "timeoutMs": 30000,
                 "topicData": [{"name": "t", "partitionData": [{"index": 0, "records": STANDARD.encode(&records)}]}]}
    });
    let framed = kio_json::encode(&doc).expect("the bomb frame encodes");
    framed[4..].to_vec()
}

fn batches(doc: &Value) -> &Vec<Value> {
    doc.pointer("/body/topicData/0/partitionData/0/_records")
        .and_then(Value::as_array)
        .expect("a _records view")
}

#[test]
fn the_batches_are_what_the_issue_describes() {
    // Serial too: its 60 MiB decompression would count in the other tests' peaks.
    let _guard = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let batch = bomb_batch(0, VALUE_LEN);
    // The issue's figures: a 2,006-byte batch, 30 of them in a 60,220-byte frame.
    assert_eq!(batch.len(), 2006);
    let frame = bomb_frame();
    assert!((60_000..60_400).contains(&frame.len()), "{}", frame.len());
    // ... and each really is 60 MiB of zeros: kio-core decompresses one
    // with a large enough limit.
    let records = kio_core::records::RecordBatches::new(&batch);
    let Some(Ok(kio_core::records::BatchItem::Batch(b))) = records.into_iter().next() else {
        panic!("not a batch");
    };
    let d = b.decompress_to_vec(64 << 20).expect("decompresses");
    let r = d.records().next().expect("one record");
    assert_eq!(r.value.map(<[u8]>::len), Some(VALUE_LEN));
    assert!(r.value.unwrap().iter().all(|&b| b == 0));
}

#[test]
fn the_zstd_bomb_stays_within_the_frame_budget() {
    let _guard = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let frame = bomb_frame();
    let budget = default_budget(frame.len());
    let (doc, peak) = peak_of(|| kio_json::decode_request_frame(&frame).expect("decodes"));
    println!(
        "generated codec: frame {} bytes, budget {budget}, peak heap {peak} bytes",
        frame.len()
    );
    // The views may spend the budget; the rest (the body's JSON, the zstd
    // window of 128 KiB, the decoder's state) is small and fixed.
    assert!(
        peak <= budget + (8 << 20),
        "peak {peak} > budget {budget} + 8 MiB"
    );
    let views = batches(&doc);
    assert_eq!(views.len(), 30, "every batch keeps its header view");
    for v in views {
        let why = v
            .get("_truncated")
            .and_then(Value::as_str)
            .expect("_truncated");
        assert!(why.contains("view budget"), "{why}");
        assert_eq!(v["compression"], "zstd");
        assert!(v.get("records").is_none());
    }
    // Nothing is lost: the JSON re-encodes to the frame.
    let again = kio_json::encode(&doc).expect("re-encodes");
    assert_eq!(&again[4..], &frame[..]);

    let (doc2, peak2) = peak_of(|| dynamic::decode_frame(&frame, None).expect("decodes"));
    println!("schema-driven codec: peak heap {peak2} bytes");
    assert!(peak2 <= budget + (8 << 20), "peak {peak2}");
    assert_eq!(doc, doc2, "both codecs show the same views");
}

#[test]
fn a_larger_budget_shows_the_records_a_smaller_one_refuses() {
    let _guard = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    // Three batches of 4 MiB of zeros each. A zero is a control character,
    // six bytes in JSON ("\u0000"), and the budget counts readable copies at
    // their JSON size: 4 MiB decompressed + 24 MiB of text per batch.
    let frame = produce_frame(3, 4 << 20);
    let opts = DecodeOptions::max_decompressed(30 << 20);
    let (doc, peak) = peak_of(|| kio_json::decode_request_frame_with(&frame, &opts).unwrap());
    println!("30 MiB budget, 3 × 4 MiB: peak heap {peak} bytes");
    let views = batches(&doc);
    assert_eq!(views.len(), 3);
    // The budget is shared by the whole frame: the first batch fits, the
    // others do not.
    let value = views[0].pointer("/records/0/value").and_then(Value::as_str);
    assert_eq!(value.map(str::len), Some(4 << 20));
    assert!(views[0].get("_truncated").is_none());
    assert!(views[1].get("_truncated").is_some() && views[2].get("_truncated").is_some());
    assert!(peak <= 3 * (30 << 20), "peak {peak}");

    // A budget of zero shows no records at all, and the frame still decodes.
    let none = kio_json::decode_request_frame_with(&frame, &DecodeOptions::max_decompressed(0))
        .expect("decodes");
    assert!(batches(&none).iter().all(|v| v.get("_truncated").is_some()));
    // The default budget for this 6 KB frame (1 MiB) shows none either.
    let default = kio_json::decode_request_frame(&frame).expect("decodes");
    assert!(batches(&default)
        .iter()
        .all(|v| v.get("_truncated").is_some()));
}

#[test]
fn uncompressed_records_are_charged_too() {
    let _guard = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    // One uncompressed batch of 2,000 small records, a budget of 64 KiB: the
    // view lists what fits and says why the rest is missing.
    let mut w = Vec::new();
    let mut recs = Vec::new();
    for i in 0..2000i64 {
        let mut body = Vec::new();
        body.push(0);
        varint(&mut body, 0);
        varint(&mut body, i);
        varint(&mut body, -1);
        varint(&mut body, 1);
        body.push(b'x');
        varint(&mut body, 0);
        varint(&mut recs, body.len() as i64);
        recs.extend_from_slice(&body);
    }
    let mut after_crc = Vec::new();
    after_crc.extend_from_slice(&0i16.to_be_bytes());
    after_crc.extend_from_slice(&1999i32.to_be_bytes());
    after_crc.extend_from_slice(&0i64.to_be_bytes());
    after_crc.extend_from_slice(&0i64.to_be_bytes());
    after_crc.extend_from_slice(&(-1i64).to_be_bytes());
    after_crc.extend_from_slice(&(-1i16).to_be_bytes());
    after_crc.extend_from_slice(&(-1i32).to_be_bytes());
    after_crc.extend_from_slice(&2000i32.to_be_bytes());
    after_crc.extend_from_slice(&recs);
    w.extend_from_slice(&0i64.to_be_bytes());
    w.extend_from_slice(&((9 + after_crc.len()) as i32).to_be_bytes());
    w.extend_from_slice(&0i32.to_be_bytes());
    w.push(2);
    w.extend_from_slice(&crc32c(&after_crc).to_be_bytes());
    w.extend_from_slice(&after_crc);
    let mut budget = kio_json::Budget::new(64 << 10);
    let view = kio_json::records::view_with(&w, &mut budget);
    let b = &view[0];
    let shown = b["records"].as_array().expect("records").len();
    assert!(shown > 0 && shown < 2000, "{shown}");
    let why = b["_truncated"].as_str().expect("_truncated");
    assert!(
        why.contains(&format!("showing {shown} of 2000 records")),
        "{why}"
    );
    // With the default budget of a frame this size (1 MiB floor) all show.
    let all = kio_json::records::view_of(&w);
    assert_eq!(all[0]["records"].as_array().map(Vec::len), Some(2000));
}
