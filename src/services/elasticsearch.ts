import { Client, errors, type ClientOptions } from '@elastic/elasticsearch';
import { BULK_FILTER_PATH, bulkBody, bulkItems, bulkRequestError, type BulkConnectionOptions, type BulkItemResult, type BulkRequestError, type BulkService } from './bulk-api.js';

/**
 * Elasticsearch through the official client. It stays behind this module; its own retries are off
 * so that every failure reaches the output's per-item decision, backoff and metrics.
 */
export class ElasticsearchService implements BulkService {
  private readonly client: Client;
  private readonly compression: number | false;

  constructor(options: BulkConnectionOptions) {
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

  async bulk(body: string | Buffer): Promise<BulkItemResult[]> {
    try {
      const sent = await bulkBody(body, this.compression);
      const params = { body: sent.body, filter_path: BULK_FILTER_PATH } as unknown as Parameters<Client['bulk']>[0];
      return bulkItems(await this.client.bulk(params, { headers: sent.headers }));
    } catch (err) {
      throw toBulkRequestError(err);
    }
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
  if (err instanceof errors.ResponseError) return bulkRequestError('Elasticsearch', { status: err.statusCode ?? undefined, body: err.body, message: err.message }, err);
  return bulkRequestError('Elasticsearch', { timeout: err instanceof errors.TimeoutError, message: err instanceof Error ? err.message : String(err) }, err);
}
