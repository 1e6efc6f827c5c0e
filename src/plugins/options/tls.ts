import { existsSync, readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { z } from 'zod';

/** TLS options shared by the network outputs. */
export const tlsSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Connect with TLS.'),
    ca_file: z.string().min(1).optional().describe('PEM file of the CA(s) that signed the servers\' certificates (default: the system CAs).'),
    cert_file: z.string().min(1).optional().describe('PEM client certificate, for servers that require mutual TLS (with key_file).'),
    key_file: z.string().min(1).optional().describe('PEM private key of cert_file.'),
    insecure_skip_verify: z.boolean().default(false).describe('Accept any server certificate. For tests only: it allows anyone in the path to read and forge your logs.'),
  })
  .strict();

export type TlsConfig = z.output<typeof tlsSchema>;

/** Load-time checks: the files exist, and a certificate comes with its key. */
export function tlsProblems(tls: TlsConfig | undefined): Array<{ key: string; message: string }> {
  if (!tls) return [];
  const problems: Array<{ key: string; message: string }> = [];
  for (const key of ['ca_file', 'cert_file', 'key_file'] as const) {
    const path = tls[key];
    if (path && !existsSync(path)) problems.push({ key: 'tls', message: `${key} ${path} does not exist — give the path of a PEM file` });
  }
  if (Boolean(tls.cert_file) !== Boolean(tls.key_file)) problems.push({ key: 'tls', message: 'cert_file and key_file go together — give both or neither' });
  return problems;
}

export function tlsConnectionOptions(tls: TlsConfig): ConnectionOptions {
  const options: ConnectionOptions = { rejectUnauthorized: !tls.insecure_skip_verify };
  if (tls.ca_file) options.ca = readFileSync(tls.ca_file);
  if (tls.cert_file) options.cert = readFileSync(tls.cert_file);
  if (tls.key_file) options.key = readFileSync(tls.key_file);
  return options;
}
