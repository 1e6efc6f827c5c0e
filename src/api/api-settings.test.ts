import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.js';
import { parsePipeline } from '../config/load.js';

const pipeline = (api: string): string => `api: ${api}\ninputs:\n  - type: docker_logs\noutputs:\n  - type: stdout\n`;

function problems(api: string): string[] {
  try {
    parsePipeline(pipeline(api), 'p.yaml', {});
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split('\n');
    throw err;
  }
  return [];
}

describe('api settings', () => {
  it('default: API on 127.0.0.1:2020, /tap off, no token', () => {
    expect(parsePipeline(pipeline('{}'), 'p.yaml', {}).settings.api).toEqual({ enabled: true, address: '127.0.0.1:2020', tap: false });
  });

  it.each([
    '{ address: "0.0.0.0:2020" }',
    '{ address: "0.0.0.0:2020", tap: false }',
    '{ address: "127.0.0.1:2020", tap: true }',
    '{ address: "localhost:2020", tap: true }',
    '{ address: "0.0.0.0:2020", tap: true, token_file: /run/secrets/logship-api-token }',
    '{ address: "0.0.0.0:2020", tap: true, token_env: LOGSHIP_API_TOKEN }',
    '{ enabled: false, address: "0.0.0.0:2020", tap: true }',
  ])('accepts %s', (api) => {
    expect(problems(api)).toEqual([]);
  });

  it.each([
    ['/tap beyond loopback without a token', '{ address: "0.0.0.0:2020", tap: true }', /^p\.yaml:1:\d+: api\.tap: \/tap shows every container's logs and api\.address 0\.0\.0\.0:2020 is reachable from other hosts and pods: set api\.token_file \(or api\.token_env\) to require a bearer token, listen on 127\.0\.0\.1, or set api\.tap: false$/],
    ['/tap on a pod address without a token', '{ address: "10.1.2.3:2020", tap: true }', /api\.tap: .*10\.1\.2\.3:2020 is reachable/],
    ['both token sources', '{ tap: true, token_file: /t, token_env: T }', /api\.token_env: give token_file or token_env, not both$/],
    ['a token_env that is not a variable name', '{ token_env: "my-token" }', /api\.token_env: write the name of an environment variable/],
    ['a misspelt key', '{ tokenfile: /t }', /api: unknown key "tokenfile"|api\.tokenfile: unknown key/],
  ])('refuses %s, in one line naming the key', (_label, api, message) => {
    const lines = problems(api);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });
});
