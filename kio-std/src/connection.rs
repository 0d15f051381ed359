//! A tokio client connection to a Kafka broker.
//!
//! [`Connection::connect`] opens a TCP connection, negotiates versions with
//! ApiVersions (the highest version kio knows, falling back as Kafka brokers
//! expect when the broker answers `UNSUPPORTED_VERSION`), and then sends
//! typed requests: [`Connection::send`] picks for each API the highest
//! version both sides support and returns the typed response, owned.
//!
//! Many requests can be in flight at once: a connection is cheap to clone
//! and every clone shares one socket; a background task reads responses and
//! hands each to the request with its correlation id. Every request has a
//! timeout, and every failure is a typed [`Error`].
//!
//! ```no_run
//! use kio_std::connection::Connection;
//! use kio_std::kio_core::messages::MetadataRequest;
//!
//! # async fn demo() -> Result<(), kio_std::connection::Error> {
//! let conn = Connection::connect("127.0.0.1:9092").await?;
//! println!("Metadata v{:?}", conn.versions().chosen(kio_std::kio_core::ApiKey::Metadata));
//! let meta = conn.send(&MetadataRequest { topics: None, ..Default::default() }).await?;
//! for b in meta.brokers.iter() {
//!     println!("broker {} at {}:{}", b.node_id, b.host, b.port);
//! }
//! # Ok(())
//! # }
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use kio_core::frame::{self, Body};
use kio_core::messages::api_versions_response::ApiVersionsResponse;
use kio_core::messages::{ApiVersionsRequest, RequestHeader, ResponseHeader};
use kio_core::{
    ApiKey, DecodeError, EncodeError, IntoOwned, Message, Reader, Request, RequestBody,
    ResponseBody, Str, VersionRange,
};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, ToSocketAddrs};
use tokio::sync::{mpsc, oneshot};
use tokio_util::codec::FramedRead;

use crate::codec::{BytesMutSink, CodecError, Frame, FrameCodec, DEFAULT_MAX_FRAME_SIZE};

/// Kafka's `UNSUPPORTED_VERSION` error code.
pub const UNSUPPORTED_VERSION: i16 = 35;

/// What went wrong talking to a broker.
///
/// Errors are cheap to clone (I/O errors are shared), so one connection
/// failure can be reported to every request that was waiting on it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// The TCP connection could not be opened.
    Connect {
        /// The address as given.
        addr: String,
        /// Why.
        source: Arc<io::Error>,
    },
    /// The stream failed.
    Io(Arc<io::Error>),
    /// The broker closed the connection (before or while a request waited
    /// for its response).
    Closed,
    /// No response arrived in time.
    Timeout {
        /// The API of the request.
        api: ApiKey,
        /// Its version.
        version: i16,
        /// Its correlation id.
        correlation_id: i32,
        /// How long it waited.
        after: Duration,
    },
    /// The response's bytes do not decode as a response to the request.
    Decode {
        /// The API of the request.
        api: ApiKey,
        /// Its version.
        version: i16,
        /// Its correlation id.
        correlation_id: i32,
        /// What, where (byte offset in the frame, after the size prefix) and why.
        source: DecodeError,
    },
    /// The request could not be encoded (e.g. a field its version cannot carry).
    Encode(EncodeError),
    /// The stream carried something that is not a Kafka frame: a negative
    /// size, a frame above the maximum, or a frame too short for a header.
    Frame(Arc<CodecError>),
    /// A response arrived with a correlation id no request is waiting for.
    UnexpectedCorrelationId(i32),
    /// The broker does not support the API, or no version of it that kio
    /// knows.
    UnsupportedApi {
        /// The API.
        api: ApiKey,
        /// The broker's versions of it, if it has any.
        broker: Option<VersionRange>,
    },
    /// The version asked for is not one kio knows for the API.
    UnsupportedVersion {
        /// The API.
        api: ApiKey,
        /// The version asked for.
        version: i16,
    },
    /// The broker answered ApiVersions with an error.
    ApiVersions {
        /// The error code.
        error_code: i16,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Connect { addr, source } => write!(f, "cannot connect to {addr}: {source}"),
            Error::Io(e) => write!(f, "connection failed: {e}"),
            Error::Closed => f.write_str("the broker closed the connection"),
            Error::Timeout {
                api,
                version,
                correlation_id,
                after,
            } => write!(
                f,
                "no response to {} v{version} (correlation id {correlation_id}) within {after:?}",
                api.name()
            ),
            Error::Decode {
                api,
                version,
                correlation_id,
                source,
            } => write!(
                f,
                "response to {} v{version} (correlation id {correlation_id}) does not decode: {source}",
                api.name()
            ),
            Error::Encode(e) => write!(f, "cannot encode the request: {e}"),
            Error::Frame(e) => write!(f, "bad frame from the broker: {e}"),
            Error::UnexpectedCorrelationId(id) => {
                write!(f, "response with correlation id {id}, which no request is waiting for")
            }
            Error::UnsupportedApi { api, broker: None } => {
                write!(f, "the broker does not support {}", api.name())
            }
            Error::UnsupportedApi {
                api,
                broker: Some(r),
            } => write!(
                f,
                "no common version of {}: the broker supports {}-{}, kio {}-{}",
                api.name(),
                r.min,
                r.max,
                api.valid_versions().min,
                api.valid_versions().max
            ),
            Error::UnsupportedVersion { api, version } => {
                write!(f, "kio does not know version {version} of {}", api.name())
            }
            Error::ApiVersions { error_code } => write!(
                f,
                "the broker answered ApiVersions with error {error_code} ({})",
                kio_core::ErrorCode::from_code(*error_code).name()
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Connect { source, .. } => Some(&**source),
            Error::Io(e) => Some(&**e),
            Error::Decode { source, .. } => Some(source),
            Error::Encode(e) => Some(e),
            Error::Frame(e) => Some(&**e),
            _ => None,
        }
    }
}

impl From<EncodeError> for Error {
    fn from(e: EncodeError) -> Self {
        Error::Encode(e)
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(Arc::new(e))
    }
}

impl From<CodecError> for Error {
    fn from(e: CodecError) -> Self {
        match e {
            CodecError::Io(e) => Error::Io(Arc::new(e)),
            e => Error::Frame(Arc::new(e)),
        }
    }
}

/// The versions negotiated with a broker: its ApiVersions answer, and for
/// each API the highest version both sides support. Only stable versions
/// are chosen (an unstable one, `latestVersionUnstable` in Kafka's schema,
/// is not final) unless [`Versions::allow_unstable`] says otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Versions {
    api_versions_version: i16,
    broker: BTreeMap<i16, VersionRange>,
    unstable: bool,
}

impl Versions {
    /// The table from a broker's ApiVersions response, answered at `version`.
    pub fn from_response(resp: &ApiVersionsResponse<'_>, version: i16) -> Self {
        Versions {
            api_versions_version: version,
            broker: resp
                .api_keys
                .iter()
                .map(|k| (k.api_key, VersionRange::new(k.min_version, k.max_version)))
                .collect(),
            unstable: false,
        }
    }

    /// Whether [`Versions::chosen`] may pick unstable versions (default false).
    #[must_use]
    pub fn allow_unstable(mut self, on: bool) -> Self {
        self.unstable = on;
        self
    }

    /// A table that assumes the broker supports every version kio knows
    /// (used when negotiation is turned off).
    pub fn assume_all() -> Self {
        Versions {
            api_versions_version: ApiKey::ApiVersions.valid_versions().max,
            broker: ApiKey::ALL
                .iter()
                .map(|k| (k.key(), k.valid_versions()))
                .collect(),
            unstable: false,
        }
    }

    /// The ApiVersions version the broker answered.
    pub fn api_versions_version(&self) -> i16 {
        self.api_versions_version
    }

    /// The broker's versions of `api`, if it supports it.
    pub fn broker_range(&self, api: ApiKey) -> Option<VersionRange> {
        self.broker.get(&api.key()).copied()
    }

    /// The broker's versions of any API key, including ones kio does not know.
    pub fn broker_range_raw(&self, key: i16) -> Option<VersionRange> {
        self.broker.get(&key).copied()
    }

    /// The highest version of `api` both the broker and kio support, and
    /// stable unless unstable versions are allowed.
    pub fn chosen(&self, api: ApiKey) -> Option<i16> {
        let b = self.broker_range(api)?;
        let k = api.valid_versions();
        let lo = b.min.max(k.min);
        (lo..=b.max.min(k.max))
            .rev()
            .find(|&v| self.unstable || api.is_stable(v))
    }

    /// Every API the broker advertised: key, the broker's range, and the
    /// chosen version (`None` for APIs kio does not know or shares no version of).
    pub fn iter(&self) -> impl Iterator<Item = (i16, VersionRange, Option<i16>)> + '_ {
        self.broker
            .iter()
            .map(|(&k, &r)| (k, r, ApiKey::from_i16(k).and_then(|a| self.chosen(a))))
    }

    /// Number of APIs the broker advertised.
    pub fn len(&self) -> usize {
        self.broker.len()
    }

    /// True when the broker advertised nothing.
    pub fn is_empty(&self) -> bool {
        self.broker.is_empty()
    }

    /// The version to use for `api`, or the error to report.
    pub(crate) fn pick(&self, api: ApiKey) -> Result<i16, Error> {
        self.chosen(api).ok_or(Error::UnsupportedApi {
            api,
            broker: self.broker_range(api),
        })
    }
}

/// The ApiVersions request kio sends at `version`.
pub(crate) fn api_versions_request() -> ApiVersionsRequest<'static> {
    ApiVersionsRequest {
        client_software_name: Str::new("kio"),
        client_software_version: Str::new(env!("CARGO_PKG_VERSION")),
        ..Default::default()
    }
}

/// Decodes an ApiVersions response frame answered to a request at
/// `version`. A broker that does not support `version` answers at v0, so on
/// failure the frame is decoded again at v0 (as Kafka's client does).
pub(crate) fn decode_api_versions(
    frame: &[u8],
    version: i16,
) -> Result<ApiVersionsResponse<'static>, DecodeError> {
    // The same v0 fallback as the no_std producer's (one implementation).
    kio_producer::session::decode_api_versions(frame, version).map(|b| b.into_owned())
}

/// What to do after an ApiVersions answer: done, or retry at a lower version.
pub(crate) enum Negotiation {
    /// The table.
    Done(Versions),
    /// Ask again at this version.
    Retry(i16),
}

/// Interprets an ApiVersions answer to a request at `version`.
pub(crate) fn negotiation_step(
    resp: &ApiVersionsResponse<'_>,
    version: i16,
    first: bool,
) -> Result<Negotiation, Error> {
    match resp.error_code {
        0 => Ok(Negotiation::Done(Versions::from_response(resp, version))),
        // The same fallback as the no_std producer's (one implementation).
        code => match kio_producer::session::api_versions_fallback(resp, version, first) {
            Some(theirs) => Ok(Negotiation::Retry(theirs)),
            None => Err(Error::ApiVersions { error_code: code }),
        },
    }
}

/// Decodes a response body of type `M` at `version`, after the header.
pub(crate) fn decode_typed<'f, M: Message<'f>>(
    frame: &'f [u8],
    api: ApiKey,
    version: i16,
) -> Result<M, DecodeError> {
    let mut r = Reader::new(frame);
    ResponseHeader::decode_from(&mut r, api.response_header_version(version))?;
    let body = M::decode_from(&mut r, version)?;
    r.finish()?;
    Ok(body)
}

/// How to connect: client id, timeouts, frame limit, negotiation.
///
/// ```
/// use std::time::Duration;
/// use kio_std::connection::ConnectOptions;
///
/// let opts = ConnectOptions::new()
///     .client_id("my-tool")
///     .request_timeout(Duration::from_secs(5));
/// assert_eq!(opts.get_client_id(), Some("my-tool"));
/// ```
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    client_id: Option<String>,
    request_timeout: Duration,
    connect_timeout: Duration,
    max_frame_size: usize,
    negotiate: bool,
    unstable_versions: bool,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            client_id: Some("kio".into()),
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            negotiate: true,
            unstable_versions: false,
        }
    }
}

impl ConnectOptions {
    /// The defaults: client id `kio`, 30 s per request, 10 s to connect,
    /// 100 MiB frames, negotiation on.
    pub fn new() -> Self {
        Self::default()
    }

    /// The client id every request header carries.
    #[must_use]
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }

    /// Sends a null client id.
    #[must_use]
    pub fn no_client_id(mut self) -> Self {
        self.client_id = None;
        self
    }

    /// How long a request waits for its response.
    #[must_use]
    pub fn request_timeout(mut self, t: Duration) -> Self {
        self.request_timeout = t;
        self
    }

    /// How long opening the TCP connection may take.
    #[must_use]
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }

    /// The largest response frame accepted.
    #[must_use]
    pub fn max_frame_size(mut self, max: usize) -> Self {
        self.max_frame_size = max;
        self
    }

    /// Whether to negotiate versions with ApiVersions on connect (default
    /// true). Without it, every API is sent at the highest (stable) version
    /// kio knows.
    #[must_use]
    pub fn negotiate(mut self, on: bool) -> Self {
        self.negotiate = on;
        self
    }

    /// Whether negotiation may choose unstable versions (default false:
    /// only versions Kafka's schemas call stable; e.g. InitProducerId v6 is
    /// unstable in Kafka 4.3). Explicit versions are always sent as asked.
    #[must_use]
    pub fn unstable_versions(mut self, on: bool) -> Self {
        self.unstable_versions = on;
        self
    }

    /// The client id.
    pub fn get_client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }

    /// The request timeout.
    pub fn get_request_timeout(&self) -> Duration {
        self.request_timeout
    }

    pub(crate) fn connect_timeout_value(&self) -> Duration {
        self.connect_timeout
    }

    pub(crate) fn max_frame_size_value(&self) -> usize {
        self.max_frame_size
    }

    pub(crate) fn negotiate_value(&self) -> bool {
        self.negotiate
    }

    pub(crate) fn unstable_value(&self) -> bool {
        self.unstable_versions
    }
}

/// An encoded request, ready to send.
struct Prepared {
    api: ApiKey,
    version: i16,
    id: i32,
    bytes: Bytes,
}

/// Decodes a typed response into its owned form.
fn decode_owned<'r, R>(
    frame: &[u8],
    api: ApiKey,
    version: i16,
) -> Result<R::Response<'static>, DecodeError>
where
    R: Request<'r>,
    for<'f> R::Response<'f>: IntoOwned<Owned = R::Response<'static>>,
{
    decode_typed::<R::Response<'_>>(frame, api, version).map(IntoOwned::into_owned)
}

/// Decodes any response into its owned form.
fn decode_body(
    frame: &[u8],
    api: ApiKey,
    version: i16,
) -> Result<ResponseBody<'static>, DecodeError> {
    kio_core::frame::decode_response(frame, api, version).map(|(_, b)| b.into_owned())
}

type Reply = oneshot::Sender<Result<Frame, Error>>;

#[derive(Default)]
struct Pending {
    waiting: HashMap<i32, Reply>,
    /// Set once the connection failed; later requests fail with it.
    failed: Option<Error>,
}

#[derive(Default)]
struct State {
    pending: Mutex<Pending>,
}

impl State {
    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Fails the connection: every waiting request and every later one get `e`.
    fn fail(&self, e: Error) {
        let mut p = self.lock();
        if p.failed.is_none() {
            p.failed = Some(e.clone());
        }
        for (_, tx) in p.waiting.drain() {
            let _ = tx.send(Err(e.clone()));
        }
    }
}

struct Inner {
    state: Arc<State>,
    tx: mpsc::Sender<Bytes>,
    next_id: AtomicI32,
    client_id: Option<String>,
    timeout: Duration,
    versions: Versions,
    reader: tokio::task::AbortHandle,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// A connection to a broker (tokio). Clones share the socket; requests from
/// any clone may be in flight at the same time.
#[derive(Clone)]
pub struct Connection {
    inner: Arc<Inner>,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("client_id", &self.inner.client_id)
            .field("timeout", &self.inner.timeout)
            .field("apis", &self.inner.versions.len())
            .finish()
    }
}

impl Connection {
    /// Connects to `addr` (`host:port`) with default options and negotiates versions.
    pub async fn connect<A: ToSocketAddrs + fmt::Display>(addr: A) -> Result<Connection, Error> {
        Self::connect_with(addr, ConnectOptions::default()).await
    }

    /// Connects to `addr` with `opts` and negotiates versions (unless turned off).
    pub async fn connect_with<A: ToSocketAddrs + fmt::Display>(
        addr: A,
        opts: ConnectOptions,
    ) -> Result<Connection, Error> {
        let shown = addr.to_string();
        let stream = match tokio::time::timeout(opts.connect_timeout, TcpStream::connect(addr))
            .await
        {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                return Err(Error::Connect {
                    addr: shown,
                    source: Arc::new(e),
                })
            }
            Err(_) => {
                return Err(Error::Connect {
                    addr: shown,
                    source: Arc::new(io::Error::new(io::ErrorKind::TimedOut, "connect timed out")),
                })
            }
        };
        let _ = stream.set_nodelay(true);
        Self::from_stream(stream, opts).await
    }

    /// Runs the protocol over an already open stream (TCP, TLS, an in-memory
    /// duplex...) and negotiates versions (unless turned off).
    pub async fn from_stream<S>(stream: S, opts: ConnectOptions) -> Result<Connection, Error>
    where
        S: AsyncRead + AsyncWrite + Send + 'static,
    {
        let (rd, wr) = tokio::io::split(stream);
        let state = Arc::new(State::default());
        let (tx, rx) = mpsc::channel::<Bytes>(64);
        tokio::spawn(write_loop(wr, rx, state.clone()));
        let reader = tokio::spawn(read_loop(
            FramedRead::new(rd, FrameCodec::with_max_frame_size(opts.max_frame_size)),
            state.clone(),
        ))
        .abort_handle();
        let mut conn = Inner {
            state,
            tx,
            next_id: AtomicI32::new(0),
            client_id: opts.client_id,
            timeout: opts.request_timeout,
            versions: Versions::assume_all().allow_unstable(opts.unstable_versions),
            reader,
        };
        if opts.negotiate {
            conn.versions = negotiate(&conn)
                .await?
                .allow_unstable(opts.unstable_versions);
        }
        Ok(Connection {
            inner: Arc::new(conn),
        })
    }

    /// The versions negotiated with the broker.
    pub fn versions(&self) -> &Versions {
        &self.inner.versions
    }

    /// Sends a request at the highest version both sides support and waits
    /// for its typed, owned response.
    ///
    /// The request is encoded before this returns; the future borrows only
    /// the connection and is `Send`, so it can be spawned.
    pub fn send<'c, 'r, R>(
        &'c self,
        req: &R,
    ) -> impl Future<Output = Result<R::Response<'static>, Error>> + Send + 'c
    where
        'r: 'c,
        R: Request<'r> + 'c,
        for<'f> R::Response<'f>: IntoOwned<Owned = R::Response<'static>>,
        R::Response<'static>: Send,
    {
        let prepared = self
            .inner
            .versions
            .pick(R::API_KEY)
            .and_then(|version| self.prepare(R::API_KEY, version, req));
        self.finish(prepared, decode_owned::<R>)
    }

    /// Sends a request at `version` (not checked against the broker's
    /// versions) and waits for its typed, owned response.
    pub fn send_with_version<'c, 'r, R>(
        &'c self,
        req: &R,
        version: i16,
    ) -> impl Future<Output = Result<R::Response<'static>, Error>> + Send + 'c
    where
        'r: 'c,
        R: Request<'r> + 'c,
        for<'f> R::Response<'f>: IntoOwned<Owned = R::Response<'static>>,
        R::Response<'static>: Send,
    {
        let prepared = self.prepare(R::API_KEY, version, req);
        self.finish(prepared, decode_owned::<R>)
    }

    /// Encodes a request with a fresh correlation id.
    fn prepare(&self, api: ApiKey, version: i16, body: &dyn Body) -> Result<Prepared, Error> {
        if !api.valid_versions().contains(version) {
            return Err(Error::UnsupportedVersion { api, version });
        }
        let (id, bytes) = self.inner.encode(api, version, body)?;
        Ok(Prepared {
            api,
            version,
            id,
            bytes,
        })
    }

    /// Sends a prepared request and decodes its response with `decode`.
    async fn finish<T>(
        &self,
        prepared: Result<Prepared, Error>,
        decode: fn(&[u8], ApiKey, i16) -> Result<T, DecodeError>,
    ) -> Result<T, Error> {
        let Prepared {
            api,
            version,
            id,
            bytes,
        } = prepared?;
        let frame = self.inner.exchange(api, version, id, bytes).await?;
        decode(frame.as_bytes(), api, version).map_err(|source| Error::Decode {
            api,
            version,
            correlation_id: id,
            source,
        })
    }

    /// Sends any request (the dispatch enum) at the negotiated version and
    /// waits for its owned response.
    pub fn send_body(
        &self,
        body: &RequestBody<'_>,
    ) -> impl Future<Output = Result<ResponseBody<'static>, Error>> + Send + '_ {
        let api = body.api_key();
        let prepared = self
            .inner
            .versions
            .pick(api)
            .and_then(|version| self.prepare(api, version, body));
        self.finish(prepared, decode_body)
    }

    /// Sends any request at `version` and waits for its owned response.
    pub fn send_body_with_version(
        &self,
        body: &RequestBody<'_>,
        version: i16,
    ) -> impl Future<Output = Result<ResponseBody<'static>, Error>> + Send + '_ {
        let prepared = self.prepare(body.api_key(), version, body);
        self.finish(prepared, decode_body)
    }

    /// Sends a request that gets no response (Produce with `acks = 0`) at
    /// the negotiated version; returns its correlation id once it is queued.
    pub fn send_oneway<'r, R: Request<'r>>(
        &self,
        req: &R,
    ) -> impl Future<Output = Result<i32, Error>> + Send + '_ {
        let prepared = self
            .inner
            .versions
            .pick(R::API_KEY)
            .and_then(|version| self.prepare(R::API_KEY, version, req));
        async move {
            let p = prepared?;
            if let Some(e) = self.inner.state.lock().failed.clone() {
                return Err(e);
            }
            self.inner
                .tx
                .send(p.bytes)
                .await
                .map_err(|_| Error::Closed)?;
            Ok(p.id)
        }
    }

    /// Requests sent and not yet answered (including ones that timed out
    /// and whose responses have not arrived).
    pub fn in_flight(&self) -> usize {
        self.inner.state.lock().waiting.len()
    }
}

impl Inner {
    fn header(&self, api: ApiKey, version: i16, id: i32) -> RequestHeader<'_> {
        RequestHeader {
            request_api_key: api.key(),
            request_api_version: version,
            correlation_id: id,
            client_id: self.client_id.as_deref().map(Str::new),
            ..Default::default()
        }
    }

    /// Encodes a whole frame with a fresh correlation id.
    fn encode(&self, api: ApiKey, version: i16, body: &dyn Body) -> Result<(i32, Bytes), Error> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) & i32::MAX;
        let mut buf = BytesMut::new();
        frame::encode_request_frame(
            &mut BytesMutSink(&mut buf),
            &self.header(api, version, id),
            body,
        )?;
        Ok((id, buf.freeze()))
    }

    /// Queues an encoded request and waits (bounded by the timeout) for the
    /// response frame with its correlation id.
    async fn exchange(
        &self,
        api: ApiKey,
        version: i16,
        id: i32,
        bytes: Bytes,
    ) -> Result<Frame, Error> {
        let (tx, rx) = oneshot::channel();
        {
            let mut p = self.state.lock();
            if let Some(e) = &p.failed {
                return Err(e.clone());
            }
            p.waiting.insert(id, tx);
        }
        let wait = async {
            self.tx.send(bytes).await.map_err(|_| Error::Closed)?;
            rx.await.unwrap_or(Err(Error::Closed))
        };
        match tokio::time::timeout(self.timeout, wait).await {
            Ok(r) => r,
            // The entry stays: a late response is then recognised and dropped.
            Err(_) => Err(Error::Timeout {
                api,
                version,
                correlation_id: id,
                after: self.timeout,
            }),
        }
    }
}

async fn negotiate(conn: &Inner) -> Result<Versions, Error> {
    let api = ApiKey::ApiVersions;
    let mut version = api.valid_versions().max;
    let req = api_versions_request();
    let mut first = true;
    loop {
        let (id, bytes) = conn.encode(api, version, &req)?;
        let frame = conn.exchange(api, version, id, bytes).await?;
        let resp =
            decode_api_versions(frame.as_bytes(), version).map_err(|source| Error::Decode {
                api,
                version,
                correlation_id: id,
                source,
            })?;
        match negotiation_step(&resp, version, first)? {
            Negotiation::Done(v) => return Ok(v),
            Negotiation::Retry(v) => {
                version = v;
                first = false;
            }
        }
    }
}

async fn write_loop<W: AsyncWrite + Unpin>(
    wr: W,
    mut rx: mpsc::Receiver<Bytes>,
    state: Arc<State>,
) {
    let mut wr = tokio::io::BufWriter::new(wr);
    while let Some(first) = rx.recv().await {
        let mut res = wr.write_all(&first).await;
        // Write whatever else is queued before flushing once.
        while res.is_ok() {
            match rx.try_recv() {
                Ok(more) => res = wr.write_all(&more).await,
                Err(_) => break,
            }
        }
        if res.is_ok() {
            res = wr.flush().await;
        }
        if let Err(e) = res {
            state.fail(Error::Io(Arc::new(e)));
            return;
        }
    }
    let _ = wr.shutdown().await;
}

async fn read_loop<R: AsyncRead + Unpin>(mut frames: FramedRead<R, FrameCodec>, state: Arc<State>) {
    loop {
        let err = match frames.next().await {
            None => Error::Closed,
            Some(Err(e)) => Error::from(e),
            Some(Ok(frame)) => match frame.peek_correlation_id() {
                Err(source) => Error::Frame(Arc::new(CodecError::Decode(source))),
                Ok(id) => {
                    let tx = state.lock().waiting.remove(&id);
                    match tx {
                        Some(tx) => {
                            let _ = tx.send(Ok(frame));
                            continue;
                        }
                        None => Error::UnexpectedCorrelationId(id),
                    }
                }
            },
        };
        state.fail(err);
        return;
    }
}

#[cfg(test)]
mod tests {
    use super::Versions;
    use kio_core::ApiKey;

    /// InitProducerId v6 is unstable in Kafka 4.3.1 (`latestVersionUnstable`):
    /// negotiation picks v5 unless unstable versions are allowed.
    #[test]
    fn negotiation_picks_stable_versions_unless_asked() {
        let api = ApiKey::InitProducerId;
        assert_eq!(api.valid_versions().max, 6);
        assert!(!api.is_stable(6) && api.is_stable(5));
        let v = Versions::assume_all();
        assert_eq!(v.chosen(api), Some(5));
        assert_eq!(v.clone().allow_unstable(true).chosen(api), Some(6));
        // Stable everywhere else: the highest version.
        assert_eq!(v.chosen(ApiKey::Produce), Some(13));
        // ShareGroupHeartbeat: v0 (3.9.0) was unstable, v1 (4.3.1) is stable.
        assert_eq!(v.chosen(ApiKey::ShareGroupHeartbeat), Some(1));
    }
}
