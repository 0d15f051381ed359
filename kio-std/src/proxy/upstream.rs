//! Connecting to a broker, and riding out the times it is away.
//!
//! When a broker refuses (or does not answer in time), the connection of the
//! client that wanted it is *held*: it stays open, unanswered, while the
//! proxy retries with a backoff (100 ms doubling to 2 s) until the broker
//! is back or [`ProxyConfig::upstream_wait`](super::ProxyConfig) passes. So
//! the client's own request timeout and backoff govern its retries, as they
//! would against the broker itself, instead of a refused-at-once loop.
//!
//! An outage (from the first failed attempt to the next success) is logged
//! as **one** line when it ends, `{"event":"outage", "upstream", "since",
//! "durationMs", "attempts", "held", "gaveUp", "error"}`, and announced on
//! stderr when it starts. An outage still going on at shutdown is in the
//! summary line.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::net::TcpStream;

use super::log::{now, Log};

/// The first retry delay while a broker is away.
pub const BACKOFF_MIN: Duration = Duration::from_millis(100);
/// The longest retry delay while a broker is away.
pub const BACKOFF_MAX: Duration = Duration::from_secs(2);

/// One broker the proxy forwards to (the bootstrap upstream, or one broker
/// of the cluster behind a per-broker listener), with its outage state.
pub struct Upstream {
    addr: Mutex<String>,
    outage: Mutex<Option<Outage>>,
}

#[derive(Debug, Clone)]
struct Outage {
    since: String,
    start: Instant,
    attempts: u64,
    held: u64,
    gave_up: u64,
    error: String,
}

impl Outage {
    fn to_json(&self, addr: &str) -> Value {
        json!({
            "upstream": addr,
            "since": self.since,
            "durationMs": self.start.elapsed().as_millis() as u64,
            "attempts": self.attempts,
            "held": self.held,
            "gaveUp": self.gave_up,
            "error": self.error,
        })
    }
}

/// Why no upstream connection was made.
#[derive(Debug, Clone)]
pub struct Unavailable {
    /// How long the client was held.
    pub waited: Duration,
    /// The last connect error.
    pub error: String,
}

impl Upstream {
    /// A broker at `addr` (`HOST:PORT`).
    pub fn new(addr: String) -> Upstream {
        Upstream {
            addr: Mutex::new(addr),
            outage: Mutex::new(None),
        }
    }

    /// Where it is.
    pub fn addr(&self) -> String {
        self.addr.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Moves it (a broker advertised at a new address).
    pub fn set_addr(&self, addr: &str) {
        let mut a = self.addr.lock().unwrap_or_else(|p| p.into_inner());
        if *a != addr {
            *a = addr.to_string();
        }
    }

    /// The outage going on, if any, as JSON.
    pub fn outage_json(&self) -> Option<Value> {
        let addr = self.addr();
        self.outage
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|o| o.to_json(&addr))
    }

    /// Connects, retrying while the broker refuses, for at most `wait`
    /// (each attempt bounded by `attempt_timeout`).
    pub async fn connect_held(
        &self,
        log: &Log,
        wait: Duration,
        attempt_timeout: Duration,
    ) -> Result<TcpStream, Unavailable> {
        let start = Instant::now();
        let mut backoff = BACKOFF_MIN;
        let mut counted_held = false;
        loop {
            let addr = self.addr();
            let error = match tokio::time::timeout(attempt_timeout, TcpStream::connect(&addr)).await
            {
                Ok(Ok(s)) => {
                    self.up(log, &addr);
                    return Ok(s);
                }
                Ok(Err(e)) => format!("cannot connect to {addr}: {e}"),
                Err(_) => format!(
                    "cannot connect to {addr}: no answer in {} ms",
                    attempt_timeout.as_millis()
                ),
            };
            self.down(&addr, &error, !counted_held);
            counted_held = true;
            let left = wait.saturating_sub(start.elapsed());
            if left.is_zero() {
                let mut o = self.outage.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(o) = o.as_mut() {
                    o.gave_up += 1;
                }
                return Err(Unavailable {
                    waited: start.elapsed(),
                    error,
                });
            }
            tokio::time::sleep(backoff.min(left)).await;
            backoff = (backoff * 2).min(BACKOFF_MAX);
        }
    }

    fn down(&self, addr: &str, error: &str, new_client: bool) {
        let mut o = self.outage.lock().unwrap_or_else(|p| p.into_inner());
        let o = o.get_or_insert_with(|| {
            eprintln!(
                "kio proxy: upstream {addr} is unavailable ({error}); holding clients until it is back"
            );
            Outage {
                since: now(),
                start: Instant::now(),
                attempts: 0,
                held: 0,
                gave_up: 0,
                error: error.to_string(),
            }
        });
        o.attempts += 1;
        o.held += u64::from(new_client);
        o.error = error.to_string();
    }

    fn up(&self, log: &Log, addr: &str) {
        let ended = self.outage.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(o) = ended {
            let mut line = o.to_json(addr);
            if let Value::Object(m) = &mut line {
                m.insert("event".into(), "outage".into());
                m.insert("time".into(), now().into());
            }
            eprintln!(
                "kio proxy: upstream {addr} is back after {} ms ({} attempts)",
                o.start.elapsed().as_millis(),
                o.attempts
            );
            log.line(&line);
        }
    }
}
