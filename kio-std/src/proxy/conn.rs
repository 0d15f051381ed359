//! One client connection: hold it while the upstream is away, then pump
//! frames both ways and log how it ended.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::net::TcpStream;

use super::counts::Counts;
use super::pump::{End, Pump, PumpError};
use super::tls::{self, TlsAcceptor, TlsConnector};
use super::upstream::Upstream;
use super::{ConnId, Proxy, HOLD_BUFFER};
use crate::json::Kind;

type BoxRead = Box<dyn AsyncRead + Unpin + Send>;
type BoxWrite = Box<dyn AsyncWrite + Unpin + Send>;

/// How long a TLS handshake may take, on either side.
const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl Proxy {
    fn log_error(&self, cid: &ConnId, message: &str) {
        let mut m = cid.event("error");
        m.insert("message".into(), message.into());
        self.log.line(&Value::Object(m));
    }

    pub(super) async fn handle(
        self: Arc<Self>,
        client: TcpStream,
        peer: SocketAddr,
        target: Arc<Upstream>,
        node: Option<i32>,
    ) {
        let cid = ConnId {
            id: self
                .next_connection
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            client: peer,
            node,
        };
        let _ = client.set_nodelay(true);
        let mut open = cid.event("open");
        open.insert("upstream".into(), target.addr().into());
        self.log.line(&Value::Object(open));

        let (mut cr, cw): (BoxRead, BoxWrite) = match &self.cfg.tls.accept {
            None => {
                let (r, w) = client.into_split();
                (Box::new(r), Box::new(w))
            }
            Some(cfg) => {
                let accept = TlsAcceptor::from(Arc::clone(cfg)).accept(client);
                match tokio::time::timeout(HANDSHAKE_TIMEOUT, accept).await {
                    Ok(Ok(s)) => {
                        let (r, w) = tokio::io::split(s);
                        (Box::new(r), Box::new(w))
                    }
                    Ok(Err(e)) => {
                        let reason = format!("TLS handshake with the client failed: {e}");
                        return self.closed(&cid, reason, Counts::default());
                    }
                    Err(_) => {
                        let reason = "TLS handshake with the client timed out".to_string();
                        return self.closed(&cid, reason, Counts::default());
                    }
                }
            }
        };
        // Hold the client while the upstream is away: keep (a bounded
        // amount of) what it sends, notice when it gives up.
        let mut held = Vec::new();
        let connect =
            target.connect_held(&self.log, self.cfg.upstream_wait, self.cfg.connect_timeout);
        tokio::pin!(connect);
        let mut chunk = [0u8; 4096];
        let upstream = loop {
            let room = HOLD_BUFFER.saturating_sub(held.len()).min(chunk.len());
            tokio::select! {
                r = &mut connect => break r,
                n = cr.read(&mut chunk[..room]), if room > 0 => match n {
                    Ok(0) => return self.closed(&cid, "the client closed before the upstream connection was made".into(), Counts::default()),
                    Ok(n) => held.extend_from_slice(&chunk[..n]),
                    Err(e) => return self.closed(&cid, describe(&PumpError::read(Kind::Request, e)), Counts::default()),
                },
            }
        };
        let upstream = match upstream {
            Ok(s) => s,
            Err(u) => {
                let reason = format!(
                    "upstream unavailable: held the client {} ms, closing ({})",
                    u.waited.as_millis(),
                    u.error
                );
                return self.closed(&cid, reason, Counts::default());
            }
        };
        let _ = upstream.set_nodelay(true);
        let (ur, uw): (BoxRead, BoxWrite) = match &self.cfg.tls.connect {
            None => {
                let (r, w) = upstream.into_split();
                (Box::new(r), Box::new(w))
            }
            Some(cfg) => {
                let name = self
                    .cfg
                    .tls
                    .server_name
                    .clone()
                    .unwrap_or_else(|| target.addr());
                let name = match tls::server_name(&name) {
                    Ok(n) => n,
                    Err(e) => {
                        let reason = format!("no TLS server name for the upstream: {e}");
                        return self.closed(&cid, reason, Counts::default());
                    }
                };
                let connect = TlsConnector::from(Arc::clone(cfg)).connect(name, upstream);
                match tokio::time::timeout(HANDSHAKE_TIMEOUT, connect).await {
                    Ok(Ok(s)) => {
                        let (r, w) = tokio::io::split(s);
                        (Box::new(r), Box::new(w))
                    }
                    Ok(Err(e)) => {
                        let reason = format!("TLS handshake with the upstream failed: {e}");
                        self.log_error(&cid, &reason);
                        return self.closed(&cid, reason, Counts::default());
                    }
                    Err(_) => {
                        let reason = "TLS handshake with the upstream timed out".to_string();
                        return self.closed(&cid, reason, Counts::default());
                    }
                }
            }
        };
        let cr = std::io::Cursor::new(held).chain(cr);
        let (reason, counts) = self.pump_both(&cid, cr, cw, ur, uw).await;
        self.closed(&cid, reason, counts);
    }

    async fn pump_both<CR, CW, UR, UW>(
        self: &Arc<Self>,
        cid: &ConnId,
        cr: CR,
        cw: CW,
        ur: UR,
        uw: UW,
    ) -> (String, Counts)
    where
        CR: AsyncRead + Unpin,
        CW: AsyncWrite + Unpin,
        UR: AsyncRead + Unpin,
        UW: AsyncWrite + Unpin,
    {
        let conn = Arc::new(Mutex::new(Counts::default()));
        let up = Pump {
            proxy: Arc::clone(self),
            cid: cid.clone(),
            kind: Kind::Request,
            pending: Arc::new(Mutex::new(HashMap::new())),
            conn: Arc::clone(&conn),
            sasl: Arc::default(),
        };
        let down = Pump {
            kind: Kind::Response,
            ..up.clone()
        };
        let a = up.run(cr, uw);
        let b = down.run(ur, cw);
        tokio::pin!(a, b);
        // The reason is how the first direction ended.
        let (first, second) = tokio::select! {
            r = &mut a => (r, b.await),
            r = &mut b => (r, a.await),
        };
        let mut reason = describe_end(&first);
        if let Err(e) = &second {
            if first.is_ok() {
                reason.push_str("; then ");
                reason.push_str(&describe(e));
            }
        }
        let c = *conn.lock().unwrap_or_else(|p| p.into_inner());
        (reason, c)
    }

    fn closed(&self, cid: &ConnId, reason: String, counts: Counts) {
        let mut m = cid.event("close");
        m.insert("reason".into(), reason.into());
        m.insert("counts".into(), counts.to_json());
        m.insert("totals".into(), self.counts().to_json());
        self.log.line(&Value::Object(m));
    }
}

fn describe_end(r: &Result<End, PumpError>) -> String {
    match r {
        Ok(End::ClientClosed) => "the client closed the connection".into(),
        Ok(End::UpstreamClosed) => "the upstream closed the connection".into(),
        Err(e) => describe(e),
    }
}

/// A failure in words, naming the side and the error kind (a reset or a
/// broken pipe included: they are how clients and brokers usually leave).
pub(super) fn describe(e: &PumpError) -> String {
    let what = match e.err.kind() {
        io::ErrorKind::ConnectionReset => "reset the connection",
        io::ErrorKind::BrokenPipe => "is gone (broken pipe)",
        io::ErrorKind::UnexpectedEof => "closed the connection inside a frame",
        io::ErrorKind::ConnectionAborted => "aborted the connection",
        io::ErrorKind::TimedOut => "timed out",
        _ => "failed",
    };
    format!(
        "the {} {what} ({} the {}: {})",
        e.peer(),
        if e.writing {
            "writing to"
        } else {
            "reading from"
        },
        e.peer(),
        e.err
    )
}
