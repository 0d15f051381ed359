//! Differential test against the independent `kafka-protocol` crate.
//!
//! For every message that both kio and `kafka-protocol` know, at every
//! version both support (the crate is generated from a newer Kafka release,
//! so some messages and versions exist on one side only):
//!
//! 1. **ours → theirs**: random valid encodings from the schema-driven
//!    generator in `common::gen` must survive our decode + encode unchanged
//!    (sanity) and then `kafka-protocol`'s decode + encode unchanged.
//! 2. **theirs → ours**: bytes written by `kafka-protocol`'s encoder (its
//!    re-encoding of each random case, and its `Default` value) must survive
//!    our decode + encode unchanged; both sides' `Default` values must encode
//!    to the same bytes.
//! 3. **across versions**: each random value, decoded at one version, is
//!    encoded at every other checked version by both sides. Where both
//!    accept, the bytes must agree (and go through our codec unchanged);
//!    where only one side accepts (the two have different rules for values
//!    a version cannot carry) the cases are counted and grouped by reason.
//!
//! Disagreements that were investigated are listed in [`KNOWN`] with their
//! reason and whose bug they are; those (message, version) pairs are
//! skipped, but must still disagree (a stale entry fails the test).
//! Everything else must agree byte for byte. Run with
//! `--nocapture` to see the counts.

mod common;

use common::gen::{message_with, Options, Rng};
use kafka_protocol::protocol::{Decodable, Encodable, Message as TheirMessage};
use kio_core::{Message, MessageSchema};
use std::collections::BTreeMap;

/// Random cases per (message, version).
const SEEDS: usize = 16;

/// Whose bug a disagreement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Whose {
    /// A bug in kio's generated or runtime code.
    #[allow(dead_code)] // no disagreement is ours today
    Ours,
    /// A bug in `kafka-protocol`.
    Theirs,
    /// Both are right for their own Kafka release: the schemas differ.
    #[allow(dead_code)] // none today: kio follows 4.3.1 where 3.9.0 differs
    Schema,
}

/// An investigated disagreement: (message, versions) pairs that are skipped.
struct Known {
    message: &'static str,
    /// Inclusive version range.
    versions: (i16, i16),
    whose: Whose,
    reason: &'static str,
}

/// Every investigated disagreement.
const KNOWN: &[Known] = &[
    Known {
        message: "LeaderChangeMessage",
        versions: (0, 1),
        whose: Whose::Theirs,
        reason: "their decode binds the schema's `Version` field to a local named \
                 `version`, shadowing the version argument: the nested Voters and \
                 GrantingVoters arrays then decode at the field's value (any random \
                 int16) and fail with 'specified version not supported'",
    },
    Known {
        message: "VotersRecord",
        versions: (0, 0),
        whose: Whose::Theirs,
        reason: "the same `Version` field shadowing in their decode: the nested \
                 Voters array decodes at the field's value",
    },
];

/// kio messages that `kafka-protocol` 0.18 does not have: Kafka 4 removed
/// the ZooKeeper-era inter-broker APIs (kio still decodes them as 3.9.0
/// defines them), the streams-group APIs were unstable in 4.1 (the crate
/// leaves them out) and `ControlRecordTypeSchema` is new in 4.3.
const ONLY_OURS: &[&str] = &[
    "ControlRecordTypeSchema",
    "StreamsGroupDescribeRequest",
    "StreamsGroupDescribeResponse",
    "StreamsGroupHeartbeatRequest",
    "StreamsGroupHeartbeatResponse",
    "ControlledShutdownRequest",
    "ControlledShutdownResponse",
    "LeaderAndIsrRequest",
    "LeaderAndIsrResponse",
    "StopReplicaRequest",
    "StopReplicaResponse",
    "UpdateMetadataRequest",
    "UpdateMetadataResponse",
];

/// Calls `$m!(Type, module)` for every message both crates have, under the
/// same name and module in both (`$m!(OurType, our_module,
/// their_module::TheirType)` where the names differ). Generated once from both crates' module lists.
macro_rules! for_each_pair {
    ($m:ident) => {
        $m!(AddOffsetsToTxnRequest, add_offsets_to_txn_request);
        $m!(AddOffsetsToTxnResponse, add_offsets_to_txn_response);
        $m!(AddPartitionsToTxnRequest, add_partitions_to_txn_request);
        $m!(AddPartitionsToTxnResponse, add_partitions_to_txn_response);
        $m!(AddRaftVoterRequest, add_raft_voter_request);
        $m!(AddRaftVoterResponse, add_raft_voter_response);
        $m!(AllocateProducerIdsRequest, allocate_producer_ids_request);
        $m!(AllocateProducerIdsResponse, allocate_producer_ids_response);
        $m!(AlterClientQuotasRequest, alter_client_quotas_request);
        $m!(AlterClientQuotasResponse, alter_client_quotas_response);
        $m!(AlterConfigsRequest, alter_configs_request);
        $m!(AlterConfigsResponse, alter_configs_response);
        $m!(
            AlterPartitionReassignmentsRequest,
            alter_partition_reassignments_request
        );
        $m!(
            AlterPartitionReassignmentsResponse,
            alter_partition_reassignments_response
        );
        $m!(AlterPartitionRequest, alter_partition_request);
        $m!(AlterPartitionResponse, alter_partition_response);
        $m!(AlterReplicaLogDirsRequest, alter_replica_log_dirs_request);
        $m!(AlterReplicaLogDirsResponse, alter_replica_log_dirs_response);
        $m!(
            AlterShareGroupOffsetsRequest,
            alter_share_group_offsets_request
        );
        $m!(
            AlterShareGroupOffsetsResponse,
            alter_share_group_offsets_response
        );
        $m!(
            AlterUserScramCredentialsRequest,
            alter_user_scram_credentials_request
        );
        $m!(
            AlterUserScramCredentialsResponse,
            alter_user_scram_credentials_response
        );
        $m!(ApiVersionsRequest, api_versions_request);
        $m!(ApiVersionsResponse, api_versions_response);
        $m!(AssignReplicasToDirsRequest, assign_replicas_to_dirs_request);
        $m!(
            AssignReplicasToDirsResponse,
            assign_replicas_to_dirs_response
        );
        $m!(BeginQuorumEpochRequest, begin_quorum_epoch_request);
        $m!(BeginQuorumEpochResponse, begin_quorum_epoch_response);
        $m!(BrokerHeartbeatRequest, broker_heartbeat_request);
        $m!(BrokerHeartbeatResponse, broker_heartbeat_response);
        $m!(BrokerRegistrationRequest, broker_registration_request);
        $m!(BrokerRegistrationResponse, broker_registration_response);
        $m!(
            ConsumerGroupDescribeRequest,
            consumer_group_describe_request
        );
        $m!(
            ConsumerGroupDescribeResponse,
            consumer_group_describe_response
        );
        $m!(
            ConsumerGroupHeartbeatRequest,
            consumer_group_heartbeat_request
        );
        $m!(
            ConsumerGroupHeartbeatResponse,
            consumer_group_heartbeat_response
        );
        $m!(ConsumerProtocolAssignment, consumer_protocol_assignment);
        $m!(ConsumerProtocolSubscription, consumer_protocol_subscription);
        $m!(
            ControllerRegistrationRequest,
            controller_registration_request
        );
        $m!(
            ControllerRegistrationResponse,
            controller_registration_response
        );
        $m!(CreateAclsRequest, create_acls_request);
        $m!(CreateAclsResponse, create_acls_response);
        $m!(
            CreateDelegationTokenRequest,
            create_delegation_token_request
        );
        $m!(
            CreateDelegationTokenResponse,
            create_delegation_token_response
        );
        $m!(CreatePartitionsRequest, create_partitions_request);
        $m!(CreatePartitionsResponse, create_partitions_response);
        $m!(CreateTopicsRequest, create_topics_request);
        $m!(CreateTopicsResponse, create_topics_response);
        $m!(DefaultPrincipalData, default_principal_data);
        $m!(DeleteAclsRequest, delete_acls_request);
        $m!(DeleteAclsResponse, delete_acls_response);
        $m!(DeleteGroupsRequest, delete_groups_request);
        $m!(DeleteGroupsResponse, delete_groups_response);
        $m!(DeleteRecordsRequest, delete_records_request);
        $m!(DeleteRecordsResponse, delete_records_response);
        $m!(
            DeleteShareGroupOffsetsRequest,
            delete_share_group_offsets_request
        );
        $m!(
            DeleteShareGroupOffsetsResponse,
            delete_share_group_offsets_response
        );
        $m!(
            DeleteShareGroupStateRequest,
            delete_share_group_state_request
        );
        $m!(
            DeleteShareGroupStateResponse,
            delete_share_group_state_response
        );
        $m!(DeleteTopicsRequest, delete_topics_request);
        $m!(DeleteTopicsResponse, delete_topics_response);
        $m!(DescribeAclsRequest, describe_acls_request);
        $m!(DescribeAclsResponse, describe_acls_response);
        $m!(DescribeClientQuotasRequest, describe_client_quotas_request);
        $m!(
            DescribeClientQuotasResponse,
            describe_client_quotas_response
        );
        $m!(DescribeClusterRequest, describe_cluster_request);
        $m!(DescribeClusterResponse, describe_cluster_response);
        $m!(DescribeConfigsRequest, describe_configs_request);
        $m!(DescribeConfigsResponse, describe_configs_response);
        $m!(
            DescribeDelegationTokenRequest,
            describe_delegation_token_request
        );
        $m!(
            DescribeDelegationTokenResponse,
            describe_delegation_token_response
        );
        $m!(DescribeGroupsRequest, describe_groups_request);
        $m!(DescribeGroupsResponse, describe_groups_response);
        $m!(DescribeLogDirsRequest, describe_log_dirs_request);
        $m!(DescribeLogDirsResponse, describe_log_dirs_response);
        $m!(DescribeProducersRequest, describe_producers_request);
        $m!(DescribeProducersResponse, describe_producers_response);
        $m!(DescribeQuorumRequest, describe_quorum_request);
        $m!(DescribeQuorumResponse, describe_quorum_response);
        $m!(
            DescribeShareGroupOffsetsRequest,
            describe_share_group_offsets_request
        );
        $m!(
            DescribeShareGroupOffsetsResponse,
            describe_share_group_offsets_response
        );
        $m!(
            DescribeTopicPartitionsRequest,
            describe_topic_partitions_request
        );
        $m!(
            DescribeTopicPartitionsResponse,
            describe_topic_partitions_response
        );
        $m!(DescribeTransactionsRequest, describe_transactions_request);
        $m!(DescribeTransactionsResponse, describe_transactions_response);
        $m!(
            DescribeUserScramCredentialsRequest,
            describe_user_scram_credentials_request
        );
        $m!(
            DescribeUserScramCredentialsResponse,
            describe_user_scram_credentials_response
        );
        $m!(ElectLeadersRequest, elect_leaders_request);
        $m!(ElectLeadersResponse, elect_leaders_response);
        $m!(EndQuorumEpochRequest, end_quorum_epoch_request);
        $m!(EndQuorumEpochResponse, end_quorum_epoch_response);
        $m!(EndTxnMarker, end_txn_marker);
        $m!(EndTxnRequest, end_txn_request);
        $m!(EndTxnResponse, end_txn_response);
        $m!(EnvelopeRequest, envelope_request);
        $m!(EnvelopeResponse, envelope_response);
        $m!(
            ExpireDelegationTokenRequest,
            expire_delegation_token_request
        );
        $m!(
            ExpireDelegationTokenResponse,
            expire_delegation_token_response
        );
        $m!(FetchRequest, fetch_request);
        $m!(FetchResponse, fetch_response);
        $m!(FetchSnapshotRequest, fetch_snapshot_request);
        $m!(FetchSnapshotResponse, fetch_snapshot_response);
        $m!(FindCoordinatorRequest, find_coordinator_request);
        $m!(FindCoordinatorResponse, find_coordinator_response);
        $m!(
            GetTelemetrySubscriptionsRequest,
            get_telemetry_subscriptions_request
        );
        $m!(
            GetTelemetrySubscriptionsResponse,
            get_telemetry_subscriptions_response
        );
        $m!(HeartbeatRequest, heartbeat_request);
        $m!(HeartbeatResponse, heartbeat_response);
        $m!(
            IncrementalAlterConfigsRequest,
            incremental_alter_configs_request
        );
        $m!(
            IncrementalAlterConfigsResponse,
            incremental_alter_configs_response
        );
        $m!(InitProducerIdRequest, init_producer_id_request);
        $m!(InitProducerIdResponse, init_producer_id_response);
        $m!(
            InitializeShareGroupStateRequest,
            initialize_share_group_state_request
        );
        $m!(
            InitializeShareGroupStateResponse,
            initialize_share_group_state_response
        );
        $m!(JoinGroupRequest, join_group_request);
        $m!(JoinGroupResponse, join_group_response);
        $m!(KRaftVersionRecord, k_raft_version_record);
        $m!(LeaderChangeMessage, leader_change_message);
        $m!(LeaveGroupRequest, leave_group_request);
        $m!(LeaveGroupResponse, leave_group_response);
        $m!(ListConfigResourcesRequest, list_config_resources_request);
        $m!(ListConfigResourcesResponse, list_config_resources_response);
        $m!(ListGroupsRequest, list_groups_request);
        $m!(ListGroupsResponse, list_groups_response);
        $m!(ListOffsetsRequest, list_offsets_request);
        $m!(ListOffsetsResponse, list_offsets_response);
        $m!(
            ListPartitionReassignmentsRequest,
            list_partition_reassignments_request
        );
        $m!(
            ListPartitionReassignmentsResponse,
            list_partition_reassignments_response
        );
        $m!(ListTransactionsRequest, list_transactions_request);
        $m!(ListTransactionsResponse, list_transactions_response);
        $m!(MetadataRequest, metadata_request);
        $m!(MetadataResponse, metadata_response);
        $m!(OffsetCommitRequest, offset_commit_request);
        $m!(OffsetCommitResponse, offset_commit_response);
        $m!(OffsetDeleteRequest, offset_delete_request);
        $m!(OffsetDeleteResponse, offset_delete_response);
        $m!(OffsetFetchRequest, offset_fetch_request);
        $m!(OffsetFetchResponse, offset_fetch_response);
        $m!(OffsetForLeaderEpochRequest, offset_for_leader_epoch_request);
        $m!(
            OffsetForLeaderEpochResponse,
            offset_for_leader_epoch_response
        );
        $m!(ProduceRequest, produce_request);
        $m!(ProduceResponse, produce_response);
        $m!(PushTelemetryRequest, push_telemetry_request);
        $m!(PushTelemetryResponse, push_telemetry_response);
        $m!(ReadShareGroupStateRequest, read_share_group_state_request);
        $m!(ReadShareGroupStateResponse, read_share_group_state_response);
        $m!(
            ReadShareGroupStateSummaryRequest,
            read_share_group_state_summary_request
        );
        $m!(
            ReadShareGroupStateSummaryResponse,
            read_share_group_state_summary_response
        );
        $m!(RemoveRaftVoterRequest, remove_raft_voter_request);
        $m!(RemoveRaftVoterResponse, remove_raft_voter_response);
        $m!(RenewDelegationTokenRequest, renew_delegation_token_request);
        $m!(
            RenewDelegationTokenResponse,
            renew_delegation_token_response
        );
        $m!(RequestHeader, request_header);
        $m!(ResponseHeader, response_header);
        $m!(SaslAuthenticateRequest, sasl_authenticate_request);
        $m!(SaslAuthenticateResponse, sasl_authenticate_response);
        $m!(SaslHandshakeRequest, sasl_handshake_request);
        $m!(SaslHandshakeResponse, sasl_handshake_response);
        $m!(ShareAcknowledgeRequest, share_acknowledge_request);
        $m!(ShareAcknowledgeResponse, share_acknowledge_response);
        $m!(ShareFetchRequest, share_fetch_request);
        $m!(ShareFetchResponse, share_fetch_response);
        $m!(ShareGroupDescribeRequest, share_group_describe_request);
        $m!(ShareGroupDescribeResponse, share_group_describe_response);
        $m!(ShareGroupHeartbeatRequest, share_group_heartbeat_request);
        $m!(ShareGroupHeartbeatResponse, share_group_heartbeat_response);
        $m!(SnapshotFooterRecord, snapshot_footer_record);
        $m!(SnapshotHeaderRecord, snapshot_header_record);
        $m!(SyncGroupRequest, sync_group_request);
        $m!(SyncGroupResponse, sync_group_response);
        $m!(TxnOffsetCommitRequest, txn_offset_commit_request);
        $m!(TxnOffsetCommitResponse, txn_offset_commit_response);
        $m!(UnregisterBrokerRequest, unregister_broker_request);
        $m!(UnregisterBrokerResponse, unregister_broker_response);
        $m!(UpdateFeaturesRequest, update_features_request);
        $m!(UpdateFeaturesResponse, update_features_response);
        $m!(UpdateRaftVoterRequest, update_raft_voter_request);
        $m!(UpdateRaftVoterResponse, update_raft_voter_response);
        $m!(VoteRequest, vote_request);
        $m!(VoteResponse, vote_response);
        $m!(VotersRecord, voters_record);
        $m!(WriteShareGroupStateRequest, write_share_group_state_request);
        $m!(
            WriteShareGroupStateResponse,
            write_share_group_state_response
        );
        $m!(WriteTxnMarkersRequest, write_txn_markers_request);
        $m!(WriteTxnMarkersResponse, write_txn_markers_response);
    };
}

/// Counts and failures of one run.
#[derive(Default)]
struct Tally {
    types: usize,
    pairs: usize,
    cases: usize,
    skipped_pairs: usize,
    /// Values converted to another version by both sides (bytes compared).
    conversions: usize,
    /// Values that neither side would convert to another version.
    conversions_refused: usize,
    /// Values that only one side would convert (the sides' rules for
    /// fields a version cannot carry differ; not compared).
    conversions_one_sided: usize,
    /// One-sided conversions by what the refusing side said (version
    /// numbers elided): count and an example.
    one_sided: BTreeMap<String, (usize, String)>,
    /// For each [`KNOWN`] entry, whether some pair still disagrees.
    known_seen: Vec<bool>,
    failures: Vec<String>,
}

/// The index in [`KNOWN`] of the disagreement listed for this pair.
fn known(message: &str, version: i16) -> Option<usize> {
    KNOWN
        .iter()
        .position(|k| k.message == message && (k.versions.0..=k.versions.1).contains(&version))
}

/// Our decode of `bytes` at version `from` + encode at version `to`.
fn ours<'a, M: Message<'a>>(bytes: &'a [u8], from: i16, to: i16) -> Result<Vec<u8>, String> {
    let value = M::decode(bytes, from).map_err(|e| format!("our decode: {e}"))?;
    value.to_vec(to).map_err(|e| format!("our encode: {e}"))
}

/// Their encode of `value`, checked against their own `compute_size`.
fn their_encode<T: Encodable>(value: &T, version: i16) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    value
        .encode(&mut out, version)
        .map_err(|e| format!("their encode: {e:#}"))?;
    let size = value
        .compute_size(version)
        .map_err(|e| format!("their compute_size: {e:#}"))?;
    if size != out.len() {
        return Err(format!(
            "their compute_size {size} != {} bytes written",
            out.len()
        ));
    }
    Ok(out)
}

/// Their decode of exactly all of `bytes`.
fn their_decode<T: Decodable>(bytes: &[u8], version: i16) -> Result<T, String> {
    let mut buf = bytes;
    let value = T::decode(&mut buf, version).map_err(|e| format!("their decode: {e:#}"))?;
    if !buf.is_empty() {
        return Err(format!("their decode left {} bytes", buf.len()));
    }
    Ok(value)
}

/// `Err` describing how `got` differs from `want`.
fn same(what: &str, want: &[u8], got: &[u8]) -> Result<(), String> {
    if want == got {
        return Ok(());
    }
    let at = want.iter().zip(got).take_while(|(a, b)| a == b).count();
    Err(format!(
        "{what}: bytes differ at offset {at}\n  want: {want:02x?}\n   got: {got:02x?}"
    ))
}

/// An encode error with version numbers elided and, for unknown tagged
/// fields, the struct's name, to group one-sided conversions by reason.
fn reason(error: &str) -> String {
    let error = match error.split_once("._unknownTaggedFields") {
        Some((_, rest)) => format!("unknown tagged fields{rest}"),
        None => error.rsplit("encode ").next().unwrap_or(error).to_string(),
    };
    let mut out = String::new();
    for c in error.chars() {
        if !c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('N') {
            out.push('N');
        }
    }
    out
}

/// Decode at one version, encode at another.
type Convert = dyn Fn(&[u8], i16, i16) -> Result<Vec<u8>, String>;

/// Our side of one message type, with its lifetime erased: decode at one
/// version + encode at another, and the encoding of its `Default` value.
struct Ours {
    schema: &'static MessageSchema,
    convert: &'static Convert,
    default: &'static dyn Fn(i16) -> Result<Vec<u8>, String>,
}

/// Every check of one (message, version) pair. `versions` are all the
/// checked versions of the message: each random value is also converted to
/// each of them by both sides.
fn check_pair<T>(
    rng: &mut Rng,
    ours: &Ours,
    version: i16,
    versions: &[i16],
    tally: &mut Tally,
) -> Result<(), String>
where
    T: Decodable + Encodable + Default,
{
    // Bytes Kafka's own encoder could write: `kafka-protocol` rejects
    // invalid UTF-8 and drops known tags sent at their default value.
    let options = Options {
        invalid_utf8: false,
        tags_at_default: false,
    };
    let roundtrip = |bytes: &[u8]| (ours.convert)(bytes, version, version);
    for _ in 0..SEEDS {
        let bytes = message_with(rng, ours.schema, version, options);
        tally.cases += 1;
        // Sanity: our own round trip.
        same("ours → ours", &bytes, &roundtrip(&bytes)?)?;
        // Ours → theirs.
        let value: T = their_decode(&bytes, version)?;
        let theirs_out = their_encode(&value, version)?;
        same("ours → theirs", &bytes, &theirs_out)?;
        // Theirs → ours: what their encoder wrote.
        same("theirs → ours", &theirs_out, &roundtrip(&theirs_out)?)?;
        // The same value converted to every other version by both sides:
        // where both can carry it, the bytes must agree.
        for &to in versions.iter().filter(|&&to| to != version) {
            let theirs_to = their_encode(&value, to);
            let ours_to = (ours.convert)(&bytes, version, to);
            match (&theirs_to, &ours_to) {
                (Ok(t), Ok(o)) => {
                    tally.conversions += 1;
                    same(&format!("v{version} → v{to}: theirs vs ours"), t, o)?;
                    same(
                        &format!("theirs v{to} → ours"),
                        t,
                        &(ours.convert)(t, to, to)?,
                    )?;
                }
                (Err(_), Err(_)) => tally.conversions_refused += 1,
                _ => {
                    tally.conversions_one_sided += 1;
                    let (t, o) = (theirs_to.err(), ours_to.err());
                    let key = format!(
                        "{} refuses: {}",
                        if t.is_some() { "theirs" } else { "ours" },
                        reason(&t.or(o).unwrap_or_default())
                    );
                    let entry = tally.one_sided.entry(key).or_default();
                    entry.0 += 1;
                    if entry.1.is_empty() {
                        entry.1 = format!("{} v{version} → v{to}", ours.schema.name);
                    }
                }
            }
        }
    }
    // Both Default values, and theirs through our codec.
    tally.cases += 1;
    let their_default = their_encode(&T::default(), version)?;
    let our_default = (ours.default)(version)?;
    same("Default: theirs vs ours", &their_default, &our_default)?;
    same(
        "theirs Default → ours",
        &their_default,
        &roundtrip(&their_default)?,
    )
}

fn run(seed: u64) -> Tally {
    let mut rng = Rng(seed);
    let mut tally = Tally {
        known_seen: vec![false; KNOWN.len()],
        ..Tally::default()
    };
    let mut compared: Vec<&str> = Vec::new();
    macro_rules! pair {
        ($ty:ident, $md:ident) => {
            pair!($ty, $md, $md::$ty)
        };
        ($ty:ident, $md:ident, $($theirs:ident)::+) => {{
            type Theirs = kafka_protocol::messages::$($theirs)::+;
            let ours = Ours {
                schema: &kio_core::messages::$md::SCHEMA,
                convert: &|bytes, from, to| ours::<kio_core::messages::$ty>(bytes, from, to),
                default: &|version| {
                    kio_core::messages::$ty::default()
                        .to_vec(version)
                        .map_err(|e| format!("our encode of Default: {e}"))
                },
            };
            let name = ours.schema.name;
            compared.push(name);
            tally.types += 1;
            let (min, max) = (
                ours.schema.valid.min.max(Theirs::VERSIONS.min),
                ours.schema.valid.max.min(Theirs::VERSIONS.max),
            );
            let versions: Vec<i16> = (min..=max).filter(|&v| known(name, v).is_none()).collect();
            for version in min..=max {
                if let Some(i) = known(name, version) {
                    // Skipped, but it must still disagree.
                    tally.skipped_pairs += 1;
                    let mut cases = Tally::default();
                    match check_pair::<Theirs>(&mut rng, &ours, version, &[], &mut cases) {
                        Err(_) => tally.known_seen[i] = true,
                        Ok(()) => tally.failures.push(format!(
                            "{name} v{version}: listed in KNOWN but agrees now"
                        )),
                    }
                    continue;
                }
                tally.pairs += 1;
                if let Err(e) = check_pair::<Theirs>(&mut rng, &ours, version, &versions, &mut tally) {
                    tally.failures.push(format!("{name} v{version}: {e}"));
                }
            }
        }};
    }
    for_each_pair!(pair);

    // The explicit list must cover every message of ours but `ONLY_OURS`.
    macro_rules! covered {
        ($ty:ident, $md:ident, $kind:ident) => {{
            let name = kio_core::messages::$md::SCHEMA.name;
            if !compared.contains(&name) && !ONLY_OURS.contains(&name) {
                tally
                    .failures
                    .push(format!("{name}: neither compared nor listed in ONLY_OURS"));
            }
        }};
    }
    kio_core::for_each_message!(covered);
    for (k, seen) in KNOWN.iter().zip(&tally.known_seen) {
        if !seen {
            tally.failures.push(format!(
                "KNOWN entry {} v{}-{} matches no disagreeing pair",
                k.message, k.versions.0, k.versions.1
            ));
        }
    }
    tally
}

#[test]
fn kio_agrees_with_kafka_protocol() {
    let tally = run(0x6b69_6f5f_6b70);
    println!(
        "differential vs kafka-protocol: {} message types compared, {} (message, version) \
         pairs checked, {} cases, {} disagreements listed ({} pairs skipped), {} failures",
        tally.types,
        tally.pairs,
        tally.cases,
        KNOWN.len(),
        tally.skipped_pairs,
        tally.failures.len()
    );
    println!(
        "conversions to other versions: {} compared, {} refused by both, {} by one side only",
        tally.conversions, tally.conversions_refused, tally.conversions_one_sided
    );
    for (why, (count, example)) in &tally.one_sided {
        println!("  {count:5} × {why} (e.g. {example})");
    }
    for k in KNOWN {
        println!(
            "  known: {} v{}-{} ({:?}): {}",
            k.message, k.versions.0, k.versions.1, k.whose, k.reason
        );
    }
    assert!(
        tally.failures.is_empty(),
        "{} disagreements:\n{}",
        tally.failures.len(),
        tally.failures.join("\n")
    );
}
