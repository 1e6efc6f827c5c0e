import { z } from 'zod';
import { redactUrls } from '../../core/redact.js';
import { integerIn } from '../options/numbers.js';
import { withSecretFiles } from '../options/secret-file.js';
import { tlsProblems, tlsSchema } from '../options/tls.js';
import { byteSizeIn, duration, durationIn, GiB } from '../options/units.js';
import { templateText } from '../options/validators.js';

/** The options every bulk output (elasticsearch, opensearch) shares, worded for its server. */

const template = (what: string) => templateText({ what });

function hostUrl(example: string) {
  return z.string().superRefine((text, ctx) => {
    let url: URL | undefined;
    try {
      url = new URL(text);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${redactUrls(text)}" is not a node URL — write e.g. http://127.0.0.1:${example}` });
    }
  });
}

const username = z.string().min(1).optional().describe('Basic authentication: user name (with password).');
const password = z.string().min(1).optional().describe('Basic authentication: password (use ${ENV_VAR}, or password_file).');
const bearer = z.string().min(1).optional().describe('Bearer token (e.g. a service account token).');
const SECRET_WHAT: Record<string, string> = { password: 'password', api_key: 'API key', bearer: 'bearer token' };
const secretFile = (key: string) => `File holding the ${SECRET_WHAT[key] ?? key} instead of ${key} (a mounted Docker or Kubernetes secret): read at start and at each reload, trailing newline removed.`;

/** `auth` of the elasticsearch output: basic, an API key or a bearer token; each secret also from a file. */
export const apiKeyAuthSchema = withSecretFiles(
  { username, password, api_key: z.string().min(1).optional().describe('API key (the base64 "id:key" form Elasticsearch returns as `encoded`).'), bearer },
  ['password', 'api_key', 'bearer'],
  secretFile,
);

/** `auth` of servers without API keys (OpenSearch): basic or a bearer token; each secret also from a file. */
export const basicOrBearerAuthSchema = withSecretFiles({ username, password, bearer }, ['password', 'bearer'], secretFile);

/** The options' shape, for `z.object({ ...bulkOutputOptions(...), auth }).strict()`. */
export function bulkOutputOptions(product: 'Elasticsearch' | 'OpenSearch', port: number, host: string) {
  return {
    hosts: z.array(hostUrl(`${port} or https://${host}:${port}`)).min(1, `give at least one node, e.g. ["http://127.0.0.1:${port}"]`).describe('Node URLs; requests are spread over them.'),
    tls: tlsSchema.optional().describe('TLS settings for https:// nodes.'),
    index: template('index')
      .default('logship-%Y.%m.%d')
      .describe('Index, a template of record fields and the record\'s UTC date (%Y %m %d %H), e.g. "logs-{container.name}-%Y.%m.%d"; lower-cased and made valid.'),
    data_stream: z
      .object({
        dataset: template('dataset').default('docker').describe('Dataset part of logs-DATASET-NAMESPACE (a template).'),
        namespace: template('namespace').default('default').describe('Namespace part of logs-DATASET-NAMESPACE (a template).'),
      })
      .strict()
      .optional()
      .describe('Write to data streams logs-DATASET-NAMESPACE with create operations, instead of `index`.'),
    document_ids: z
      .enum(['deterministic', 'auto'])
      .default('deterministic')
      .describe(`deterministic: IDs derived from the container, stream or file and the record's position, so resending overwrites instead of duplicating; auto: ${product} picks them (records from docker_exec always get auto IDs).`),
    install_template: z.boolean().default(true).describe('Install an index template (priority 200) mapping @timestamp as date_nanos for the indices this output writes. Turn off when you manage templates yourself.'),
    template_name: z.string().min(1).optional().describe('Name of that index template (default logship-OUTPUT_ID).'),
    batch_max_records: integerIn(1, 1_000_000).default(5000).describe('Most documents in one batch taken from the queue (old name: batch_max_docs, still accepted).'),
    batch_max_bytes: byteSizeIn({ max: GiB }).default(5 * 1000 * 1000).describe('Most bytes in one bulk request; a batch is cut into several requests.'),
    linger: durationIn({ min: 0, max: 3_600_000 }).default(1000).describe('How long a batch waits to fill up before it is sent (0: at once; old name: flush_interval, still accepted).'),
    max_in_flight: integerIn(1, 32).default(4).describe('Most bulk requests in flight at once.'),
    compression: z.boolean().default(true).describe('gzip request bodies.'),
    compression_level: integerIn(1, 9).default(3).describe('gzip level of request bodies: 1 fastest … 9 smallest. 3 costs about 40 % of the CPU of level 6 (zlib\'s default) for bodies about 8 % larger.'),
    timeout: duration.default(60_000).describe('How long a bulk request may take.'),
    dead_letter_index: z.string().min(1).optional().describe(`Index for documents ${product} rejects for good (mapping conflicts, too large), each with the reason and the original as a string. When unset, or when that fails too, they go to the dead-letter file.`),
  };
}

/** What every bulk output's configuration holds (the elasticsearch output's adds api_key). */
export interface BulkOutputConfig {
  hosts: string[];
  auth?: { username?: string | undefined; password?: string | undefined; api_key?: string | undefined; bearer?: string | undefined } | undefined;
  tls?: z.output<typeof tlsSchema> | undefined;
  index: string;
  data_stream?: { dataset: string; namespace: string } | undefined;
  document_ids: 'deterministic' | 'auto';
  install_template: boolean;
  template_name?: string | undefined;
  batch_max_records: number;
  batch_max_bytes: number;
  linger: number;
  max_in_flight: number;
  compression: boolean;
  compression_level: number;
  timeout: number;
  dead_letter_index?: string | undefined;
}

/** Rules across options: one kind of authentication, username and password together, TLS files. */
export function checkBulkOutput(config: BulkOutputConfig): Array<{ key: string; message: string }> {
  const problems = tlsProblems(config.tls);
  const auth = config.auth;
  if (auth) {
    const kinds = [auth.username !== undefined || auth.password !== undefined, auth.api_key !== undefined, auth.bearer !== undefined].filter(Boolean).length;
    const choices = 'api_key' in auth || kinds > 1 ? 'username + password, api_key, or bearer' : 'username + password, or bearer';
    if (kinds !== 1) problems.push({ key: 'auth', message: `give exactly one kind of authentication: ${choices}` });
    else if ((auth.username === undefined) !== (auth.password === undefined)) problems.push({ key: 'auth', message: 'username and password go together — give both' });
  }
  return problems;
}

/** How the runtime batches a bulk output. */
export function bulkBatching(config: BulkOutputConfig) {
  // batches overlap up to max_in_flight (document order does not matter to an index; retries stay in batch order)
  return { maxRecords: config.batch_max_records, lingerMs: config.linger, concurrentWrites: Math.min(2, config.max_in_flight) };
}
