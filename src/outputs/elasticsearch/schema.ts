import { templateText } from '../../plugins/options/validators.js';
import { z } from 'zod';
import { tlsProblems, tlsSchema } from '../../plugins/options/tls.js';
import { integerIn } from '../../plugins/options/numbers.js';
import { redactUrls } from '../../core/redact.js';
import { withSecretFiles } from '../../plugins/options/secret-file.js';
import { byteSizeIn, duration, durationIn, GiB } from '../../plugins/options/units.js';

const template = (what: string) => templateText({ what });

const hostUrl = z.string().superRefine((text, ctx) => {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${redactUrls(text)}" is not a node URL — write e.g. http://127.0.0.1:9200 or https://es.example.com:9200` });
  }
});

const authSchema = withSecretFiles(
  {
    username: z.string().min(1).optional().describe('Basic authentication: user name (with password).'),
    password: z.string().min(1).optional().describe('Basic authentication: password (use ${ENV_VAR}, or password_file).'),
    api_key: z.string().min(1).optional().describe('API key (the base64 "id:key" form Elasticsearch returns as `encoded`).'),
    bearer: z.string().min(1).optional().describe('Bearer token (e.g. a service account token).'),
  },
  ['password', 'api_key', 'bearer'],
  (key) => `File holding the ${{ password: 'password', api_key: 'API key', bearer: 'bearer token' }[key]} instead of ${key} (a mounted Docker or Kubernetes secret): read at start and at each reload, trailing newline removed.`,
);

export const elasticsearchSchema = z
  .object({
    hosts: z.array(hostUrl).min(1, 'give at least one node, e.g. ["http://127.0.0.1:9200"]').describe('Node URLs; requests are spread over them.'),
    auth: authSchema.optional().describe('Authentication: username + password, api_key, or bearer — one of them.'),
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
      .describe('deterministic: IDs derived from the container, stream or file and the record\'s position, so resending overwrites instead of duplicating; auto: Elasticsearch picks them (records from docker_exec always get auto IDs).'),
    install_template: z.boolean().default(true).describe('Install an index template (priority 200) mapping @timestamp as date_nanos for the indices this output writes. Turn off when you manage templates yourself.'),
    template_name: z.string().min(1).optional().describe('Name of that index template (default logship-OUTPUT_ID).'),
    batch_max_records: integerIn(1, 1_000_000).default(5000).describe('Most documents in one batch taken from the queue (old name: batch_max_docs, still accepted).'),
    batch_max_bytes: byteSizeIn({ max: GiB }).default(5 * 1000 * 1000).describe('Most bytes in one bulk request; a batch is cut into several requests.'),
    linger: durationIn({ min: 0, max: 3_600_000 }).default(1000).describe('How long a batch waits to fill up before it is sent (0: at once; old name: flush_interval, still accepted).'),
    max_in_flight: integerIn(1, 32).default(4).describe('Most bulk requests in flight at once.'),
    compression: z.boolean().default(true).describe('gzip request bodies.'),
    compression_level: integerIn(1, 9).default(3).describe('gzip level of request bodies: 1 fastest … 9 smallest. 3 costs about 40 % of the CPU of level 6 (zlib\'s default) for bodies about 8 % larger.'),
    timeout: duration.default(60_000).describe('How long a bulk request may take.'),
    dead_letter_index: z.string().min(1).optional().describe('Index for documents Elasticsearch rejects for good (mapping conflicts, too large), each with the reason and the original as a string. When unset, or when that fails too, they go to the dead-letter file.'),
  })
  .strict();

export type ElasticsearchConfig = z.output<typeof elasticsearchSchema>;

export function checkElasticsearch(config: ElasticsearchConfig): Array<{ key: string; message: string }> {
  const problems = tlsProblems(config.tls);
  const auth = config.auth;
  if (auth) {
    const kinds = [auth.username !== undefined || auth.password !== undefined, auth.api_key !== undefined, auth.bearer !== undefined].filter(Boolean).length;
    if (kinds !== 1) problems.push({ key: 'auth', message: 'give exactly one kind of authentication: username + password, api_key, or bearer' });
    else if ((auth.username === undefined) !== (auth.password === undefined)) problems.push({ key: 'auth', message: 'username and password go together — give both' });
  }
  return problems;
}
