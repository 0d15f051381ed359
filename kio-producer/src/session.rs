//! The producer's protocol logic, sans-I/O: which request comes next, how
//! it is built, and what each answer means. The blocking and async
//! producers only move the bytes.
//!
//! # What happens on each broker error
//!
//! | answer | what the producer does |
//! |---|---|
//! | Produce `NONE` | the partition's sequence advances by the batch's record count; `send` returns the base offset |
//! | `DUPLICATE_SEQUENCE_NUMBER` (46) | the broker already has this batch (an earlier attempt got through): counted as success, offset `-1` |
//! | `NOT_LEADER_OR_FOLLOWER` (6), `LEADER_NOT_AVAILABLE` (5), `UNKNOWN_TOPIC_OR_PARTITION` (3), `FENCED_LEADER_EPOCH` (74), `UNKNOWN_LEADER_EPOCH` (75), `NOT_CONTROLLER` (41) | metadata is refreshed, then the same batch (same sequence) is retried after the backoff |
//! | any other retriable code (`REQUEST_TIMED_OUT`, `NOT_ENOUGH_REPLICAS`, `NOT_ENOUGH_REPLICAS_AFTER_APPEND`, `KAFKA_STORAGE_ERROR`, `COORDINATOR_LOAD_IN_PROGRESS`, ...) | retried unchanged after the backoff |
//! | `OUT_OF_ORDER_SEQUENCE_NUMBER` (45), `UNKNOWN_PRODUCER_ID` (59), `INVALID_PRODUCER_EPOCH` (47) | the broker lost or rejects our sequence state: the epoch is bumped with InitProducerId (v3+: same producer id, as Kafka's KIP-360; older brokers: a new producer id), every partition's sequence restarts at 0 and the batch is retried |
//! | the stream fails, closes or times out | [`Link::reconnect`](crate::Link::reconnect), ApiVersions again, then the same batch with the same sequence: idempotence makes the broker drop it if the first attempt was written |
//! | anything else (`MESSAGE_TOO_LARGE`, `CORRUPT_MESSAGE`, `INVALID_RECORD`, authorization, ...) | [`Error::Partition`] at once; the sequence is not used up |
//! | retries run out | [`Error::RetriesExhausted`] with the last failure |

use kio_core::messages::api_versions_request::ApiVersionsRequest;
use kio_core::messages::api_versions_response::ApiVersionsResponse;
use kio_core::messages::fetch_request::FetchRequest;
use kio_core::messages::init_producer_id_request::InitProducerIdRequest;
use kio_core::messages::init_producer_id_response::InitProducerIdResponse;
use kio_core::messages::metadata_request::{MetadataRequest, MetadataRequestTopic};
use kio_core::messages::metadata_response::MetadataResponse;
use kio_core::messages::produce_request::ProduceRequest;
use kio_core::messages::produce_response::ProduceResponse;
use kio_core::messages::request_header::RequestHeader;
use kio_core::messages::response_header::ResponseHeader;
use kio_core::{ApiKey, DecodeError, ErrorCode, Message, Reader, Str, Wire};

use crate::config::Config;
use crate::error::Error;

/// Produce `acks`: every in-sync replica (idempotence requires it).
pub const ACKS_ALL: i16 = -1;

const NONE: i16 = 0;
const UNKNOWN_TOPIC_OR_PARTITION: i16 = 3;
const LEADER_NOT_AVAILABLE: i16 = 5;
const NOT_LEADER_OR_FOLLOWER: i16 = 6;
const UNSUPPORTED_VERSION: i16 = 35;
const NOT_CONTROLLER: i16 = 41;
const OUT_OF_ORDER_SEQUENCE_NUMBER: i16 = 45;
const DUPLICATE_SEQUENCE_NUMBER: i16 = 46;
const INVALID_PRODUCER_EPOCH: i16 = 47;
const UNKNOWN_PRODUCER_ID: i16 = 59;
const FENCED_LEADER_EPOCH: i16 = 74;
const UNKNOWN_LEADER_EPOCH: i16 = 75;

/// `true` if Kafka marks `code` retriable.
pub fn retriable(code: i16) -> bool {
    ErrorCode::from_code(code).is_retriable()
}

/// `true` if `code` means our idea of the leaders is out of date.
pub fn needs_metadata(code: i16) -> bool {
    matches!(
        code,
        UNKNOWN_TOPIC_OR_PARTITION
            | LEADER_NOT_AVAILABLE
            | NOT_LEADER_OR_FOLLOWER
            | NOT_CONTROLLER
            | FENCED_LEADER_EPOCH
            | UNKNOWN_LEADER_EPOCH
    )
}

/// `true` if `code` means the broker lost or rejects our producer state
/// (answered with an epoch bump).
pub fn needs_epoch_bump(code: i16) -> bool {
    matches!(
        code,
        OUT_OF_ORDER_SEQUENCE_NUMBER | UNKNOWN_PRODUCER_ID | INVALID_PRODUCER_EPOCH
    )
}

/// The versions this producer speaks, per API: kio-core's range, capped
/// where a later version changes what we would have to send (Produce and
/// Fetch by topic id from v13, magic-2 batches from Produce v3).
pub(crate) fn ours(api: ApiKey) -> (i16, i16) {
    // Each message's own schema (not `ApiKey::valid_versions`, whose
    // run-time lookup would link every schema into a firmware).
    let ((min, max), k) = match api {
        ApiKey::Produce => ((3, 12), ProduceRequest::SCHEMA.valid),
        ApiKey::Fetch => ((4, 12), FetchRequest::SCHEMA.valid),
        ApiKey::Metadata => ((1, 12), MetadataRequest::SCHEMA.valid),
        ApiKey::InitProducerId => ((0, i16::MAX), InitProducerIdRequest::SCHEMA.valid),
        _ => ((0, i16::MAX), ApiVersionsRequest::SCHEMA.valid),
    };
    (min.max(k.min), max.min(k.max))
}

/// The highest version of `api` both sides speak, from the broker's range.
pub fn choose(api: ApiKey, broker_min: i16, broker_max: i16) -> Option<i16> {
    let (min, max) = ours(api);
    let hi = max.min(broker_max);
    (hi >= min.max(broker_min)).then_some(hi)
}

/// The versions negotiated with the broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Versions {
    /// ApiVersions (the version the broker answered).
    pub api_versions: i16,
    /// Metadata.
    pub metadata: i16,
    /// InitProducerId.
    pub init_producer_id: i16,
    /// Produce.
    pub produce: i16,
    /// Fetch (`-1` if the broker has no version we speak).
    pub fetch: i16,
}

/// What the producer knows about one partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionState {
    /// The leader's node id (`-1`: none known).
    pub leader: i32,
    /// The leader epoch from the metadata.
    pub leader_epoch: i32,
    /// The sequence number of the next batch's first record.
    pub next_sequence: i32,
}

impl PartitionState {
    const EMPTY: PartitionState = PartitionState {
        leader: -1,
        leader_epoch: -1,
        next_sequence: 0,
    };
}

/// The state of one producer: its connection's versions, its producer id
/// and epoch, and up to `N` partitions of its topic.
#[derive(Debug, Clone)]
pub struct Session<'c, const N: usize> {
    /// The settings.
    pub config: Config<'c>,
    /// The negotiated versions (valid when `negotiated`).
    pub versions: Versions,
    /// `true` once ApiVersions succeeded on the current connection.
    pub negotiated: bool,
    /// `true` when the partition leaders must be (re)read.
    pub metadata_stale: bool,
    /// `true` when the epoch must be bumped before the next Produce.
    pub bump_epoch: bool,
    /// The producer id (`-1` before InitProducerId).
    pub producer_id: i64,
    /// The producer epoch.
    pub producer_epoch: i16,
    partitions: [PartitionState; N],
    partition_count: usize,
    correlation_id: i32,
}

impl<'c, const N: usize> Session<'c, N> {
    /// A session that has not talked to a broker yet.
    pub const fn new(config: Config<'c>) -> Self {
        Session {
            config,
            versions: Versions {
                api_versions: 0,
                metadata: 0,
                init_producer_id: 0,
                produce: 0,
                fetch: -1,
            },
            negotiated: false,
            metadata_stale: true,
            bump_epoch: false,
            producer_id: -1,
            producer_epoch: -1,
            partitions: [PartitionState::EMPTY; N],
            partition_count: 0,
            correlation_id: 0,
        }
    }

    /// `true` when `connect` has work to do before the next Produce.
    pub fn needs_handshake(&self) -> bool {
        !self.negotiated || self.metadata_stale || self.producer_id < 0 || self.bump_epoch
    }

    /// The topic's partitions, as of the last Metadata answer.
    pub fn partitions(&self) -> &[PartitionState] {
        self.partitions
            .get(..self.partition_count)
            .unwrap_or_default()
    }

    /// The next request header for `api` at `version` (a new correlation id).
    pub fn header(&mut self, api: ApiKey, version: i16) -> RequestHeader<'c> {
        self.correlation_id = self.correlation_id.wrapping_add(1) & i32::MAX;
        RequestHeader {
            request_api_key: api.key(),
            request_api_version: version,
            correlation_id: self.correlation_id,
            client_id: Some(Str::new(self.config.client_id)),
            ..Default::default()
        }
    }

    /// The correlation id of the last header.
    pub fn correlation_id(&self) -> i32 {
        self.correlation_id
    }

    /// The ApiVersions request.
    pub fn api_versions_request() -> ApiVersionsRequest<'static> {
        ApiVersionsRequest {
            client_software_name: Str::new("kio-producer"),
            client_software_version: Str::new(env!("CARGO_PKG_VERSION")),
            ..Default::default()
        }
    }

    /// The ApiVersions version to ask first.
    pub fn first_api_versions_version() -> i16 {
        ours(ApiKey::ApiVersions).1
    }

    /// Reads an ApiVersions answer to a request at `asked`. `Ok(Some(v))`:
    /// ask again at `v` (the broker did not know `asked`); `Ok(None)`: done.
    pub fn on_api_versions(
        &mut self,
        resp: &ApiVersionsResponse<'_>,
        asked: i16,
        first: bool,
    ) -> Result<Option<i16>, Error> {
        let api = ApiKey::ApiVersions;
        match resp.error_code {
            NONE => {}
            code => {
                return match api_versions_fallback(resp, asked, first) {
                    Some(theirs) => {
                        warn!(
                            "ApiVersions v{=i16} unsupported, asking at v{=i16}",
                            asked, theirs
                        );
                        Ok(Some(theirs))
                    }
                    None => Err(Error::Broker { api, code }),
                }
            }
        }
        // One pass over the broker's list (each `find` would be a loop of its own).
        const APIS: [ApiKey; 4] = [
            ApiKey::Metadata,
            ApiKey::InitProducerId,
            ApiKey::Produce,
            ApiKey::Fetch,
        ];
        let mut chosen = [None; 4];
        for k in resp.api_keys.iter() {
            if let Some(i) = APIS.iter().position(|a| a.key() == k.api_key) {
                chosen[i] = choose(APIS[i], k.min_version, k.max_version);
            }
        }
        let pick = |want: ApiKey| -> Option<i16> {
            let i = APIS.iter().position(|&a| a == want)?;
            chosen[i]
        };
        let need = |want: ApiKey| pick(want).ok_or(Error::UnsupportedApi(want));
        self.versions = Versions {
            api_versions: asked,
            metadata: need(ApiKey::Metadata)?,
            init_producer_id: need(ApiKey::InitProducerId)?,
            produce: need(ApiKey::Produce)?,
            fetch: pick(ApiKey::Fetch).unwrap_or(-1),
        };
        self.negotiated = true;
        info!(
            "versions: metadata v{=i16} init_producer_id v{=i16} produce v{=i16}",
            self.versions.metadata, self.versions.init_producer_id, self.versions.produce
        );
        Ok(None)
    }

    /// The one topic of the Metadata request.
    pub fn metadata_topic(&self) -> MetadataRequestTopic<'c> {
        MetadataRequestTopic {
            name: Some(Str::new(self.config.topic)),
            ..Default::default()
        }
    }

    /// Reads a Metadata answer: the topic's partitions and their leaders.
    /// Sequence numbers survive a refresh.
    pub fn on_metadata(&mut self, resp: &MetadataResponse<'_>) -> Result<(), Error> {
        let api = ApiKey::Metadata;
        let topic = resp
            .topics
            .iter()
            .find(|t| t.name.as_ref().map(|n| n.as_bytes()) == Some(self.config.topic.as_bytes()))
            .ok_or(Error::TopicNotFound)?;
        if topic.error_code != NONE {
            return Err(Error::Broker {
                api,
                code: topic.error_code,
            });
        }
        let count = topic.partitions.len();
        if count > N {
            return Err(Error::TooManyPartitions(count));
        }
        for p in self.partitions.iter_mut() {
            p.leader = -1;
        }
        for p in topic.partitions.iter() {
            let slot = usize::try_from(p.partition_index)
                .ok()
                .and_then(|i| self.partitions.get_mut(i))
                .ok_or(Error::TooManyPartitions(count))?;
            slot.leader = if p.error_code == NONE {
                p.leader_id
            } else {
                -1
            };
            slot.leader_epoch = p.leader_epoch;
        }
        self.partition_count = count;
        self.metadata_stale = false;
        info!("metadata: {=usize} partitions", count);
        Ok(())
    }

    /// The InitProducerId request: a new id, or (v3+, after a sequence
    /// error) the current id and epoch to bump.
    pub fn init_producer_id_request(&self) -> InitProducerIdRequest<'static> {
        let bump = self.producer_id >= 0 && self.versions.init_producer_id >= 3;
        InitProducerIdRequest {
            transactional_id: None,
            transaction_timeout_ms: 60_000,
            producer_id: if bump { self.producer_id } else { -1 },
            producer_epoch: if bump { self.producer_epoch } else { -1 },
            ..Default::default()
        }
    }

    /// Reads an InitProducerId answer; every sequence restarts at 0.
    pub fn on_init_producer_id(&mut self, resp: &InitProducerIdResponse<'_>) -> Result<(), Error> {
        if resp.error_code != NONE {
            return Err(Error::Broker {
                api: ApiKey::InitProducerId,
                code: resp.error_code,
            });
        }
        self.producer_id = resp.producer_id;
        self.producer_epoch = resp.producer_epoch;
        self.bump_epoch = false;
        for p in self.partitions.iter_mut() {
            p.next_sequence = 0;
        }
        info!(
            "producer id {=i64} epoch {=i16}",
            self.producer_id, self.producer_epoch
        );
        Ok(())
    }

    /// The partition's state, if it has a leader.
    pub fn partition(&self, partition: i32) -> Result<PartitionState, Error> {
        usize::try_from(partition)
            .ok()
            .and_then(|i| self.partitions().get(i))
            .filter(|p| p.leader >= 0)
            .copied()
            .ok_or(Error::UnknownPartition(partition))
    }

    /// Reads a Produce answer for a batch of `records` records sent to
    /// `partition`: the base offset, or the error (see the module docs).
    pub fn on_produce(
        &mut self,
        resp: &ProduceResponse<'_>,
        partition: i32,
        records: i32,
    ) -> Result<i64, Error> {
        let topic = self.config.topic.as_bytes();
        let mut answer = None;
        for t in resp.responses.iter().filter(|t| t.name.as_bytes() == topic) {
            if let Some(p) = t.partition_responses.iter().find(|p| p.index == partition) {
                answer = Some((p.error_code, p.base_offset));
                break;
            }
        }
        let Some((code, offset)) = answer else {
            // An answer without our partition: as if the broker timed out.
            return Err(Error::Partition {
                partition,
                code: ErrorCode::RequestTimedOut.code(),
            });
        };
        match code {
            NONE | DUPLICATE_SEQUENCE_NUMBER => {
                let offset = if code == NONE { offset } else { -1 };
                if let Some(p) = usize::try_from(partition)
                    .ok()
                    .and_then(|i| self.partitions.get_mut(i))
                {
                    p.next_sequence = next_sequence(p.next_sequence, records);
                }
                info!(
                    "produced p{=i32} {=i32} records at {=i64}",
                    partition, records, offset
                );
                Ok(offset)
            }
            code => Err(self.on_partition_error(partition, code)),
        }
    }

    /// Marks what must be redone after `code` for `partition`; the error to report or retry.
    pub fn on_partition_error(&mut self, partition: i32, code: i16) -> Error {
        warn!("produce p{=i32}: error {=i16}", partition, code);
        if needs_metadata(code) {
            self.metadata_stale = true;
        }
        if needs_epoch_bump(code) {
            self.bump_epoch = true;
        }
        Error::Partition { partition, code }
    }

    /// Marks what must be redone after `err` (a new connection renegotiates).
    pub fn on_error(&mut self, err: &Error) {
        if err.is_io() {
            self.negotiated = false;
        }
        if let Error::Broker { code, .. } = err {
            if needs_metadata(*code) {
                self.metadata_stale = true;
            }
        }
        if matches!(err, Error::UnknownPartition(_)) {
            self.metadata_stale = true;
        }
    }

    /// `true` if `err` is worth retrying (a bumpable sequence error too).
    pub fn should_retry(&self, err: &Error) -> bool {
        err.is_retriable()
            || matches!(err, Error::Partition { code, .. } if needs_epoch_bump(*code))
    }
}

/// The sequence after `records` more records (Kafka wraps at `i32::MAX` to 0).
pub fn next_sequence(seq: i32, records: i32) -> i32 {
    let next = i64::from(seq) + i64::from(records);
    (next % (i64::from(i32::MAX) + 1)) as i32
}

/// The ApiVersions version to ask next after an answer with error
/// `UNSUPPORTED_VERSION` to the first request (at `asked`): the highest the
/// broker lists for ApiVersions below `asked`, else v0, as Kafka's clients
/// do. `None` when there is nothing to retry (another error, or not the first try).
/// kio-std's `Connection` negotiates with this too.
pub fn api_versions_fallback(
    resp: &ApiVersionsResponse<'_>,
    asked: i16,
    first: bool,
) -> Option<i16> {
    if resp.error_code != UNSUPPORTED_VERSION || !first || asked <= 0 {
        return None;
    }
    let theirs = resp
        .api_keys
        .iter()
        .find(|k| k.api_key == ApiKey::ApiVersions.key())
        .map(|k| k.max_version.min(asked - 1).max(0))
        .unwrap_or(0);
    Some(theirs)
}

/// Decodes a response frame (after its size) of type `M` at `version`:
/// the header, then the body, nothing after.
pub fn decode<'f, M: Message<'f>>(frame: &'f [u8], version: i16) -> Result<M, DecodeError> {
    let mut r = Reader::new(frame);
    ResponseHeader::decode_from(
        &mut r,
        kio_core::frame::response_header_version_of::<M>(version),
    )?;
    let body = M::decode_from(&mut r, version)?;
    r.finish()?;
    Ok(body)
}

/// Decodes a response frame of type `M` at `version` as [`decode`] does
/// (the same values, the same frames accepted and refused) through
/// kio-core's error-free `read_valid` path: what the producer's driver uses,
/// because the error-building decoders and their field names cost more
/// flash than the rest of the producer. A refused frame is
/// [`Error::Malformed`] with the offset where decoding stopped; decode the
/// same bytes with [`decode`] for the field and the reason.
pub fn decode_lean<'f, M: Message<'f>>(
    frame: &'f [u8],
    api: ApiKey,
    version: i16,
) -> Result<M, Error> {
    let mut r = Reader::new(frame);
    let header = kio_core::frame::response_header_version_of::<M>(version);
    let body = if M::SCHEMA.valid.contains(version) {
        ResponseHeader::read_valid(&mut r, ResponseHeader::SCHEMA.cx(header))
            .and_then(|_| M::read_valid(&mut r, M::SCHEMA.cx(version)))
            .filter(|_| r.remaining() == 0)
    } else {
        None
    };
    body.ok_or(Error::Malformed {
        api,
        offset: r.offset(),
    })
}

/// [`decode_api_versions`] through [`decode_lean`].
pub fn decode_api_versions_lean(
    frame: &[u8],
    asked: i16,
) -> Result<ApiVersionsResponse<'_>, Error> {
    let api = ApiKey::ApiVersions;
    match decode_lean(frame, api, asked) {
        Err(e) if asked > 0 => decode_lean(frame, api, 0).map_err(|_| e),
        r => r,
    }
}

/// Decodes an ApiVersions answer to a request at `asked`: a broker that
/// does not know `asked` answers at v0, so on failure v0 is tried (as Kafka's clients do).
pub fn decode_api_versions(
    frame: &[u8],
    asked: i16,
) -> Result<ApiVersionsResponse<'_>, DecodeError> {
    match decode(frame, asked) {
        Err(e) if asked > 0 => decode(frame, 0).map_err(|_| e),
        r => r,
    }
}

/// The correlation id at the start of a response frame.
pub fn correlation_id(frame: &[u8]) -> Option<i32> {
    let b = frame.get(..4)?;
    Some(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_wrap_as_kafka() {
        assert_eq!(next_sequence(5, 10), 15);
        assert_eq!(next_sequence(i32::MAX - 1, 3), 1);
    }

    #[test]
    fn chosen_version_is_the_highest_shared() {
        assert_eq!(choose(ApiKey::Produce, 0, 9), Some(9));
        assert_eq!(choose(ApiKey::Produce, 0, 2), None);
        assert_eq!(choose(ApiKey::Fetch, 0, 17), Some(12));
    }

    fn answer(code: i16) -> Result<i64, Error> {
        use kio_core::messages::produce_response::{
            PartitionProduceResponse, TopicProduceResponse,
        };
        use kio_core::Array;
        let parts = [PartitionProduceResponse {
            index: 1,
            error_code: code,
            base_offset: 40,
            ..Default::default()
        }];
        let topics = [TopicProduceResponse {
            name: Str::new("t"),
            partition_responses: Array::from(&parts),
            ..Default::default()
        }];
        let resp = ProduceResponse {
            responses: Array::from(&topics),
            ..Default::default()
        };
        let mut s: Session<'_, 2> = Session::new(Config::new("c", "t"));
        s.partitions[1].next_sequence = 5;
        s.metadata_stale = false;
        let r = s.on_produce(&resp, 1, 3);
        let seq = s.partitions[1].next_sequence;
        match &r {
            Ok(_) => assert_eq!(seq, 8, "acknowledged: the sequence advances"),
            Err(_) => assert_eq!(seq, 5, "refused: the sequence is kept for the retry"),
        }
        if let Err(e) = &r {
            assert_eq!(s.metadata_stale, needs_metadata(code));
            assert_eq!(s.bump_epoch, needs_epoch_bump(code));
            assert_eq!(s.should_retry(e), retriable(code) || needs_epoch_bump(code));
        }
        r
    }

    #[test]
    fn every_produce_answer_is_handled() {
        assert_eq!(answer(NONE), Ok(40));
        assert_eq!(answer(DUPLICATE_SEQUENCE_NUMBER), Ok(-1));
        for code in [
            NOT_LEADER_OR_FOLLOWER,
            OUT_OF_ORDER_SEQUENCE_NUMBER,
            7,
            10,
            2,
            87,
        ] {
            assert_eq!(answer(code), Err(Error::Partition { partition: 1, code }));
        }
    }

    /// A response frame (after its size): header, then `body` at `version`.
    fn frame<'m, M: Message<'m>>(body: &M, version: i16, out: &mut [u8]) -> Option<usize> {
        let mut sink = kio_core::SliceSink::new(out);
        let hv = kio_core::frame::response_header_version_of::<M>(version);
        let header = ResponseHeader {
            correlation_id: 7,
            ..Default::default()
        };
        header.encode(&mut sink, hv).ok()?;
        body.encode(&mut sink, version).ok()?;
        Some(sink.len())
    }

    /// `decode_lean` accepts exactly the frames `decode` accepts, with the
    /// same values: the whole frame, every truncation, every byte flipped
    /// or zeroed. Evaluates to the number of versions tried.
    macro_rules! lean_matches_full {
        ($T:ident, $body:expr, $versions:expr) => {{
            let (lo, hi) = $versions;
            let mut tried = 0;
            for v in lo..=hi {
                let mut buf = [0u8; 512];
                let Some(n) = frame(&$body, v, &mut buf) else {
                    continue;
                };
                tried += 1;
                let check = |bytes: &[u8]| {
                    let full: Result<$T<'_>, _> = decode(bytes, v);
                    let lean: Result<$T<'_>, _> = decode_lean(bytes, ApiKey::Produce, v);
                    assert_eq!(full.ok(), lean.ok(), "v{v} {bytes:?}");
                };
                check(&buf[..n]);
                assert!(decode_lean::<$T<'_>>(&buf[..n], ApiKey::Produce, v).is_ok());
                for cut in 0..n {
                    check(&buf[..cut]);
                }
                for at in 0..n {
                    for x in [0xff, 0x80, 0x01] {
                        let mut m = buf;
                        m[at] ^= x;
                        check(&m[..n]);
                    }
                    let mut m = buf;
                    m[at] = 0;
                    check(&m[..n]);
                }
            }
            tried
        }};
    }

    #[test]
    fn lean_decoding_accepts_and_refuses_what_full_decoding_does() {
        use kio_core::messages::api_versions_response::{
            ApiVersion, FinalizedFeatureKey, SupportedFeatureKey,
        };
        use kio_core::messages::metadata_response::{
            MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
        };
        use kio_core::messages::produce_response::{
            LeaderIdAndEpoch, PartitionProduceResponse, TopicProduceResponse,
        };
        use kio_core::Array;
        let keys = [
            ApiVersion {
                api_key: 0,
                min_version: 3,
                max_version: 11,
                ..Default::default()
            },
            ApiVersion {
                api_key: 3,
                min_version: 0,
                max_version: 12,
                ..Default::default()
            },
        ];
        let supported = [SupportedFeatureKey {
            name: Str::new("f"),
            min_version: 1,
            max_version: 2,
            ..Default::default()
        }];
        let finalized = [FinalizedFeatureKey {
            name: Str::new("g"),
            max_version_level: 3,
            min_version_level: 1,
            ..Default::default()
        }];
        let av = ApiVersionsResponse {
            api_keys: Array::from(&keys),
            throttle_time_ms: 5,
            supported_features: Array::from(&supported),
            finalized_features: Array::from(&finalized),
            finalized_features_epoch: 9,
            ..Default::default()
        };
        assert!(lean_matches_full!(ApiVersionsResponse, av, (0, ours(ApiKey::ApiVersions).1)) >= 4);

        let brokers = [MetadataResponseBroker {
            node_id: 1,
            host: Str::new("h"),
            port: 9092,
            ..Default::default()
        }];
        let replicas = [1i32, 2];
        let partitions = [MetadataResponsePartition {
            partition_index: 2,
            leader_id: 1,
            leader_epoch: 4,
            replica_nodes: Array::from(&replicas),
            isr_nodes: Array::from(&replicas),
            ..Default::default()
        }];
        let topics = [MetadataResponseTopic {
            name: Some(Str::new("t")),
            partitions: Array::from(&partitions),
            ..Default::default()
        }];
        let md = MetadataResponse {
            brokers: Array::from(&brokers),
            topics: Array::from(&topics),
            ..Default::default()
        };
        assert!(lean_matches_full!(MetadataResponse, md, ours(ApiKey::Metadata)) >= 10);

        let ip = InitProducerIdResponse {
            producer_id: 42,
            producer_epoch: 3,
            ..Default::default()
        };
        assert!(
            lean_matches_full!(
                InitProducerIdResponse,
                ip,
                (0, ours(ApiKey::InitProducerId).1)
            ) >= 4
        );

        let parts = [PartitionProduceResponse {
            index: 1,
            base_offset: 40,
            current_leader: LeaderIdAndEpoch {
                leader_id: 2,
                leader_epoch: 5,
                ..Default::default()
            },
            ..Default::default()
        }];
        let topics = [TopicProduceResponse {
            name: Str::new("t"),
            partition_responses: Array::from(&parts),
            ..Default::default()
        }];
        let pr = ProduceResponse {
            responses: Array::from(&topics),
            ..Default::default()
        };
        // The current leader is a tagged field of v10+: only those encode it.
        assert!(lean_matches_full!(ProduceResponse, pr, ours(ApiKey::Produce)) >= 3);
        let plain = [PartitionProduceResponse {
            index: 1,
            base_offset: 40,
            error_code: 6,
            ..Default::default()
        }];
        let topics = [TopicProduceResponse {
            name: Str::new("t"),
            partition_responses: Array::from(&plain),
            ..Default::default()
        }];
        let pr = ProduceResponse {
            responses: Array::from(&topics),
            ..Default::default()
        };
        assert!(lean_matches_full!(ProduceResponse, pr, ours(ApiKey::Produce)) >= 10);
    }

    #[test]
    fn error_classes_follow_kafka() {
        // Kafka's Errors.java marks these retriable (through errors.json).
        assert!(retriable(NOT_LEADER_OR_FOLLOWER));
        assert!(!retriable(10)); // MESSAGE_TOO_LARGE
        assert!(needs_epoch_bump(UNKNOWN_PRODUCER_ID));
    }
}
