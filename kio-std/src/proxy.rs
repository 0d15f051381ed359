//! The inspecting proxy behind `kio proxy`: clients connect to it, it
//! connects to the upstream broker and forwards frames both ways.
//!
//! Every frame is decoded to the [`crate::json`] shape (requests name
//! their API; responses are paired with their request by correlation id),
//! logged as one JSON line, and re-encoded from that JSON to check it gives
//! the original bytes. Whatever happens — decode failure, mismatch — the
//! **original bytes** are forwarded, so clients never see kio's bugs.
//!
//! The one exception is address rewriting: broker addresses in Metadata,
//! DescribeCluster and FindCoordinator responses are replaced by the
//! proxy's advertised address so clients keep coming back through the
//! proxy; those responses are re-encoded from the rewritten JSON. With a
//! multi-broker cluster every broker is mapped to the one proxy address, so
//! all traffic goes to the single upstream (fine for one broker or a
//! forwarding front end; a port-per-broker mode is future work).
//!
//! Log lines: frames (the JSON shape plus `time`, `connection`,
//! `roundTrip`, and `rewrites` where addresses were rewritten), and events
//! (`{"event":"open"|"close"|"error"|"summary", ...}`); see `docs/JSON.md`.

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use kio_core::frame::peek_request;
use kio_core::ApiKey;
use serde_json::{json, Map, Value};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::inspect::{error_doc, rfc3339, round_trip, RoundTrip};
use crate::json::{self, JsonError, Kind};

/// Frames larger than this are not parsed: the proxy logs an error and
/// copies the rest of that direction's bytes unchanged.
pub const MAX_FRAME: usize = 256 << 20;

/// How to run the proxy.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// The broker to forward to, `HOST:PORT`.
    pub upstream: String,
    /// The host and port written into rewritten broker addresses.
    pub advertise: (String, i32),
    /// How long to wait for the upstream connection.
    pub connect_timeout: Duration,
    /// The view budget of each logged frame (`--max-decompressed`).
    pub decode: json::DecodeOptions,
}

/// Frame counts of one direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DirectionCounts {
    /// Frames forwarded.
    pub frames: u64,
    /// Bytes forwarded (original frames, size prefixes included).
    pub bytes: u64,
    /// Frames whose JSON re-encoded to the original bytes.
    pub identical: u64,
    /// Frames whose JSON re-encoded to different bytes (or failed to).
    pub mismatches: u64,
    /// Frames that did not decode.
    pub decode_errors: u64,
    /// Responses forwarded with rewritten broker addresses.
    pub rewritten: u64,
    /// Frames whose bytes are not canonical (`_nonCanonical` in their log
    /// line; their JSON re-encodes to the canonical form).
    pub non_canonical: u64,
}

impl DirectionCounts {
    fn to_json(self) -> Value {
        json!({
            "frames": self.frames,
            "bytes": self.bytes,
            "identical": self.identical,
            "mismatches": self.mismatches,
            "decodeErrors": self.decode_errors,
            "rewritten": self.rewritten,
            "nonCanonical": self.non_canonical,
        })
    }
}

/// Counts of both directions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Client → broker.
    pub requests: DirectionCounts,
    /// Broker → client.
    pub responses: DirectionCounts,
}

impl Counts {
    /// `{"requests": {...}, "responses": {...}}`.
    pub fn to_json(self) -> Value {
        json!({ "requests": self.requests.to_json(), "responses": self.responses.to_json() })
    }

    fn of(&mut self, kind: Kind) -> &mut DirectionCounts {
        match kind {
            Kind::Request => &mut self.requests,
            Kind::Response => &mut self.responses,
        }
    }
}

/// Where log lines go; one line per write, flushed.
pub struct Log {
    out: Mutex<Box<dyn Write + Send>>,
}

impl Log {
    /// A log writing to `out`.
    pub fn new(out: Box<dyn Write + Send>) -> Log {
        Log {
            out: Mutex::new(out),
        }
    }

    /// Writes one JSON line (errors writing the log are reported on stderr).
    pub fn line(&self, v: &Value) {
        let mut s =
            serde_json::to_string(v).unwrap_or_else(|e| format!("{{\"logError\":\"{e}\"}}"));
        s.push('\n');
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = out.write_all(s.as_bytes()).and_then(|()| out.flush()) {
            eprintln!("kio proxy: cannot write the log: {e}");
        }
    }
}

/// The proxy's state shared by all connections.
pub struct Proxy {
    cfg: ProxyConfig,
    log: Log,
    counts: Mutex<Counts>,
    next_connection: AtomicUsize,
    brokers_seen: Mutex<Vec<String>>,
}

fn now() -> String {
    rfc3339(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default(),
    )
}

impl Proxy {
    /// A proxy with this configuration and log.
    pub fn new(cfg: ProxyConfig, log: Log) -> Arc<Proxy> {
        Arc::new(Proxy {
            cfg,
            log,
            counts: Mutex::new(Counts::default()),
            next_connection: AtomicUsize::new(0),
            brokers_seen: Mutex::new(Vec::new()),
        })
    }

    /// The counts so far.
    pub fn counts(&self) -> Counts {
        *self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Logs a summary line with the counts so far.
    pub fn log_summary(&self) {
        self.log.line(&json!({
            "event": "summary",
            "time": now(),
            "connections": self.next_connection.load(Ordering::Relaxed),
            "counts": self.counts().to_json(),
        }));
    }

    /// Accepts clients forever, each served by its own task.
    pub async fn serve(self: Arc<Self>, listener: TcpListener) -> io::Result<()> {
        loop {
            let (client, peer) = listener.accept().await?;
            let me = Arc::clone(&self);
            tokio::spawn(async move { me.handle(client, peer).await });
        }
    }

    async fn handle(self: Arc<Self>, client: TcpStream, peer: SocketAddr) {
        let id = self.next_connection.fetch_add(1, Ordering::Relaxed);
        let upstream = match tokio::time::timeout(
            self.cfg.connect_timeout,
            TcpStream::connect(&self.cfg.upstream),
        )
        .await
        {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return self.event_error(id, format!("cannot connect upstream: {e}")),
            Err(_) => return self.event_error(id, "upstream connect timed out".into()),
        };
        let _ = client.set_nodelay(true);
        let _ = upstream.set_nodelay(true);
        self.log.line(&json!({
            "event": "open", "time": now(), "connection": id,
            "client": peer.to_string(), "upstream": self.cfg.upstream,
        }));
        let pending = Arc::new(Mutex::new(HashMap::new()));
        let conn = Arc::new(Mutex::new(Counts::default()));
        let (cr, cw) = client.into_split();
        let (ur, uw) = upstream.into_split();
        let up = Pump {
            proxy: Arc::clone(&self),
            id,
            kind: Kind::Request,
            pending: Arc::clone(&pending),
            conn: Arc::clone(&conn),
        };
        let down = Pump {
            kind: Kind::Response,
            ..up.clone()
        };
        let (a, b) = tokio::join!(up.run(cr, uw), down.run(ur, cw));
        for e in [a, b].into_iter().filter_map(Result::err) {
            if !matches!(
                e.kind(),
                io::ErrorKind::ConnectionReset
                    | io::ErrorKind::BrokenPipe
                    | io::ErrorKind::UnexpectedEof
            ) {
                self.event_error(id, e.to_string());
            }
        }
        let c = *conn.lock().unwrap_or_else(|p| p.into_inner());
        self.log.line(&json!({
            "event": "close", "time": now(), "connection": id,
            "counts": c.to_json(), "totals": self.counts().to_json(),
        }));
    }

    fn event_error(&self, id: usize, message: String) {
        self.log.line(&json!({
            "event": "error", "time": now(), "connection": id, "message": message,
        }));
    }

    fn note_brokers(&self, addrs: &[String]) {
        let mut seen = self.brokers_seen.lock().unwrap_or_else(|p| p.into_inner());
        for a in addrs {
            if !seen.contains(a) {
                seen.push(a.clone());
                if seen.len() == 2 {
                    eprintln!(
                        "kio proxy: several brokers advertised ({}); all are mapped to the proxy, \
                         so all traffic goes to the upstream {}",
                        seen.join(", "),
                        self.cfg.upstream
                    );
                }
            }
        }
    }
}

/// One direction of one connection.
#[derive(Clone)]
struct Pump {
    proxy: Arc<Proxy>,
    id: usize,
    kind: Kind,
    pending: Arc<Mutex<HashMap<i32, (ApiKey, i16)>>>,
    conn: Arc<Mutex<Counts>>,
}

/// Reads one frame (size prefix included), `None` at a clean end of stream.
/// `Err(Some(prefix))` for an implausible size prefix.
async fn read_frame<R: AsyncRead + Unpin>(r: &mut R) -> io::Result<Result<Vec<u8>, [u8; 4]>> {
    let mut prefix = [0u8; 4];
    if r.read(&mut prefix[..1]).await? == 0 {
        return Ok(Ok(Vec::new()));
    }
    r.read_exact(&mut prefix[1..]).await?;
    let size = i32::from_be_bytes(prefix);
    let Some(size) = usize::try_from(size).ok().filter(|s| *s <= MAX_FRAME) else {
        return Ok(Err(prefix));
    };
    // Memory grows with the bytes that arrive, not with what the prefix
    // claims (a client sending only a prefix costs nothing).
    let mut buf = Vec::with_capacity(4 + size.min(64 << 10));
    buf.extend_from_slice(&prefix);
    (&mut *r).take(size as u64).read_to_end(&mut buf).await?;
    if buf.len() != 4 + size {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(Ok(buf))
}

impl Pump {
    async fn run<R, W>(self, mut r: R, mut w: W) -> io::Result<()>
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        let result = self.pump(&mut r, &mut w).await;
        let _ = w.shutdown().await;
        result
    }

    async fn pump<R, W>(&self, r: &mut R, w: &mut W) -> io::Result<()>
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        loop {
            let wire = match read_frame(r).await? {
                Ok(w) if w.is_empty() => return Ok(()),
                Ok(w) => w,
                Err(prefix) => {
                    self.proxy.event_error(
                        self.id,
                        format!(
                            "{} size prefix {} is not a Kafka frame; copying the rest unparsed",
                            self.kind,
                            i32::from_be_bytes(prefix)
                        ),
                    );
                    w.write_all(&prefix).await?;
                    tokio::io::copy(r, w).await?;
                    return Ok(());
                }
            };
            let out = self.process(&wire);
            w.write_all(out.as_deref().unwrap_or(&wire)).await?;
        }
    }

    /// Decodes, checks and logs one frame; gives rewritten bytes to forward
    /// instead of the original, if any.
    fn process(&self, wire: &[u8]) -> Option<Vec<u8>> {
        let payload = &wire[4..];
        let mut m = Map::new();
        m.insert("time".into(), now().into());
        m.insert("connection".into(), self.id.into());
        let mut api = None;
        let mut corr = None;
        let decoded = match self.kind {
            Kind::Request => {
                if let Ok(p) = peek_request(payload) {
                    corr = Some(p.correlation_id);
                    if let Some(k) = ApiKey::from_i16(p.api_key) {
                        api = Some((k, p.api_version));
                        self.pending
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .insert(p.correlation_id, (k, p.api_version));
                    }
                }
                json::decode_request_frame_with(payload, &self.proxy.cfg.decode)
            }
            Kind::Response => {
                corr = payload
                    .get(..4)
                    .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]));
                api = corr.and_then(|c| {
                    self.pending
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .remove(&c)
                });
                match api {
                    Some((k, v)) => {
                        json::decode_response_frame_with(payload, k, v, &self.proxy.cfg.decode)
                    }
                    None => Err(JsonError::Shape(format!(
                        "no request with correlation id {} on this connection",
                        corr.map_or("?".into(), |c| c.to_string())
                    ))),
                }
            }
        };
        let mut forward = None;
        let mut counts = Counts::default();
        let c = counts.of(self.kind);
        c.frames = 1;
        c.bytes = wire.len() as u64;
        let line = match decoded {
            Err(e) => {
                c.decode_errors = 1;
                error_doc(m, self.kind, api, corr, &e, payload)
            }
            Ok(Value::Object(doc)) => {
                m.extend(doc);
                let original = Value::Object(m.clone());
                let response_to = if self.kind == Kind::Response {
                    api
                } else {
                    None
                };
                c.non_canonical = u64::from(m.contains_key(json::canonical::NON_CANONICAL));
                match json::encode(&original) {
                    Ok(b) if b == wire => {
                        c.identical = 1;
                        m.insert("roundTrip".into(), "identical".into());
                    }
                    Ok(b)
                        if round_trip(&original, wire, &b, response_to, |p| {
                            json::decode_frame_with(p, response_to, &self.proxy.cfg.decode)
                        }) == RoundTrip::Canonical =>
                    {
                        m.insert("roundTrip".into(), "canonical".into());
                    }
                    Ok(b) => {
                        c.mismatches = 1;
                        m.insert("roundTrip".into(), "mismatch".into());
                        m.insert("reencoded".into(), STANDARD.encode(b).into());
                        m.insert("raw".into(), STANDARD.encode(wire).into());
                    }
                    Err(e) => {
                        c.mismatches = 1;
                        m.insert("roundTrip".into(), "mismatch".into());
                        m.insert("reencodeError".into(), e.to_string().into());
                        m.insert("raw".into(), STANDARD.encode(wire).into());
                    }
                }
                if self.kind == Kind::Response {
                    if let Some((k, _)) = api {
                        forward = self.rewrite(k, original, &mut m, c);
                    }
                }
                Value::Object(m)
            }
            Ok(other) => other,
        };
        self.proxy.log.line(&line);
        for target in [&self.proxy.counts, &*self.conn] {
            let mut t = target.lock().unwrap_or_else(|p| p.into_inner());
            let d = t.of(self.kind);
            let c = counts.of(self.kind);
            d.frames += c.frames;
            d.bytes += c.bytes;
            d.identical += c.identical;
            d.mismatches += c.mismatches;
            d.decode_errors += c.decode_errors;
            d.rewritten += c.rewritten;
            d.non_canonical += c.non_canonical;
        }
        forward
    }

    /// Rewrites broker addresses of Metadata, DescribeCluster and
    /// FindCoordinator responses; records what changed under `rewrites`.
    fn rewrite(
        &self,
        api: ApiKey,
        mut doc: Value,
        line: &mut Map<String, Value>,
        c: &mut DirectionCounts,
    ) -> Option<Vec<u8>> {
        let (host, port) = &self.proxy.cfg.advertise;
        let body = doc.get_mut("body")?;
        let mut changes = Vec::new();
        let mut seen = Vec::new();
        match api {
            ApiKey::Metadata | ApiKey::DescribeCluster => {
                if let Some(Value::Array(bs)) = body.get_mut("brokers") {
                    for (i, b) in bs.iter_mut().enumerate() {
                        let path = format!("/body/brokers/{i}");
                        rewrite_addr(b, host, *port, path, &mut changes, &mut seen);
                    }
                }
            }
            ApiKey::FindCoordinator => {
                rewrite_addr(body, host, *port, "/body".into(), &mut changes, &mut seen);
                if let Some(Value::Array(cs)) = body.get_mut("coordinators") {
                    for (i, co) in cs.iter_mut().enumerate() {
                        let path = format!("/body/coordinators/{i}");
                        rewrite_addr(co, host, *port, path, &mut changes, &mut seen);
                    }
                }
            }
            _ => return None,
        }
        self.proxy.note_brokers(&seen);
        if changes.is_empty() {
            return None;
        }
        match json::encode(&doc) {
            Ok(bytes) => {
                c.rewritten = 1;
                line.insert("rewrites".into(), Value::Array(changes));
                Some(bytes)
            }
            Err(e) => {
                line.insert(
                    "rewriteError".into(),
                    format!("{e} (forwarded the original bytes)").into(),
                );
                None
            }
        }
    }
}

/// Replaces `host`/`port` of one broker or coordinator object (left alone
/// when its host is empty, as in error answers).
fn rewrite_addr(
    v: &mut Value,
    host: &str,
    port: i32,
    path: String,
    changes: &mut Vec<Value>,
    seen: &mut Vec<String>,
) {
    let Some(m) = v.as_object_mut() else { return };
    let Some(old_host) = m.get("host").and_then(Value::as_str).map(str::to_owned) else {
        return;
    };
    if old_host.is_empty() {
        return;
    }
    let old_port = m.get("port").and_then(Value::as_i64).unwrap_or(-1);
    let from = format!("{old_host}:{old_port}");
    seen.push(from.clone());
    let to = format!("{host}:{port}");
    if from == to {
        return;
    }
    m.insert("host".into(), host.into());
    m.insert("port".into(), port.into());
    changes.push(json!({ "path": path, "from": from, "to": to }));
}
