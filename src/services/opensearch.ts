import { Client, errors, type ClientOptions } from '@opensearch-project/opensearch';
import { BULK_FILTER_PATH, bulkBody, bulkItems, bulkRequestError, type BulkConnectionOptions, type BulkItemResult, type BulkRequestError, type BulkService } from './bulk-api.js';

/**
 * OpenSearch through its official client (`@opensearch-project/opensearch`: the Elasticsearch
 * client refuses servers that are not Elasticsearch). It stays behind this module; its own retries
 * are off so that every failure reaches the output's per-item decision, backoff and metrics.
 */
export class OpenSearchService implements BulkService {
  private readonly client: Client;
  private readonly compression: number | false;
  private readonly headers: Record<string, string> = {};

  constructor(options: BulkConnectionOptions) {
    this.compression = options.compression;
    const clientOptions: ClientOptions = { nodes: options.hosts, maxRetries: 0, requestTimeout: options.requestTimeoutMs };
    const auth = options.auth;
    if (auth && 'username' in auth) clientOptions.auth = { username: auth.username, password: auth.password };
    // the client knows basic authentication and AWS request signing; a token goes as a header
    else if (auth && 'bearer' in auth) this.headers.authorization = `Bearer ${auth.bearer}`;
    if (options.tls) clientOptions.ssl = options.tls;
    this.client = new Client(clientOptions);
  }

  async bulk(body: string | Buffer): Promise<BulkItemResult[]> {
    try {
      const sent = await bulkBody(body, this.compression);
      const response = await this.client.bulk({ body: sent.body as unknown as never[], filter_path: BULK_FILTER_PATH }, { headers: { ...this.headers, ...sent.headers } });
      return bulkItems(response.body);
    } catch (err) {
      throw toBulkRequestError(err);
    }
  }

  async putIndexTemplate(name: string, body: Record<string, unknown>): Promise<void> {
    try {
      await this.client.indices.putIndexTemplate({ name, body: body as never }, { headers: this.headers });
    } catch (err) {
      throw toBulkRequestError(err);
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

function toBulkRequestError(err: unknown): BulkRequestError {
  if (err instanceof errors.ResponseError) return bulkRequestError('OpenSearch', { status: err.statusCode, body: err.body, message: err.message }, err);
  return bulkRequestError('OpenSearch', { timeout: err instanceof errors.TimeoutError, message: err instanceof Error ? err.message : String(err) }, err);
}
