/**
 * docker-compose.yml and its pipeline: every container of the stack (the demo app too) reaches
 * logship's API port, so /tap must be off there; the host gets the API on 127.0.0.1 only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parsePipeline } from '../../src/config/load.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { ports?: string[]; volumes?: string[] }> };
  const logship = compose.services.logship;

  it('publishes the API on the host loopback only', () => {
    expect(logship?.ports).toEqual([expect.stringMatching(/^127\.0\.0\.1:\$\{LOGSHIP_API_PORT:-2020\}:2020$/)]);
  });

  it('has an opensearch profile: the node on the host loopback only, a second shipper running pipelines/docker-to-opensearch.yaml with its own state', () => {
    const services = compose.services as Record<string, { profiles?: string[]; ports?: string[]; volumes?: string[]; environment?: Record<string, string> }>;
    expect(services.opensearch?.profiles).toEqual(['opensearch']);
    expect(services.opensearch?.ports).toEqual([expect.stringMatching(/^127\.0\.0\.1:/)]);
    const shipper = services['logship-opensearch'];
    expect(shipper?.profiles).toEqual(['opensearch']);
    expect(shipper?.volumes).toContain('./pipelines/docker-to-opensearch.yaml:/etc/logship/pipeline.yaml:ro');
    expect(shipper?.volumes).toContain('logship-opensearch-state:/var/lib/logship');
    const pipeline = parsePipeline(readFileSync(join(root, 'pipelines/docker-to-opensearch.yaml'), 'utf8'), 'pipelines/docker-to-opensearch.yaml', { OPENSEARCH_URL: shipper?.environment?.OPENSEARCH_URL ?? '' });
    expect(pipeline.outputs.map((o) => [o.definition.type, o.config.hosts])).toEqual([['opensearch', ['http://opensearch:9200']]]);
  });

  it('runs pipelines/compose.yaml, whose API listens for the stack with /tap off', () => {
    expect(logship?.volumes).toContain('./pipelines/compose.yaml:/etc/logship/pipeline.yaml:ro');
    const { api } = parsePipeline(readFileSync(join(root, 'pipelines/compose.yaml'), 'utf8'), 'pipelines/compose.yaml', {}).settings;
    expect(api).toMatchObject({ enabled: true, address: '0.0.0.0:2020', tap: false });
  });
});
