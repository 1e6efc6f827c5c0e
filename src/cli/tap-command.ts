import { get } from 'node:http';

/** `logship tap`: streams /tap of a running shipper's API to stdout until it ends or Ctrl-C. */
export function tapCommand(api: string, match: string, write: (chunk: string) => void): Promise<number> {
  return new Promise((resolve) => {
    const request = get(`http://${api}/tap?match=${encodeURIComponent(match)}`, (res) => {
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
