//! A blocking client connection over `std::net`: the twin of
//! [`crate::connection::Connection`] for code without an async runtime.
//!
//! One request at a time: [`Connection::send`] writes the request (through
//! kio-core's `embedded-io` frame writer, bridged with
//! [`crate::io::FromStd`]) and reads frames until the one with its
//! correlation id. Versions are negotiated on connect the same way, and the
//! errors are the same [`Error`] type.
//!
//! ```no_run
//! use kio_std::blocking::Connection;
//! use kio_std::kio_core::messages::MetadataRequest;
//!
//! let mut conn = Connection::connect("127.0.0.1:9092").unwrap();
//! let meta = conn.send(&MetadataRequest { topics: None, ..Default::default() }).unwrap();
//! println!("{} brokers", meta.brokers.len());
//! ```

use std::io::{self, BufReader, BufWriter};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use kio_core::frame::{Body, FrameError};
use kio_core::messages::RequestHeader;
use kio_core::{ApiKey, IntoOwned, Request, RequestBody, ResponseBody, Str};

use crate::connection::{
    api_versions_request, decode_api_versions, decode_typed, negotiation_step, Negotiation,
};
pub use crate::connection::{ConnectOptions, Error, Versions};

/// A blocking connection to a broker.
#[derive(Debug)]
pub struct Connection {
    reader: BufReader<TcpStream>,
    writer: BufWriter<TcpStream>,
    next_id: i32,
    client_id: Option<String>,
    timeout: Duration,
    max_frame_size: usize,
    versions: Versions,
}

impl Connection {
    /// Connects to `addr` (`host:port`) with default options and negotiates versions.
    pub fn connect<A: ToSocketAddrs + std::fmt::Display>(addr: A) -> Result<Connection, Error> {
        Self::connect_with(addr, ConnectOptions::default())
    }

    /// Connects to `addr` with `opts` and negotiates versions (unless turned off).
    pub fn connect_with<A: ToSocketAddrs + std::fmt::Display>(
        addr: A,
        opts: ConnectOptions,
    ) -> Result<Connection, Error> {
        let shown = addr.to_string();
        let connect_err = |e: io::Error| Error::Connect {
            addr: shown.clone(),
            source: Arc::new(e),
        };
        let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
        let mut stream = None;
        for a in addr.to_socket_addrs().map_err(connect_err)? {
            match TcpStream::connect_timeout(&a, opts.connect_timeout_value()) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last = e,
            }
        }
        let stream = stream.ok_or_else(|| connect_err(last))?;
        Self::from_stream(stream, opts)
    }

    /// Runs the protocol over an open TCP stream and negotiates versions
    /// (unless turned off).
    pub fn from_stream(stream: TcpStream, opts: ConnectOptions) -> Result<Connection, Error> {
        let _ = stream.set_nodelay(true);
        stream.set_read_timeout(Some(opts.get_request_timeout()))?;
        stream.set_write_timeout(Some(opts.get_request_timeout()))?;
        let negotiate = opts.negotiate_value();
        let mut conn = Connection {
            reader: BufReader::new(stream.try_clone()?),
            writer: BufWriter::new(stream),
            next_id: 0,
            client_id: opts.get_client_id().map(str::to_owned),
            timeout: opts.get_request_timeout(),
            max_frame_size: opts.max_frame_size_value(),
            versions: Versions::assume_all().allow_unstable(opts.unstable_value()),
        };
        if negotiate {
            conn.versions = conn.negotiate()?.allow_unstable(opts.unstable_value());
        }
        Ok(conn)
    }

    /// The versions negotiated with the broker.
    pub fn versions(&self) -> &Versions {
        &self.versions
    }

    /// Sends a request at the highest version both sides support and waits
    /// for its typed, owned response.
    pub fn send<'r, R>(&mut self, req: &R) -> Result<R::Response<'static>, Error>
    where
        R: Request<'r>,
        for<'f> R::Response<'f>: IntoOwned<Owned = R::Response<'static>>,
    {
        let version = self.versions.pick(R::API_KEY)?;
        self.send_with_version(req, version)
    }

    /// Sends a request at `version` and waits for its typed, owned response.
    pub fn send_with_version<'r, R>(
        &mut self,
        req: &R,
        version: i16,
    ) -> Result<R::Response<'static>, Error>
    where
        R: Request<'r>,
        for<'f> R::Response<'f>: IntoOwned<Owned = R::Response<'static>>,
    {
        let api = R::API_KEY;
        if !api.valid_versions().contains(version) {
            return Err(Error::UnsupportedVersion { api, version });
        }
        let id = self.write(api, version, req)?;
        let frame = self.read_response(api, version, id)?;
        decode_typed::<R::Response<'_>>(&frame, api, version)
            .map(IntoOwned::into_owned)
            .map_err(|source| Error::Decode {
                api,
                version,
                correlation_id: id,
                source,
            })
    }

    /// Sends any request (the dispatch enum) at the negotiated version and
    /// waits for its owned response.
    pub fn send_body(&mut self, body: &RequestBody<'_>) -> Result<ResponseBody<'static>, Error> {
        let api = body.api_key();
        let version = self.versions.pick(api)?;
        let id = self.write(api, version, body)?;
        let frame = self.read_response(api, version, id)?;
        kio_core::frame::decode_response(&frame, api, version)
            .map(|(_, b)| b.into_owned())
            .map_err(|source| Error::Decode {
                api,
                version,
                correlation_id: id,
                source,
            })
    }

    fn negotiate(&mut self) -> Result<Versions, Error> {
        let api = ApiKey::ApiVersions;
        let req = api_versions_request();
        let mut version = api.valid_versions().max;
        let mut first = true;
        loop {
            let id = self.write(api, version, &req)?;
            let frame = self.read_response(api, version, id)?;
            let resp = decode_api_versions(&frame, version).map_err(|source| Error::Decode {
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

    fn write(&mut self, api: ApiKey, version: i16, body: &dyn Body) -> Result<i32, Error> {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1) & i32::MAX;
        let header = RequestHeader {
            request_api_key: api.key(),
            request_api_version: version,
            correlation_id: id,
            client_id: self.client_id.as_deref().map(Str::new),
            ..Default::default()
        };
        crate::io::write_request_std(&mut self.writer, &header, body).map_err(|e| {
            match e.kind {
                kio_core::EncodeErrorKind::Io(kind) => {
                    Error::Io(Arc::new(io::Error::from(kind_to_std(kind))))
                }
                _ => Error::Encode(e),
            }
        })?;
        Ok(id)
    }

    fn read_response(&mut self, api: ApiKey, version: i16, id: i32) -> Result<Vec<u8>, Error> {
        let frame = match crate::io::read_frame_std(&mut self.reader, self.max_frame_size) {
            Ok(f) => f,
            Err(FrameError::Closed) | Err(FrameError::UnexpectedEof { .. }) => {
                return Err(Error::Closed)
            }
            Err(FrameError::Io(e))
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(Error::Timeout {
                    api,
                    version,
                    correlation_id: id,
                    after: self.timeout,
                })
            }
            Err(FrameError::Io(e)) => return Err(Error::Io(Arc::new(e))),
            Err(FrameError::InvalidSize(n)) => {
                return Err(Error::Frame(Arc::new(
                    crate::codec::CodecError::NegativeSize(n),
                )))
            }
            Err(FrameError::TooLarge { size, capacity }) => {
                return Err(Error::Frame(Arc::new(
                    crate::codec::CodecError::FrameTooLarge {
                        size,
                        max: capacity,
                    },
                )))
            }
            Err(FrameError::Encode(e)) => return Err(Error::Encode(e)),
        };
        let got = kio_core::Reader::new(&frame)
            .i32()
            .map_err(|e| Error::Frame(Arc::new(crate::codec::CodecError::Decode(e))))?;
        if got != id {
            return Err(Error::UnexpectedCorrelationId(got));
        }
        Ok(frame)
    }
}

fn kind_to_std(kind: embedded_io::ErrorKind) -> io::ErrorKind {
    use embedded_io::ErrorKind as E;
    match kind {
        E::NotFound => io::ErrorKind::NotFound,
        E::PermissionDenied => io::ErrorKind::PermissionDenied,
        E::ConnectionRefused => io::ErrorKind::ConnectionRefused,
        E::ConnectionReset => io::ErrorKind::ConnectionReset,
        E::ConnectionAborted => io::ErrorKind::ConnectionAborted,
        E::NotConnected => io::ErrorKind::NotConnected,
        E::BrokenPipe => io::ErrorKind::BrokenPipe,
        E::TimedOut => io::ErrorKind::TimedOut,
        E::Interrupted => io::ErrorKind::Interrupted,
        E::WriteZero => io::ErrorKind::WriteZero,
        _ => io::ErrorKind::Other,
    }
}
