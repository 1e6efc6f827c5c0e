import type { ConnectionOptions } from 'node:tls';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { LogshipError } from '../core/errors.js';
import { ErrorCode, ErrorCodeFamily } from '../core/error-codes.js';

/**
 * What the bulk outputs (elasticsearch, opensearch) need of a search engine, whichever client
 * speaks to it: NDJSON bulk requests, index templates. One service module per client implements it.
 */
export interface BulkService {
  /** Sends a pre-serialised NDJSON bulk body; returns one result per operation, in order. */
  bulk(body: string | Buffer): Promise<BulkItemResult[]>;
  putIndexTemplate(name: string, body: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export interface BulkConnectionOptions {
  hosts: string[];
  auth?: { username: string; password: string } | { apiKey: string } | { bearer: string };
  tls?: ConnectionOptions;
  requestTimeoutMs: number;
  /** gzip level of bulk bodies (1 fastest … 9 smallest), or false for none. */
  compression: number | false;
}

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

/** The `filter_path` that keeps only what the per-item decision reads: a fraction of the answer to parse. */
export const BULK_FILTER_PATH = 'errors,items.*.status,items.*.error';

type BulkResponse = { items?: Array<Record<string, { status: number; error?: { type?: string; reason?: string } }>> };

/** The items of a bulk answer (filtered with BULK_FILTER_PATH). */
export function bulkItems(response: unknown): BulkItemResult[] {
  return ((response as BulkResponse | undefined)?.items ?? []).map((item) => {
    const result = Object.values(item)[0] ?? { status: 0 };
    const out: BulkItemResult = { status: result.status };
    if (result.error?.type) out.errorType = result.error.type;
    if (result.error?.reason) out.errorReason = result.error.reason;
    return out;
  });
}

const gzipAsync = promisify(gzip);

/**
 * A bulk body as sent: gzipped here at the output's level (the clients only know level 6, which
 * costs about 2.5 times the CPU of level 3 for a tenth smaller bodies), with its headers.
 */
export async function bulkBody(body: string | Buffer, compression: number | false): Promise<{ body: string | Buffer; headers: Record<string, string> }> {
  if (compression === false) return { body, headers: {} };
  return { body: await gzipAsync(body, { level: compression }), headers: { 'content-encoding': 'gzip' } };
}

/** A client's failure as a BulkRequestError, from what every client's errors carry: a status and the server's error body. */
export function bulkRequestError(product: string, failure: { status?: number | undefined; body?: unknown; timeout?: boolean; message: string }, cause: unknown): BulkRequestError {
  if (failure.timeout) return new BulkRequestError(undefined, `${product} did not answer in time`, cause);
  if (failure.status === undefined) return new BulkRequestError(undefined, `${product} not reachable: ${failure.message}`, cause);
  const body = failure.body as { error?: { type?: string; reason?: string } } | undefined;
  const reason = body?.error?.reason ?? body?.error?.type ?? failure.message;
  return new BulkRequestError(failure.status, `${product} answered ${failure.status}: ${reason}`, cause);
}
