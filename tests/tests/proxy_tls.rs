//! `kio proxy` with TLS on both sides (rustls), certificates made here with
//! rcgen: confluent-kafka (librdkafka, OpenSSL) connects with
//! `security.protocol=SSL` to proxy A, which checks its upstream's
//! certificate against the test CA under a server name given with
//! `--upstream-server-name` (SNI) and presents a client certificate to it;
//! the upstream is proxy B, which requires client certificates of the test
//! CA and forwards in plain text to Tansu.

use kio_interop as support;

use std::path::Path;
use std::time::Duration;

use rcgen::{BasicConstraints, Certificate, CertificateParams, DnType, IsCa, KeyPair};
use serde_json::Value;
use support::{free_port, run_python, skip_real_peers, wait_listening, KioProcess, Tansu};

const KIO: &str = env!("CARGO_BIN_EXE_kio-interop-cli");

const CLIENT: &str = r#"
import json, sys, time
from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING
from confluent_kafka.admin import AdminClient, NewTopic
bootstrap, topic, ca = sys.argv[1], sys.argv[2], sys.argv[3]
tls = {"bootstrap.servers": bootstrap, "security.protocol": "SSL", "ssl.ca.location": ca}
admin = AdminClient(dict(tls, **{"client.id": "kio-tls-admin"}))
admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])[topic].result(15)
brokers = sorted(f"{b.host}:{b.port}" for b in admin.list_topics(timeout=15).brokers.values())
delivered = []
p = Producer(dict(tls, **{"client.id": "kio-tls-producer", "linger.ms": 5}))
for i in range(3):
    p.produce(topic, value=f"secret-{i}".encode(), on_delivery=lambda e, m: delivered.append(e))
p.flush(15)
assert delivered == [None] * 3, delivered
c = Consumer(dict(tls, **{"group.id": "kio-tls", "client.id": "kio-tls-consumer", "enable.auto.commit": False}))
c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
got, deadline = [], time.time() + 30
while len(got) < 3 and time.time() < deadline:
    m = c.poll(0.5)
    if m is not None and not m.error():
        got.append(m.value().decode())
c.close()
print(json.dumps({"got": got, "brokers": brokers}))
"#;

struct Pki {
    ca: Certificate,
    ca_key: KeyPair,
}

impl Pki {
    fn new() -> Pki {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.distinguished_name.push(DnType::CommonName, "kio test CA");
        let ca_key = KeyPair::generate().unwrap();
        let ca = p.self_signed(&ca_key).unwrap();
        Pki { ca, ca_key }
    }

    /// A leaf certificate for `names` (DNS names or IPs), written as
    /// `<stem>.pem` and `<stem>.key` under `dir`.
    fn issue(&self, dir: &Path, stem: &str, names: &[&str]) -> (String, String) {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let mut p = CertificateParams::new(names).unwrap();
        p.distinguished_name.push(DnType::CommonName, stem);
        let key = KeyPair::generate().unwrap();
        let cert = p.signed_by(&key, &self.ca, &self.ca_key).unwrap();
        let (c, k) = (
            dir.join(format!("{stem}.pem")),
            dir.join(format!("{stem}.key")),
        );
        std::fs::write(&c, cert.pem()).unwrap();
        std::fs::write(&k, key.serialize_pem()).unwrap();
        (c.to_string_lossy().into(), k.to_string_lossy().into())
    }
}

fn read_log(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("log line {l}: {e}")))
        .collect()
}

#[test]
fn confluent_kafka_over_tls_through_two_proxies() {
    if skip_real_peers("proxy TLS test") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, pki.ca.pem()).unwrap();
    let ca = ca.to_string_lossy().into_owned();
    let (a_cert, a_key) = pki.issue(dir.path(), "proxy-a", &["localhost", "127.0.0.1"]);
    let (b_cert, b_key) = pki.issue(dir.path(), "proxy-b", &["broker.kio.test"]);
    let (c_cert, c_key) = pki.issue(dir.path(), "proxy-a-client", &["proxy-a.kio.test"]);

    let tansu = Tansu::start();
    let (la, lb) = (free_port(), free_port());
    let (log_a, log_b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
    let tansu_addr = tansu.addr.to_string();
    let lb_addr = format!("127.0.0.1:{lb}");
    let la_addr = format!("127.0.0.1:{la}");
    let (log_a_s, log_b_s) = (
        log_a.to_string_lossy().into_owned(),
        log_b.to_string_lossy().into_owned(),
    );
    let b = KioProcess::start(
        KIO,
        &[
            "proxy",
            "--listen",
            &lb_addr,
            "--upstream",
            &tansu_addr,
            "--log",
            &log_b_s,
            "--tls-cert",
            &b_cert,
            "--tls-key",
            &b_key,
            "--tls-client-ca",
            &ca,
        ],
    );
    let advertise = format!("localhost:{la}");
    let a = KioProcess::start(
        KIO,
        &[
            "proxy",
            "--listen",
            &la_addr,
            "--upstream",
            &lb_addr,
            "--log",
            &log_a_s,
            "--advertise",
            &advertise,
            "--tls-cert",
            &a_cert,
            "--tls-key",
            &a_key,
            "--upstream-ca",
            &ca,
            "--upstream-server-name",
            "broker.kio.test",
            "--upstream-cert",
            &c_cert,
            "--upstream-key",
            &c_key,
        ],
    );
    for l in [&la_addr, &lb_addr] {
        assert!(wait_listening(l.parse().unwrap(), Duration::from_secs(10)));
    }
    let bootstrap = format!("localhost:{la}");
    let (ok, out, err) = run_python(
        CLIENT,
        &[&bootstrap, "kio-tls", &ca],
        Duration::from_secs(120),
    );
    std::thread::sleep(Duration::from_millis(300));
    let (err_a, err_b) = (a.stop(), b.stop());
    assert!(
        ok,
        "confluent-kafka over TLS failed:\n{err}\n{out}\nproxy A: {err_a}\nproxy B: {err_b}"
    );
    let result: Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(
        result["got"],
        serde_json::json!(["secret-0", "secret-1", "secret-2"])
    );
    assert_eq!(result["brokers"], serde_json::json!([advertise]));

    let (la_log, lb_log) = (read_log(&log_a), read_log(&log_b));
    let frames = |log: &[Value]| log.iter().filter(|l| l.get("kind").is_some()).count();
    for (name, log) in [("A", &la_log), ("B", &lb_log)] {
        for l in log.iter().filter(|l| l.get("kind").is_some()) {
            assert_eq!(l["roundTrip"], "identical", "proxy {name}: {l}");
        }
        // (The listening probes of wait_listening close before a handshake: "eof".)
        let failed: Vec<_> = log
            .iter()
            .filter(|l| l["event"] == "close")
            .filter_map(|l| l["reason"].as_str())
            .filter(|r| r.contains("TLS") && !r.contains("eof"))
            .collect();
        assert!(
            failed.is_empty(),
            "proxy {name}: TLS handshakes failed: {failed:?}"
        );
    }
    println!(
        "confluent-kafka over TLS: proxy A (TLS both sides, SNI broker.kio.test, client cert) \
         logged {} frames, proxy B (TLS, client certificates required) {} frames",
        frames(&la_log),
        frames(&lb_log)
    );
    assert!(frames(&la_log) > 0 && frames(&la_log) == frames(&lb_log));
}
