//! TLS on either side of the proxy, with rustls (no OpenSSL).
//!
//! - Towards clients ([`accept_config`]): the proxy's certificate chain and
//!   private key from PEM files; optionally a CA whose client certificates
//!   are required (mutual TLS).
//! - Towards brokers ([`connect_config`]): the broker's certificate is
//!   checked against a CA file, or the system's roots (through
//!   `rustls-native-certs`); the server name (SNI and the name checked) is
//!   each broker's host, or one name given for all; optionally a client
//!   certificate and key.
//!
//! The ring crypto provider is used on both sides.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, ServerConfig};

pub use tokio_rustls::{TlsAcceptor, TlsConnector};

/// TLS settings of the proxy.
#[derive(Clone, Default)]
pub struct TlsOptions {
    /// Accept TLS from clients with this configuration.
    pub accept: Option<Arc<ServerConfig>>,
    /// Connect to brokers with TLS with this configuration.
    pub connect: Option<Arc<ClientConfig>>,
    /// The server name checked (and sent as SNI) for every broker, instead
    /// of each broker's own host.
    pub server_name: Option<String>,
}

impl std::fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsOptions")
            .field("accept", &self.accept.is_some())
            .field("connect", &self.connect.is_some())
            .field("server_name", &self.server_name)
            .finish()
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Vec<_> = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no certificate in the file", path.display()));
    }
    Ok(certs)
}

fn key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn roots(ca: Option<&Path>) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    match ca {
        Some(p) => {
            for c in certs(p)? {
                roots.add(c).map_err(|e| format!("{}: {e}", p.display()))?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = roots.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err(format!(
                    "no system root certificates found ({} errors); give a CA file",
                    found.errors.len()
                ));
            }
        }
    }
    Ok(roots)
}

/// The client-facing configuration: certificate chain and key (PEM), and,
/// when `client_ca` is given, client certificates signed by it required.
pub fn accept_config(
    cert: &Path,
    key_file: &Path,
    client_ca: Option<&Path>,
) -> Result<ServerConfig, String> {
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let builder = match client_ca {
        Some(ca) => {
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots(Some(ca))?),
                provider(),
            )
            .build()
            .map_err(|e| format!("{}: {e}", ca.display()))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    builder
        .with_single_cert(certs(cert)?, key(key_file)?)
        .map_err(|e| format!("{}: {e}", cert.display()))
}

/// The broker-facing configuration: roots from `ca` (PEM) or the system,
/// and an optional client certificate and key (PEM).
pub fn connect_config(
    ca: Option<&Path>,
    client_cert: Option<(&Path, &Path)>,
) -> Result<ClientConfig, String> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots(ca)?);
    match client_cert {
        Some((c, k)) => builder
            .with_client_auth_cert(certs(c)?, key(k)?)
            .map_err(|e| format!("{}: {e}", c.display())),
        None => Ok(builder.with_no_client_auth()),
    }
}

/// The server name of `addr` (`HOST:PORT`, IPv6 in brackets): a DNS name
/// or an IP address.
pub fn server_name(addr: &str) -> Result<ServerName<'static>, String> {
    let host = addr
        .rsplit_once(':')
        .map_or(addr, |(h, _)| h)
        .trim_matches(|c| c == '[' || c == ']');
    ServerName::try_from(host.to_string()).map_err(|e| format!("{host}: {e}"))
}
