//! Every field of Kafka's protocol that names a broker's host and port is
//! rewritten by `kio proxy`.
//!
//! 1. The list the proxy works from (`kio_std::proxy::rewrite::address_fields`,
//!    built from kio-core's schema tables) equals an independent walk of
//!    Kafka's own JSON schema files (every release in ../shared/kafka-schema):
//!    a new field that names a host and port fails this test until it is
//!    in the tables the proxy walks.
//! 2. Responses built and encoded by the `kafka-protocol` crate (Metadata,
//!    DescribeCluster, FindCoordinator in both forms, Produce v10+ and Fetch
//!    v16+ `NodeEndpoints`) go through the proxy's rewriting and are decoded
//!    again by `kafka-protocol`: every address is the proxy's, everything
//!    else is unchanged.

use std::collections::BTreeSet;
use std::path::Path;

use bytes::BytesMut;
use kafka_protocol::messages::{self as kp, BrokerId, ResponseHeader};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, StrBytes};
use kio_interop as support;
use kio_std::kio_core::ApiKey;
use kio_std::proxy::rewrite::{address_fields, rewrite_response, Found};
use serde_json::Value;

/// (message, path, names a broker) of every struct with a `Host` string and
/// an integer `Port`, from Kafka's JSON files (inline structs and
/// `commonStructs`); "names a broker": a `NodeId`, `BrokerId` or `LeaderId`
/// in the struct or one around it.
fn kafka_address_structs(dir: &Path, out: &mut BTreeSet<(String, String, bool)>) {
    fn walk(
        msg: &str,
        fields: &[Value],
        common: &serde_json::Map<String, Value>,
        path: &str,
        node_around: bool,
        depth: usize,
        out: &mut BTreeSet<(String, String, bool)>,
    ) {
        assert!(depth < 16, "{msg}: structs nest too deep");
        let has = |name: &str, ok: &dyn Fn(&str) -> bool| {
            fields
                .iter()
                .any(|f| f["name"] == name && f["type"].as_str().is_some_and(ok))
        };
        let node = node_around
            || ["NodeId", "BrokerId", "LeaderId"]
                .iter()
                .any(|n| fields.iter().any(|f| f["name"] == *n));
        if has("Host", &|t| t == "string")
            && has("Port", &|t| {
                ["int16", "uint16", "int32", "uint32"].contains(&t)
            })
        {
            out.insert((msg.to_string(), path.to_string(), node));
        }
        for f in fields {
            let ty = f["type"].as_str().unwrap_or("").trim_start_matches("[]");
            let sub = match f["fields"].as_array() {
                Some(sub) => sub.clone(),
                None => match common.get(ty) {
                    Some(c) => c.as_array().cloned().unwrap_or_default(),
                    None => continue,
                },
            };
            let name = f["name"].as_str().unwrap_or("?");
            let p = if path.is_empty() {
                name.to_string()
            } else {
                format!("{path}/{name}")
            };
            walk(msg, &sub, common, &p, node, depth + 1, out);
        }
    }
    for e in std::fs::read_dir(dir).expect("schema dir") {
        let p = e.expect("entry").path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with("Response.json") {
            continue;
        }
        // Kafka's files carry `//` comment lines.
        let text: String = std::fs::read_to_string(&p)
            .expect("read")
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        if v["type"] != "response" {
            continue;
        }
        let fields = v["fields"].as_array().cloned().unwrap_or_default();
        let common: serde_json::Map<String, Value> = v["commonStructs"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                (
                    c["name"].as_str().unwrap_or("").to_string(),
                    c["fields"].clone(),
                )
            })
            .collect();
        walk(
            v["name"].as_str().unwrap(),
            &fields,
            &common,
            "",
            false,
            0,
            out,
        );
    }
}

#[test]
fn address_fields_match_kafkas_schemas() {
    let root = support::repo().join("../shared/kafka-schema");
    let mut kafka = BTreeSet::new();
    let mut releases = 0;
    for e in std::fs::read_dir(&root).expect("../shared/kafka-schema") {
        let p = e.expect("entry").path();
        // Release folders hold the message files (4.3.1-records does not).
        if p.join("MetadataResponse.json").exists() {
            kafka_address_structs(&p, &mut kafka);
            releases += 1;
        }
    }
    assert!(
        releases >= 2,
        "expected 3.9.0 and 4.3.1 under {}",
        root.display()
    );
    let ours: BTreeSet<(String, String, bool)> = address_fields()
        .into_iter()
        .map(|f| (f.message.to_string(), f.path, f.broker))
        .collect();
    println!("{} host/port structs in Kafka's responses:", kafka.len());
    for (m, p, b) in &kafka {
        let what = if *b {
            "a broker: rewritten"
        } else {
            "not a broker: left alone"
        };
        println!(
            "  {m} {} ({what})",
            if p.is_empty() { "(top level)" } else { p }
        );
    }
    assert_eq!(
        ours, kafka,
        "the proxy's address fields differ from Kafka's schemas"
    );
    // The ones clients follow must be among them.
    for (m, p) in [
        ("MetadataResponse", "Brokers"),
        ("DescribeClusterResponse", "Brokers"),
        ("FindCoordinatorResponse", ""),
        ("FindCoordinatorResponse", "Coordinators"),
        ("ProduceResponse", "NodeEndpoints"),
        ("FetchResponse", "NodeEndpoints"),
    ] {
        assert!(ours.contains(&(m.into(), p.into(), true)), "{m} {p}");
    }
}

const PROXY_HOST: &str = "proxy.local";

/// Broker `n` is reached at proxy port 19000 + n.
fn route(f: &Found) -> Option<(String, i32)> {
    Some((PROXY_HOST.into(), 19_000 + f.node?))
}

/// Encodes `body` with a response header at `version`, rewrites it as the
/// proxy does, and decodes the result with kafka-protocol.
fn through_proxy<T>(api: ApiKey, version: i16, body: &T) -> (T, Vec<Value>)
where
    T: Encodable + Decodable + HeaderVersion,
{
    let mut buf = BytesMut::new();
    ResponseHeader::default()
        .with_correlation_id(7)
        .encode(&mut buf, T::header_version(version))
        .expect("header");
    body.encode(&mut buf, version).expect("body");
    let (frame, changes) = rewrite_response(&buf, api, version, &Default::default(), &mut route)
        .expect("decodes")
        .expect("something rewritten");
    let mut rest = bytes::Bytes::from(frame[4..].to_vec());
    let h = ResponseHeader::decode(&mut rest, T::header_version(version)).expect("header");
    assert_eq!(h.correlation_id, 7);
    let out = T::decode(&mut rest, version).expect("kafka-protocol decodes the rewritten frame");
    assert!(rest.is_empty(), "trailing bytes after {api:?} v{version}");
    (out, changes)
}

fn s(x: &str) -> StrBytes {
    StrBytes::from_string(x.to_string())
}

#[test]
fn node_endpoints_of_produce_and_fetch_are_rewritten() {
    for version in [10i16, 11, 12] {
        let body = kp::ProduceResponse::default().with_node_endpoints(vec![
            kp::produce_response::NodeEndpoint::default()
                .with_node_id(BrokerId(2))
                .with_host(s("broker-2.internal"))
                .with_port(9092)
                .with_rack(Some(s("r2"))),
        ]);
        let (out, changes) = through_proxy(ApiKey::Produce, version, &body);
        let e = &out.node_endpoints[0];
        assert_eq!(
            (e.node_id.0, e.host.as_str(), e.port),
            (2, PROXY_HOST, 19_002)
        );
        assert_eq!(e.rack.as_deref(), Some("r2"));
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0]["from"], "broker-2.internal:9092");
    }
    for version in [16i16, 17] {
        let body = kp::FetchResponse::default().with_node_endpoints(vec![
            kp::fetch_response::NodeEndpoint::default()
                .with_node_id(BrokerId(3))
                .with_host(s("broker-3.internal"))
                .with_port(9093),
            kp::fetch_response::NodeEndpoint::default()
                .with_node_id(BrokerId(1))
                .with_host(s("broker-1.internal"))
                .with_port(9091),
        ]);
        let (out, changes) = through_proxy(ApiKey::Fetch, version, &body);
        let got: Vec<_> = out
            .node_endpoints
            .iter()
            .map(|e| (e.node_id.0, e.host.to_string(), e.port))
            .collect();
        assert_eq!(
            got,
            [
                (3, PROXY_HOST.into(), 19_003),
                (1, PROXY_HOST.into(), 19_001)
            ]
        );
        assert_eq!(changes.len(), 2);
    }
}

#[test]
fn metadata_describe_cluster_and_find_coordinator_are_rewritten() {
    let body = kp::MetadataResponse::default().with_brokers(vec![
        kp::metadata_response::MetadataResponseBroker::default()
            .with_node_id(BrokerId(1))
            .with_host(s("b1"))
            .with_port(9092),
        kp::metadata_response::MetadataResponseBroker::default()
            .with_node_id(BrokerId(2))
            .with_host(s("b2"))
            .with_port(9092),
    ]);
    for version in [1i16, 9, 12] {
        let (out, _) = through_proxy(ApiKey::Metadata, version, &body);
        let got: Vec<_> = out.brokers.iter().map(|b| (b.node_id.0, b.port)).collect();
        assert_eq!(got, [(1, 19_001), (2, 19_002)]);
        assert!(out.brokers.iter().all(|b| b.host.as_str() == PROXY_HOST));
    }
    let body = kp::DescribeClusterResponse::default().with_brokers(vec![
        kp::describe_cluster_response::DescribeClusterBroker::default()
            .with_broker_id(BrokerId(5))
            .with_host(s("b5"))
            .with_port(9092),
    ]);
    let (out, _) = through_proxy(ApiKey::DescribeCluster, 0, &body);
    assert_eq!(
        (out.brokers[0].host.as_str(), out.brokers[0].port),
        (PROXY_HOST, 19_005)
    );
    // The old form: one coordinator at the top level.
    let body = kp::FindCoordinatorResponse::default()
        .with_node_id(BrokerId(4))
        .with_host(s("b4"))
        .with_port(9092);
    for version in [0i16, 3] {
        let (out, _) = through_proxy(ApiKey::FindCoordinator, version, &body);
        assert_eq!((out.host.as_str(), out.port), (PROXY_HOST, 19_004));
    }
    // The batched form (v4+): several coordinators; an error answer (empty
    // host) is left alone.
    let body = kp::FindCoordinatorResponse::default().with_coordinators(vec![
        kp::find_coordinator_response::Coordinator::default()
            .with_key(s("group-a"))
            .with_node_id(BrokerId(2))
            .with_host(s("b2"))
            .with_port(9092),
        kp::find_coordinator_response::Coordinator::default()
            .with_key(s("group-b"))
            .with_node_id(BrokerId(-1))
            .with_error_code(15),
    ]);
    let (out, changes) = through_proxy(ApiKey::FindCoordinator, 4, &body);
    assert_eq!(
        (out.coordinators[0].host.as_str(), out.coordinators[0].port),
        (PROXY_HOST, 19_002)
    );
    assert_eq!(out.coordinators[1].host.as_str(), "");
    assert_eq!(out.coordinators[1].error_code, 15);
    assert_eq!(changes.len(), 1);
}
