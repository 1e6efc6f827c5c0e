import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../config/config-error.js';
import { readSecretFile } from '../plugins/options/secret-file.js';

/** Shorter tokens can be guessed; `openssl rand -hex 32` gives 64 characters. */
export const MIN_TOKEN_CHARS = 16;

export interface ApiTokenSettings {
  token_file?: string | undefined;
  token_env?: string | undefined;
}

export type TokenVerdict = 'ok' | 'missing' | 'wrong' | { unavailable: string };

/**
 * The bearer token that guards the endpoints showing log content. A token file is read again at
 * each check, so a rotated Kubernetes Secret takes effect without a restart.
 */
export class ApiToken {
  private constructor(private readonly read: () => string) {}

  /** The configured token, checked now so that a bad one stops the start; undefined when none is set. */
  static fromSettings(api: ApiTokenSettings, pipelineFile: string): ApiToken | undefined {
    let token: ApiToken | undefined;
    let key: string;
    if (api.token_file !== undefined) {
      const path = api.token_file;
      token = new ApiToken(() => readTokenFile(path));
      key = 'api.token_file';
    } else if (api.token_env !== undefined) {
      const name = api.token_env;
      token = new ApiToken(() => checkedToken(process.env[name] ?? '', `environment variable ${name}`));
      key = 'api.token_env';
    } else {
      return undefined;
    }
    try {
      token.read();
    } catch (err) {
      throw new ConfigError([{ file: pipelineFile, key, message: (err as Error).message }]);
    }
    return token;
  }

  /** Checks an Authorization header in constant time (against digests, so lengths do not leak either). */
  check(authorization: string | undefined): TokenVerdict {
    const given = /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1];
    if (given === undefined) return 'missing';
    let expected: string;
    try {
      expected = this.read();
    } catch (err) {
      return { unavailable: (err as Error).message };
    }
    return timingSafeEqual(digest(given), digest(expected)) ? 'ok' : 'wrong';
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function checkedToken(raw: string, where: string): string {
  // `echo token > file` adds a line break
  const token = raw.replace(/[\r\n]+$/, '');
  if (!token) throw new Error(`${where} is empty or unset — put a token in it, e.g. openssl rand -hex 32`);
  if (!/^[\x21-\x7e]+$/.test(token)) throw new Error(`the token in ${where} has spaces or characters that cannot go in an HTTP header — use e.g. openssl rand -hex 32`);
  if (token.length < MIN_TOKEN_CHARS) throw new Error(`the token in ${where} has ${token.length} characters; use at least ${MIN_TOKEN_CHARS}, e.g. openssl rand -hex 32`);
  return token;
}

function readTokenFile(path: string): string {
  const read = readSecretFile(path);
  if ('problem' in read) throw new Error(read.problem);
  return checkedToken(read.value, path);
}
