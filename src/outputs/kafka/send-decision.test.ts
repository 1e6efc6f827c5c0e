import { describe, expect, it } from 'vitest';
import { decideSendFailure, type KafkaFailure } from './send-decision.js';
import { sanitizeTopic } from './topic-name.js';

describe('decideSendFailure', () => {
  it.each<[string, KafkaFailure, number, string]>([
    ['broker down', { name: 'KafkaJSConnectionError', message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092', retriable: true }, 10, 'retry'],
    ['request timeout', { name: 'KafkaJSRequestTimeoutError', message: 'Request Produce(key: 0, version: 7) timed out', retriable: true }, 10, 'retry'],
    ['retries exhausted on a leader change', { name: 'KafkaJSNumberOfRetriesExceeded', originalError: { name: 'KafkaJSProtocolError', type: 'NOT_LEADER_FOR_PARTITION', retriable: true } }, 10, 'retry'],
    ['unknown topic while metadata settles', { name: 'KafkaJSProtocolError', type: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: true }, 10, 'retry'],
    ['an unknown error', { name: 'Error', message: 'something odd' }, 3, 'retry'],
    ['too large, many messages', { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE', retriable: false }, 2, 'split'],
    ['too large, one message', { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE', retriable: false }, 1, 'reject:KAFKA_MESSAGE_TOO_LARGE'],
    ['too large inside an aggregate', { name: 'KafkaJSAggregateError', errors: [{ name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE' }] }, 1, 'reject:KAFKA_MESSAGE_TOO_LARGE'],
    ['topic authorization', { name: 'KafkaJSProtocolError', type: 'TOPIC_AUTHORIZATION_FAILED', retriable: false }, 5, 'reject:KAFKA_NOT_AUTHORIZED'],
    ['invalid topic', { name: 'KafkaJSProtocolError', type: 'INVALID_TOPIC_EXCEPTION', retriable: false }, 5, 'reject:KAFKA_INVALID_TOPIC'],
    ['compacted topic without key', { name: 'KafkaJSProtocolError', type: 'INVALID_RECORD', retriable: false }, 5, 'reject:KAFKA_INVALID_RECORD'],
    ['a record the encoder cannot take, among others', { name: 'LogshipError', code: 'RECORD_UNRENDERABLE', message: 'cannot encode the record: Invalid string length' }, 4, 'split'],
    ['a record the encoder cannot take, alone', { name: 'LogshipError', code: 'RECORD_UNRENDERABLE', message: 'cannot encode the record: Invalid string length' }, 1, 'reject:RECORD_UNRENDERABLE'],
  ])('%s → %s', (_name, error, count, expected) => {
    const decision = decideSendFailure(error, count);
    expect(decision.action === 'reject' ? `reject:${decision.code}` : decision.action).toBe(expected);
  });
});

describe('sanitizeTopic', () => {
  it.each([
    ['logs.web', 'logs.web'],
    ['logs.my app/1', 'logs.my_app_1'],
    ['logs.ünïcode', 'logs._n_code'],
    ['', '_'],
    ['..', '_..'],
    ['x'.repeat(300), 'x'.repeat(249)],
  ])('%s → %s', (name, expected) => {
    expect(sanitizeTopic(name)).toBe(expected);
  });
});
