//! Where the proxy's log lines go, and the session id that tells appended
//! sessions apart.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use super::view::{event_line, table_header, Format};
use crate::inspect::rfc3339;

/// Where log lines go: one JSON object per line, flushed, each stamped with
/// the session id (`"session"`) so that sessions appended to one file do
/// not collide (connection ids restart at 0 in every session).
///
/// In the table format ([`Format::Table`]) frames are printed by the proxy
/// as table rows ([`Log::raw`]) and events as `# ...` lines.
pub struct Log {
    out: Mutex<Box<dyn Write + Send>>,
    session: String,
    format: Format,
    header: AtomicBool,
}

impl Log {
    /// A log writing to `out`, with a new session id.
    pub fn new(out: Box<dyn Write + Send>) -> Log {
        Log::with_session(out, new_session_id())
    }

    /// A log writing to `out` with the given session id.
    pub fn with_session(out: Box<dyn Write + Send>, session: String) -> Log {
        Log {
            out: Mutex::new(out),
            session,
            format: Format::Json,
            header: AtomicBool::new(false),
        }
    }

    /// This log, printing `format`.
    pub fn with_format(mut self, format: Format) -> Log {
        self.format = format;
        self
    }

    /// The format printed.
    pub fn format(&self) -> Format {
        self.format
    }

    /// This session's id.
    pub fn session(&self) -> &str {
        &self.session
    }

    /// Writes one JSON line: `v` with `"session"` added when it is an object
    /// (errors writing the log are reported on stderr).
    pub fn line(&self, v: &Value) {
        if self.format == Format::Table {
            return self.raw(&event_line(v));
        }
        let s = match v {
            Value::Object(m) => {
                let mut with = Map::with_capacity(m.len() + 1);
                let mut it = m.iter();
                // `time` first, then the session, then the rest.
                if let Some((k, t)) = m.get_key_value("time") {
                    with.insert(k.clone(), t.clone());
                }
                with.insert("session".into(), self.session.clone().into());
                for (k, x) in it.by_ref() {
                    if k != "time" {
                        with.insert(k.clone(), x.clone());
                    }
                }
                serde_json::to_string(&Value::Object(with))
            }
            other => serde_json::to_string(other),
        };
        let mut s = s.unwrap_or_else(|e| format!("{{\"logError\":\"{e}\"}}"));
        s.push('\n');
        self.raw(&s);
    }

    /// Writes text as it is (the table view), flushed.
    pub fn raw(&self, s: &str) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        if self.format == Format::Table && !self.header.swap(true, Ordering::Relaxed) {
            let _ =
                out.write_all(format!("# session {}\n{}", self.session, table_header()).as_bytes());
        }
        if let Err(e) = out.write_all(s.as_bytes()).and_then(|()| out.flush()) {
            eprintln!("kio proxy: cannot write the log: {e}");
        }
    }
}

/// A session id: the start time in milliseconds since the Unix epoch and
/// the process id, in hex (`"19ad2c1f3e0-4d2"`), unique enough to tell the
/// sessions of one log file apart.
pub fn new_session_id() -> String {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    format!("{ms:x}-{:x}", std::process::id())
}

/// The time now, RFC 3339 with microseconds.
pub fn now() -> String {
    rfc3339(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default(),
    )
}
