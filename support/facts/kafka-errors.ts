// Kafka protocol error codes a client of Eventstream can meet (SASL, metadata, produce, fetch, groups), each with a cause.
// Codes and names are Kafka's (org.apache.kafka.common.protocol.Errors); causes are read for Event Hubs behind Eventstream.

export type KafkaErrorClass =
  | 'auth'
  | 'sasl-mechanism'
  | 'authorization'
  | 'topic-missing'
  | 'too-large'
  | 'throttled'
  | 'timeout'
  | 'unavailable'
  | 'connection-lost'
  | 'group'
  | 'protocol'
  | 'compression'
  | 'idempotence'
  | 'offset'
  | 'rejected'
  | 'config'
  | 'server-error';

export interface KafkaErrorInfo {
  readonly code: number;
  readonly type: string;
  readonly failureClass: KafkaErrorClass;
  readonly cause: string;
  readonly hint: string;
}

const UNAVAILABLE_HINT = 'transient while partitions move; rerun. If it persists, check the Eventstream and Azure status pages';
const GROUP_HINT =
  "FABRIC_CONSUMER_GROUP must be used by this check alone (Kafka consumer groups are namespace-wide on Event Hubs); stop other readers or use the destination's own consumer group";

/** Every code the checks can meet, by number. */
export const KAFKA_ERRORS: readonly KafkaErrorInfo[] = [
  {
    code: -1,
    type: 'UNKNOWN_SERVER_ERROR',
    failureClass: 'server-error',
    cause: 'the endpoint reported an internal error',
    hint: 'rerun; if it persists, check the Azure status page and open a support case with the time of the run',
  },
  {
    code: 1,
    type: 'OFFSET_OUT_OF_RANGE',
    failureClass: 'offset',
    cause: 'the read position lies outside the retained events (retention expired them)',
    hint: 'read from the latest offset; raise the Eventstream retention if events must be replayable',
  },
  {
    code: 2,
    type: 'CORRUPT_MESSAGE',
    failureClass: 'protocol',
    cause: 'the endpoint rejected the record batch as corrupt (CRC or format)',
    hint: 'a proxy may alter traffic, or the client sent a format the endpoint does not read; compare with another client',
  },
  {
    code: 3,
    type: 'UNKNOWN_TOPIC_OR_PARTITION',
    failureClass: 'topic-missing',
    cause: 'the topic does not exist on this endpoint',
    hint: 'set FABRIC_TOPIC_* to the topic (EntityPath) shown on the Eventstream Kafka tab; Event Hubs does not create topics on demand',
  },
  {
    code: 4,
    type: 'INVALID_FETCH_SIZE',
    failureClass: 'config',
    cause: 'the fetch asked for an invalid size',
    hint: 'use the client defaults for fetch sizes',
  },
  { code: 5, type: 'LEADER_NOT_AVAILABLE', failureClass: 'unavailable', cause: 'a partition has no leader at the moment', hint: UNAVAILABLE_HINT },
  { code: 6, type: 'NOT_LEADER_OR_FOLLOWER', failureClass: 'unavailable', cause: 'the partition moved to another broker', hint: UNAVAILABLE_HINT },
  {
    code: 7,
    type: 'REQUEST_TIMED_OUT',
    failureClass: 'timeout',
    cause: 'the endpoint timed the request out on its side',
    hint: 'the endpoint is overloaded or throttling; compare with the throttle figures and the Eventstream throughput level',
  },
  { code: 8, type: 'BROKER_NOT_AVAILABLE', failureClass: 'unavailable', cause: 'a broker is not available', hint: UNAVAILABLE_HINT },
  { code: 9, type: 'REPLICA_NOT_AVAILABLE', failureClass: 'unavailable', cause: 'a replica is not available', hint: UNAVAILABLE_HINT },
  {
    code: 10,
    type: 'MESSAGE_TOO_LARGE',
    failureClass: 'too-large',
    cause: 'the event is larger than the endpoint accepts',
    hint: 'Event Hubs accepts at most 1 MB per event or batch and closes connections on requests over 1,046,528 bytes: split or shrink events',
  },
  {
    code: 12,
    type: 'OFFSET_METADATA_TOO_LARGE',
    failureClass: 'config',
    cause: 'the committed offset metadata is too large',
    hint: 'commit offsets without large metadata strings',
  },
  {
    code: 13,
    type: 'NETWORK_EXCEPTION',
    failureClass: 'connection-lost',
    cause: 'the endpoint lost the connection while handling the request',
    hint: 'rerun and compare with the TCP/TLS checks; a proxy may cut long requests',
  },
  { code: 14, type: 'COORDINATOR_LOAD_IN_PROGRESS', failureClass: 'group', cause: 'the consumer group coordinator is still loading', hint: UNAVAILABLE_HINT },
  { code: 15, type: 'COORDINATOR_NOT_AVAILABLE', failureClass: 'group', cause: 'the consumer group coordinator is not available', hint: UNAVAILABLE_HINT },
  { code: 16, type: 'NOT_COORDINATOR', failureClass: 'group', cause: 'the consumer group coordinator moved', hint: UNAVAILABLE_HINT },
  {
    code: 17,
    type: 'INVALID_TOPIC_EXCEPTION',
    failureClass: 'config',
    cause: 'the topic name is not valid on this endpoint',
    hint: 'copy the topic from the Eventstream Kafka tab',
  },
  {
    code: 18,
    type: 'RECORD_LIST_TOO_LARGE',
    failureClass: 'too-large',
    cause: 'the batch is larger than the endpoint accepts',
    hint: "keep requests under 1,000,000 bytes (Microsoft's max.request.size): READINESS_BURST_MAX_BATCH_BYTES",
  },
  { code: 19, type: 'NOT_ENOUGH_REPLICAS', failureClass: 'unavailable', cause: 'too few replicas are in sync to accept acks=all', hint: UNAVAILABLE_HINT },
  {
    code: 20,
    type: 'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
    failureClass: 'unavailable',
    cause: 'the event was written but too few replicas confirmed it',
    hint: UNAVAILABLE_HINT,
  },
  { code: 21, type: 'INVALID_REQUIRED_ACKS', failureClass: 'config', cause: 'the acks setting is not accepted', hint: 'use acks=all (-1), as the checks do' },
  {
    code: 22,
    type: 'ILLEGAL_GENERATION',
    failureClass: 'group',
    cause: 'the consumer was fenced by a newer group generation: another member joined the group',
    hint: GROUP_HINT,
  },
  {
    code: 24,
    type: 'INVALID_GROUP_ID',
    failureClass: 'config',
    cause: 'the consumer group id is not accepted',
    hint: "Event Hubs takes group ids up to 256 characters: use the consumer group from the destination's Kafka tab",
  },
  {
    code: 25,
    type: 'UNKNOWN_MEMBER_ID',
    failureClass: 'group',
    cause: 'the group coordinator no longer knows this consumer (it was removed from the group)',
    hint: GROUP_HINT,
  },
  {
    code: 26,
    type: 'INVALID_SESSION_TIMEOUT',
    failureClass: 'config',
    cause: 'the consumer session timeout is outside what the endpoint accepts',
    hint: 'Event Hubs accepts 6,000-300,000 ms: READINESS_CONSUMER_SESSION_TIMEOUT_MS',
  },
  {
    code: 27,
    type: 'REBALANCE_IN_PROGRESS',
    failureClass: 'group',
    cause: 'the consumer group is rebalancing: another member is joining or leaving',
    hint: GROUP_HINT,
  },
  { code: 28, type: 'INVALID_COMMIT_OFFSET_SIZE', failureClass: 'config', cause: 'the offset commit is too large', hint: 'commit fewer partitions at once' },
  {
    code: 29,
    type: 'TOPIC_AUTHORIZATION_FAILED',
    failureClass: 'authorization',
    cause: 'the login worked but access to the topic was denied',
    hint: 'a key with an EntityPath reaches its own event hub only; the key may also lack Send/Listen rights, the topic may belong to another Eventstream, or the namespace is Basic tier (no Kafka)',
  },
  {
    code: 30,
    type: 'GROUP_AUTHORIZATION_FAILED',
    failureClass: 'authorization',
    cause: 'the key may not use this consumer group',
    hint: "use the consumer group shown on the destination's Kafka tab, with that destination's key",
  },
  {
    code: 31,
    type: 'CLUSTER_AUTHORIZATION_FAILED',
    failureClass: 'authorization',
    cause: 'the key may not perform a cluster-level operation',
    hint: 'Eventstream keys cannot administer the namespace: create topics and partitions in Fabric, not with the AdminClient',
  },
  {
    code: 32,
    type: 'INVALID_TIMESTAMP',
    failureClass: 'rejected',
    cause: 'the record timestamp is outside what the endpoint accepts',
    hint: "check the runner's clock",
  },
  {
    code: 33,
    type: 'UNSUPPORTED_SASL_MECHANISM',
    failureClass: 'sasl-mechanism',
    cause: 'the endpoint does not offer SASL PLAIN, the mechanism Eventstream uses (PLAIN with the username $ConnectionString)',
    hint: 'the bootstrap may point at another kind of cluster (a Kafka with SCRAM or OAUTHBEARER, or a different service): copy the bootstrap from the Eventstream Kafka tab',
  },
  {
    code: 34,
    type: 'ILLEGAL_SASL_STATE',
    failureClass: 'auth',
    cause: 'the SASL exchange broke off',
    hint: 'FABRIC_KAFKA_USERNAME must be $ConnectionString and the password the full connection string',
  },
  {
    code: 35,
    type: 'UNSUPPORTED_VERSION',
    failureClass: 'protocol',
    cause: 'the endpoint does not support this request version',
    hint: 'Event Hubs serves Produce up to v7, Fetch v6, Metadata v5: use a client that negotiates versions (kafkajs does)',
  },
  {
    code: 36,
    type: 'TOPIC_ALREADY_EXISTS',
    failureClass: 'config',
    cause: 'the topic exists already',
    hint: 'topics are created in Fabric, not by the checks',
  },
  {
    code: 42,
    type: 'INVALID_REQUEST',
    failureClass: 'protocol',
    cause: 'the endpoint could not read the request',
    hint: 'Event Hubs implements a subset of Kafka: only producer and consumer APIs are served',
  },
  {
    code: 43,
    type: 'UNSUPPORTED_FOR_MESSAGE_FORMAT',
    failureClass: 'compression',
    cause: 'the endpoint does not accept this record format or compression',
    hint: 'Event Hubs accepts gzip only, and only on Premium/Dedicated: send uncompressed',
  },
  {
    code: 44,
    type: 'POLICY_VIOLATION',
    failureClass: 'throttled',
    cause: 'the endpoint throttled the producer and held the request past its timeout (Event Hubs answers "Policy Violation")',
    hint: 'this is throttling, not a client bug: raise the Eventstream throughput level or spread the load; READINESS_BURST_* shapes the burst',
  },
  {
    code: 45,
    type: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
    failureClass: 'idempotence',
    cause: 'the idempotent producer saw a sequence gap',
    hint: 'events may have been lost between client and endpoint; rerun and compare the round trip',
  },
  {
    code: 46,
    type: 'DUPLICATE_SEQUENCE_NUMBER',
    failureClass: 'idempotence',
    cause: 'the endpoint saw a batch twice (a retry) and kept one',
    hint: 'harmless on its own; repeated, it points at a flaky connection',
  },
  {
    code: 47,
    type: 'INVALID_PRODUCER_EPOCH',
    failureClass: 'idempotence',
    cause: 'another producer with the same id fenced this one',
    hint: 'do not share transactional ids between producers',
  },
  {
    code: 56,
    type: 'KAFKA_STORAGE_ERROR',
    failureClass: 'server-error',
    cause: 'the endpoint could not store the events',
    hint: 'rerun; if it persists, check the Azure status page',
  },
  {
    code: 58,
    type: 'SASL_AUTHENTICATION_FAILED',
    failureClass: 'auth',
    cause: 'the endpoint refused the SASL/PLAIN login',
    hint: 'FABRIC_KAFKA_USERNAME must be $ConnectionString and FABRIC_KAFKA_PASSWORD the full connection string; the key may have been rotated or belong to another Eventstream',
  },
  { code: 74, type: 'FENCED_LEADER_EPOCH', failureClass: 'unavailable', cause: 'the partition leader changed under the request', hint: UNAVAILABLE_HINT },
  { code: 75, type: 'UNKNOWN_LEADER_EPOCH', failureClass: 'unavailable', cause: 'the partition leader is not known yet', hint: UNAVAILABLE_HINT },
  {
    code: 76,
    type: 'UNSUPPORTED_COMPRESSION_TYPE',
    failureClass: 'compression',
    cause: 'the endpoint does not accept this compression',
    hint: 'Event Hubs accepts gzip only, and only on Premium/Dedicated: send uncompressed',
  },
  {
    code: 87,
    type: 'INVALID_RECORD',
    failureClass: 'rejected',
    cause: 'the endpoint rejected a record as invalid',
    hint: 'check the record key and headers; compare with the smoke events, which are accepted',
  },
  {
    code: 89,
    type: 'THROTTLING_QUOTA_EXCEEDED',
    failureClass: 'throttled',
    cause: 'the endpoint refused the request over a quota',
    hint: 'raise the Eventstream throughput level or spread the load',
  },
];

const BY_CODE = new Map(KAFKA_ERRORS.map((e) => [e.code, e]));
const BY_TYPE = new Map(KAFKA_ERRORS.map((e) => [e.type, e]));

export function kafkaErrorByCode(code: number): KafkaErrorInfo | undefined {
  return BY_CODE.get(code);
}

/** Finds a Kafka error by its name as kafkajs reports it in `type`, or as it appears in a message. */
export function kafkaErrorByType(type: string): KafkaErrorInfo | undefined {
  return BY_TYPE.get(type);
}

const NAMES = new RegExp(`\\b(${KAFKA_ERRORS.map((e) => e.type).join('|')})\\b`);

/** The first Kafka error name mentioned in a text ("... (TOPIC_AUTHORIZATION_FAILED)"). */
export function kafkaErrorInText(text: string): KafkaErrorInfo | undefined {
  const m = NAMES.exec(text);
  return m?.[1] ? BY_TYPE.get(m[1]) : undefined;
}
