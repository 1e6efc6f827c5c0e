import { protocolTypes, type KafkaErrorShape } from '../../services/kafka-error-types.js';
import { ErrorCode } from '../../core/error-codes.js';

/** What to do with messages the broker did not take, decided from the error alone. */
export type SendDecision =
  | { action: 'retry' }
  /** Too large together: send each half on its own, down to single messages. */
  | { action: 'split' }
  | { action: 'reject'; code: string; reason: string };

/** The parts of a kafkajs error that matter: its class name, the protocol error type, and nested causes. */
export interface KafkaFailure extends KafkaErrorShape {
  /** logship's own code, for failures raised before anything was sent (encoding a record). */
  code?: string;
}

const REJECTED: Record<string, { code: string; reason: string }> = {
  MESSAGE_TOO_LARGE: { code: ErrorCode.KAFKA_MESSAGE_TOO_LARGE, reason: "larger than the broker's or topic's message size limit (message.max.bytes / max.message.bytes)" },
  RECORD_LIST_TOO_LARGE: { code: ErrorCode.KAFKA_MESSAGE_TOO_LARGE, reason: "larger than the broker's or topic's message size limit" },
  TOPIC_AUTHORIZATION_FAILED: { code: ErrorCode.KAFKA_NOT_AUTHORIZED, reason: 'not authorized to write to the topic' },
  CLUSTER_AUTHORIZATION_FAILED: { code: ErrorCode.KAFKA_NOT_AUTHORIZED, reason: 'not authorized by the cluster (idempotent producers need IDEMPOTENT_WRITE)' },
  INVALID_TOPIC_EXCEPTION: { code: ErrorCode.KAFKA_INVALID_TOPIC, reason: 'the topic name is not valid' },
  INVALID_RECORD: { code: ErrorCode.KAFKA_INVALID_RECORD, reason: "the broker refused the record (invalid for the topic's settings, e.g. a compacted topic needs a key)" },
  CORRUPT_MESSAGE: { code: ErrorCode.KAFKA_INVALID_RECORD, reason: 'the broker found the record corrupt' },
  UNSUPPORTED_COMPRESSION_TYPE: { code: ErrorCode.KAFKA_UNSUPPORTED_COMPRESSION, reason: 'the broker does not support this compression (zstd needs Kafka 2.1+)' },
  INVALID_REQUIRED_ACKS: { code: ErrorCode.KAFKA_INVALID_ACKS, reason: 'the broker refused the acks setting' },
  POLICY_VIOLATION: { code: ErrorCode.KAFKA_POLICY_VIOLATION, reason: 'refused by a broker policy' },
};

const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/**
 * Pure: retry what may succeed later (broker down, leader moving, timeouts, anything unknown —
 * never drop on a guess), split what is too large only together, reject what can never be
 * written.
 */
export function decideSendFailure(error: KafkaFailure, messageCount: number): SendDecision {
  if (error.code === ErrorCode.RECORD_UNRENDERABLE) {
    // one of the records cannot be encoded: halves until it is alone, so the others go
    return messageCount > 1 ? { action: 'split' } : { action: 'reject', code: ErrorCode.RECORD_UNRENDERABLE, reason: error.message ?? 'cannot encode the record' };
  }
  // the first protocol error type, however deep retries and aggregates wrap it
  const type = protocolTypes(error)[0];
  if (type && TOO_LARGE.has(type) && messageCount > 1) return { action: 'split' };
  const rejected = type ? REJECTED[type] : undefined;
  if (rejected) return { action: 'reject', ...rejected };
  return { action: 'retry' };
}
