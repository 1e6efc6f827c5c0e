import { readFileSync } from 'node:fs';
import { get } from 'node:http';

/** The bearer token for /tap: `--token-file`, else $LOGSHIP_API_TOKEN, else none. */
function readToken(tokenFile: string | undefined): { token?: string } | { problem: string } {
  if (tokenFile === undefined) return process.env.LOGSHIP_API_TOKEN ? { token: process.env.LOGSHIP_API_TOKEN } : {};
  try {
    // `echo token > file` adds a line break
    const token = readFileSync(tokenFile, 'utf8').replace(/[\r\n]+$/, '');
    return token ? { token } : { problem: `--token-file ${tokenFile} is empty` };
  } catch (err) {
    return { problem: `cannot read --token-file ${tokenFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
}

/** `logship tap`: streams /tap of a running shipper's API to stdout until it ends or Ctrl-C. */
export function tapCommand(api: string, match: string, tokenFile: string | undefined, write: (chunk: string) => void): Promise<number> {
  const token = readToken(tokenFile);
  if ('problem' in token) {
    process.stderr.write(`logship tap: ${token.problem}\n`);
    return Promise.resolve(2);
  }
  const headers = token.token ? { authorization: `Bearer ${token.token}` } : {};
  return new Promise((resolve) => {
    const request = get(`http://${api}/tap?match=${encodeURIComponent(match)}`, { headers }, (res) => {
      if (res.statusCode !== 200) {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => {
          process.stderr.write(`logship tap: ${api} answered ${res.statusCode}: ${body.trim()}\n`);
          resolve(2);
        });
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => write(chunk));
      res.on('end', () => resolve(0));
    });
    request.on('error', (err) => {
      process.stderr.write(`logship tap: no logship API on ${api} (${err.message}) — is logship running with api.enabled, and on which api.address?\n`);
      resolve(2);
    });
    process.once('SIGINT', () => {
      request.destroy();
      resolve(0);
    });
  });
}
