import { execFile } from 'node:child_process';
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

/** One REST call to the test node; throws unless it answered 2xx. */
export async function es<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  const r = await esCall<T>(ES, method, path, body);
  if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text.slice(0, 500)}`);
  return JSON.parse(r.text) as T;
}

/** Fails loudly when no node answers: Elasticsearch tests never pass without one. */
export async function requireElasticsearch(): Promise<void> {
  try {
    await es('GET', '/_cluster/health?wait_for_status=yellow&timeout=10s');
  } catch (err) {
    throw new Error(`no Elasticsearch node answers on ${ES} — start one with scripts/elasticsearch-up.sh (${(err as Error).message})`);
  }
}

export async function count(index: string): Promise<number> {
  await es('POST', `/${index}/_refresh`);
  return (await es<{ count: number }>('GET', `/${index}/_count`)).count;
}

export async function waitForCount(index: string, expected: number, timeoutMs = 120_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let n = 0;
  for (;;) {
    n = await count(index).catch(() => 0);
    if (n >= expected || Date.now() > deadline) return n;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export interface Doc {
  _id: string;
  _version?: number;
  _source: { message: string; [key: string]: unknown };
}

/** Every document of an index (scroll), with its version. */
export async function allDocs(index: string): Promise<Doc[]> {
  await es('POST', `/${index}/_refresh`);
  const docs: Doc[] = [];
  let page = await es<{ _scroll_id: string; hits: { hits: Doc[] } }>('POST', `/${index}/_search?scroll=1m`, { size: 10_000, version: true, _source: ['message'], query: { match_all: {} } });
  while (page.hits.hits.length) {
    docs.push(...page.hits.hits);
    page = await es('POST', '/_search/scroll', { scroll: '1m', scroll_id: page._scroll_id });
  }
  return docs;
}

export async function esScript(name: 'elasticsearch-up.sh' | 'elasticsearch-down.sh'): Promise<void> {
  await exec(join(REPO_ROOT, 'scripts', name), [], { timeout: 300_000 });
}
