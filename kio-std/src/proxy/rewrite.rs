//! Broker addresses in responses, found from the schema tables and
//! rewritten so that clients keep coming back through the proxy.
//!
//! Any struct of a response (or the response itself) whose fields include a
//! string `Host` and an integer `Port` names a broker: Metadata and
//! DescribeCluster `Brokers`, FindCoordinator (the v0–3 top level and the
//! v4+ `Coordinators`), the `NodeEndpoints` of Produce (v10+), Fetch (v16+),
//! ShareFetch and ShareAcknowledge, and those of the KRaft APIs (Vote,
//! BeginQuorumEpoch, ...). [`address_fields`] lists them all from
//! [`kio_core::ALL_SCHEMAS`], and [`rewrite_addresses`] rewrites every one
//! of them, so a field added by a new Kafka release is rewritten as soon as
//! the schemas are regenerated. The broker's node id is the struct's
//! `NodeId`, `BrokerId` or `LeaderId` field, or that of the struct around
//! it (DescribeQuorum's `Nodes/Listeners`). A `Host`/`Port` pair with no
//! node id in or around it is not a broker's address and is left alone:
//! the `UserEndpoint`s of the Streams group APIs (KIP-1071) name
//! application instances.

use kio_core::schema::{FieldSchema, FieldType, MessageKind, MessageSchema, VersionRange};
use kio_core::ApiKey;
use serde_json::{json, Value};

/// Names of a broker's node id field, in the order they are looked for.
pub const NODE_ID_FIELDS: [&str; 3] = ["NodeId", "BrokerId", "LeaderId"];

/// One struct of a response that carries a broker address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressField {
    /// The response, e.g. `FetchResponse`.
    pub message: &'static str,
    /// Its API.
    pub api: ApiKey,
    /// Kafka's field names from the message to the struct, `/`-separated
    /// (`""` for the message itself), e.g. `NodeEndpoints`.
    pub path: String,
    /// The versions that carry its `Host` field.
    pub versions: VersionRange,
    /// Whether it names a broker (a node id in it or around it): only
    /// those are rewritten.
    pub broker: bool,
}

fn is_int(t: FieldType) -> bool {
    matches!(
        t,
        FieldType::Int16 | FieldType::Uint16 | FieldType::Int32 | FieldType::Uint32
    )
}

/// The `Host` field of a struct that names a broker (a `Host` string and an
/// integer `Port` side by side).
fn host_field(fields: &[FieldSchema]) -> Option<&FieldSchema> {
    let host = fields
        .iter()
        .find(|f| f.name == "Host" && f.ty == FieldType::String)?;
    fields
        .iter()
        .any(|f| f.name == "Port" && is_int(f.ty))
        .then_some(host)
}

/// Every struct of every response schema that carries a broker address.
pub fn address_fields() -> Vec<AddressField> {
    fn walk(
        s: &'static MessageSchema,
        api: ApiKey,
        fields: &'static [FieldSchema],
        path: &str,
        node_around: bool,
        out: &mut Vec<AddressField>,
    ) {
        let node = node_around || fields.iter().any(|f| NODE_ID_FIELDS.contains(&f.name));
        if let Some(h) = host_field(fields) {
            out.push(AddressField {
                message: s.name,
                api,
                path: path.to_string(),
                versions: h.versions,
                broker: node,
            });
        }
        for f in fields.iter().filter(|f| !f.fields.is_empty()) {
            let p = if path.is_empty() {
                f.name.to_string()
            } else {
                format!("{path}/{}", f.name)
            };
            walk(s, api, f.fields, &p, node, out);
        }
    }
    let mut out = Vec::new();
    for s in kio_core::ALL_SCHEMAS.iter().copied() {
        if s.kind != MessageKind::Response {
            continue;
        }
        let Some(api) = s.api_key.and_then(ApiKey::from_i16) else {
            continue;
        };
        walk(s, api, s.fields, "", false, &mut out);
    }
    out
}

/// A broker address found in a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The broker's node id, when the response names it.
    pub node: Option<i32>,
    /// The host as the broker advertised it.
    pub host: String,
    /// The port as the broker advertised it.
    pub port: i32,
}

impl Found {
    /// `HOST:PORT` (IPv6 hosts in brackets).
    pub fn addr(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// Rewrites every broker address in `body` (the JSON of a response of
/// `schema` at `version`): `route` gives the new host and port of each
/// address found (`None` leaves it alone). Addresses with an empty host (an
/// error answer) and host/port pairs with no node id (not a broker) are
/// left alone. Returns one `{path, node, from, to}` per
/// change, `path` a JSON pointer from `/body`.
pub fn rewrite_addresses(
    schema: &MessageSchema,
    version: i16,
    body: &mut Value,
    route: &mut dyn FnMut(&Found) -> Option<(String, i32)>,
) -> Vec<Value> {
    let mut changes = Vec::new();
    walk_struct(
        schema.fields,
        version,
        body,
        "/body".into(),
        None,
        route,
        &mut changes,
        0,
    );
    changes
}

/// The deepest struct nesting followed (Kafka's schemas nest 4 deep at most).
const MAX_DEPTH: usize = 16;

#[allow(clippy::too_many_arguments)]
fn walk_struct(
    fields: &[FieldSchema],
    version: i16,
    v: &mut Value,
    path: String,
    inherited: Option<i32>,
    route: &mut dyn FnMut(&Found) -> Option<(String, i32)>,
    changes: &mut Vec<Value>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let Some(obj) = v.as_object_mut() else {
        return;
    };
    let field_json = |name: &str| {
        fields
            .iter()
            .find(|f| f.name == name && f.versions.contains(version))
            .map(|f| f.json_name)
    };
    let node = NODE_ID_FIELDS
        .iter()
        .filter_map(|n| field_json(n))
        .find_map(|k| obj.get(k).and_then(Value::as_i64))
        .and_then(|n| i32::try_from(n).ok())
        .or(inherited);
    if let (Some(hk), Some(pk)) = (
        host_field(fields)
            .filter(|h| h.versions.contains(version))
            .map(|h| h.json_name),
        field_json("Port"),
    ) {
        let host = obj
            .get(hk)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let port = obj
            .get(pk)
            .and_then(Value::as_i64)
            .and_then(|p| i32::try_from(p).ok());
        if let (false, Some(port), Some(_)) = (host.is_empty(), port, node) {
            let found = Found { node, host, port };
            if let Some((h, p)) = route(&found) {
                if (h.as_str(), p) != (found.host.as_str(), found.port) {
                    let to = Found {
                        node,
                        host: h.clone(),
                        port: p,
                    }
                    .addr();
                    obj.insert(hk.into(), h.into());
                    obj.insert(pk.into(), p.into());
                    changes.push(json!({
                        "path": path, "node": node, "from": found.addr(), "to": to,
                    }));
                }
            }
        }
    }
    for f in fields
        .iter()
        .filter(|f| !f.fields.is_empty() && f.versions.contains(version))
    {
        let p = format!("{path}/{}", f.json_name);
        match obj.get_mut(f.json_name) {
            Some(Value::Array(items)) => {
                for (i, item) in items.iter_mut().enumerate() {
                    walk_struct(
                        f.fields,
                        version,
                        item,
                        format!("{p}/{i}"),
                        node,
                        route,
                        changes,
                        depth + 1,
                    );
                }
            }
            Some(item @ Value::Object(_)) => {
                walk_struct(f.fields, version, item, p, node, route, changes, depth + 1)
            }
            _ => {}
        }
    }
}

/// A rewritten frame (size prefix included) and its `{path, node, from,
/// to}` changes.
pub type Rewritten = (Vec<u8>, Vec<Value>);

/// Rewrites the broker addresses of one response frame (`payload`: the
/// frame without its size prefix, header included) of `api` at `version`,
/// as the proxy does: decode to JSON, [`rewrite_addresses`], encode.
/// Returns the new frame (size prefix included) and the changes; `None`
/// when nothing changed.
pub fn rewrite_response(
    payload: &[u8],
    api: ApiKey,
    version: i16,
    opts: &crate::json::DecodeOptions,
    route: &mut dyn FnMut(&Found) -> Option<(String, i32)>,
) -> Result<Option<Rewritten>, crate::json::JsonError> {
    let mut doc = crate::json::decode_response_frame_with(payload, api, version, opts)?;
    let Some(body) = doc.get_mut("body") else {
        return Ok(None);
    };
    let changes = rewrite_addresses(api.response_schema(), version, body, route);
    if changes.is_empty() {
        return Ok(None);
    }
    Ok(Some((crate::json::encode(&doc)?, changes)))
}
