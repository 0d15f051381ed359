//! The blocking [`Producer`](blocking::Producer) and the
//! [`AsyncProducer`](asynch::AsyncProducer): one body, expanded twice by
//! [`producer!`], with `.await` where the async twin needs it. Every
//! decision is [`Session`](crate::session::Session)'s; this code moves bytes.

/// Records read back with Fetch.
#[cfg(feature = "fetch")]
#[derive(Debug, Clone, Copy)]
pub struct Fetched<'r> {
    /// The partition's high watermark: the offset after its last record.
    pub high_watermark: i64,
    /// The `records` bytes (iterate with `kio_core::records::RecordBatches`).
    pub records: &'r [u8],
}

macro_rules! producer {
    (
        $(#[$doc:meta])*
        $name:ident, $Link:ident, [$($async:ident)?], [$($aw:tt)*]
    ) => {
        use kio_core::messages::init_producer_id_response::InitProducerIdResponse;
        use kio_core::messages::metadata_request::MetadataRequest;
        use kio_core::messages::metadata_response::MetadataResponse;
        use kio_core::messages::produce_request::{
            PartitionProduceData, ProduceRequest, TopicProduceData,
        };
        use kio_core::messages::produce_response::ProduceResponse;
        use kio_core::records::{BatchOptions, BatchWriter, Compression};
        use kio_core::{ApiKey, Array, Bytes, Message, RecordsBytes, Str};

        use crate::config::Config;
        use crate::error::Error;
        use crate::link::$Link;
        use crate::session::{self, decode_api_versions_lean, decode_lean, Session, ACKS_ALL};
        use crate::stamp::stamp;

        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name<'b, const N: usize> {
            session: Session<'b, N>,
            rx: &'b mut [u8],
        }

        impl<'b, const N: usize> $name<'b, N> {
            /// A producer for `config.topic` (at most `N` partitions) that
            /// reads responses into `rx` (a few hundred bytes suffice for
            /// producing; Fetch needs room for the batches it returns).
            pub fn new(config: Config<'b>, rx: &'b mut [u8]) -> Self {
                $name {
                    session: Session::new(config),
                    rx,
                }
            }

            /// The protocol state: versions, producer id, partitions.
            pub fn session(&self) -> &Session<'b, N> {
                &self.session
            }

            /// Starts a batch in `buf` with the configured codec. The
            /// producer id, epoch and sequence are stamped by [`Self::send`].
            pub fn batch<'x>(&self, buf: &'x mut [u8]) -> Result<BatchWriter<'x>, Error> {
                let opts = BatchOptions {
                    compression: self.session.config.compression,
                    ..BatchOptions::default()
                };
                Ok(BatchWriter::new(buf, opts)?)
            }

            /// Finishes a batch (compressing through `scratch` if the codec
            /// needs it): its length at the start of the writer's buffer.
            pub fn finish(&self, w: BatchWriter<'_>, scratch: &mut [u8]) -> Result<usize, Error> {
                Ok(match self.session.config.compression {
                    Compression::None => w.finish()?.len(),
                    _ => w.finish_compressed(scratch)?.len(),
                })
            }

            /// Negotiates versions, reads the partition leaders and gets a
            /// producer id, retrying as the configuration says.
            pub $($async)? fn connect<L: $Link>(&mut self, link: &mut L) -> Result<(), Error> {
                let mut attempt = 0u8;
                loop {
                    let err = match self.handshake(link) $($aw)* {
                        Ok(()) => return Ok(()),
                        Err(e) => e,
                    };
                    self.recover(link, err, &mut attempt, ApiKey::InitProducerId) $($aw)* ?;
                }
            }

            /// Sends one finished batch (exactly its bytes, as
            /// [`Self::finish`] measured) to `partition` and waits until
            /// every in-sync replica has it: the base offset (`-1` if the
            /// broker had it already). Retries as the module
            /// [`session`](crate::session) describes.
            pub $($async)? fn send<L: $Link>(
                &mut self,
                link: &mut L,
                partition: i32,
                batch: &mut [u8],
            ) -> Result<i64, Error> {
                let mut attempt = 0u8;
                loop {
                    let result = match self.handshake(link) $($aw)* {
                        Ok(()) => self.produce_once(link, partition, batch) $($aw)*,
                        Err(e) => Err(e),
                    };
                    match result {
                        Ok(offset) => return Ok(offset),
                        Err(e) => self.recover(link, e, &mut attempt, ApiKey::Produce) $($aw)* ?,
                    }
                }
            }

            /// After a failed attempt: the error if it is final, else the
            /// backoff (and a reconnect after a stream failure).
            $($async)? fn recover<L: $Link>(
                &mut self,
                link: &mut L,
                err: Error,
                attempt: &mut u8,
                api: ApiKey,
            ) -> Result<(), Error> {
                self.session.on_error(&err);
                if !self.session.should_retry(&err) {
                    return Err(err);
                }
                if *attempt >= self.session.config.retries {
                    return Err(Error::RetriesExhausted {
                        api,
                        last: err.failure(),
                    });
                }
                *attempt += 1;
                let ms = self.session.config.backoff(*attempt);
                warn!("retry {=u8} in {=u32} ms: {}", *attempt, ms, err);
                link.sleep_ms(ms) $($aw)*;
                if err.is_io() {
                    if let Err(kind) = link.reconnect() $($aw)* {
                        warn!("reconnect failed: {}", kind);
                    }
                }
                Ok(())
            }

            $($async)? fn handshake<L: $Link>(&mut self, link: &mut L) -> Result<(), Error> {
                if !self.session.negotiated {
                    self.negotiate(link) $($aw)* ?;
                }
                if self.session.metadata_stale {
                    self.metadata(link) $($aw)* ?;
                }
                if self.session.producer_id < 0 || self.session.bump_epoch {
                    self.init_producer_id(link) $($aw)* ?;
                }
                Ok(())
            }

            $($async)? fn negotiate<L: $Link>(&mut self, link: &mut L) -> Result<(), Error> {
                let api = ApiKey::ApiVersions;
                let req = Session::<N>::api_versions_request();
                let mut version = Session::<N>::first_api_versions_version();
                let mut first = true;
                loop {
                    let frame =
                        exchange(link, &mut self.session, &mut *self.rx, api, version, &req) $($aw)* ?;
                    let resp = decode_api_versions_lean(frame, version)?;
                    match self.session.on_api_versions(&resp, version, first)? {
                        None => return Ok(()),
                        Some(v) => {
                            version = v;
                            first = false;
                        }
                    }
                }
            }

            $($async)? fn metadata<L: $Link>(&mut self, link: &mut L) -> Result<(), Error> {
                let api = ApiKey::Metadata;
                let version = self.session.versions.metadata;
                let topics = [self.session.metadata_topic()];
                let req = MetadataRequest {
                    topics: Some(Array::from(&topics)),
                    ..Default::default()
                };
                let frame = exchange(link, &mut self.session, &mut *self.rx, api, version, &req) $($aw)* ?;
                let resp: MetadataResponse<'_> = decode_lean(frame, api, version)?;
                self.session.on_metadata(&resp)
            }

            $($async)? fn init_producer_id<L: $Link>(&mut self, link: &mut L) -> Result<(), Error> {
                let api = ApiKey::InitProducerId;
                let version = self.session.versions.init_producer_id;
                let req = self.session.init_producer_id_request();
                let frame = exchange(link, &mut self.session, &mut *self.rx, api, version, &req) $($aw)* ?;
                let resp: InitProducerIdResponse<'_> = decode_lean(frame, api, version)?;
                self.session.on_init_producer_id(&resp)
            }

            $($async)? fn produce_once<L: $Link>(
                &mut self,
                link: &mut L,
                partition: i32,
                batch: &mut [u8],
            ) -> Result<i64, Error> {
                let api = ApiKey::Produce;
                let state = self.session.partition(partition)?;
                let s = &self.session;
                let records = stamp(batch, s.producer_id, s.producer_epoch, state.next_sequence)?;
                info!(
                    "produce p{=i32} seq {=i32} {=i32} records, {=usize} bytes",
                    partition,
                    state.next_sequence,
                    records,
                    batch.len()
                );
                let version = s.versions.produce;
                let parts = [PartitionProduceData {
                    index: partition,
                    records: Some(RecordsBytes(Bytes::new(batch))),
                    ..Default::default()
                }];
                let topics = [TopicProduceData {
                    name: Str::new(s.config.topic),
                    partition_data: Array::from(&parts),
                    ..Default::default()
                }];
                let req = ProduceRequest {
                    transactional_id: None,
                    acks: ACKS_ALL,
                    timeout_ms: s.config.timeout_ms,
                    topic_data: Array::from(&topics),
                    ..Default::default()
                };
                let frame = exchange(link, &mut self.session, &mut *self.rx, api, version, &req) $($aw)* ?;
                let resp: ProduceResponse<'_> = decode_lean(frame, api, version)?;
                self.session.on_produce(&resp, partition, records)
            }

            /// Reads records of `partition` from `offset` with Fetch (one
            /// request, up to `max_bytes`; the broker returns at least one
            /// whole batch, which must fit the response buffer).
            #[cfg(feature = "fetch")]
            pub $($async)? fn fetch<L: $Link>(
                &mut self,
                link: &mut L,
                partition: i32,
                offset: i64,
                max_bytes: i32,
            ) -> Result<super::Fetched<'_>, Error> {
                use kio_core::messages::fetch_request::{FetchPartition, FetchRequest, FetchTopic};
                use kio_core::messages::fetch_response::FetchResponse;
                if !self.session.negotiated {
                    self.negotiate(link) $($aw)* ?;
                }
                let api = ApiKey::Fetch;
                let version = self.session.versions.fetch;
                if version < 0 {
                    return Err(Error::UnsupportedApi(api));
                }
                let parts = [FetchPartition {
                    partition,
                    fetch_offset: offset,
                    partition_max_bytes: max_bytes,
                    ..Default::default()
                }];
                let topics = [FetchTopic {
                    topic: Str::new(self.session.config.topic),
                    partitions: Array::from(&parts),
                    ..Default::default()
                }];
                let req = FetchRequest {
                    max_wait_ms: 0,
                    min_bytes: 0,
                    max_bytes,
                    topics: Array::from(&topics),
                    ..Default::default()
                };
                let frame = exchange(link, &mut self.session, &mut *self.rx, api, version, &req) $($aw)* ?;
                let resp: FetchResponse<'_> = decode_lean(frame, api, version)?;
                if resp.error_code != 0 {
                    return Err(Error::Broker { api, code: resp.error_code });
                }
                for t in resp.responses.iter() {
                    for p in t.partitions.iter().filter(|p| p.partition_index == partition) {
                        if p.error_code != 0 {
                            return Err(Error::Partition { partition, code: p.error_code });
                        }
                        let records = p.records.and_then(|r| r.0.borrowed()).unwrap_or_default();
                        return Ok(super::Fetched {
                            high_watermark: p.high_watermark,
                            records,
                        });
                    }
                }
                Err(Error::UnknownPartition(partition))
            }
        }

        /// Sends one request and reads its answer into `rx` (skipping up
        /// to three stale answers to earlier requests).
        $($async)? fn exchange<'r, 'm, L: $Link, B: Message<'m>, const N: usize>(
            link: &mut L,
            s: &mut Session<'_, N>,
            rx: &'r mut [u8],
            api: ApiKey,
            version: i16,
            body: &B,
        ) -> Result<&'r [u8], Error> {
            let header = s.header(api, version);
            let expected = header.correlation_id;
            write(link, &header, body, version, rx) $($aw)* ?;
            answer(link, rx, expected) $($aw)*
        }

        /// Reads the answer with correlation id `expected` into `rx`
        /// (skipping up to three stale answers to earlier requests).
        #[inline(never)]
        $($async)? fn answer<'r, L: $Link>(
            link: &mut L,
            rx: &'r mut [u8],
            expected: i32,
        ) -> Result<&'r [u8], Error> {
            let mut got = -1;
            for _ in 0..4 {
                let frame = read(link, &mut *rx) $($aw)* ?;
                got = session::correlation_id(frame).unwrap_or(-1);
                if got == expected {
                    let len = frame.len();
                    return Ok(rx.get(..len).unwrap_or_default());
                }
                warn!("skipping a response to request {=i32}", got);
            }
            Err(Error::UnexpectedCorrelationId { expected, got })
        }
    };
}

/// The blocking producer.
pub mod blocking {
    use kio_core::messages::request_header::RequestHeader;
    use kio_core::{CountingSink, EncodeError, EncodeErrorKind, IoSink, Sink};

    producer! {
        /// An idempotent producer over a blocking [`Link`].
        ///
        /// `N` is the most partitions its topic may have (their leaders and
        /// sequence numbers live inline: 12 bytes each).
        Producer, Link, [], []
    }

    /// Writes a request frame straight to the link: counted, then written,
    /// both through `&mut dyn Sink`, so each message's encoder is linked once
    /// (a generic sink would link it twice, once per sink type).
    fn write<'m, L: Link, B: Message<'m>>(
        link: &mut L,
        header: &RequestHeader<'_>,
        body: &B,
        version: i16,
        _scratch: &mut [u8],
    ) -> Result<(), Error> {
        let hv = kio_core::frame::request_header_version_of::<B>(version);
        write_frame(link, &|s: &mut dyn Sink| {
            header.encode(s, hv)?;
            body.encode(s, version)
        })
    }

    /// The part of [`write`] that does not depend on the message type (once in a firmware).
    #[inline(never)]
    fn write_frame<L: Link>(
        link: &mut L,
        frame: &dyn Fn(&mut dyn Sink) -> Result<(), EncodeError>,
    ) -> Result<(), Error> {
        let mut count = CountingSink::default();
        frame(&mut count)?;
        let n = count.count;
        let size = i32::try_from(n).map_err(|_| EncodeError::new(EncodeErrorKind::TooLong(n)))?;
        let mut sink = IoSink(&mut *link);
        sink.put(&size.to_be_bytes())?;
        frame(&mut sink)?;
        link.flush()
            .map_err(|e| Error::Io(embedded_io::Error::kind(&e)))
    }

    fn read<'r, L: Link>(link: &mut L, rx: &'r mut [u8]) -> Result<&'r [u8], Error> {
        Ok(kio_core::frame::read_frame(link, rx)?)
    }
}

/// The async producer.
pub mod asynch {
    use kio_core::messages::request_header::RequestHeader;

    producer! {
        /// An idempotent producer over an [`AsyncLink`]: the async twin of
        /// [`Producer`](crate::Producer), the same logic.
        AsyncProducer, AsyncLink, [async], [.await]
    }

    async fn write<'m, L: AsyncLink, B: Message<'m>>(
        link: &mut L,
        header: &RequestHeader<'_>,
        body: &B,
        version: i16,
        scratch: &mut [u8],
    ) -> Result<(), Error> {
        kio_core::frame::write_message_frame_async(link, header, body, version, scratch).await?;
        Ok(())
    }

    async fn read<'r, L: AsyncLink>(link: &mut L, rx: &'r mut [u8]) -> Result<&'r [u8], Error> {
        Ok(kio_core::frame::read_frame_async(link, rx).await?)
    }
}
