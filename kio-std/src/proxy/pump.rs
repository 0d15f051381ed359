//! One direction of one connection: read a frame, decode, check and log
//! it, forward it (rewritten where it names brokers), count it once the
//! write succeeded.

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use kio_core::frame::peek_request;
use kio_core::ApiKey;
use serde_json::{Map, Value};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use super::counts::{Counts, DirectionCounts};
use super::frame::{read_frame, Read};
use super::log::now;
use super::rewrite::rewrite_addresses;
use super::sasl::{self, SaslState};
use super::view::{drop_record_bytes, table_row, Format, RequestInfo};
use super::{ConnId, Proxy, MAX_IN_FLIGHT};
use crate::inspect::{error_doc, round_trip, RoundTrip};
use crate::json::{self, JsonError, Kind};

/// The requests in flight of one connection: API, version, when it was read.
pub(super) type Pending = Arc<Mutex<HashMap<i32, (ApiKey, i16, Instant, RequestInfo)>>>;

#[derive(Clone)]
pub(super) struct Pump {
    pub(super) proxy: Arc<Proxy>,
    pub(super) cid: ConnId,
    pub(super) kind: Kind,
    pub(super) pending: Pending,
    pub(super) conn: Arc<Mutex<Counts>>,
    pub(super) sasl: Arc<Mutex<SaslState>>,
}

/// How a direction ended cleanly.
#[derive(Debug)]
pub(super) enum End {
    ClientClosed,
    UpstreamClosed,
}

/// A read or write that failed, and on which side.
#[derive(Debug)]
pub(super) struct PumpError {
    pub(super) kind: Kind,
    pub(super) writing: bool,
    pub(super) err: io::Error,
}

impl PumpError {
    pub(super) fn read(kind: Kind, err: io::Error) -> Self {
        PumpError {
            kind,
            writing: false,
            err,
        }
    }

    fn write(kind: Kind, err: io::Error) -> Self {
        PumpError {
            kind,
            writing: true,
            err,
        }
    }

    /// `client` or `upstream`: the side that failed.
    pub(super) fn peer(&self) -> &'static str {
        match (self.kind, self.writing) {
            (Kind::Request, false) | (Kind::Response, true) => "client",
            _ => "upstream",
        }
    }
}

impl Pump {
    pub(super) async fn run<R, W>(self, mut r: R, mut w: W) -> Result<End, PumpError>
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        let result = self.pump(&mut r, &mut w).await;
        let _ = w.shutdown().await;
        result
    }

    fn end(&self) -> End {
        match self.kind {
            Kind::Request => End::ClientClosed,
            Kind::Response => End::UpstreamClosed,
        }
    }

    async fn pump<R, W>(&self, r: &mut R, w: &mut W) -> Result<End, PumpError>
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        let kind = self.kind;
        loop {
            let wire = match read_frame(r, self.proxy.cfg.max_frame)
                .await
                .map_err(|e| PumpError::read(kind, e))?
            {
                Read::Frame(f) => f,
                Read::End => return Ok(self.end()),
                Read::Oversized(prefix) => {
                    let mut m = self.cid.event("error");
                    m.insert(
                        "message".into(),
                        format!(
                            "{kind} size prefix {} is not a Kafka frame or is larger than \
                             {} bytes; copying the rest unparsed",
                            i32::from_be_bytes(prefix),
                            self.proxy.cfg.max_frame
                        )
                        .into(),
                    );
                    self.proxy.log.line(&Value::Object(m));
                    w.write_all(&prefix)
                        .await
                        .map_err(|e| PumpError::write(kind, e))?;
                    copy(r, w, kind).await?;
                    return Ok(self.end());
                }
            };
            let (out, counts) = self.process(&wire);
            w.write_all(out.as_deref().unwrap_or(&wire))
                .await
                .map_err(|e| PumpError::write(kind, e))?;
            // Counted only once forwarded.
            self.proxy.add_counts(&counts);
            self.conn
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .add(&counts);
        }
    }

    /// Decodes, checks and logs one frame; gives rewritten bytes to forward
    /// instead of the original, if any, and the frame's counts.
    fn process(&self, wire: &[u8]) -> (Option<Vec<u8>>, Counts) {
        let payload = &wire[4..];
        let mut m = Map::new();
        m.insert("time".into(), now().into());
        m.insert("connection".into(), self.cid.id.into());
        let mut api = None;
        let mut corr = None;
        let read_at = Instant::now();
        let mut request_of = None;
        let decoded = match self.kind {
            Kind::Request => {
                if let Ok(p) = peek_request(payload) {
                    corr = Some(p.correlation_id);
                    if let Some(k) = ApiKey::from_i16(p.api_key) {
                        api = Some((k, p.api_version));
                    }
                }
                json::decode_request_frame_with(payload, &self.proxy.cfg.decode)
            }
            Kind::Response => {
                corr = payload
                    .get(..4)
                    .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]));
                let p = corr.and_then(|c| {
                    self.pending
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .remove(&c)
                });
                if let Some((_, _, t, _)) = &p {
                    m.insert("latencyUs".into(), (t.elapsed().as_micros() as u64).into());
                }
                api = p.as_ref().map(|(k, v, _, _)| (*k, *v));
                request_of = p.map(|(_, _, _, info)| info);
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
        let show = self.proxy.cfg.show_secrets;
        let line = match decoded {
            Err(_) if self.kind == Kind::Request && self.sasl_bare() => {
                // A bare SASL token (after SaslHandshake v0): never its bytes.
                let st = self.sasl.lock().unwrap_or_else(|p| p.into_inner()).clone();
                m.insert("kind".into(), "request".into());
                m.insert(
                    "saslToken".into(),
                    sasl::describe(st.mechanism.as_deref(), payload, show),
                );
                Value::Object(m)
            }
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
                if let Some((k, v)) = response_to {
                    forward = self.rewrite(k, v, original, &mut m, c);
                }
                if self.kind == Kind::Request {
                    let mut st = self.sasl.lock().unwrap_or_else(|p| p.into_inner());
                    sasl::on_request(&mut st, &mut m, show);
                }
                Value::Object(m)
            }
            Ok(other) => other,
        };
        self.show(line, wire.len(), api, corr, read_at, request_of);
        (forward, counts)
    }

    /// Logs a frame line as the view asks: filtered, as JSON or (for a
    /// response) a table row. Requests are remembered for their response.
    fn show(
        &self,
        mut line: Value,
        len: usize,
        api: Option<(ApiKey, i16)>,
        corr: Option<i32>,
        read_at: Instant,
        request: Option<RequestInfo>,
    ) {
        let view = &self.proxy.cfg.view;
        let Value::Object(m) = &mut line else {
            return;
        };
        let shown = match self.kind {
            Kind::Request => {
                let shown = view.matches(m);
                if let (Some((k, v)), Some(c)) = (api, corr) {
                    let mut pend = self.pending.lock().unwrap_or_else(|p| p.into_inner());
                    if pend.len() < MAX_IN_FLIGHT {
                        let info = RequestInfo::of(m, len, shown);
                        pend.insert(c, (k, v, read_at, info));
                    }
                }
                shown
            }
            Kind::Response => request
                .as_ref()
                .map_or_else(|| view.matches(m), |r| r.shown),
        };
        if !shown {
            return;
        }
        if view.no_records {
            drop_record_bytes(&mut line);
        }
        let Value::Object(m) = &line else { return };
        match (self.proxy.log.format(), self.kind) {
            (Format::Json, _) => self.proxy.log.line(&line),
            (Format::Table, Kind::Request) => {}
            (Format::Table, Kind::Response) => {
                let req = request.unwrap_or_default();
                self.proxy.log.raw(&table_row(&req, m, len));
            }
        }
    }

    fn sasl_bare(&self) -> bool {
        self.sasl
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .bare_tokens
    }

    /// Rewrites every broker address of a response; records what changed
    /// under `rewrites`.
    fn rewrite(
        &self,
        api: ApiKey,
        version: i16,
        mut doc: Value,
        line: &mut Map<String, Value>,
        c: &mut DirectionCounts,
    ) -> Option<Vec<u8>> {
        let body = doc.get_mut("body")?;
        let proxy = &self.proxy;
        let changes = rewrite_addresses(api.response_schema(), version, body, &mut |f| {
            proxy.route(f)
        });
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

async fn copy<R, W>(r: &mut R, w: &mut W, kind: Kind) -> Result<(), PumpError>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    use tokio::io::AsyncReadExt;
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let n = r
            .read(&mut buf)
            .await
            .map_err(|e| PumpError::read(kind, e))?;
        if n == 0 {
            return Ok(());
        }
        w.write_all(&buf[..n])
            .await
            .map_err(|e| PumpError::write(kind, e))?;
    }
}
