import { hash } from 'node:crypto';
import PQueue from 'p-queue';
import { tlsConnectionOptions } from '../options/tls.js';
import { LogshipError, errorMessage } from '../../core/errors.js';
import type { EncodedRecord, PipelineEvent } from '../../core/record.js';
import { JsonLines } from '../../core/json-lines.js';
import { boundedMemo } from '../../core/bounded-memo.js';
import { recordToJson } from '../../core/record-json.js';
import { compileEventTemplate } from '../../core/template.js';
import { LabelKeys } from './label-keys.js';
import { BulkOperations, type OperationRange } from './bulk-operations.js';
import { renderFailure } from '../record-failure.js';
import type { ItemFailure, Output, PluginContext } from '../types.js';
import { BulkRequestError, type BulkConnectionOptions, type BulkService } from '../../services/bulk-api.js';
import { decideBulkItem, decideBulkRequest } from './bulk-decision.js';
import { compileIndexName, indexPattern, sanitizeIndexName } from './index-name.js';
import type { BulkOutputConfig } from './bulk-schema.js';
import { ErrorCode, ErrorCodeFamily } from '../../core/error-codes.js';

/** A document Elasticsearch refused for good. */
interface Refusal {
  /** Its place among the batch's operations. */
  operation: number;
  code: string;
  reason: string;
}

/** What differs between the servers the bulk engine writes to: the client, and names in logs and metrics. */
export interface BulkServer {
  /** The output's type, as its log lines start: "elasticsearch", "opensearch". */
  type: string;
  connect(options: BulkConnectionOptions): BulkService;
  /** Counters: items retried alone, refused documents stored in the dead-letter index. */
  metrics: { itemsRetried: string; deadLetterIndex: string };
}

/** The connection options of a bulk output's configuration. */
export function bulkConnectionOptions(config: BulkOutputConfig): BulkConnectionOptions {
  const options: BulkConnectionOptions = { hosts: config.hosts, requestTimeoutMs: config.timeout, compression: config.compression && config.compression_level };
  const auth = config.auth;
  if (auth?.api_key) options.auth = { apiKey: auth.api_key };
  else if (auth?.bearer) options.auth = { bearer: auth.bearer };
  else if (auth?.username && auth.password) options.auth = { username: auth.username, password: auth.password };
  if (config.tls?.enabled) options.tls = tlsConnectionOptions(config.tls);
  return options;
}

/**
 * The bulk engine of the elasticsearch and opensearch outputs: one NDJSON bulk body per batch
 * (cut at batch_max_bytes, requests in parallel up to max_in_flight), deterministic document IDs
 * so resending overwrites, and a decision per item: delivered, retried alone, or refused for good
 * (dead-letter index or file). Only the client (BulkServer.connect) differs between servers.
 */
export class BulkOutput implements Output {
  private readonly es: BulkService;
  private readonly indexOf: (event: PipelineEvent) => string;
  private readonly inFlight: PQueue;
  private readonly labelKeys = new LabelKeys();
  /** `{"index":{"_index":"NAME"` per index name: few names, one per record. */
  private readonly actionStart: (index: string) => string;
  private readonly op: 'index' | 'create';
  private templateInstalled = false;

  constructor(
    private readonly config: BulkOutputConfig,
    private readonly context: PluginContext,
    private readonly server: BulkServer,
  ) {
    this.es = server.connect(bulkConnectionOptions(config));
    this.inFlight = new PQueue({ concurrency: config.max_in_flight });
    this.op = config.data_stream ? 'create' : 'index';
    this.actionStart = boundedMemo((index) => `{"${this.op}":{"_index":${JSON.stringify(index)}`);
    const stream = config.data_stream;
    if (stream) {
      const dataset = compileEventTemplate(stream.dataset);
      const namespace = compileEventTemplate(stream.namespace);
      this.indexOf = (event) => sanitizeIndexName(`logs-${dataset(event)}-${namespace(event)}`);
    } else {
      this.indexOf = compileIndexName(config.index);
    }
  }

  async write(batch: readonly PipelineEvent[]): Promise<{ failures: ItemFailure[] }> {
    const failures: ItemFailure[] = [];
    if (this.config.install_template && !this.templateInstalled) {
      try {
        await this.installTemplate();
      } catch (err) {
        if (err instanceof BulkRequestError && err.status === 400) {
          // e.g. another template with the same priority covers these indices: ship without ours
          this.templateInstalled = true;
          this.context.logger.warn(`${this.server.type}: index template not installed (${errorMessage(err)}); writing without it — set install_template: false, or template_name`);
        } else {
          const reason = `cannot install the index template: ${errorMessage(err)}`;
          return { failures: batch.map((_, index) => ({ index, retriable: true, code: ErrorCode.ES_TEMPLATE, reason })) };
        }
      }
    }
    const operations = this.render(batch, failures);
    const refusals: Refusal[] = [];
    await Promise.all(operations.ranges(this.config.batch_max_bytes).map((range) => this.inFlight.add(() => this.send(operations, range, failures, refusals))));
    if (refusals.length) await this.deadLetter(operations, refusals, failures);
    return { failures };
  }

  async close(): Promise<void> {
    await this.inFlight.onIdle();
    await this.es.close();
  }

  /**
   * The batch's operations as NDJSON in one buffer; requests send slices of it. A record that came
   * with ready-made JSON is copied (its shared tail de-dotted once), others are serialised.
   */
  private render(batch: readonly PipelineEvent[], failures: ItemFailure[]): BulkOperations {
    const deterministic = this.config.document_ids === 'deterministic';
    const lines = new JsonLines(batch.length * 512);
    const operations = new BulkOperations(batch.length);
    batch.forEach((event, index) => {
      const start = lines.byteLength;
      try {
        const origin = deterministic ? event.origin : undefined;
        const action = this.actionStart(this.indexOf(event));
        lines.appendText(origin ? `${action},"_id":"${hash('sha1', origin, 'base64url')}"}}` : `${action}}}`);
        const documentStart = lines.byteLength;
        const encoded = event.json;
        if (encoded?.sharedTail && encoded.writeJsonWithTail) lines.appendEncodedWithTail(encoded as Required<EncodedRecord>, this.labelKeys.tail(encoded.sharedTail));
        else lines.appendText(recordToJson(this.labelKeys.record(event.record)));
        operations.add(index, start, documentStart, lines.byteLength);
      } catch (err) {
        lines.truncate(start);
        failures.push(renderFailure(index, err));
      }
    });
    // a new builder per batch: the requests hold slices of its buffer until they are answered
    operations.setBody(lines.bytes());
    return operations;
  }

  /** Sends one bulk request; files each operation under delivered, retry or refused. */
  private async send(operations: BulkOperations, range: OperationRange, failures: ItemFailure[], refusals: Refusal[]): Promise<void> {
    const { from, to } = range;
    let results;
    try {
      results = await this.es.bulk(operations.lines(range));
    } catch (err) {
      const status = err instanceof BulkRequestError ? err.status : undefined;
      const decision = decideBulkRequest(status, to - from);
      if (decision.action === 'split') {
        const half = from + Math.ceil((to - from) / 2);
        await this.send(operations, { from, to: half }, failures, refusals);
        await this.send(operations, { from: half, to }, failures, refusals);
      } else if (decision.action === 'reject') {
        for (let op = from; op < to; op += 1) refusals.push({ operation: op, code: decision.code, reason: decision.reason });
      } else {
        const code = err instanceof LogshipError ? err.code : ErrorCode.ES_UNREACHABLE;
        for (let op = from; op < to; op += 1) failures.push({ index: operations.batchIndex(op), retriable: true, code, reason: errorMessage(err) });
      }
      return;
    }
    let retried = 0;
    for (let op = from; op < to; op += 1) {
      const result = results[op - from] ?? { status: 0, errorReason: 'no result for this item' };
      const decision = decideBulkItem(result, this.op);
      if (decision.action === 'retry') {
        retried += 1;
        failures.push({ index: operations.batchIndex(op), retriable: true, code: ErrorCodeFamily.ES_ITEM.code(result.status), reason: decision.reason });
      } else if (decision.action === 'reject') {
        refusals.push({ operation: op, code: decision.code, reason: decision.reason });
      }
    }
    if (retried) this.context.metrics.inc(this.server.metrics.itemsRetried, { output: this.context.id }, retried);
  }

  /** Refused documents go to the dead-letter index when there is one; what it does not take goes to the file. */
  private async deadLetter(operations: BulkOperations, refusals: Refusal[], failures: ItemFailure[]): Promise<void> {
    const toFile = (r: Refusal): void => {
      failures.push({ index: operations.batchIndex(r.operation), retriable: false, code: r.code, reason: r.reason });
    };
    const index = this.config.dead_letter_index;
    if (!index) {
      refusals.forEach(toFile);
      return;
    }
    const time = new Date().toISOString();
    const body = refusals
      .map((r) => `{"index":{"_index":${JSON.stringify(sanitizeIndexName(index))}}}\n${JSON.stringify({ '@timestamp': time, output: this.context.id, error: { code: r.code, reason: r.reason }, document: operations.document(r.operation) })}\n`)
      .join('');
    try {
      const results = await this.es.bulk(body);
      let stored = 0;
      refusals.forEach((r, i) => {
        const status = results[i]?.status ?? 0;
        if (status >= 200 && status < 300) stored += 1;
        else toFile(r);
      });
      this.context.metrics.inc(this.server.metrics.deadLetterIndex, { output: this.context.id }, stored);
      if (stored) this.context.logger.error({ dead_letter_index: index }, `${this.server.type}: ${stored} documents refused for good (${refusals[0]?.reason}); stored in the dead-letter index`);
    } catch {
      refusals.forEach(toFile);
    }
  }

  private async installTemplate(): Promise<void> {
    const stream = this.config.data_stream;
    const pattern = stream ? `logs-${indexPattern(stream.dataset)}-${indexPattern(stream.namespace)}` : indexPattern(this.config.index);
    const name = this.config.template_name ?? `logship-${this.context.id}`;
    await this.es.putIndexTemplate(name, {
      index_patterns: [pattern],
      priority: 200,
      ...(stream ? { data_stream: {} } : {}),
      template: { mappings: { properties: { '@timestamp': { type: 'date_nanos' } } } },
      _meta: { managed_by: 'logship', description: 'installed by logship (install_template: false to manage it yourself)' },
    });
    this.templateInstalled = true;
    this.context.logger.info({ template: name, pattern }, `${this.server.type}: index template ${name} installed for ${pattern}`);
  }
}
