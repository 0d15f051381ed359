//! SASL passes through the proxy untouched; its log shows it decoded —
//! the mechanism and the user name — with passwords, proofs and tokens
//! redacted (unless [`ProxyConfig::show_secrets`](super::ProxyConfig)).
//!
//! The logged `authBytes` of a SaslAuthenticate request is replaced by `""`
//! and a `sasl` key is added: `{"mechanism": "PLAIN", "user": "alice",
//! "redacted": ["password"]}`. After a SaslHandshake v0 the client sends
//! its SASL tokens as bare frames (no Kafka header); those are logged as
//! `{"kind": "request", "saslToken": {...}}` with no raw bytes.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Map, Value};

/// What one connection's SASL exchange has said so far.
#[derive(Debug, Default, Clone)]
pub struct SaslState {
    /// The mechanism of the last SaslHandshake.
    pub mechanism: Option<String>,
    /// A SaslHandshake v0 was sent: bare SASL frames follow.
    pub bare_tokens: bool,
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The readable view of one client SASL token of `mechanism`.
pub fn describe(mechanism: Option<&str>, token: &[u8], show_secrets: bool) -> Value {
    let mut m = Map::new();
    let mech = mechanism.unwrap_or("?");
    m.insert("mechanism".into(), mech.into());
    let mut redacted = Vec::new();
    let mut secret = |m: &mut Map<String, Value>, key: &str, value: String| {
        if show_secrets {
            m.insert(key.into(), value.into());
        } else {
            redacted.push(key.to_string());
        }
    };
    match mech.to_ascii_uppercase().as_str() {
        "PLAIN" => {
            // authzid NUL authcid NUL password
            let parts: Vec<&[u8]> = token.splitn(3, |b| *b == 0).collect();
            if let [authz, user, pass] = parts[..] {
                if !authz.is_empty() {
                    m.insert("authzid".into(), text(authz).into());
                }
                m.insert("user".into(), text(user).into());
                secret(&mut m, "password", text(pass));
            } else {
                secret(&mut m, "token", text(token));
            }
        }
        s if s.starts_with("SCRAM-") => {
            // client-first: "n,,n=user,r=nonce"; client-final: "c=..,r=..,p=proof"
            let t = text(token);
            let mut stage = "client-first";
            for attr in t.split(',') {
                if let Some(u) = attr.strip_prefix("n=") {
                    m.insert(
                        "user".into(),
                        u.replace("=2C", ",").replace("=3D", "=").into(),
                    );
                }
                if let Some(p) = attr.strip_prefix("p=") {
                    stage = "client-final";
                    secret(&mut m, "proof", p.to_string());
                }
            }
            m.insert("stage".into(), stage.into());
        }
        "OAUTHBEARER" => {
            // "n,a=authzid,\x01auth=Bearer <token>\x01...\x01\x01"
            let t = text(token);
            for kv in t.split('\u{1}') {
                if let Some(a) = kv.strip_prefix("n,a=") {
                    m.insert("authzid".into(), a.trim_end_matches(',').into());
                }
                if let Some(tok) = kv.strip_prefix("auth=") {
                    secret(&mut m, "token", tok.to_string());
                }
            }
        }
        _ => secret(&mut m, "token", STANDARD.encode(token)),
    }
    if !redacted.is_empty() {
        m.insert("redacted".into(), json!(redacted));
    }
    Value::Object(m)
}

/// Updates `state` from a decoded request line and, for SaslAuthenticate,
/// adds the `sasl` view and redacts `authBytes` in `line`.
pub fn on_request(state: &mut SaslState, line: &mut Map<String, Value>, show_secrets: bool) {
    let api = line.get("apiName").and_then(Value::as_str).unwrap_or("");
    match api {
        "SaslHandshake" => {
            state.mechanism = line
                .get("body")
                .and_then(|b| b.get("mechanism"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            state.bare_tokens = line.get("apiVersion").and_then(Value::as_i64) == Some(0);
        }
        "SaslAuthenticate" => {
            let Some(body) = line.get_mut("body").and_then(Value::as_object_mut) else {
                return;
            };
            let Some(b64) = body.get("authBytes").and_then(Value::as_str) else {
                return;
            };
            let token = STANDARD.decode(b64).unwrap_or_default();
            let view = describe(state.mechanism.as_deref(), &token, show_secrets);
            if !show_secrets {
                body.insert("authBytes".into(), "".into());
                // A mismatch keeps the frame's bytes: not these.
                line.remove("raw");
                line.remove("reencoded");
            }
            line.insert("sasl".into(), view);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_scram_oauth_redacted() {
        let v = describe(Some("PLAIN"), b"\0alice\0s3cret", false);
        assert_eq!(v["user"], "alice");
        assert!(!v.to_string().contains("s3cret"));
        let v = describe(Some("PLAIN"), b"\0alice\0s3cret", true);
        assert_eq!(v["password"], "s3cret");
        let v = describe(Some("SCRAM-SHA-256"), b"n,,n=bob,r=abc", false);
        assert_eq!(
            (v["user"].as_str(), v["stage"].as_str()),
            (Some("bob"), Some("client-first"))
        );
        let v = describe(Some("SCRAM-SHA-512"), b"c=biws,r=abcdef,p=PROOF==", false);
        assert!(!v.to_string().contains("PROOF"));
        let v = describe(
            Some("OAUTHBEARER"),
            b"n,,\x01auth=Bearer eyJ.tok\x01\x01",
            false,
        );
        assert!(!v.to_string().contains("eyJ"));
        let v = describe(Some("GSSAPI"), &[1, 2, 3], false);
        assert_eq!(v["redacted"][0], "token");
    }
}
