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
//!
//! Disagreements that were investigated are listed in [`KNOWN`] with their
//! reason and whose bug they are; those (message, version) pairs are
//! skipped. Everything else must agree byte for byte. Run with
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
    Known {
        message: "ReadShareGroupStateSummaryResponse",
        versions: (0, 0),
        whose: Whose::Schema,
        reason: "KIP-932 (share groups, early access in 3.9) changed v0 without a \
                 version bump: Kafka 4.x adds `LeaderEpoch` (int32) between \
                 `StateEpoch` and `StartOffset` in PartitionResult",
    },
];

/// kio messages that `kafka-protocol` 0.18 does not have (Kafka 4 removed
/// the ZooKeeper-era inter-broker APIs).
const ONLY_OURS: &[&str] = &[
    "ControlledShutdownRequest",
    "ControlledShutdownResponse",
    "LeaderAndIsrRequest",
    "LeaderAndIsrResponse",
    "StopReplicaRequest",
    "StopReplicaResponse",
    "UpdateMetadataRequest",
    "UpdateMetadataResponse",
];

/// Calls `$m!(OurType, our_module, their_module::TheirType)` for every
/// message both crates have. Generated once from both crates' module lists;
/// `ListClientMetricsResources` was renamed `ListConfigResources` in Kafka
/// 4.1 (KIP-1142) with the same API key and the same v0 layout.
macro_rules! for_each_pair {
    ($m:ident) => {
        $m!(
            AddOffsetsToTxnRequest,
            add_offsets_to_txn_request,
            add_offsets_to_txn_request::AddOffsetsToTxnRequest
        );
        $m!(
            AddOffsetsToTxnResponse,
            add_offsets_to_txn_response,
            add_offsets_to_txn_response::AddOffsetsToTxnResponse
        );
        $m!(
            AddPartitionsToTxnRequest,
            add_partitions_to_txn_request,
            add_partitions_to_txn_request::AddPartitionsToTxnRequest
        );
        $m!(
            AddPartitionsToTxnResponse,
            add_partitions_to_txn_response,
            add_partitions_to_txn_response::AddPartitionsToTxnResponse
        );
        $m!(
            AddRaftVoterRequest,
            add_raft_voter_request,
            add_raft_voter_request::AddRaftVoterRequest
        );
        $m!(
            AddRaftVoterResponse,
            add_raft_voter_response,
            add_raft_voter_response::AddRaftVoterResponse
        );
        $m!(
            AllocateProducerIdsRequest,
            allocate_producer_ids_request,
            allocate_producer_ids_request::AllocateProducerIdsRequest
        );
        $m!(
            AllocateProducerIdsResponse,
            allocate_producer_ids_response,
            allocate_producer_ids_response::AllocateProducerIdsResponse
        );
        $m!(
            AlterClientQuotasRequest,
            alter_client_quotas_request,
            alter_client_quotas_request::AlterClientQuotasRequest
        );
        $m!(
            AlterClientQuotasResponse,
            alter_client_quotas_response,
            alter_client_quotas_response::AlterClientQuotasResponse
        );
        $m!(
            AlterConfigsRequest,
            alter_configs_request,
            alter_configs_request::AlterConfigsRequest
        );
        $m!(
            AlterConfigsResponse,
            alter_configs_response,
            alter_configs_response::AlterConfigsResponse
        );
        $m!(
            AlterPartitionReassignmentsRequest,
            alter_partition_reassignments_request,
            alter_partition_reassignments_request::AlterPartitionReassignmentsRequest
        );
        $m!(
            AlterPartitionReassignmentsResponse,
            alter_partition_reassignments_response,
            alter_partition_reassignments_response::AlterPartitionReassignmentsResponse
        );
        $m!(
            AlterPartitionRequest,
            alter_partition_request,
            alter_partition_request::AlterPartitionRequest
        );
        $m!(
            AlterPartitionResponse,
            alter_partition_response,
            alter_partition_response::AlterPartitionResponse
        );
        $m!(
            AlterReplicaLogDirsRequest,
            alter_replica_log_dirs_request,
            alter_replica_log_dirs_request::AlterReplicaLogDirsRequest
        );
        $m!(
            AlterReplicaLogDirsResponse,
            alter_replica_log_dirs_response,
            alter_replica_log_dirs_response::AlterReplicaLogDirsResponse
        );
        $m!(
            AlterUserScramCredentialsRequest,
            alter_user_scram_credentials_request,
            alter_user_scram_credentials_request::AlterUserScramCredentialsRequest
        );
        $m!(
            AlterUserScramCredentialsResponse,
            alter_user_scram_credentials_response,
            alter_user_scram_credentials_response::AlterUserScramCredentialsResponse
        );
        $m!(
            ApiVersionsRequest,
            api_versions_request,
            api_versions_request::ApiVersionsRequest
        );
        $m!(
            ApiVersionsResponse,
            api_versions_response,
            api_versions_response::ApiVersionsResponse
        );
        $m!(
            AssignReplicasToDirsRequest,
            assign_replicas_to_dirs_request,
            assign_replicas_to_dirs_request::AssignReplicasToDirsRequest
        );
        $m!(
            AssignReplicasToDirsResponse,
            assign_replicas_to_dirs_response,
            assign_replicas_to_dirs_response::AssignReplicasToDirsResponse
        );
        $m!(
            BeginQuorumEpochRequest,
            begin_quorum_epoch_request,
            begin_quorum_epoch_request::BeginQuorumEpochRequest
        );
        $m!(
            BeginQuorumEpochResponse,
            begin_quorum_epoch_response,
            begin_quorum_epoch_response::BeginQuorumEpochResponse
        );
        $m!(
            BrokerHeartbeatRequest,
            broker_heartbeat_request,
            broker_heartbeat_request::BrokerHeartbeatRequest
        );
        $m!(
            BrokerHeartbeatResponse,
            broker_heartbeat_response,
            broker_heartbeat_response::BrokerHeartbeatResponse
        );
        $m!(
            BrokerRegistrationRequest,
            broker_registration_request,
            broker_registration_request::BrokerRegistrationRequest
        );
        $m!(
            BrokerRegistrationResponse,
            broker_registration_response,
            broker_registration_response::BrokerRegistrationResponse
        );
        $m!(
            ConsumerGroupDescribeRequest,
            consumer_group_describe_request,
            consumer_group_describe_request::ConsumerGroupDescribeRequest
        );
        $m!(
            ConsumerGroupDescribeResponse,
            consumer_group_describe_response,
            consumer_group_describe_response::ConsumerGroupDescribeResponse
        );
        $m!(
            ConsumerGroupHeartbeatRequest,
            consumer_group_heartbeat_request,
            consumer_group_heartbeat_request::ConsumerGroupHeartbeatRequest
        );
        $m!(
            ConsumerGroupHeartbeatResponse,
            consumer_group_heartbeat_response,
            consumer_group_heartbeat_response::ConsumerGroupHeartbeatResponse
        );
        $m!(
            ConsumerProtocolAssignment,
            consumer_protocol_assignment,
            consumer_protocol_assignment::ConsumerProtocolAssignment
        );
        $m!(
            ConsumerProtocolSubscription,
            consumer_protocol_subscription,
            consumer_protocol_subscription::ConsumerProtocolSubscription
        );
        $m!(
            ControllerRegistrationRequest,
            controller_registration_request,
            controller_registration_request::ControllerRegistrationRequest
        );
        $m!(
            ControllerRegistrationResponse,
            controller_registration_response,
            controller_registration_response::ControllerRegistrationResponse
        );
        $m!(
            CreateAclsRequest,
            create_acls_request,
            create_acls_request::CreateAclsRequest
        );
        $m!(
            CreateAclsResponse,
            create_acls_response,
            create_acls_response::CreateAclsResponse
        );
        $m!(
            CreateDelegationTokenRequest,
            create_delegation_token_request,
            create_delegation_token_request::CreateDelegationTokenRequest
        );
        $m!(
            CreateDelegationTokenResponse,
            create_delegation_token_response,
            create_delegation_token_response::CreateDelegationTokenResponse
        );
        $m!(
            CreatePartitionsRequest,
            create_partitions_request,
            create_partitions_request::CreatePartitionsRequest
        );
        $m!(
            CreatePartitionsResponse,
            create_partitions_response,
            create_partitions_response::CreatePartitionsResponse
        );
        $m!(
            CreateTopicsRequest,
            create_topics_request,
            create_topics_request::CreateTopicsRequest
        );
        $m!(
            CreateTopicsResponse,
            create_topics_response,
            create_topics_response::CreateTopicsResponse
        );
        $m!(
            DefaultPrincipalData,
            default_principal_data,
            default_principal_data::DefaultPrincipalData
        );
        $m!(
            DeleteAclsRequest,
            delete_acls_request,
            delete_acls_request::DeleteAclsRequest
        );
        $m!(
            DeleteAclsResponse,
            delete_acls_response,
            delete_acls_response::DeleteAclsResponse
        );
        $m!(
            DeleteGroupsRequest,
            delete_groups_request,
            delete_groups_request::DeleteGroupsRequest
        );
        $m!(
            DeleteGroupsResponse,
            delete_groups_response,
            delete_groups_response::DeleteGroupsResponse
        );
        $m!(
            DeleteRecordsRequest,
            delete_records_request,
            delete_records_request::DeleteRecordsRequest
        );
        $m!(
            DeleteRecordsResponse,
            delete_records_response,
            delete_records_response::DeleteRecordsResponse
        );
        $m!(
            DeleteShareGroupStateRequest,
            delete_share_group_state_request,
            delete_share_group_state_request::DeleteShareGroupStateRequest
        );
        $m!(
            DeleteShareGroupStateResponse,
            delete_share_group_state_response,
            delete_share_group_state_response::DeleteShareGroupStateResponse
        );
        $m!(
            DeleteTopicsRequest,
            delete_topics_request,
            delete_topics_request::DeleteTopicsRequest
        );
        $m!(
            DeleteTopicsResponse,
            delete_topics_response,
            delete_topics_response::DeleteTopicsResponse
        );
        $m!(
            DescribeAclsRequest,
            describe_acls_request,
            describe_acls_request::DescribeAclsRequest
        );
        $m!(
            DescribeAclsResponse,
            describe_acls_response,
            describe_acls_response::DescribeAclsResponse
        );
        $m!(
            DescribeClientQuotasRequest,
            describe_client_quotas_request,
            describe_client_quotas_request::DescribeClientQuotasRequest
        );
        $m!(
            DescribeClientQuotasResponse,
            describe_client_quotas_response,
            describe_client_quotas_response::DescribeClientQuotasResponse
        );
        $m!(
            DescribeClusterRequest,
            describe_cluster_request,
            describe_cluster_request::DescribeClusterRequest
        );
        $m!(
            DescribeClusterResponse,
            describe_cluster_response,
            describe_cluster_response::DescribeClusterResponse
        );
        $m!(
            DescribeConfigsRequest,
            describe_configs_request,
            describe_configs_request::DescribeConfigsRequest
        );
        $m!(
            DescribeConfigsResponse,
            describe_configs_response,
            describe_configs_response::DescribeConfigsResponse
        );
        $m!(
            DescribeDelegationTokenRequest,
            describe_delegation_token_request,
            describe_delegation_token_request::DescribeDelegationTokenRequest
        );
        $m!(
            DescribeDelegationTokenResponse,
            describe_delegation_token_response,
            describe_delegation_token_response::DescribeDelegationTokenResponse
        );
        $m!(
            DescribeGroupsRequest,
            describe_groups_request,
            describe_groups_request::DescribeGroupsRequest
        );
        $m!(
            DescribeGroupsResponse,
            describe_groups_response,
            describe_groups_response::DescribeGroupsResponse
        );
        $m!(
            DescribeLogDirsRequest,
            describe_log_dirs_request,
            describe_log_dirs_request::DescribeLogDirsRequest
        );
        $m!(
            DescribeLogDirsResponse,
            describe_log_dirs_response,
            describe_log_dirs_response::DescribeLogDirsResponse
        );
        $m!(
            DescribeProducersRequest,
            describe_producers_request,
            describe_producers_request::DescribeProducersRequest
        );
        $m!(
            DescribeProducersResponse,
            describe_producers_response,
            describe_producers_response::DescribeProducersResponse
        );
        $m!(
            DescribeQuorumRequest,
            describe_quorum_request,
            describe_quorum_request::DescribeQuorumRequest
        );
        $m!(
            DescribeQuorumResponse,
            describe_quorum_response,
            describe_quorum_response::DescribeQuorumResponse
        );
        $m!(
            DescribeTopicPartitionsRequest,
            describe_topic_partitions_request,
            describe_topic_partitions_request::DescribeTopicPartitionsRequest
        );
        $m!(
            DescribeTopicPartitionsResponse,
            describe_topic_partitions_response,
            describe_topic_partitions_response::DescribeTopicPartitionsResponse
        );
        $m!(
            DescribeTransactionsRequest,
            describe_transactions_request,
            describe_transactions_request::DescribeTransactionsRequest
        );
        $m!(
            DescribeTransactionsResponse,
            describe_transactions_response,
            describe_transactions_response::DescribeTransactionsResponse
        );
        $m!(
            DescribeUserScramCredentialsRequest,
            describe_user_scram_credentials_request,
            describe_user_scram_credentials_request::DescribeUserScramCredentialsRequest
        );
        $m!(
            DescribeUserScramCredentialsResponse,
            describe_user_scram_credentials_response,
            describe_user_scram_credentials_response::DescribeUserScramCredentialsResponse
        );
        $m!(
            ElectLeadersRequest,
            elect_leaders_request,
            elect_leaders_request::ElectLeadersRequest
        );
        $m!(
            ElectLeadersResponse,
            elect_leaders_response,
            elect_leaders_response::ElectLeadersResponse
        );
        $m!(
            EndQuorumEpochRequest,
            end_quorum_epoch_request,
            end_quorum_epoch_request::EndQuorumEpochRequest
        );
        $m!(
            EndQuorumEpochResponse,
            end_quorum_epoch_response,
            end_quorum_epoch_response::EndQuorumEpochResponse
        );
        $m!(
            EndTxnRequest,
            end_txn_request,
            end_txn_request::EndTxnRequest
        );
        $m!(
            EndTxnResponse,
            end_txn_response,
            end_txn_response::EndTxnResponse
        );
        $m!(
            EnvelopeRequest,
            envelope_request,
            envelope_request::EnvelopeRequest
        );
        $m!(
            EnvelopeResponse,
            envelope_response,
            envelope_response::EnvelopeResponse
        );
        $m!(
            ExpireDelegationTokenRequest,
            expire_delegation_token_request,
            expire_delegation_token_request::ExpireDelegationTokenRequest
        );
        $m!(
            ExpireDelegationTokenResponse,
            expire_delegation_token_response,
            expire_delegation_token_response::ExpireDelegationTokenResponse
        );
        $m!(FetchRequest, fetch_request, fetch_request::FetchRequest);
        $m!(FetchResponse, fetch_response, fetch_response::FetchResponse);
        $m!(
            FetchSnapshotRequest,
            fetch_snapshot_request,
            fetch_snapshot_request::FetchSnapshotRequest
        );
        $m!(
            FetchSnapshotResponse,
            fetch_snapshot_response,
            fetch_snapshot_response::FetchSnapshotResponse
        );
        $m!(
            FindCoordinatorRequest,
            find_coordinator_request,
            find_coordinator_request::FindCoordinatorRequest
        );
        $m!(
            FindCoordinatorResponse,
            find_coordinator_response,
            find_coordinator_response::FindCoordinatorResponse
        );
        $m!(
            GetTelemetrySubscriptionsRequest,
            get_telemetry_subscriptions_request,
            get_telemetry_subscriptions_request::GetTelemetrySubscriptionsRequest
        );
        $m!(
            GetTelemetrySubscriptionsResponse,
            get_telemetry_subscriptions_response,
            get_telemetry_subscriptions_response::GetTelemetrySubscriptionsResponse
        );
        $m!(
            HeartbeatRequest,
            heartbeat_request,
            heartbeat_request::HeartbeatRequest
        );
        $m!(
            HeartbeatResponse,
            heartbeat_response,
            heartbeat_response::HeartbeatResponse
        );
        $m!(
            IncrementalAlterConfigsRequest,
            incremental_alter_configs_request,
            incremental_alter_configs_request::IncrementalAlterConfigsRequest
        );
        $m!(
            IncrementalAlterConfigsResponse,
            incremental_alter_configs_response,
            incremental_alter_configs_response::IncrementalAlterConfigsResponse
        );
        $m!(
            InitProducerIdRequest,
            init_producer_id_request,
            init_producer_id_request::InitProducerIdRequest
        );
        $m!(
            InitProducerIdResponse,
            init_producer_id_response,
            init_producer_id_response::InitProducerIdResponse
        );
        $m!(
            InitializeShareGroupStateRequest,
            initialize_share_group_state_request,
            initialize_share_group_state_request::InitializeShareGroupStateRequest
        );
        $m!(
            InitializeShareGroupStateResponse,
            initialize_share_group_state_response,
            initialize_share_group_state_response::InitializeShareGroupStateResponse
        );
        $m!(
            JoinGroupRequest,
            join_group_request,
            join_group_request::JoinGroupRequest
        );
        $m!(
            JoinGroupResponse,
            join_group_response,
            join_group_response::JoinGroupResponse
        );
        $m!(
            KRaftVersionRecord,
            k_raft_version_record,
            k_raft_version_record::KRaftVersionRecord
        );
        $m!(
            LeaderChangeMessage,
            leader_change_message,
            leader_change_message::LeaderChangeMessage
        );
        $m!(
            LeaveGroupRequest,
            leave_group_request,
            leave_group_request::LeaveGroupRequest
        );
        $m!(
            LeaveGroupResponse,
            leave_group_response,
            leave_group_response::LeaveGroupResponse
        );
        $m!(
            ListClientMetricsResourcesRequest,
            list_client_metrics_resources_request,
            list_config_resources_request::ListConfigResourcesRequest
        );
        $m!(
            ListClientMetricsResourcesResponse,
            list_client_metrics_resources_response,
            list_config_resources_response::ListConfigResourcesResponse
        );
        $m!(
            ListGroupsRequest,
            list_groups_request,
            list_groups_request::ListGroupsRequest
        );
        $m!(
            ListGroupsResponse,
            list_groups_response,
            list_groups_response::ListGroupsResponse
        );
        $m!(
            ListOffsetsRequest,
            list_offsets_request,
            list_offsets_request::ListOffsetsRequest
        );
        $m!(
            ListOffsetsResponse,
            list_offsets_response,
            list_offsets_response::ListOffsetsResponse
        );
        $m!(
            ListPartitionReassignmentsRequest,
            list_partition_reassignments_request,
            list_partition_reassignments_request::ListPartitionReassignmentsRequest
        );
        $m!(
            ListPartitionReassignmentsResponse,
            list_partition_reassignments_response,
            list_partition_reassignments_response::ListPartitionReassignmentsResponse
        );
        $m!(
            ListTransactionsRequest,
            list_transactions_request,
            list_transactions_request::ListTransactionsRequest
        );
        $m!(
            ListTransactionsResponse,
            list_transactions_response,
            list_transactions_response::ListTransactionsResponse
        );
        $m!(
            MetadataRequest,
            metadata_request,
            metadata_request::MetadataRequest
        );
        $m!(
            MetadataResponse,
            metadata_response,
            metadata_response::MetadataResponse
        );
        $m!(
            OffsetCommitRequest,
            offset_commit_request,
            offset_commit_request::OffsetCommitRequest
        );
        $m!(
            OffsetCommitResponse,
            offset_commit_response,
            offset_commit_response::OffsetCommitResponse
        );
        $m!(
            OffsetDeleteRequest,
            offset_delete_request,
            offset_delete_request::OffsetDeleteRequest
        );
        $m!(
            OffsetDeleteResponse,
            offset_delete_response,
            offset_delete_response::OffsetDeleteResponse
        );
        $m!(
            OffsetFetchRequest,
            offset_fetch_request,
            offset_fetch_request::OffsetFetchRequest
        );
        $m!(
            OffsetFetchResponse,
            offset_fetch_response,
            offset_fetch_response::OffsetFetchResponse
        );
        $m!(
            OffsetForLeaderEpochRequest,
            offset_for_leader_epoch_request,
            offset_for_leader_epoch_request::OffsetForLeaderEpochRequest
        );
        $m!(
            OffsetForLeaderEpochResponse,
            offset_for_leader_epoch_response,
            offset_for_leader_epoch_response::OffsetForLeaderEpochResponse
        );
        $m!(
            ProduceRequest,
            produce_request,
            produce_request::ProduceRequest
        );
        $m!(
            ProduceResponse,
            produce_response,
            produce_response::ProduceResponse
        );
        $m!(
            PushTelemetryRequest,
            push_telemetry_request,
            push_telemetry_request::PushTelemetryRequest
        );
        $m!(
            PushTelemetryResponse,
            push_telemetry_response,
            push_telemetry_response::PushTelemetryResponse
        );
        $m!(
            ReadShareGroupStateRequest,
            read_share_group_state_request,
            read_share_group_state_request::ReadShareGroupStateRequest
        );
        $m!(
            ReadShareGroupStateResponse,
            read_share_group_state_response,
            read_share_group_state_response::ReadShareGroupStateResponse
        );
        $m!(
            ReadShareGroupStateSummaryRequest,
            read_share_group_state_summary_request,
            read_share_group_state_summary_request::ReadShareGroupStateSummaryRequest
        );
        $m!(
            ReadShareGroupStateSummaryResponse,
            read_share_group_state_summary_response,
            read_share_group_state_summary_response::ReadShareGroupStateSummaryResponse
        );
        $m!(
            RemoveRaftVoterRequest,
            remove_raft_voter_request,
            remove_raft_voter_request::RemoveRaftVoterRequest
        );
        $m!(
            RemoveRaftVoterResponse,
            remove_raft_voter_response,
            remove_raft_voter_response::RemoveRaftVoterResponse
        );
        $m!(
            RenewDelegationTokenRequest,
            renew_delegation_token_request,
            renew_delegation_token_request::RenewDelegationTokenRequest
        );
        $m!(
            RenewDelegationTokenResponse,
            renew_delegation_token_response,
            renew_delegation_token_response::RenewDelegationTokenResponse
        );
        $m!(RequestHeader, request_header, request_header::RequestHeader);
        $m!(
            ResponseHeader,
            response_header,
            response_header::ResponseHeader
        );
        $m!(
            SaslAuthenticateRequest,
            sasl_authenticate_request,
            sasl_authenticate_request::SaslAuthenticateRequest
        );
        $m!(
            SaslAuthenticateResponse,
            sasl_authenticate_response,
            sasl_authenticate_response::SaslAuthenticateResponse
        );
        $m!(
            SaslHandshakeRequest,
            sasl_handshake_request,
            sasl_handshake_request::SaslHandshakeRequest
        );
        $m!(
            SaslHandshakeResponse,
            sasl_handshake_response,
            sasl_handshake_response::SaslHandshakeResponse
        );
        $m!(
            ShareAcknowledgeRequest,
            share_acknowledge_request,
            share_acknowledge_request::ShareAcknowledgeRequest
        );
        $m!(
            ShareAcknowledgeResponse,
            share_acknowledge_response,
            share_acknowledge_response::ShareAcknowledgeResponse
        );
        $m!(
            ShareFetchRequest,
            share_fetch_request,
            share_fetch_request::ShareFetchRequest
        );
        $m!(
            ShareFetchResponse,
            share_fetch_response,
            share_fetch_response::ShareFetchResponse
        );
        $m!(
            ShareGroupDescribeRequest,
            share_group_describe_request,
            share_group_describe_request::ShareGroupDescribeRequest
        );
        $m!(
            ShareGroupDescribeResponse,
            share_group_describe_response,
            share_group_describe_response::ShareGroupDescribeResponse
        );
        $m!(
            ShareGroupHeartbeatRequest,
            share_group_heartbeat_request,
            share_group_heartbeat_request::ShareGroupHeartbeatRequest
        );
        $m!(
            ShareGroupHeartbeatResponse,
            share_group_heartbeat_response,
            share_group_heartbeat_response::ShareGroupHeartbeatResponse
        );
        $m!(
            SnapshotFooterRecord,
            snapshot_footer_record,
            snapshot_footer_record::SnapshotFooterRecord
        );
        $m!(
            SnapshotHeaderRecord,
            snapshot_header_record,
            snapshot_header_record::SnapshotHeaderRecord
        );
        $m!(
            SyncGroupRequest,
            sync_group_request,
            sync_group_request::SyncGroupRequest
        );
        $m!(
            SyncGroupResponse,
            sync_group_response,
            sync_group_response::SyncGroupResponse
        );
        $m!(
            TxnOffsetCommitRequest,
            txn_offset_commit_request,
            txn_offset_commit_request::TxnOffsetCommitRequest
        );
        $m!(
            TxnOffsetCommitResponse,
            txn_offset_commit_response,
            txn_offset_commit_response::TxnOffsetCommitResponse
        );
        $m!(
            UnregisterBrokerRequest,
            unregister_broker_request,
            unregister_broker_request::UnregisterBrokerRequest
        );
        $m!(
            UnregisterBrokerResponse,
            unregister_broker_response,
            unregister_broker_response::UnregisterBrokerResponse
        );
        $m!(
            UpdateFeaturesRequest,
            update_features_request,
            update_features_request::UpdateFeaturesRequest
        );
        $m!(
            UpdateFeaturesResponse,
            update_features_response,
            update_features_response::UpdateFeaturesResponse
        );
        $m!(
            UpdateRaftVoterRequest,
            update_raft_voter_request,
            update_raft_voter_request::UpdateRaftVoterRequest
        );
        $m!(
            UpdateRaftVoterResponse,
            update_raft_voter_response,
            update_raft_voter_response::UpdateRaftVoterResponse
        );
        $m!(VoteRequest, vote_request, vote_request::VoteRequest);
        $m!(VoteResponse, vote_response, vote_response::VoteResponse);
        $m!(VotersRecord, voters_record, voters_record::VotersRecord);
        $m!(
            WriteShareGroupStateRequest,
            write_share_group_state_request,
            write_share_group_state_request::WriteShareGroupStateRequest
        );
        $m!(
            WriteShareGroupStateResponse,
            write_share_group_state_response,
            write_share_group_state_response::WriteShareGroupStateResponse
        );
        $m!(
            WriteTxnMarkersRequest,
            write_txn_markers_request,
            write_txn_markers_request::WriteTxnMarkersRequest
        );
        $m!(
            WriteTxnMarkersResponse,
            write_txn_markers_response,
            write_txn_markers_response::WriteTxnMarkersResponse
        );
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

/// Our side of one message type, with its lifetime erased: decode at one
/// version + encode at another, and the encoding of its `Default` value.
struct Ours {
    schema: &'static MessageSchema,
    convert: &'static dyn Fn(&[u8], i16, i16) -> Result<Vec<u8>, String>,
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
                        t.or(o).unwrap_or_default()
                    );
                    let key: String = key.chars().filter(|c| !c.is_ascii_digit()).collect();
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
