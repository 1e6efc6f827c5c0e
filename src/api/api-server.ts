import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { recordJsonOrCut } from '../core/safe-json.js';
import { tagGlobProblem } from '../core/tag-match.js';
import type { Router } from '../pipeline/router.js';
import type { ApiToken } from './api-token.js';
import { ConnectionGuard } from './connection-guard.js';
import { prometheusText } from './prometheus.js';
import type { ReadinessCheck } from './readiness.js';
import { METRIC } from '../core/metric-names.js';

export interface ApiOptions {
  address: string;
  metrics: Metrics;
  router: Router;
  readiness: ReadinessCheck;
  logger: Logger;
  /** Serve /tap (every container's log lines); off unless the pipeline says `api.tap: true`. */
  tap: boolean;
  /** When set, /tap needs `Authorization: Bearer <token>`. */
  token?: ApiToken | undefined;
}

export const API_LIMITS = {
  connections: 64,
  taps: 8,
  headerBytes: 8192,
  headers: 64,
  headersTimeoutMs: 3_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 2_000,
} as const;
const LOOP_LAG_LIMIT_MS = 2000;
const TAP_BUFFER_BYTES = 1024 * 1024;

/**
 * The HTTP API: GET /metrics (Prometheus), /healthz (process alive, event loop responsive),
 * /readyz (Docker reachable, outputs delivering), /tap?match=GLOB (live records as JSON lines,
 * only when enabled, and behind the bearer token when one is configured).
 * Bounded against garbage: header size, count and time limits, a connection cap that makes room by
 * closing idle connections (so probes always get in), a cap on taps, and a tap client more than
 * 1 MiB behind loses records (counted) instead of growing memory.
 */
export class ApiServer {
  private readonly server: Server;
  private readonly connections: ConnectionGuard;
  private taps = 0;
  private loopLagMs = 0;
  private readonly lagTimer: NodeJS.Timeout;

  constructor(private readonly options: ApiOptions) {
    this.server = createServer(
      {
        maxHeaderSize: API_LIMITS.headerBytes,
        requestTimeout: API_LIMITS.requestTimeoutMs,
        headersTimeout: API_LIMITS.headersTimeoutMs,
        keepAliveTimeout: API_LIMITS.keepAliveTimeoutMs,
        connectionsCheckingInterval: 500,
      },
      (req, res) => {
        this.handle(req, res).catch((err: unknown) => {
          if (!res.headersSent) this.reply(res, 500, { error: (err as Error).message });
          else res.destroy();
        });
      },
    );
    this.server.maxHeadersCount = API_LIMITS.headers;
    const evicted = options.metrics.counter(METRIC.API_CONNECTIONS_EVICTED_TOTAL);
    this.connections = new ConnectionGuard(this.server, API_LIMITS.connections, () => evicted.inc());
    let expected = Date.now() + 500;
    this.lagTimer = setInterval(() => {
      this.loopLagMs = Math.max(0, Date.now() - expected);
      expected = Date.now() + 500;
    }, 500);
    this.lagTimer.unref();
    options.metrics.gauge(METRIC.EVENT_LOOP_LAG_SECONDS, {}, () => this.loopLagMs / 1000);
    options.metrics.gauge(METRIC.TAP_CLIENTS, {}, () => this.taps);
    options.metrics.gauge(METRIC.API_CONNECTIONS, {}, () => this.connections.size);
  }

  /** Listens; resolves with the bound port (0 in the address picks a free one). */
  listen(): Promise<number> {
    const at = this.options.address.lastIndexOf(':');
    const host = this.options.address.slice(0, at);
    const port = Number(this.options.address.slice(at + 1));
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  async close(): Promise<void> {
    clearInterval(this.lagTimer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET') return this.reply(res, 405, { error: 'only GET' });
    switch (url.pathname) {
      case '/metrics':
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(prometheusText(this.options.metrics));
        return;
      case '/healthz':
        return this.reply(res, this.loopLagMs < LOOP_LAG_LIMIT_MS ? 200 : 503, { status: this.loopLagMs < LOOP_LAG_LIMIT_MS ? 'ok' : 'event loop blocked', event_loop_lag_ms: this.loopLagMs });
      case '/readyz': {
        const readiness = await this.options.readiness.check();
        return this.reply(res, readiness.ready ? 200 : 503, readiness);
      }
      case '/tap':
        return this.tap(url, req, res);
      default:
        return this.reply(res, 404, { error: `not found: try /metrics, /healthz, /readyz${this.options.tap ? ' or /tap?match=GLOB' : ''}` });
    }
  }

  private tap(url: URL, req: IncomingMessage, res: ServerResponse): void {
    if (!this.options.tap) return this.reply(res, 403, { error: '/tap is off: set api.tap: true in the pipeline (with api.token_file when api.address is not loopback; docs/api.md)' });
    if (this.options.token) {
      const verdict = this.options.token.check(req.headers.authorization);
      if (typeof verdict === 'object') {
        this.options.logger.warn(`api: /tap refused, the token cannot be read: ${verdict.unavailable}`);
        return this.reply(res, 503, { error: 'the API token cannot be read; see the shipper log' });
      }
      if (verdict !== 'ok') {
        res.setHeader('www-authenticate', 'Bearer realm="logship"');
        return this.reply(res, 401, { error: `/tap needs "Authorization: Bearer <token>"${verdict === 'wrong' ? ' with the right token' : ''} (logship tap --token-file FILE, or LOGSHIP_API_TOKEN)` });
      }
    }
    const glob = url.searchParams.get('match') ?? '**';
    const problem = tagGlobProblem(glob);
    // the glob is echoed only in part: it may be kilobytes
    const shown = glob.length > 80 ? `${glob.slice(0, 80)}…` : glob;
    if (problem) return this.reply(res, 400, { error: `match: tag glob "${shown}" ${problem}` });
    if (this.taps >= API_LIMITS.taps) return this.reply(res, 503, { error: `at most ${API_LIMITS.taps} taps at once` });
    this.taps += 1;
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    // the client learns at once that it is tapping, not only with the first record
    res.flushHeaders();
    const dropped = this.options.metrics.counter(METRIC.TAP_DROPPED_TOTAL);
    const unsubscribe = this.options.router.tap(glob, (event) => {
      // a client that reads slower than records come loses records, never the shipper's memory
      if (res.writableLength > TAP_BUFFER_BYTES) {
        dropped.inc();
        return;
      }
      // any record a container's output made: one too deep to serialise is shown cut, never lost to the tap
      res.write(`${recordJsonOrCut(event.record).json}\n`);
    });
    const done = (): void => {
      unsubscribe();
      this.taps -= 1;
    };
    req.socket.once('close', done);
  }

  private reply(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(`${JSON.stringify(body)}\n`);
  }
}
