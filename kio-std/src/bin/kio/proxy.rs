//! `kio proxy`: the inspecting proxy (see `kio_std::proxy`).

use std::fs::OpenOptions;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use kio_std::proxy::{Log, Proxy, ProxyConfig};

use crate::{CmdResult, Failure};

/// Arguments of `kio proxy`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Every frame is decoded, logged as one JSON line (docs/JSON.md) and re-encoded \
to check it gives the same bytes; the original bytes are forwarded whatever \
happens. Broker addresses in Metadata, DescribeCluster and FindCoordinator \
responses are rewritten to the advertised address (the listen address by \
default) so clients keep coming back through the proxy.

Example:
  kio proxy --listen 127.0.0.1:9093 --upstream 127.0.0.1:9092 --log kafka.jsonl")]
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
        let cfg = ProxyConfig {
            upstream: a.upstream.clone(),
            advertise: advertise(&a, bound)?,
            connect_timeout: Duration::from_secs(10),
            decode: kio_std::json::DecodeOptions {
                max_decompressed: a.max_decompressed,
            },
        };
        eprintln!(
            "kio proxy: listening on {bound}, forwarding to {}, advertising {}:{}",
            cfg.upstream, cfg.advertise.0, cfg.advertise.1
        );
        let proxy = Proxy::new(cfg, Log::new(out));
        let serve = tokio::spawn(std::sync::Arc::clone(&proxy).serve(listener));
        let result = tokio::select! {
            r = serve => match r {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(Failure::input(format!("accept failed: {e}"))),
                Err(e) => Err(Failure::input(format!("proxy task failed: {e}"))),
            },
            () = shutdown_signal() => Ok(()),
        };
        proxy.log_summary();
        let c = proxy.counts();
        eprintln!(
            "kio proxy: requests {} frames ({} identical, {} mismatches, {} decode errors); \
             responses {} frames ({} identical, {} mismatches, {} decode errors, {} rewritten)",
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
