//! kio-producer's blocking and async twins against a real broker (Tansu on
//! 127.0.0.1, memory storage) over std TCP, checked with kafka-python.
//!
//! Needs `tansu` and the venv of scripts/install-test-deps.sh (KIO_PYTHON,
//! KIO_TANSU); KIO_SKIP_REAL_PEERS=1 skips.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use embedded_io::ErrorKind;
use kio_core::records::{Compression, Header, NewRecord};
use kio_interop as support;
use kio_producer::{AsyncLink, AsyncProducer, Config, Link, Producer};

/// Runs the kafka-python helper below with `args`; returns its stdout.
fn python(args: &[&str]) -> String {
    let (ok, out, err) = support::run_python(PY, args, Duration::from_secs(60));
    assert!(ok, "python failed: {err}");
    out
}

/// kafka-python: `create BOOTSTRAP TOPIC` or `dump BOOTSTRAP TOPIC`
/// (prints partition, key, value, headers of every record, sorted).
const PY: &str = r#"
import sys, time
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
cmd, boot, topic = sys.argv[1:4]
if cmd == "create":
    a = KafkaAdminClient(bootstrap_servers=boot)
    a.create_topics([NewTopic(topic, 2, 1)])
    a.close()
else:
    c = KafkaConsumer(bootstrap_servers=boot, enable_auto_commit=False, consumer_timeout_ms=3000)
    tps = [TopicPartition(topic, p) for p in range(2)]
    c.assign(tps); c.seek_to_beginning(*tps)
    ends = c.end_offsets(tps); rows = []
    deadline = time.time() + 30
    while time.time() < deadline and any(c.position(t) < ends[t] for t in tps):
        for tp, ms in c.poll(timeout_ms=500).items():
            rows += [f"{tp.partition} {m.key!r} {m.value!r} {m.headers!r} {m.timestamp}" for m in ms]
    print("\n".join(sorted(rows)))
"#;

/// A std TCP connection as the producer's link (both twins: the async
/// methods complete at once, which is a valid future).
struct Tcp {
    addr: SocketAddr,
    s: TcpStream,
}

impl Tcp {
    fn connect(addr: SocketAddr) -> Tcp {
        let s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        Tcp { addr, s }
    }
}

fn kind(e: std::io::Error) -> ErrorKind {
    match e.kind() {
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => ErrorKind::TimedOut,
        _ => ErrorKind::Other,
    }
}

impl embedded_io::ErrorType for Tcp {
    type Error = ErrorKind;
}
impl embedded_io::Read for Tcp {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        self.s.read(buf).map_err(kind)
    }
}
impl embedded_io::Write for Tcp {
    fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        self.s.write(buf).map_err(kind)
    }
    fn flush(&mut self) -> Result<(), ErrorKind> {
        self.s.flush().map_err(kind)
    }
}
impl Link for Tcp {
    fn reconnect(&mut self) -> Result<(), ErrorKind> {
        *self = Tcp::connect(self.addr);
        Ok(())
    }
    fn sleep_ms(&mut self, ms: u32) {
        std::thread::sleep(Duration::from_millis(ms.into()));
    }
}
impl embedded_io_async::Read for Tcp {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        embedded_io::Read::read(self, buf)
    }
}
impl embedded_io_async::Write for Tcp {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        embedded_io::Write::write(self, buf)
    }
    async fn flush(&mut self) -> Result<(), ErrorKind> {
        embedded_io::Write::flush(self)
    }
}
impl AsyncLink for Tcp {
    async fn reconnect(&mut self) -> Result<(), ErrorKind> {
        Link::reconnect(self)
    }
    async fn sleep_ms(&mut self, ms: u32) {
        Link::sleep_ms(self, ms)
    }
}

fn record(i: u8, key: &mut [u8; 5]) -> (NewRecord<'_>, [Header<'static>; 1]) {
    *key = *b"key-0";
    key[4] = b'0' + i;
    let headers = [Header {
        key: "i",
        value: Some(&[7]),
    }];
    (
        NewRecord {
            timestamp: 1_000 + i64::from(i),
            key: Some(key),
            value: Some(b"value"),
            headers: &[],
        },
        headers,
    )
}

#[test]
fn blocking_and_async_twins_produce_what_kafka_python_reads() {
    if support::skip_real_peers("kio-producer against Tansu") {
        return;
    }
    let broker = support::Tansu::start();
    let boot = broker.addr.to_string();
    python(&["create", &boot, "twins"]);

    // Blocking: two batches of 3 records to partition 0, uncompressed.
    let mut rx = [0u8; 2048];
    let mut p: Producer<'_, 4> = Producer::new(Config::new("kio-test", "twins"), &mut rx);
    let mut link = Tcp::connect(broker.addr);
    p.connect(&mut link).unwrap();
    assert!(p.session().producer_id >= 0);
    let mut buf = [0u8; 512];
    for b in 0..2u8 {
        let mut w = p.batch(&mut buf).unwrap();
        for i in 0..3 {
            let mut key = [0u8; 5];
            let (mut rec, headers) = record(b * 3 + i, &mut key);
            rec.headers = &headers;
            w.append(&rec).unwrap();
        }
        let n = p.finish(w, &mut []).unwrap();
        let offset = p.send(&mut link, 0, &mut buf[..n]).unwrap();
        assert_eq!(offset, i64::from(b) * 3);
    }
    assert_eq!(p.session().partitions()[0].next_sequence, 6);

    // Async: one lz4 batch of 3 records to partition 1.
    let mut rx2 = [0u8; 2048];
    let mut config = Config::new("kio-test-async", "twins");
    config.compression = Compression::Lz4;
    let mut ap: AsyncProducer<'_, 4> = AsyncProducer::new(config, &mut rx2);
    let mut link2 = Tcp::connect(broker.addr);
    futures_executor::block_on(async {
        ap.connect(&mut link2).await.unwrap();
        let mut w = ap.batch(&mut buf).unwrap();
        for i in 6..9 {
            let mut key = [0u8; 5];
            let (rec, _) = record(i, &mut key);
            w.append(&rec).unwrap();
        }
        let mut scratch = [0u8; 1024];
        let n = ap.finish(w, &mut scratch).unwrap();
        assert_eq!(ap.send(&mut link2, 1, &mut buf[..n]).await.unwrap(), 0);
    });

    let dump = python(&["dump", &boot, "twins"]);
    let expected: Vec<String> = (0..9)
        .map(|i| {
            let headers = if i < 6 { "[('i', b'\\x07')]" } else { "[]" };
            format!("{} b'key-{i}' b'value' {headers} {}", i / 6, 1000 + i)
        })
        .collect();
    assert_eq!(dump.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn resending_an_acknowledged_batch_is_not_written_twice() {
    if support::skip_real_peers("kio-producer's resend against Tansu") {
        return;
    }
    let broker = support::Tansu::start();
    let boot = broker.addr.to_string();
    python(&["create", &boot, "twins"]);
    let mut rx = [0u8; 2048];
    let mut p: Producer<'_, 4> = Producer::new(Config::new("kio-test", "twins"), &mut rx);
    let mut link = Tcp::connect(broker.addr);
    p.connect(&mut link).unwrap();
    let mut buf = [0u8; 512];
    let mut w = p.batch(&mut buf).unwrap();
    let mut key = [0u8; 5];
    let (rec, _) = record(0, &mut key);
    w.append(&rec).unwrap();
    let n = p.finish(w, &mut []).unwrap();
    let mut copy = buf;
    p.send(&mut link, 0, &mut buf[..n]).unwrap();
    // The same bytes with the same sequence, as after a lost acknowledgement:
    // the broker answers DUPLICATE_SEQUENCE_NUMBER and keeps one copy.
    let (pid, epoch) = (p.session().producer_id, p.session().producer_epoch);
    kio_producer::stamp::stamp(&mut copy[..n], pid, epoch, 0).unwrap();
    let frame_ok = send_raw_produce(&mut link, &copy[..n]);
    assert!(frame_ok, "broker answered");
    let dump = python(&["dump", &boot, "twins"]);
    assert_eq!(dump.lines().count(), 1, "{dump}");
}

/// Sends a batch with kio-core's frame writer directly (no producer
/// bookkeeping), as a producer that lost the first answer would.
fn send_raw_produce(link: &mut Tcp, batch: &[u8]) -> bool {
    use kio_core::messages::produce_request::{
        PartitionProduceData, ProduceRequest, TopicProduceData,
    };
    use kio_core::messages::request_header::RequestHeader;
    use kio_core::{ApiKey, Array, Bytes, RecordsBytes, Str};
    let parts = [PartitionProduceData {
        index: 0,
        records: Some(RecordsBytes(Bytes::new(batch))),
        ..Default::default()
    }];
    let topics = [TopicProduceData {
        name: Str::new("twins"),
        partition_data: Array::from(&parts),
        ..Default::default()
    }];
    let req = ProduceRequest {
        acks: -1,
        timeout_ms: 5000,
        topic_data: Array::from(&topics),
        ..Default::default()
    };
    let header = RequestHeader {
        request_api_key: ApiKey::Produce.key(),
        request_api_version: 9,
        correlation_id: 99,
        client_id: Some(Str::new("raw")),
        ..Default::default()
    };
    kio_core::frame::write_request_frame(link, &header, &req).unwrap();
    let mut rx = [0u8; 512];
    kio_core::frame::read_frame(link, &mut rx).is_ok()
}
