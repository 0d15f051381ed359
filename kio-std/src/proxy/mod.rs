//! The inspecting proxy behind `kio proxy`: clients connect to it, it
//! connects to the brokers and forwards frames both ways.
//!
//! Every frame is decoded to the [`crate::json`] shape (requests name
//! their API; responses are paired with their request by correlation id),
//! logged, and re-encoded from that JSON to check it gives the original
//! bytes. Whatever happens — decode failure, mismatch — the **original
//! bytes** are forwarded, so clients never see kio's bugs.
//!
//! The one exception is address rewriting ([`rewrite`]): every broker
//! address a response carries (found from the schema tables: Metadata,
//! DescribeCluster, FindCoordinator, the `NodeEndpoints` of Produce and
//! Fetch, ...) is replaced by a proxy address so clients keep coming back
//! through the proxy; those responses are re-encoded from the rewritten
//! JSON. With [`BrokerPorts::PerBroker`] each broker gets its own local
//! listener ([`brokers`]), forwarding to that broker; with
//! [`BrokerPorts::Single`] every broker is mapped to the one proxy address
//! (all traffic goes to the bootstrap upstream: right for one broker or a
//! forwarding front end).
//!
//! When a broker is away, client connections are held, not refused
//! ([`upstream`]). Accept errors (such as running out of file descriptors)
//! are logged and survived.
//!
//! # Bounds
//!
//! Per connection and direction, the proxy holds the one frame being read
//! (memory grows as its bytes arrive, up to [`ProxyConfig::max_frame`],
//! default [`MAX_FRAME`] = 100 MiB; a larger size prefix switches that
//! direction to unparsed copying) plus that frame's JSON views, bounded by
//! the [`crate::json::budget`] of [`ProxyConfig::decode`]; both are freed
//! before the next frame. While the upstream is away, at most
//! [`HOLD_BUFFER`] (64 KiB) of a held client's bytes are buffered. The
//! request/response pairing table holds one entry per request in flight,
//! at most [`MAX_IN_FLIGHT`] per connection.
//!
//! # Log
//!
//! Frame lines (the JSON shape plus `time`, `session`, `connection`,
//! `roundTrip`, `latencyUs` on responses, and `rewrites` where addresses
//! were rewritten) and events (`{"event": "open" | "close" | "error" |
//! "outage" | "listen" | "acceptError" | "summary", ...}`); every event of a
//! connection names its `connection` and `client`. See `docs/JSON.md`.

pub mod brokers;
mod conn;
pub mod counts;
pub mod frame;
pub mod log;
mod pump;
pub mod rewrite;
pub mod sasl;
pub mod tls;
pub mod upstream;
pub mod view;

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::net::TcpListener;

pub use brokers::BrokerPorts;
pub use counts::{Counts, DirectionCounts};
use log::now;
pub use log::Log;
use upstream::Upstream;

/// The default bound of one frame: frames larger than this are not parsed
/// (the proxy logs an error and copies the rest of that direction's bytes
/// unchanged). Kafka's own default `socket.request.max.bytes` is 100 MiB.
pub const MAX_FRAME: usize = 100 << 20;

/// At most this many bytes of a held client (upstream away) are buffered.
pub const HOLD_BUFFER: usize = 64 << 10;

/// At most this many requests in flight per connection are paired with
/// their responses (more are forwarded; their responses log as unpaired).
pub const MAX_IN_FLIGHT: usize = 4096;

/// How to run the proxy.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// The bootstrap broker to forward to, `HOST:PORT`.
    pub upstream: String,
    /// The host and port written into rewritten broker addresses (with
    /// [`BrokerPorts::PerBroker`], the host with each broker's own port).
    pub advertise: (String, i32),
    /// Where per-broker listeners are opened (the bootstrap listener's IP).
    pub bind_ip: IpAddr,
    /// One listener for all brokers, or one per broker.
    pub brokers: BrokerPorts,
    /// How long one upstream connect attempt may take.
    pub connect_timeout: Duration,
    /// How long a client is held while its broker is away, before its
    /// connection is closed.
    pub upstream_wait: Duration,
    /// The largest frame parsed (bytes after the size prefix).
    pub max_frame: usize,
    /// The view budget of each logged frame (`--max-decompressed`).
    pub decode: crate::json::DecodeOptions,
    /// TLS towards clients and/or brokers (none by default).
    pub tls: tls::TlsOptions,
    /// Log SASL passwords, proofs and tokens instead of redacting them.
    pub show_secrets: bool,
    /// Which frames are logged, and how much of them (the format is the
    /// [`Log`]'s).
    pub view: view::ViewOptions,
}

impl ProxyConfig {
    /// Forward to `upstream`, advertise `advertise`; one listener, 10 s
    /// connect timeout, clients held 30 s, [`MAX_FRAME`].
    pub fn new(upstream: impl Into<String>, advertise: (String, i32)) -> ProxyConfig {
        ProxyConfig {
            upstream: upstream.into(),
            advertise,
            bind_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            brokers: BrokerPorts::Single,
            connect_timeout: Duration::from_secs(10),
            upstream_wait: Duration::from_secs(30),
            max_frame: MAX_FRAME,
            decode: crate::json::DecodeOptions::default(),
            tls: tls::TlsOptions::default(),
            show_secrets: false,
            view: view::ViewOptions::default(),
        }
    }
}

/// The proxy's state shared by all connections and listeners.
pub struct Proxy {
    cfg: ProxyConfig,
    log: Log,
    counts: Mutex<Counts>,
    next_connection: AtomicUsize,
    bootstrap: Arc<Upstream>,
    brokers: brokers::Registry,
}

impl Proxy {
    /// A proxy with this configuration and log.
    pub fn new(cfg: ProxyConfig, log: Log) -> Arc<Proxy> {
        Arc::new(Proxy {
            bootstrap: Arc::new(Upstream::new(cfg.upstream.clone())),
            brokers: brokers::Registry::default(),
            cfg,
            log,
            counts: Mutex::new(Counts::default()),
            next_connection: AtomicUsize::new(0),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ProxyConfig {
        &self.cfg
    }

    /// The log's session id.
    pub fn session(&self) -> &str {
        self.log.session()
    }

    /// The counts so far (frames forwarded in full).
    pub fn counts(&self) -> Counts {
        *self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Connections accepted so far (all listeners).
    pub fn connections(&self) -> usize {
        self.next_connection.load(Ordering::Relaxed)
    }

    /// The per-broker listeners opened so far: (node id, local port, broker).
    pub fn broker_listeners(&self) -> Vec<(i32, u16, String)> {
        self.brokers.list()
    }

    /// Logs a summary line with the counts so far (and any outage going on).
    pub fn log_summary(&self) {
        let mut outages: Vec<Value> = self.bootstrap.outage_json().into_iter().collect();
        outages.extend(self.brokers.outages());
        self.log.line(&json!({
            "event": "summary",
            "time": now(),
            "connections": self.connections(),
            "counts": self.counts().to_json(),
            "brokerListeners": self.brokers.list().iter()
                .map(|(n, p, u)| json!({"node": n, "port": p, "upstream": u}))
                .collect::<Vec<_>>(),
            "outagesOngoing": outages,
        }));
    }

    /// Accepts clients of the bootstrap listener forever, each served by
    /// its own task. Accept errors (e.g. `EMFILE`) are logged and survived
    /// (after a 100 ms pause), so this only returns if the task is dropped.
    pub async fn serve(self: Arc<Self>, listener: TcpListener) -> io::Result<()> {
        let up = Arc::clone(&self.bootstrap);
        self.accept_loop(listener, up, None).await;
        Ok(())
    }

    async fn accept_loop(
        self: Arc<Self>,
        listener: TcpListener,
        upstream: Arc<Upstream>,
        node: Option<i32>,
    ) {
        let local = listener
            .local_addr()
            .map_or_else(|_| "?".into(), |a| a.to_string());
        let mut errors = 0u64;
        let mut last_logged: Option<Instant> = None;
        loop {
            match listener.accept().await {
                Ok((client, peer)) => {
                    let me = Arc::clone(&self);
                    let up = Arc::clone(&upstream);
                    tokio::spawn(async move { me.handle(client, peer, up, node).await });
                }
                Err(e) => {
                    errors += 1;
                    // At most one line a second, with the count since the last.
                    if last_logged.is_none_or(|t| t.elapsed() >= Duration::from_secs(1)) {
                        self.log.line(&json!({
                            "event": "acceptError", "time": now(), "listener": local,
                            "message": e.to_string(), "errors": errors,
                        }));
                        last_logged = Some(Instant::now());
                        errors = 0;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    fn add_counts(&self, c: &Counts) {
        self.counts.lock().unwrap_or_else(|p| p.into_inner()).add(c);
    }
}

/// What one connection's events name.
#[derive(Debug, Clone)]
struct ConnId {
    id: usize,
    client: SocketAddr,
    node: Option<i32>,
}

impl ConnId {
    fn event(&self, name: &str) -> serde_json::Map<String, Value> {
        let mut m = serde_json::Map::new();
        m.insert("event".into(), name.into());
        m.insert("time".into(), now().into());
        m.insert("connection".into(), self.id.into());
        m.insert("client".into(), self.client.to_string().into());
        if let Some(n) = self.node {
            m.insert("broker".into(), n.into());
        }
        m
    }
}
