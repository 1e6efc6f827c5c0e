import { Client, errors, type ClientOptions } from '@elastic/elasticsearch';
import type { ConnectionOptions } from 'node:tls';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { LogshipError } from '../core/errors.js';
import { ErrorCode, ErrorCodeFamily } from '../core/error-codes.js';

export interface ElasticsearchConnectionOptions {
  hosts: string[];
  auth?: { username: string; password: string } | { apiKey: string } | { bearer: string };
  tls?: ConnectionOptions;
  requestTimeoutMs: number;
  /** gzip level of bulk bodies (1 fastest … 9 smallest), or false for none. */
  compression: number | false;
}

const gzipAsync = promisify(gzip);

/** One item of a bulk response, reduced to what the retry decision needs. */
export interface BulkItemResult {
  status: number;
  errorType?: string;
  errorReason?: string;
}

/** A whole bulk request that did not get an answer with items. */
export class BulkRequestError extends LogshipError {
  constructor(
    readonly status: number | undefined,
    message: string,
    cause?: unknown,
  ) {
    super(status === undefined ? ErrorCode.ES_UNREACHABLE : ErrorCodeFamily.ES_HTTP.code(status), message, { retriable: true, cause });
  }
}

/**
 * Elasticsearch as the elasticsearch output uses it: NDJSON bulk requests and index templates. The
 * official client stays behind this module; its own retries are off so that every failure
 * reaches the output's per-item decision, backoff and metrics.
 */
export class ElasticsearchService {
  private readonly client: Client;
  private readonly compression: number | false;

  constructor(options: ElasticsearchConnectionOptions) {
    // bulk bodies are gzipped here, at the output's level: the client only knows level 6, which
    // costs about 2.5 times the CPU of level 3 for a tenth smaller bodies
    this.compression = options.compression;
    const clientOptions: ClientOptions = {
      nodes: options.hosts,
      maxRetries: 0,
      requestTimeout: options.requestTimeoutMs,
      compression: false,
    };
    if (options.auth) clientOptions.auth = options.auth;
    if (options.tls) clientOptions.tls = options.tls;
    this.client = new Client(clientOptions);
  }

  /** Sends a pre-serialised NDJSON bulk body; returns one result per operation, in order. */
  async bulk(body: string | Buffer): Promise<BulkItemResult[]> {
    let response: { items?: Array<Record<string, { status: number; error?: { type?: string; reason?: string } }>> };
    try {
      // only what the per-item decision reads: a fraction of the answer to parse
      const params = { body: this.compression === false ? body : await gzipAsync(body, { level: this.compression }), filter_path: 'errors,items.*.status,items.*.error' } as unknown as Parameters<Client['bulk']>[0];
      const transport = this.compression === false ? {} : { headers: { 'content-encoding': 'gzip' } };
      response = (await this.client.bulk(params, transport)) as unknown as typeof response;
    } catch (err) {
      throw toBulkRequestError(err);
    }
    return (response.items ?? []).map((item) => {
      const result = Object.values(item)[0] ?? { status: 0 };
      const out: BulkItemResult = { status: result.status };
      if (result.error?.type) out.errorType = result.error.type;
      if (result.error?.reason) out.errorReason = result.error.reason;
      return out;
    });
  }

  async putIndexTemplate(name: string, body: Record<string, unknown>): Promise<void> {
    try {
      await this.client.indices.putIndexTemplate({ name, ...body } as Parameters<Client['indices']['putIndexTemplate']>[0]);
    } catch (err) {
      throw toBulkRequestError(err);
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

function toBulkRequestError(err: unknown): BulkRequestError {
  if (err instanceof errors.ResponseError) {
    const status = err.statusCode ?? undefined;
    const body = err.body as { error?: { type?: string; reason?: string } } | undefined;
    const reason = body?.error?.reason ?? body?.error?.type ?? err.message;
    return new BulkRequestError(status, `Elasticsearch answered ${status ?? '?'}: ${reason}`, err);
  }
  if (err instanceof errors.TimeoutError) return new BulkRequestError(undefined, 'Elasticsearch did not answer in time', err);
  const message = err instanceof Error ? err.message : String(err);
  return new BulkRequestError(undefined, `Elasticsearch not reachable: ${message}`, err);
}
