//! `kio probe`: ApiVersions and Metadata against a broker, printed like
//! `kcat -L`. Plain blocking `std::net` and kio-core's frame functions: one
//! request at a time.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use kio_core::frame::{decode_response, encode_request_frame, Body};
use kio_core::messages::metadata_request::MetadataRequestTopic;
use kio_core::messages::{ApiVersionsRequest, MetadataRequest, MetadataResponse, RequestHeader};
use kio_core::{ApiKey, Array, ErrorCode, ResponseBody, Str};

use crate::{output, CmdResult, Failure};

/// The highest Metadata version kio asks for.
const METADATA_MAX: i16 = 12;

/// Arguments of `kio probe`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The broker, `HOST:PORT`.
    pub broker: String,
    /// Only these topics (repeatable; all topics by default).
    #[arg(long = "topic", short = 't')]
    pub topics: Vec<String>,
    /// List the API versions the broker supports.
    #[arg(long)]
    pub api_versions: bool,
    /// Print the decoded responses as JSON (docs/JSON.md) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Seconds to wait for the connection and for each response.
    #[arg(long, default_value_t = 10)]
    pub timeout: u64,
}

struct Client {
    stream: TcpStream,
    correlation: i32,
    peer: String,
}

impl Client {
    fn connect(addr: &str, timeout: Duration) -> Result<Client, Failure> {
        let addrs: Vec<_> = addr
            .to_socket_addrs()
            .map_err(|e| Failure::input(format!("cannot resolve {addr}: {e}")))?
            .collect();
        let mut last = None;
        for a in addrs {
            match TcpStream::connect_timeout(&a, timeout) {
                Ok(stream) => {
                    let _ = stream.set_read_timeout(Some(timeout));
                    let _ = stream.set_write_timeout(Some(timeout));
                    let _ = stream.set_nodelay(true);
                    return Ok(Client {
                        stream,
                        correlation: 0,
                        peer: addr.into(),
                    });
                }
                Err(e) => last = Some(e),
            }
        }
        Err(Failure::input(format!(
            "cannot connect to {addr}: {}",
            last.map_or("no address".into(), |e| e.to_string())
        )))
    }

    /// Sends a request and returns the response frame (without size prefix).
    fn call(&mut self, api: ApiKey, version: i16, body: &dyn Body) -> Result<Vec<u8>, Failure> {
        self.correlation += 1;
        let header = RequestHeader {
            request_api_key: api.key(),
            request_api_version: version,
            correlation_id: self.correlation,
            client_id: Some(Str::new("kio")),
            ..Default::default()
        };
        let mut frame = Vec::new();
        encode_request_frame(&mut frame, &header, body)
            .map_err(|e| Failure::input(format!("cannot encode {} v{version}: {e}", api.name())))?;
        let io = |e: std::io::Error| {
            Failure::input(format!("{}: {} v{version}: {e}", self.peer, api.name()))
        };
        self.stream.write_all(&frame).map_err(io)?;
        let mut prefix = [0u8; 4];
        self.stream.read_exact(&mut prefix).map_err(io)?;
        let size = i32::from_be_bytes(prefix);
        let size = usize::try_from(size)
            .ok()
            .filter(|s| *s >= 4 && *s <= 64 << 20)
            .ok_or_else(|| {
                Failure::input(format!("{}: invalid response size {size}", self.peer))
            })?;
        let mut buf = vec![0u8; size];
        self.stream.read_exact(&mut buf).map_err(io)?;
        let corr = i32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
        if corr != self.correlation {
            return Err(Failure::input(format!(
                "{}: response correlation id {corr}, expected {}",
                self.peer, self.correlation
            )));
        }
        Ok(buf)
    }
}

fn decode_failure(api: ApiKey, version: i16, e: impl std::fmt::Display) -> Failure {
    Failure::input(format!(
        "cannot decode the {} v{version} response: {e}",
        api.name()
    ))
}

/// Runs `kio probe`.
pub fn run(a: Args) -> CmdResult {
    let timeout = Duration::from_secs(a.timeout.max(1));
    let mut c = Client::connect(&a.broker, timeout)?;

    // ApiVersions v3, falling back to v0 when the broker says UNSUPPORTED_VERSION.
    let av_req = ApiVersionsRequest {
        client_software_name: Str::new("kio"),
        client_software_version: Str::new(env!("CARGO_PKG_VERSION")),
        ..Default::default()
    };
    let mut av_version = 3;
    let mut frame = c.call(ApiKey::ApiVersions, 3, &av_req)?;
    let unsupported = match decode_response(&frame, ApiKey::ApiVersions, 3) {
        Ok((_, ResponseBody::ApiVersions(r))) => {
            r.error_code == ErrorCode::UnsupportedVersion.code()
        }
        _ => true,
    };
    if unsupported {
        av_version = 0;
        frame = c.call(ApiKey::ApiVersions, 0, &ApiVersionsRequest::default())?;
    }
    let (av_header, av_body) = decode_response(&frame, ApiKey::ApiVersions, av_version)
        .map_err(|e| decode_failure(ApiKey::ApiVersions, av_version, e))?;
    let ResponseBody::ApiVersions(av) = &av_body else {
        return Err(Failure::input("unexpected ApiVersions body"));
    };
    if av.error_code != 0 {
        return Err(Failure::input(format!(
            "ApiVersions failed: {}",
            ErrorCode::from_code(av.error_code).name()
        )));
    }
    let broker_max = |key: ApiKey| {
        av.api_keys
            .iter()
            .find(|k| k.api_key == key.key())
            .map(|k| (k.min_version, k.max_version))
    };
    let (md_min, md_max) = broker_max(ApiKey::Metadata)
        .ok_or_else(|| Failure::input("the broker does not support Metadata"))?;
    let md_version = md_max.min(METADATA_MAX);
    if md_version < md_min.max(1) {
        return Err(Failure::input(format!(
            "no Metadata version in common (broker {md_min}-{md_max}, kio 1-{METADATA_MAX})"
        )));
    }

    let topics: Vec<MetadataRequestTopic> = a
        .topics
        .iter()
        .map(|t| MetadataRequestTopic {
            name: Some(Str::from(t.clone())),
            ..Default::default()
        })
        .collect();
    let md_req = MetadataRequest {
        topics: if a.topics.is_empty() {
            None
        } else {
            Some(Array::from(topics.as_slice()))
        },
        allow_auto_topic_creation: md_version < 4,
        ..Default::default()
    };
    let md_frame = c.call(ApiKey::Metadata, md_version, &md_req)?;
    let (md_header, md_body) = decode_response(&md_frame, ApiKey::Metadata, md_version)
        .map_err(|e| decode_failure(ApiKey::Metadata, md_version, e))?;
    let ResponseBody::Metadata(md) = &md_body else {
        return Err(Failure::input("unexpected Metadata body"));
    };

    if a.json {
        let docs = [
            kio_std::json::response_json(ApiKey::ApiVersions, av_version, &av_header, &av_body),
            kio_std::json::response_json(ApiKey::Metadata, md_version, &md_header, &md_body),
        ];
        for d in docs {
            output::line(&serde_json::to_string(&d).map_err(|e| Failure::input(e.to_string()))?)?;
        }
        return Ok(());
    }

    let mut out = String::new();
    out.push_str(&format!(
        "Broker {}: ApiVersions v{av_version}, {} APIs, Metadata v{md_version}\n",
        a.broker,
        av.api_keys.len()
    ));
    if a.api_versions {
        out.push_str(&api_versions_text(av));
    }
    out.push_str(&metadata_text(md, &a.broker, a.topics.is_empty()));
    output::write(out.as_bytes())
}

fn api_versions_text(av: &kio_core::messages::ApiVersionsResponse<'_>) -> String {
    let mut out = String::from(" API versions (broker / kio):\n");
    for k in av.api_keys.iter() {
        let (name, ours) = match ApiKey::from_i16(k.api_key) {
            Some(key) => (key.name().to_string(), key.valid_versions().to_string()),
            None => (format!("unknown API {}", k.api_key), "-".into()),
        };
        out.push_str(&format!(
            "  {:>3} {:<30} {}-{} / {}\n",
            k.api_key, name, k.min_version, k.max_version, ours
        ));
    }
    out
}

fn join(ids: &Array<'_, i32>) -> String {
    ids.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn error_text(code: i16) -> String {
    let e = ErrorCode::from_code(code);
    match e.message() {
        Some(m) => format!("{}: {m}", e.name()),
        None => e.name().to_string(),
    }
}

/// `kcat -L`'s layout.
pub fn metadata_text(md: &MetadataResponse<'_>, from: &str, all: bool) -> String {
    let mut out = format!(
        "Metadata for {} (from broker -1: {from}/bootstrap):\n",
        if all {
            "all topics"
        } else {
            "the given topics"
        }
    );
    if let Some(id) = md.cluster_id.as_ref() {
        out.push_str(&format!(
            " cluster id {}\n",
            String::from_utf8_lossy(id.as_bytes())
        ));
    }
    out.push_str(&format!(" {} brokers:\n", md.brokers.len()));
    for b in md.brokers.iter() {
        let mut line = format!(
            "  broker {} at {}:{}",
            b.node_id,
            String::from_utf8_lossy(b.host.as_bytes()),
            b.port
        );
        if b.node_id == md.controller_id {
            line.push_str(" (controller)");
        }
        if let Some(r) = b.rack.as_ref() {
            line.push_str(&format!(" rack {}", String::from_utf8_lossy(r.as_bytes())));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(&format!(" {} topics:\n", md.topics.len()));
    for t in md.topics.iter() {
        let name = t.name.as_ref().map_or("<null>".into(), |n| {
            String::from_utf8_lossy(n.as_bytes()).into_owned()
        });
        let mut line = format!("  topic \"{name}\" with {} partitions:", t.partitions.len());
        if t.error_code != 0 {
            line.push_str(&format!(" error: {}", error_text(t.error_code)));
        }
        out.push_str(&line);
        out.push('\n');
        for p in t.partitions.iter() {
            let mut line = format!(
                "    partition {}, leader {}, replicas: {}, isrs: {}",
                p.partition_index,
                p.leader_id,
                join(&p.replica_nodes),
                join(&p.isr_nodes)
            );
            if !p.offline_replicas.is_empty() {
                line.push_str(&format!(", offline: {}", join(&p.offline_replicas)));
            }
            if p.error_code != 0 {
                line.push_str(&format!(", {}", error_text(p.error_code)));
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}
