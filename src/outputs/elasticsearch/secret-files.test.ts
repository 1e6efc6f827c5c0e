import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePipeline } from '../../config/load.js';
import { Ack } from '../../core/ack.js';
import { createLogger } from '../../core/logger.js';
import { Metrics } from '../../core/metrics.js';
import { deepFreeze } from '../../core/record-json.js';
import type { PipelineEvent } from '../../core/record.js';
import type { PluginContext } from '../../plugins/types.js';

/** A stand-in node that answers bulk requests and keeps the headers it was sent. */
let server: Server;
let url: string;
const seen: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
      res.end(JSON.stringify({ errors: false, items: [{ index: { status: 201 } }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function authorizationSent(auth: string): Promise<string | undefined> {
  const pipeline = parsePipeline(`inputs:\n  - type: generator\noutputs:\n  - type: elasticsearch\n    hosts: ["${url}"]\n    install_template: false\n    compression: false\n    auth: ${auth}\n`, 'p.yaml', {});
  const configured = pipeline.outputs[0];
  if (!configured) throw new Error('no output');
  const context = { id: 'es', logger: createLogger('silent'), hostName: 'h', stateDir: '/tmp', metrics: new Metrics() } as unknown as PluginContext;
  const output = configured.definition.create(configured.config, context);
  const container = deepFreeze({ id: 'c1', name: 'web', image: { name: 'x' }, labels: {} });
  const event: PipelineEvent = { record: { '@timestamp': '2026-01-01T00:00:00.000000000Z', message: 'm', stream: 'stdout', source: 'main', tag: 't', container, host: { name: 'h' } }, ack: new Ack(() => undefined), bytes: 1 };
  seen.length = 0;
  await output.write([event]);
  await output.close();
  return seen[0]?.authorization;
}

describe('elasticsearch secrets from files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'es-secrets-'));
  writeFileSync(join(dir, 'password'), 's3cret\n');
  writeFileSync(join(dir, 'api_key'), 'aWQ6a2V5\n');
  writeFileSync(join(dir, 'bearer'), 'tok3n\n');

  it('password_file: the file\'s content is the basic-auth password', async () => {
    const header = await authorizationSent(`{ username: elastic, password_file: ${dir}/password }`);
    expect(header).toBe(`Basic ${Buffer.from('elastic:s3cret').toString('base64')}`);
  });

  it('api_key_file: the file\'s content is the API key', async () => {
    expect(await authorizationSent(`{ api_key_file: ${dir}/api_key }`)).toBe('ApiKey aWQ6a2V5');
  });

  it('bearer_file: the file\'s content is the token', async () => {
    expect(await authorizationSent(`{ bearer_file: ${dir}/bearer }`)).toBe('Bearer tok3n');
  });
});
