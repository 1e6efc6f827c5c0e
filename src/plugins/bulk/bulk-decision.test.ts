import { describe, expect, it } from 'vitest';
import type { LogRecord, PipelineEvent } from '../../core/record.js';
import { decideBulkItem, decideBulkRequest } from './bulk-decision.js';
import { compileIndexName, indexPattern, sanitizeIndexName } from './index-name.js';

describe('decideBulkItem', () => {
  it.each<[string, number, string | undefined, 'index' | 'create', string]>([
    ['created', 201, undefined, 'index', 'delivered'],
    ['overwritten (a retry of a deterministic ID)', 200, undefined, 'index', 'delivered'],
    ['create finds its ID taken: an earlier attempt got through', 409, 'version_conflict_engine_exception', 'create', 'delivered'],
    ['index conflict (cannot happen without versions, but never retried forever)', 409, 'version_conflict_engine_exception', 'index', 'reject:ES_REJECTED_409'],
    ['write queue full', 429, 'es_rejected_execution_exception', 'index', 'retry'],
    ['read-only block (disk full)', 429, 'cluster_block_exception', 'index', 'retry'],
    ['write block', 403, 'cluster_block_exception', 'index', 'retry'],
    ['shard not available', 503, 'unavailable_shards_exception', 'index', 'retry'],
    ['internal error', 500, 'exception', 'index', 'retry'],
    ['mapping conflict', 400, 'mapper_parsing_exception', 'index', 'reject:ES_MAPPING_REJECTED'],
    ['document parsing (8.x name)', 400, 'document_parsing_exception', 'index', 'reject:ES_MAPPING_REJECTED'],
    ['too many fields', 400, 'illegal_argument_exception', 'index', 'reject:ES_MAPPING_REJECTED'],
    ['too large', 413, undefined, 'index', 'reject:ES_DOCUMENT_TOO_LARGE'],
    ['not allowed', 403, 'security_exception', 'index', 'reject:ES_REJECTED_403'],
    ['index missing and auto-create off', 404, 'index_not_found_exception', 'index', 'reject:ES_REJECTED_404'],
  ])('%s → %s', (_name, status, errorType, op, expected) => {
    const decision = decideBulkItem({ status, ...(errorType ? { errorType } : {}) }, op);
    expect(decision.action === 'reject' ? `reject:${decision.code}` : decision.action).toBe(expected);
  });
});

describe('decideBulkRequest', () => {
  it.each<[number | undefined, number, string]>([
    [undefined, 100, 'retry'],
    [429, 100, 'retry'],
    [502, 100, 'retry'],
    [503, 100, 'retry'],
    [401, 100, 'retry'],
    [413, 100, 'split'],
    [413, 1, 'reject:ES_DOCUMENT_TOO_LARGE'],
    [400, 2, 'split'],
    [400, 1, 'reject:ES_REQUEST_REJECTED'],
  ])('status %s with %i documents → %s', (status, documents, expected) => {
    const decision = decideBulkRequest(status, documents);
    expect(decision.action === 'reject' ? `reject:${decision.code}` : decision.action).toBe(expected);
  });
});

describe('index names', () => {
  const record = { '@timestamp': '2026-11-29T01:02:03.123456789Z', container: { name: 'My_App.1', id: 'x', image: { name: 'i' }, labels: {} } } as unknown as LogRecord;
  it.each([
    ['logs-{container.name}', 'logs-my_app.1'],
    ['logs-{container.name}-%Y.%m.%d', 'logs-my_app.1-2026.11.29'],
    ['_Weird Name*?', 'weird_name__'],
    ['{missing}', 'logship'],
  ])('%s → %s', (template, expected) => {
    expect(compileIndexName(template)({ record } as PipelineEvent)).toBe(expected);
  });

  it('a @timestamp that parsed content made a number, an object or null names the index by the time of sending', () => {
    const today = new Date().toISOString().slice(0, 10).replace(/-/g, '.');
    for (const timestamp of [1733472000000, { nested: 1 }, null, 'yesterday']) {
      const record = { '@timestamp': timestamp, container: { name: 'web' } } as unknown as LogRecord;
      expect(compileIndexName('logs-{container.name}-%Y.%m.%d')({ record } as PipelineEvent)).toBe(`logs-web-${today}`);
    }
  });

  it('a name made from a megabyte label is cut to 255 bytes at once (it was cut a character at a time: a minute per record)', () => {
    const record = { '@timestamp': '2026-12-06T00:00:00Z', container: { labels: { app: 'é'.repeat(1_000_000) } } } as unknown as LogRecord;
    const started = process.hrtime.bigint();
    const name = compileIndexName('logs-{container.labels.app}')({ record } as PipelineEvent);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    expect(name.startsWith('logs-éé')).toBe(true);
    // generous: the old code took well over a minute here
    expect(Number(process.hrtime.bigint() - started) / 1e9).toBeLessThan(10);
  });

  it('a template of {tag} and the date reads them from the event, without building its record', () => {
    const event = {
      tag: 'docker.web',
      timestamp: '2026-12-06T10:00:00.000000000Z',
      get record(): LogRecord {
        throw new Error('built');
      },
    } as unknown as PipelineEvent;
    expect(compileIndexName('logs-{tag}-%Y.%m.%d')(event)).toBe('logs-docker.web-2026.12.06');
    expect(compileIndexName('logship-%Y.%m.%d')(event)).toBe('logship-2026.12.06');
    expect(() => compileIndexName('logs-{container.name}')(event)).toThrow('built');
  });

  it('patterns cover what templates produce', () => {
    expect(indexPattern('logs-{container.name}-%Y.%m.%d')).toBe('logs-*-*.*.*');
    expect(indexPattern('logs-{container.name}')).toBe('logs-*');
    expect(sanitizeIndexName('A'.repeat(300))).toHaveLength(255);
  });
});
