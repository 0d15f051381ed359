//! Per-broker listeners: the proxy learns the cluster's brokers from the
//! addresses in the responses it forwards and gives each broker its own
//! local listener, forwarding to that broker.
//!
//! A broker's local port is given by an explicit map (`--broker-port
//! ID=PORT`) or, for node ids not in it, by a base port plus the node id
//! (`--broker-port-base BASE`: node 1 of base 19000 listens on 19001), so a
//! restarted proxy gives every broker the port it had before. A listener
//! is opened the first time its broker is seen, before the response naming
//! it is forwarded; when a broker is advertised at a new address the
//! listener forwards to the new one.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use super::log::now;
use super::rewrite::Found;
use super::upstream::Upstream;
use super::Proxy;

/// How broker addresses are mapped to proxy listeners.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum BrokerPorts {
    /// Every broker is mapped to the one proxy address
    /// ([`ProxyConfig::advertise`](super::ProxyConfig)); all traffic goes
    /// to the bootstrap upstream.
    #[default]
    Single,
    /// Each broker gets its own listener: the port of `map`, else
    /// `base + node id`.
    PerBroker {
        /// The port of node id 0.
        base: Option<u16>,
        /// Explicit ports by node id.
        map: BTreeMap<i32, u16>,
    },
}

impl BrokerPorts {
    /// The local port of a broker, when this mapping gives it one.
    pub fn port_of(&self, node: i32) -> Option<u16> {
        match self {
            BrokerPorts::Single => None,
            BrokerPorts::PerBroker { base, map } => map.get(&node).copied().or_else(|| {
                let p = i64::from((*base)?) + i64::from(node);
                u16::try_from(p).ok().filter(|p| *p != 0 && node >= 0)
            }),
        }
    }
}

struct Listener {
    port: u16,
    upstream: Arc<Upstream>,
}

/// The listeners opened so far, by node id.
#[derive(Default)]
pub(super) struct Registry {
    by_node: Mutex<HashMap<i32, Listener>>,
    warned: Mutex<Vec<String>>,
}

impl Registry {
    pub(super) fn list(&self) -> Vec<(i32, u16, String)> {
        let m = self.by_node.lock().unwrap_or_else(|p| p.into_inner());
        let mut v: Vec<_> = m
            .iter()
            .map(|(n, l)| (*n, l.port, l.upstream.addr()))
            .collect();
        v.sort();
        v
    }

    pub(super) fn outages(&self) -> Vec<Value> {
        let m = self.by_node.lock().unwrap_or_else(|p| p.into_inner());
        m.values()
            .filter_map(|l| l.upstream.outage_json())
            .collect()
    }
}

impl Proxy {
    /// Where clients should reach the broker `found`: the advertised host
    /// with that broker's listener port (opening the listener if needed),
    /// or the one proxy address.
    pub(super) fn route(self: &Arc<Self>, found: &Found) -> Option<(String, i32)> {
        let host = self.cfg.advertise.0.clone();
        let single = Some((host.clone(), self.cfg.advertise.1));
        if self.cfg.brokers == BrokerPorts::Single {
            self.warn_once(found, |seen| {
                (seen.len() == 2).then(|| {
                    format!(
                        "several brokers advertised ({}); all are mapped to the proxy, so all \
                         traffic goes to the upstream {} (use --broker-port-base for one \
                         listener per broker)",
                        seen.join(", "),
                        self.cfg.upstream
                    )
                })
            });
            return single;
        }
        let Some((node, port)) = found
            .node
            .and_then(|n| Some((n, self.cfg.brokers.port_of(n)?)))
        else {
            self.warn_once(found, |_| {
                Some(format!(
                    "no listener port for broker {} (node {:?}); mapped to the bootstrap \
                     listener",
                    found.addr(),
                    found.node
                ))
            });
            return single;
        };
        let mut m = self
            .brokers
            .by_node
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(l) = m.get(&node) {
            l.upstream.set_addr(&found.addr());
            return Some((host, i32::from(l.port)));
        }
        let at = SocketAddr::new(self.cfg.bind_ip, port);
        let bound = std::net::TcpListener::bind(at)
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .and_then(tokio::net::TcpListener::from_std);
        match bound {
            Ok(listener) => {
                let upstream = Arc::new(Upstream::new(found.addr()));
                self.log.line(&json!({
                    "event": "listen", "time": now(), "broker": node,
                    "listener": at.to_string(), "upstream": found.addr(),
                }));
                m.insert(
                    node,
                    Listener {
                        port,
                        upstream: Arc::clone(&upstream),
                    },
                );
                let me = Arc::clone(self);
                tokio::spawn(me.accept_loop(listener, upstream, Some(node)));
                Some((host, i32::from(port)))
            }
            Err(e) => {
                drop(m);
                self.warn_once(found, |_| {
                    Some(format!(
                        "cannot listen on {at} for broker {node} ({}): {e}; mapped to the \
                         bootstrap listener",
                        found.addr()
                    ))
                });
                single
            }
        }
    }

    /// Logs (as an `error` event and on stderr) what `say` makes of the
    /// brokers seen so far, once per broker address.
    fn warn_once(&self, found: &Found, say: impl FnOnce(&[String]) -> Option<String>) {
        let mut seen = self
            .brokers
            .warned
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let a = found.addr();
        if seen.contains(&a) {
            return;
        }
        seen.push(a);
        if let Some(msg) = say(&seen) {
            eprintln!("kio proxy: {msg}");
            self.log
                .line(&json!({"event": "error", "time": now(), "message": msg}));
        }
    }
}
