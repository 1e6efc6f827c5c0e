import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.js';
import { isLoopbackAddress } from '../config/api-address.js';
import { ApiToken } from './api-token.js';

const dir = mkdtempSync(join(tmpdir(), 'api-token-'));
const TOKEN = '0123456789abcdef0123456789abcdef';

afterEach(() => {
  delete process.env.LOGSHIP_TEST_API_TOKEN;
});

function problem(settings: Parameters<typeof ApiToken.fromSettings>[0]): string {
  try {
    ApiToken.fromSettings(settings, 'p.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('no problem reported');
}

describe('the API bearer token', () => {
  it('none configured: undefined', () => {
    expect(ApiToken.fromSettings({}, 'p.yaml')).toBeUndefined();
  });

  it('from a file (one trailing line break dropped): the exact token passes, anything else does not', () => {
    const file = join(dir, 'token');
    writeFileSync(file, `${TOKEN}\n`);
    const token = ApiToken.fromSettings({ token_file: file }, 'p.yaml') as ApiToken;
    expect(token.check(`Bearer ${TOKEN}`)).toBe('ok');
    expect(token.check(`bearer  ${TOKEN}`)).toBe('ok');
    expect(token.check(undefined)).toBe('missing');
    expect(token.check(`Basic ${TOKEN}`)).toBe('missing');
    expect(token.check(`Bearer ${TOKEN}x`)).toBe('wrong');
    expect(token.check(`Bearer ${TOKEN.slice(1)}`)).toBe('wrong');
    expect(token.check(`Bearer ${TOKEN} extra`)).toBe('missing');
  });

  it('from a file: read again at each check, so a rotated Secret applies at once; a vanished file is reported, not accepted', () => {
    const file = join(dir, 'rotating');
    writeFileSync(file, TOKEN);
    const token = ApiToken.fromSettings({ token_file: file }, 'p.yaml') as ApiToken;
    writeFileSync(file, TOKEN.toUpperCase());
    expect(token.check(`Bearer ${TOKEN}`)).toBe('wrong');
    expect(token.check(`Bearer ${TOKEN.toUpperCase()}`)).toBe('ok');
    writeFileSync(file, '');
    expect(token.check(`Bearer ${TOKEN.toUpperCase()}`)).toEqual({ unavailable: expect.stringMatching(/is empty/) });
  });

  it('from an environment variable', () => {
    process.env.LOGSHIP_TEST_API_TOKEN = TOKEN;
    const token = ApiToken.fromSettings({ token_env: 'LOGSHIP_TEST_API_TOKEN' }, 'p.yaml') as ApiToken;
    expect(token.check(`Bearer ${TOKEN}`)).toBe('ok');
    expect(token.check('Bearer nope-nope-nope-nope')).toBe('wrong');
  });

  it.each([
    ['a missing file', () => ({ token_file: join(dir, 'missing') }), /^p\.yaml: api\.token_file: .*missing: no such file — check the path/],
    ['a directory', () => ({ token_file: dir }), /api\.token_file: .* is a directory/],
    ['a short token', () => (writeFileSync(join(dir, 'short'), 'abc'), { token_file: join(dir, 'short') }), /api\.token_file: the token in .*short has 3 characters; use at least 16, e.g. openssl rand -hex 32/],
    ['a token with a space', () => (writeFileSync(join(dir, 'spaced'), `${TOKEN} ${TOKEN}`), { token_file: join(dir, 'spaced') }), /api\.token_file: .*has spaces/],
    ['an unset variable', () => ({ token_env: 'LOGSHIP_TEST_API_TOKEN' }), /^p\.yaml: api\.token_env: environment variable LOGSHIP_TEST_API_TOKEN is empty or unset/],
  ])('refuses %s with one line naming the key and the fix', (_label, settings, message) => {
    const text = problem(settings());
    expect(text).toMatch(message);
    expect(text.split('\n')).toHaveLength(1);
  });
});

describe('loopback addresses', () => {
  it.each([
    ['127.0.0.1:2020', true],
    ['127.1.2.3:0', true],
    ['localhost:2020', true],
    ['LOCALHOST:2020', true],
    ['0.0.0.0:2020', false],
    ['10.0.0.5:2020', false],
    ['127.0.0.1.example.com:2020', false],
    ['logship:2020', false],
  ])('%s → %s', (address, loopback) => {
    expect(isLoopbackAddress(address)).toBe(loopback);
  });
});
