//! A Kafka-protocol server helper (tokio): accepts TCP connections, decodes
//! requests, hands them to your [`Handler`], and writes each response with
//! the request's correlation id and the right response header version.
//!
//! Each connection is served by its own task; requests of one connection are
//! answered in order (as Kafka requires), connections run concurrently.
//! [`Server::shutdown`] stops accepting, closes every connection and waits
//! for the tasks.
//!
//! ```no_run
//! use kio_std::kio_core::messages::api_versions_response::{ApiVersion, ApiVersionsResponse};
//! use kio_std::kio_core::{ApiKey, Array, RequestBody, ResponseBody};
//! use kio_std::server::{Incoming, Server};
//!
//! # async fn demo() -> std::io::Result<()> {
//! let server = Server::bind("127.0.0.1:0", |req: Incoming| async move {
//!     match req.body {
//!         RequestBody::ApiVersions(_) => Some(ResponseBody::ApiVersions(ApiVersionsResponse {
//!             api_keys: Array::Vec(vec![ApiVersion {
//!                 api_key: ApiKey::ApiVersions.key(),
//!                 min_version: 0,
//!                 max_version: 4,
//!                 ..Default::default()
//!             }]),
//!             ..Default::default()
//!         })),
//!         // No response: the server closes the connection.
//!         _ => None,
//!     }
//! })
//! .await?;
//! println!("listening on {}", server.local_addr());
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use futures::{SinkExt, StreamExt};
use kio_core::messages::{ApiVersionsRequest, RequestHeader};
use kio_core::{ApiKey, RequestBody, ResponseBody};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::task::JoinSet;
use tokio_util::codec::Framed;
use tokio_util::sync::CancellationToken;

use crate::codec::{OutgoingResponse, RequestFrame, ServerCodec, DEFAULT_MAX_FRAME_SIZE};
use crate::connection::UNSUPPORTED_VERSION;

/// A decoded request, owned, with where it came from.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The request header (API key, version, correlation id, client id).
    pub header: RequestHeader<'static>,
    /// The request body.
    pub body: RequestBody<'static>,
    /// The client's address.
    pub peer: SocketAddr,
}

impl Incoming {
    /// The API.
    pub fn api_key(&self) -> ApiKey {
        self.body.api_key()
    }

    /// The API version (the response is encoded at it).
    pub fn api_version(&self) -> i16 {
        self.header.request_api_version
    }
}

/// What the server does with a request: return the response body (of the
/// same API; it is encoded at the request's version), or `None` to send
/// nothing (e.g. Produce with `acks = 0`).
///
/// Implemented for every `Fn(Incoming) -> impl Future<Output = Option<ResponseBody<'static>>>`.
pub trait Handler: Send + Sync + 'static {
    /// Answers one request.
    fn handle(&self, req: Incoming) -> impl Future<Output = Option<ResponseBody<'static>>> + Send;
}

impl<F, Fut> Handler for F
where
    F: Fn(Incoming) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Option<ResponseBody<'static>>> + Send,
{
    fn handle(&self, req: Incoming) -> impl Future<Output = Option<ResponseBody<'static>>> + Send {
        self(req)
    }
}

/// Why the server closed a connection (reported to
/// [`ServerOptions::on_close`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum CloseReason {
    /// The client closed it.
    ClientClosed,
    /// The server shut down.
    Shutdown,
    /// Reading or writing failed, a frame was malformed or too large, or a
    /// response did not encode at the request's version.
    Codec(crate::codec::CodecError),
    /// A request did not decode.
    Undecodable(kio_core::DecodeError),
    /// The handler answered `None` to a request that needs a response.
    NoResponse(ApiKey),
    /// The handler answered with a response of another API.
    WrongApi {
        /// The request's API.
        request: ApiKey,
        /// The response's API.
        response: ApiKey,
    },
}

type OnClose = Arc<dyn Fn(SocketAddr, &CloseReason) + Send + Sync>;

/// Server settings.
#[derive(Clone)]
pub struct ServerOptions {
    max_frame_size: usize,
    on_close: Option<OnClose>,
}

impl fmt::Debug for ServerOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerOptions")
            .field("max_frame_size", &self.max_frame_size)
            .field("on_close", &self.on_close.is_some())
            .finish()
    }
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            on_close: None,
        }
    }
}

impl ServerOptions {
    /// Defaults: 100 MiB request frames.
    pub fn new() -> Self {
        Self::default()
    }

    /// The largest request frame accepted (a larger one closes the connection).
    #[must_use]
    pub fn max_frame_size(mut self, max: usize) -> Self {
        self.max_frame_size = max;
        self
    }

    /// Calls `f` with the client's address and the reason whenever a
    /// connection ends (e.g. to log why a client was dropped).
    #[must_use]
    pub fn on_close(
        mut self,
        f: impl Fn(SocketAddr, &CloseReason) + Send + Sync + 'static,
    ) -> Self {
        self.on_close = Some(Arc::new(f));
        self
    }
}

/// A handle that stops a [`Server`] from anywhere (cheap to clone).
#[derive(Debug, Clone)]
pub struct ShutdownHandle(CancellationToken);

impl ShutdownHandle {
    /// Stops accepting and closes every connection.
    pub fn shutdown(&self) {
        self.0.cancel();
    }
}

/// A running server. Dropping it does not stop it: call
/// [`Server::shutdown`] (or a [`ShutdownHandle`]).
pub struct Server {
    local_addr: SocketAddr,
    token: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.local_addr)
            .finish()
    }
}

impl Server {
    /// Binds `addr` and serves `handler` with default options.
    pub async fn bind<A: ToSocketAddrs, H: Handler>(addr: A, handler: H) -> io::Result<Server> {
        let listener = TcpListener::bind(addr).await?;
        Self::serve(listener, handler, ServerOptions::default())
    }

    /// Serves `handler` on a bound listener (bind first when the handler
    /// needs to know the address, e.g. to advertise it in Metadata).
    pub fn serve<H: Handler>(
        listener: TcpListener,
        handler: H,
        opts: ServerOptions,
    ) -> io::Result<Server> {
        let local_addr = listener.local_addr()?;
        let token = CancellationToken::new();
        let task = tokio::spawn(accept_loop(
            listener,
            Arc::new(handler),
            opts,
            token.clone(),
        ));
        Ok(Server {
            local_addr,
            token,
            task,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A handle that stops the server.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle(self.token.clone())
    }

    /// Stops accepting, closes every connection, and waits for the tasks.
    pub async fn shutdown(self) {
        self.token.cancel();
        let _ = self.task.await;
    }

    /// Runs until a [`ShutdownHandle`] stops the server.
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

async fn accept_loop<H: Handler>(
    listener: TcpListener,
    handler: Arc<H>,
    opts: ServerOptions,
    token: CancellationToken,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = token.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    conns.spawn(serve_connection(stream, peer, handler.clone(), opts.clone(), token.clone()));
                }
                // Transient accept errors (e.g. too many open files): keep going.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    drop(listener);
    while conns.join_next().await.is_some() {}
}

async fn serve_connection<H: Handler>(
    stream: TcpStream,
    peer: SocketAddr,
    handler: Arc<H>,
    opts: ServerOptions,
    token: CancellationToken,
) {
    let on_close = opts.on_close.clone();
    let reason = run_connection(stream, peer, handler, opts, token).await;
    if let Some(f) = on_close {
        f(peer, &reason);
    }
}

async fn run_connection<H: Handler>(
    stream: TcpStream,
    peer: SocketAddr,
    handler: Arc<H>,
    opts: ServerOptions,
    token: CancellationToken,
) -> CloseReason {
    let mut framed = Framed::new(
        stream,
        ServerCodec::with_max_frame_size(opts.max_frame_size),
    );
    loop {
        let next = tokio::select! {
            _ = token.cancelled() => return CloseReason::Shutdown,
            n = framed.next() => n,
        };
        let req: RequestFrame = match next {
            None => return CloseReason::ClientClosed,
            Some(Err(e)) => return CloseReason::Codec(e),
            Some(Ok(r)) => r,
        };
        let (incoming, unsupported_api_versions) = match decode(&req, peer) {
            Ok(x) => x,
            Err(e) => return CloseReason::Undecodable(e),
        };
        let api = incoming.api_key();
        let answered = tokio::select! {
            _ = token.cancelled() => return CloseReason::Shutdown,
            a = handler.handle(incoming) => a,
        };
        let Some(mut body) = answered else {
            // Produce with acks=0 expects nothing; anything else: close.
            if api == ApiKey::Produce {
                continue;
            }
            return CloseReason::NoResponse(api);
        };
        if body.api_key() != api {
            return CloseReason::WrongApi {
                request: api,
                response: body.api_key(),
            };
        }
        let mut version = req.api_version();
        if unsupported_api_versions {
            // Kafka's answer to an ApiVersions version it does not know:
            // error 35 and its ranges, at v0.
            if let ResponseBody::ApiVersions(r) = &mut body {
                r.error_code = UNSUPPORTED_VERSION;
            }
            version = 0;
        }
        let out = OutgoingResponse {
            api_key: api,
            api_version: version,
            correlation_id: req.correlation_id(),
            body,
        };
        if let Err(e) = framed.send(out).await {
            return CloseReason::Codec(e);
        }
    }
}

/// Decodes a request. An ApiVersions request at a version kio does not know
/// is answered as Kafka does: it becomes a v0 request, flagged.
fn decode(req: &RequestFrame, peer: SocketAddr) -> Result<(Incoming, bool), kio_core::DecodeError> {
    if req.api_key() == Some(ApiKey::ApiVersions)
        && !ApiKey::ApiVersions
            .valid_versions()
            .contains(req.api_version())
    {
        let header = RequestHeader {
            request_api_key: ApiKey::ApiVersions.key(),
            request_api_version: req.api_version(),
            correlation_id: req.correlation_id(),
            ..Default::default()
        };
        let body = RequestBody::ApiVersions(ApiVersionsRequest::default());
        return Ok((Incoming { header, body, peer }, true));
    }
    // As a Kafka broker: bytes after a complete request are ignored.
    let (header, body, _trailing) = kio_core::frame::decode_request_lenient(req.frame.as_bytes())?;
    let header = kio_core::IntoOwned::into_owned(header);
    let body = body.into_owned();
    Ok((Incoming { header, body, peer }, false))
}
