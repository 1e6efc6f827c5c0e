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

  it('runs pipelines/compose.yaml, whose API listens for the stack with /tap off', () => {
    expect(logship?.volumes).toContain('./pipelines/compose.yaml:/etc/logship/pipeline.yaml:ro');
    const { api } = parsePipeline(readFileSync(join(root, 'pipelines/compose.yaml'), 'utf8'), 'pipelines/compose.yaml', {}).settings;
    expect(api).toMatchObject({ enabled: true, address: '0.0.0.0:2020', tap: false });
  });
});
