//! `kio proxy`: the inspecting proxy (see `kio_std::proxy`).

use std::fs::OpenOptions;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use kio_std::proxy::{BrokerPorts, Log, Proxy, ProxyConfig};

use crate::{CmdResult, Failure};

/// Arguments of `kio proxy`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Every frame is decoded, logged as one JSON line (docs/JSON.md) and re-encoded \
to check it gives the same bytes; the original bytes are forwarded whatever \
happens. Every broker address a response carries (Metadata, DescribeCluster, \
FindCoordinator, the NodeEndpoints of Produce and Fetch, ...) is rewritten to \
a proxy address so clients keep coming back through the proxy: the advertised \
address (the listen address by default), or with --broker-port-base / \
--broker-port one listener per broker, opened when the broker is first seen.

While the upstream is away, clients are held (their connections stay open, \
unanswered) until it is back or --upstream-wait passes; each outage is one \
log line with its duration.

Examples:
  kio proxy --listen 127.0.0.1:9093 --upstream 127.0.0.1:9092 --log kafka.jsonl
  kio proxy --listen 127.0.0.1:19000 --upstream broker1:9092 --broker-port-base 19000")]
pub struct Args {
    /// Where clients connect, `ADDR:PORT`.
    #[arg(long)]
    pub listen: SocketAddr,
    /// The broker, `HOST:PORT`.
    #[arg(long)]
    pub upstream: String,
    /// The JSON Lines log (stdout when absent); appended to.
    #[arg(long)]
    pub log: Option<PathBuf>,
    /// The `HOST:PORT` written into rewritten broker addresses (default: the
    /// listen address; 127.0.0.1 when listening on all interfaces).
    #[arg(long)]
    pub advertise: Option<String>,
    /// The memory budget of each frame's derived views, e.g. `64M`; default
    /// 64 × the frame's size, at least 1 MiB and at most 256 MiB (docs/JSON.md).
    #[arg(long, value_name = "SIZE", value_parser = kio_std::json::budget::parse_size)]
    pub max_decompressed: Option<usize>,
    /// One listener per broker: broker NODE listens on BASE + NODE (on the
    /// listen address's IP).
    #[arg(long, value_name = "BASE")]
    pub broker_port_base: Option<u16>,
    /// One listener per broker, this broker on this port, `NODE=PORT`
    /// (repeatable; takes precedence over --broker-port-base).
    #[arg(long = "broker-port", value_name = "NODE=PORT", value_parser = parse_node_port)]
    pub broker_ports: Vec<(i32, u16)>,
    /// How long a client is held while its broker is away, e.g. `30s`,
    /// `500ms` (plain numbers are seconds).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub upstream_wait: Duration,
    /// The largest frame parsed, e.g. `100M`; larger frames switch that
    /// direction of the connection to unparsed copying.
    #[arg(long, value_name = "SIZE", value_parser = kio_std::json::budget::parse_size)]
    pub max_frame: Option<usize>,
    /// Accept TLS from clients with this certificate chain (PEM; with --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Require client certificates signed by this CA (PEM) on the client side.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_client_ca: Option<PathBuf>,
    /// Connect to the brokers with TLS (checked against the system's roots
    /// unless --upstream-ca is given).
    #[arg(long)]
    pub upstream_tls: bool,
    /// The CA (PEM) the brokers' certificates are checked against (implies
    /// --upstream-tls).
    #[arg(long, value_name = "FILE")]
    pub upstream_ca: Option<PathBuf>,
    /// The name checked and sent as SNI for every broker (default: each
    /// broker's own host).
    #[arg(long, value_name = "HOST")]
    pub upstream_server_name: Option<String>,
    /// A client certificate chain (PEM) presented to the brokers (with
    /// --upstream-key; implies --upstream-tls).
    #[arg(long, value_name = "FILE", requires = "upstream_key")]
    pub upstream_cert: Option<PathBuf>,
    /// The private key of --upstream-cert (PEM).
    #[arg(long, value_name = "FILE", requires = "upstream_cert")]
    pub upstream_key: Option<PathBuf>,
    /// Log SASL passwords, SCRAM proofs and OAuth tokens (redacted by
    /// default; the mechanism and user name are always shown).
    #[arg(long)]
    pub show_secrets: bool,
    /// `table` (one line per request/response pair, with latency) or `json`
    /// (JSON Lines); default: table on a terminal, JSON Lines when piped or
    /// with --log.
    #[arg(long, value_enum)]
    pub format: Option<ViewFormat>,
    /// Show only these APIs, e.g. `Produce` (repeatable).
    #[arg(long = "api", value_name = "NAME")]
    pub apis: Vec<String>,
    /// Show only requests naming this topic (and their responses; repeatable).
    #[arg(long = "topic", value_name = "NAME")]
    pub topics: Vec<String>,
    /// Show only requests of this client id (and their responses; repeatable).
    #[arg(long = "client-id", value_name = "ID")]
    pub client_ids: Vec<String>,
    /// Keep the decoded records, drop their base64 bytes.
    #[arg(long)]
    pub no_records: bool,
}

/// The formats of `kio proxy --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ViewFormat {
    /// One line per request/response pair.
    Table,
    /// JSON Lines (docs/JSON.md).
    #[value(alias = "jsonl")]
    Json,
}

fn tls_options(a: &Args) -> Result<kio_std::proxy::tls::TlsOptions, Failure> {
    use kio_std::proxy::tls;
    use std::sync::Arc;
    let mut t = tls::TlsOptions::default();
    if let (Some(c), Some(k)) = (&a.tls_cert, &a.tls_key) {
        let cfg = tls::accept_config(c, k, a.tls_client_ca.as_deref()).map_err(Failure::input)?;
        t.accept = Some(Arc::new(cfg));
    }
    if a.upstream_tls || a.upstream_ca.is_some() || a.upstream_cert.is_some() {
        let client = a.upstream_cert.as_deref().zip(a.upstream_key.as_deref());
        let cfg = tls::connect_config(a.upstream_ca.as_deref(), client).map_err(Failure::input)?;
        t.connect = Some(Arc::new(cfg));
        t.server_name = a.upstream_server_name.clone();
    }
    Ok(t)
}

fn parse_node_port(s: &str) -> Result<(i32, u16), String> {
    let (n, p) = s.split_once('=').ok_or("expected NODE=PORT")?;
    let n = n
        .trim()
        .parse()
        .map_err(|_| format!("invalid node id {n:?}"))?;
    let p = p
        .trim()
        .parse()
        .map_err(|_| format!("invalid port {p:?}"))?;
    Ok((n, p))
}

/// `30s`, `500ms`, `2m` or plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map_or((s, ""), |i| s.split_at(i));
    let v: f64 = num.parse().map_err(|_| format!("invalid duration {s:?}"))?;
    let secs = match unit {
        "" | "s" => v,
        "ms" => v / 1000.0,
        "m" => v * 60.0,
        _ => return Err(format!("invalid duration unit {unit:?} (ms, s or m)")),
    };
    Duration::try_from_secs_f64(secs).map_err(|e| e.to_string())
}

fn advertise(a: &Args, bound: SocketAddr) -> Result<(String, i32), Failure> {
    match &a.advertise {
        Some(s) => {
            let (h, p) = s
                .rsplit_once(':')
                .ok_or_else(|| Failure::usage("--advertise: expected HOST:PORT"))?;
            let p: i32 = p
                .parse()
                .map_err(|_| Failure::usage("--advertise: invalid port"))?;
            Ok((h.trim_matches(|c| c == '[' || c == ']').to_string(), p))
        }
        None => {
            let ip = if bound.ip().is_unspecified() {
                "127.0.0.1".to_string()
            } else {
                bound.ip().to_string()
            };
            Ok((ip, i32::from(bound.port())))
        }
    }
}

/// Runs `kio proxy` until interrupted.
pub fn run(a: Args) -> CmdResult {
    use kio_std::proxy::view::Format;
    use std::io::IsTerminal;
    let format = match a.format {
        Some(ViewFormat::Table) => Format::Table,
        Some(ViewFormat::Json) => Format::Json,
        None if a.log.is_none() && std::io::stdout().is_terminal() => Format::Table,
        None => Format::Json,
    };
    let out: Box<dyn Write + Send> = match &a.log {
        Some(p) => Box::new(
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .map_err(|e| Failure::input(format!("cannot open {}: {e}", p.display())))?,
        ),
        None => Box::new(std::io::stdout()),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::input(format!("cannot start the runtime: {e}")))?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(a.listen)
            .await
            .map_err(|e| Failure::input(format!("cannot listen on {}: {e}", a.listen)))?;
        let bound = listener
            .local_addr()
            .map_err(|e| Failure::input(e.to_string()))?;
        let mut cfg = ProxyConfig::new(a.upstream.clone(), advertise(&a, bound)?);
        cfg.bind_ip = bound.ip();
        cfg.upstream_wait = a.upstream_wait;
        cfg.tls = tls_options(&a)?;
        cfg.show_secrets = a.show_secrets;
        cfg.view = kio_std::proxy::view::ViewOptions {
            format,
            apis: a.apis.clone(),
            topics: a.topics.clone(),
            client_ids: a.client_ids.clone(),
            no_records: a.no_records,
        };
        if let Some(m) = a.max_frame {
            cfg.max_frame = m;
        }
        cfg.decode = kio_std::json::DecodeOptions {
            max_decompressed: a.max_decompressed,
        };
        if a.broker_port_base.is_some() || !a.broker_ports.is_empty() {
            cfg.brokers = BrokerPorts::PerBroker {
                base: a.broker_port_base,
                map: a.broker_ports.iter().copied().collect(),
            };
        }
        eprintln!(
            "kio proxy: listening on {bound}, forwarding to {}, advertising {}:{}",
            cfg.upstream, cfg.advertise.0, cfg.advertise.1
        );
        let proxy = Proxy::new(cfg, Log::new(out).with_format(format));
        let serve = tokio::spawn(std::sync::Arc::clone(&proxy).serve(listener));
        let result = tokio::select! {
            r = serve => match r {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(Failure::input(format!("the proxy stopped: {e}"))),
                Err(e) => Err(Failure::input(format!("proxy task failed: {e}"))),
            },
            () = shutdown_signal() => Ok(()),
        };
        proxy.log_summary();
        let c = proxy.counts();
        eprintln!(
            "kio proxy: session {}, {} connections, {} broker listeners; requests {} frames ({} identical, {} mismatches, {} decode errors); \
             responses {} frames ({} identical, {} mismatches, {} decode errors, {} rewritten)",
            proxy.session(),
            proxy.connections(),
            proxy.broker_listeners().len(),
            c.requests.frames,
            c.requests.identical,
            c.requests.mismatches,
            c.requests.decode_errors,
            c.responses.frames,
            c.responses.identical,
            c.responses.mismatches,
            c.responses.decode_errors,
            c.responses.rewritten
        );
        result
    })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {},
                    _ = term.recv() => {},
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
