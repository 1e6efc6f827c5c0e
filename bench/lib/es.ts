import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './paths.js';

const exec = promisify(execFile);

/** Elasticsearch over plain HTTP (fetch): independent of the client logship uses. */

export const ES = 'http://127.0.0.1:9200';

export interface EsAnswer<T> {
  status: number;
  json: T | undefined;
  text: string;
}

/** One REST call; the answer whatever its status (JSON when it parses). */
export async function esCall<T = Record<string, unknown>>(url: string, method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<EsAnswer<T>> {
  const response = await fetch(`${url}${path}`, {
    method,
    signal: AbortSignal.timeout(timeoutMs),
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let json: T | undefined;
  try {
    json = JSON.parse(text) as T;
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

/** One REST call to the Elasticsearch test node; throws unless it answered 2xx. */
export function es<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  return ELASTICSEARCH_NODE.call<T>(method, path, body);
}

/** Fails loudly when no node answers: Elasticsearch tests never pass without one. */
export function requireElasticsearch(): Promise<void> {
  return ELASTICSEARCH_NODE.require();
}

/** Documents searchable in an index after a refresh: 0 before it exists, NaN when the node did not answer. */
export async function countDocs(url: string, index: string): Promise<number> {
  try {
    const refresh = await esCall(url, 'POST', `/${index}/_refresh`);
    if (refresh.status === 404) return 0;
    const r = await esCall<{ count?: number }>(url, 'GET', `/${index}/_count`);
    if (r.status === 404) return 0;
    return r.status === 200 && typeof r.json?.count === 'number' ? r.json.count : NaN;
  } catch {
    return NaN;
  }
}

/** The index template logship's output installs (date_nanos @timestamp, priority 200), for a reference's index. */
export async function putTemplate(url: string, name: string, index: string, managedBy: string): Promise<void> {
  const r = await esCall(url, 'PUT', `/_index_template/${name}`, { index_patterns: [index], priority: 200, template: { mappings: { properties: { '@timestamp': { type: 'date_nanos' } } } }, _meta: { managed_by: managedBy } });
  if (r.status !== 200) throw new Error(`cannot put index template ${name}: ${r.status} ${r.text.slice(0, 200)}`);
}

export interface Doc {
  _id: string;
  _version?: number;
  _source: { message: string; [key: string]: unknown };
}

/** Every document of an Elasticsearch test index (scroll), with its version. */
export function allDocs(index: string): Promise<Doc[]> {
  return ELASTICSEARCH_NODE.allDocs(index);
}

/**
 * Every document of an index, a page (10,000) at a time, after a refresh: for indices too large to
 * hold at once. `request` adds to the search body (`_source`, `version`); throws unless 2xx.
 */
export async function scrollDocs(url: string, index: string, request: Record<string, unknown>, onPage: (hits: { _id: string; _source: Record<string, unknown> }[]) => void | Promise<void>): Promise<void> {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await esCall<T>(url, method, path, body, 120_000);
    if (r.status < 200 || r.status >= 300 || r.json === undefined) throw new Error(`${method} ${path}: ${r.status} ${r.text.slice(0, 500)}`);
    return r.json;
  };
  type Page = { _scroll_id: string; hits: { hits: { _id: string; _source: Record<string, unknown> }[] } };
  await call('POST', `/${index}/_refresh`);
  let page = await call<Page>('POST', `/${index}/_search?scroll=1m`, { size: 10_000, ...request, query: { match_all: {} } });
  try {
    while (page.hits.hits.length) {
      await onPage(page.hits.hits);
      page = await call<Page>('POST', '/_search/scroll', { scroll: '1m', scroll_id: page._scroll_id });
    }
  } finally {
    await esCall(url, 'DELETE', '/_search/scroll', { scroll_id: page._scroll_id }).catch(() => undefined);
  }
}

/**
 * Deletes indices (a pattern) and index templates synchronously, with curl: from a session's
 * cleanup, which also runs in a signal handler. Says whether the node answered.
 */
export function deleteIndicesSync(url: string, pattern: string, templates: readonly string[] = []): boolean {
  try {
    execFileSync('curl', ['-sf', '-m', '10', '-X', 'DELETE', `${url}/${pattern}`], { stdio: 'ignore' });
    if (templates.length) execFileSync('curl', ['-sf', '-m', '10', '-X', 'DELETE', `${url}/_index_template/${templates.join(',')}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function esScript(name: 'elasticsearch-up.sh' | 'elasticsearch-down.sh'): Promise<void> {
  await (name === 'elasticsearch-up.sh' ? ELASTICSEARCH_NODE.up() : ELASTICSEARCH_NODE.down());
}

/**
 * A search node of the test suite (Elasticsearch on 9200, OpenSearch on 9201), for tests that run
 * the same way against both bulk outputs.
 */
export class SearchNode {
  constructor(
    /** The output type that writes to it. */
    readonly type: 'elasticsearch' | 'opensearch',
    /** How messages name it. */
    readonly product: string,
    readonly url: string,
    private readonly scripts: { up: string; down: string; env?: Record<string, string> },
  ) {}

  /** One REST call; throws unless it answered 2xx. */
  async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await esCall<T>(this.url, method, path, body);
    if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text.slice(0, 500)}`);
    return JSON.parse(r.text) as T;
  }

  /** Fails loudly when the node does not answer: its tests never pass without one. */
  async require(): Promise<void> {
    try {
      await this.call('GET', '/_cluster/health?wait_for_status=yellow&timeout=10s');
    } catch (err) {
      throw new Error(`no ${this.product} node answers on ${this.url} — start one with scripts/${this.scripts.up} (${(err as Error).message})`);
    }
  }

  async count(index: string): Promise<number> {
    await this.call('POST', `/${index}/_refresh`);
    return (await this.call<{ count: number }>('GET', `/${index}/_count`)).count;
  }

  async waitForCount(index: string, expected: number, timeoutMs = 120_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = await this.count(index).catch(() => 0);
      if (n >= expected || Date.now() > deadline) return n;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  async allDocs(index: string): Promise<Doc[]> {
    const docs: Doc[] = [];
    await scrollDocs(this.url, index, { version: true, _source: ['message'] }, (hits) => void docs.push(...(hits as Doc[])));
    return docs;
  }

  async up(): Promise<void> {
    await this.script(this.scripts.up);
  }

  async down(): Promise<void> {
    await this.script(this.scripts.down);
  }

  private async script(name: string): Promise<void> {
    await exec(join(REPO_ROOT, 'scripts', name), [], { timeout: 300_000, env: { ...process.env, ...this.scripts.env } });
  }
}

export const OPENSEARCH_URL = 'http://127.0.0.1:9201';
export const ELASTICSEARCH_NODE = new SearchNode('elasticsearch', 'Elasticsearch', ES, { up: 'elasticsearch-up.sh', down: 'elasticsearch-down.sh' });
/**
 * The OpenSearch test node runs with one write thread and a write queue of one, as
 * scripts/test-all.sh starts it: bulk requests in parallel get real 429s (rejected_execution_exception).
 */
export const OPENSEARCH_WRITE_QUEUE = { OPENSEARCH_WRITE_QUEUE_SIZE: '1', OPENSEARCH_WRITE_THREADS: '1' };
export const OPENSEARCH_NODE = new SearchNode('opensearch', 'OpenSearch', OPENSEARCH_URL, { up: 'opensearch-up.sh', down: 'opensearch-down.sh', env: OPENSEARCH_WRITE_QUEUE });
