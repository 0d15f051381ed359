//! The latency `kio proxy` adds: a Metadata round trip from a blocking kio
//! client to the mock broker (`examples/mock_broker.rs`), directly and
//! through an in-process proxy (every frame decoded to JSON, re-encoded and
//! checked, broker addresses rewritten; the log goes to a sink).
//!
//! Besides criterion's estimates, prints p50/p99 of 2,000 round trips each
//! way. Run: `cargo bench -p kio-std --bench proxy_latency`.

#[allow(dead_code)]
#[path = "../examples/mock_broker.rs"]
mod mock;

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use kio_std::blocking::Connection;
use kio_std::kio_core::messages::MetadataRequest;
use kio_std::proxy::{Log, Proxy, ProxyConfig};

fn percentiles(conn: &mut Connection, n: usize) -> (Duration, Duration) {
    let mut samples: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            conn.send(&MetadataRequest::default()).expect("metadata");
            t.elapsed()
        })
        .collect();
    samples.sort();
    (samples[n / 2], samples[n * 99 / 100])
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (broker, proxy_addr) = rt.block_on(async {
        let broker = mock::MockBroker::start("127.0.0.1:0").await.expect("mock");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let at = listener.local_addr().unwrap();
        let cfg = ProxyConfig::new(
            broker.addr().to_string(),
            ("127.0.0.1".into(), i32::from(at.port())),
        );
        let proxy = Proxy::new(cfg, Log::new(Box::new(std::io::sink())));
        tokio::spawn(proxy.serve(listener));
        (broker, at)
    });
    let mut direct = Connection::connect(broker.addr()).expect("direct");
    let mut proxied = Connection::connect(proxy_addr).expect("through the proxy");
    let (d50, d99) = percentiles(&mut direct, 2000);
    let (p50, p99) = percentiles(&mut proxied, 2000);
    eprintln!(
        "Metadata round trip, 2000 each: direct p50 {d50:?} p99 {d99:?}; through kio proxy p50 \
         {p50:?} p99 {p99:?}; added p50 {:?} p99 {:?}",
        p50.saturating_sub(d50),
        p99.saturating_sub(d99)
    );
    let mut g = c.benchmark_group("metadata_round_trip");
    g.bench_function("direct", |b| {
        b.iter(|| direct.send(&MetadataRequest::default()).expect("metadata"))
    });
    g.bench_function("through_proxy", |b| {
        b.iter(|| proxied.send(&MetadataRequest::default()).expect("metadata"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
