import { describe, expect, it } from 'vitest';
import { toKafkaError } from './kafka.js';

describe('toKafkaError', () => {
  it.each<[string, unknown, string, boolean]>([
    ['broker down', { name: 'KafkaJSConnectionError', message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092' }, 'KAFKA_UNAVAILABLE', true],
    ['metadata timeout', { name: 'KafkaJSRequestTimeoutError', message: 'Request Metadata timed out' }, 'KAFKA_UNAVAILABLE', true],
    ['not authorized', { name: 'KafkaJSProtocolError', type: 'TOPIC_AUTHORIZATION_FAILED' }, 'KAFKA_NOT_AUTHORIZED', false],
    // what createTopics throws for logs.web_1 when logs.web.1 exists: the type sits inside an aggregate
    ['a topic name that collides, inside an aggregate', { name: 'KafkaJSAggregateError', message: 'Topic creation errors', errors: [{ name: 'KafkaJSCreateTopicError', type: 'INVALID_TOPIC_EXCEPTION', message: "Topic 'logs.web_1' collides with existing topics: logs.web.1" }] }, 'KAFKA_INVALID_TOPIC', false],
    ['a policy refusal after retries', { name: 'KafkaJSNumberOfRetriesExceeded', originalError: { name: 'KafkaJSProtocolError', type: 'POLICY_VIOLATION' } }, 'KAFKA_POLICY_VIOLATION', false],
    ['leader moving, inside an aggregate', { name: 'KafkaJSAggregateError', errors: [{ type: 'LEADER_NOT_AVAILABLE' }] }, 'KAFKA_UNAVAILABLE', true],
    ['sasl', { name: 'KafkaJSSASLAuthenticationError', message: 'SASL SCRAM SHA512 authentication failed' }, 'KAFKA_AUTHENTICATION', true],
  ])('%s → %s', (_what, err, code, retriable) => {
    const error = toKafkaError(err, 'create topic x');
    expect([error.code, error.retriable]).toEqual([code, retriable]);
  });
});
