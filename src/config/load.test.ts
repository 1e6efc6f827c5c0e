import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatProblem } from './config-error.js';
import { parsePipeline } from './load.js';

function problems(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parsePipeline(text, 'p.yaml', env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map(formatProblem);
    throw err;
  }
  return [];
}

const ok = `inputs:
  - type: docker_logs
outputs:
  - type: stdout
`;

describe('pipeline file errors', () => {
  it.each([
    ['YAML syntax', 'inputs:\n  - type: docker_logs\n   bad: [\n', /^p\.yaml:\d+:\d+: YAML syntax: /],
    ['not a mapping', '- just\n- a list\n', /^p\.yaml:1:1: a pipeline file must be a mapping/],
    ['missing outputs', 'inputs:\n  - type: docker_logs\n', /^p\.yaml:1:1: outputs: is required/],
    ['empty inputs', 'inputs: []\noutputs:\n  - type: stdout\n', /^p\.yaml:1:9: inputs: at least one input is needed/],
    ['unknown top-level key', `${ok}ouputs: []\n`, /^p\.yaml:5:1: ouputs: unknown key; did you mean "outputs"\?/],
    ['unknown plugin type', 'inputs:\n  - type: docker_log\noutputs:\n  - type: stdout\n', /^p\.yaml:2:11: inputs\[0\]\.type: unknown input type "docker_log"; did you mean "docker_logs"\?/],
    ['missing plugin type', 'inputs:\n  - include: {}\noutputs:\n  - type: stdout\n', /^p\.yaml:2:5: inputs\[0\]\.type: missing plugin type/],
    ['unknown plugin key', 'inputs:\n  - type: docker_logs\n    includ: {}\noutputs:\n  - type: stdout\n', /^p\.yaml:3:5: inputs\[0\]\.includ: unknown key; did you mean "include"\?/],
    ['wrong type', 'inputs:\n  - type: docker_logs\n    include:\n      labels: app=demo\noutputs:\n  - type: stdout\n', /^p\.yaml:4:15: inputs\[0\]\.include\.labels: expected array, got string — write a list/],
    ['bad enum', 'inputs:\n  - type: docker_logs\noutputs:\n  - type: stdout\n    format: pretty\n', /^p\.yaml:5:13: outputs\[0\]\.format: "pretty" is not allowed — use one of: "json", "human"/],
    ['required option', 'inputs:\n  - type: docker_logs\noutputs:\n  - type: file\n', /^p\.yaml:4:5: outputs\[0\]\.path: is required/],
    ['bad byte size', 'inputs:\n  - type: docker_logs\n    max_line_bytes: 12 parsecs\noutputs:\n  - type: stdout\n', /^p\.yaml:3:21: inputs\[0\]\.max_line_bytes: "12 parsecs" is not a byte size/],
    ['bad tag glob', 'inputs:\n  - type: docker_logs\noutputs:\n  - type: stdout\n    match: "docker..x"\n', /^p\.yaml:5:12: outputs\[0\]\.match: tag glob "docker\.\.x" has an empty part/],
    ['duplicate id', 'inputs:\n  - type: docker_logs\n    id: a\noutputs:\n  - type: stdout\n    id: a\n', /^p\.yaml:5:5: outputs\[0\]\.id: id "a" is already used by inputs\[0\]/],
    ['interval under 10 s', 'inputs:\n  - type: docker_exec\n    command: [df]\n    mode: interval\n    interval: 5s\noutputs:\n  - type: stdout\n', /^p\.yaml:5:15: inputs\[0\]\.interval: must be at least 10s/],
    ['interval without interval mode', 'inputs:\n  - type: docker_exec\n    command: [df]\n    interval: 30s\noutputs:\n  - type: stdout\n', /^p\.yaml:4:15: inputs\[0\]\.interval: only used with mode: interval — add "mode: interval" or remove interval/],
    ['command as a string', 'inputs:\n  - type: docker_exec\n    command: df -k\noutputs:\n  - type: stdout\n', /^p\.yaml:3:14: inputs\[0\]\.command: expected array, got string/],
    ['kafka without brokers', 'inputs:\n  - type: docker_logs\noutputs:\n  - type: kafka\n    brokers: []\n    topic: logs\n', /^p\.yaml:5:14: outputs\[0\]\.brokers: give at least one broker, e\.g\. \["127\.0\.0\.1:9092"\]/],
    ['kafka broker without port', 'inputs:\n  - type: docker_logs\noutputs:\n  - type: kafka\n    brokers: [kafka]\n    topic: logs\n', /^p\.yaml:5:15: outputs\[0\]\.brokers\[0\]: write a broker as host:port/],
    ['kafka compression name', 'inputs:\n  - type: docker_logs\noutputs:\n  - type: kafka\n    brokers: ["k:9092"]\n    topic: logs\n    compression: brotli\n', /^p\.yaml:7:18: outputs\[0\]\.compression: "brotli" is not allowed — use one of: "gzip", "snappy", "lz4", "zstd", "none"/],
    ['kafka topic template', 'inputs:\n  - type: docker_logs\noutputs:\n  - type: kafka\n    brokers: ["k:9092"]\n    topic: "logs.{container.name"\n', /^p\.yaml:6:12: outputs\[0\]\.topic: topic: unclosed "\{"/],
    ['kafka idempotent with acks 1', 'inputs:\n  - type: docker_logs\noutputs:\n  - type: kafka\n    brokers: ["k:9092"]\n    topic: logs\n    acks: 1\n', /^p\.yaml:7:11: outputs\[0\]\.acks: an idempotent producer needs acks -1/],
    ['kafka tls file missing', 'inputs:\n  - type: docker_logs\noutputs:\n  - type: kafka\n    brokers: ["k:9092"]\n    topic: logs\n    tls: { ca_file: /nonexistent/ca.pem }\n', /^p\.yaml:7:10: outputs\[0\]\.tls: ca_file \/nonexistent\/ca\.pem does not exist/],
    ['elasticsearch malformed host URL', 'inputs:\n  - type: docker_logs\noutputs:\n  - type: elasticsearch\n    hosts: ["127.0.0.1:9200"]\n', /^p\.yaml:5:13: outputs\[0\]\.hosts\[0\]: "127\.0\.0\.1:9200" is not a node URL — write e\.g\. http:\/\/127\.0\.0\.1:9200/],
    ['elasticsearch unknown auth field', 'inputs:\n  - type: docker_logs\noutputs:\n  - type: elasticsearch\n    hosts: ["http://es:9200"]\n    auth: { user: elastic, password: x }\n', /^p\.yaml:6:13: outputs\[0\]\.auth\.user: unknown key \(valid keys: username, password, password_file, api_key, api_key_file, bearer, bearer_file\)/],
    ['elasticsearch two kinds of auth', 'inputs:\n  - type: docker_logs\noutputs:\n  - type: elasticsearch\n    hosts: ["http://es:9200"]\n    auth: { api_key: k, bearer: t }\n', /^p\.yaml:6:11: outputs\[0\]\.auth: give exactly one kind of authentication/],
    ['grep invalid regex', 'inputs:\n  - type: docker_logs\ntransforms:\n  - type: grep\n    exclude: { message: "([a-z" }\noutputs:\n  - type: stdout\n', /^p\.yaml:5:25: transforms\[0\]\.exclude\.message: not a valid regular expression/],
    ['multiline unknown preset', 'inputs:\n  - type: docker_logs\ntransforms:\n  - type: multiline\n    preset: ruby\noutputs:\n  - type: stdout\n', /^p\.yaml:5:13: transforms\[0\]\.preset: "ruby" is not allowed — use one of: "java", "python", "go"/],
    ['unknown transform type', 'inputs:\n  - type: docker_logs\ntransforms:\n  - type: jsn\noutputs:\n  - type: stdout\n', /^p\.yaml:4:11: transforms\[0\]\.type: unknown transform type "jsn"; did you mean "json"\?/],
    ['unset variable', 'inputs:\n  - type: docker_logs\noutputs:\n  - type: file\n    path: ${OUT_DIR}/x.jsonl\n', /^p\.yaml:5:11: environment variable OUT_DIR is not set/],
    ['interval longer than a timer', 'inputs:\n  - type: docker_exec\n    command: [df]\n    mode: interval\n    interval: 720h\noutputs:\n  - type: stdout\n', /^p\.yaml:5:15: inputs\[0\]\.interval: must be between 10s and 2147483647ms \(about 24\.8 days, the longest a Node\.js timer can wait\) \(got 720h\)$/],
    ['infinite duration', `shutdown_timeout: .inf\n${ok}`, /^p\.yaml:1:19: shutdown_timeout: must be between 1ms and 2147483647ms/],
    ['size zero after units', `queue:\n  max_bytes: 0KiB\n${ok}`, /^p\.yaml:2:14: queue\.max_bytes: must be between 1 B and 2 GiB \(got 0 B\)$/],
    ['size beyond 2^53', 'inputs:\n  - type: generator\n    message_bytes: 99999999999999999999999\noutputs:\n  - type: stdout\n', /^p\.yaml:3:20: inputs\[0\]\.message_bytes: must be between 1 B and 64 MiB/],
    ['rate 1e308', 'inputs:\n  - type: generator\n    rate: 1e308\noutputs:\n  - type: stdout\n', /^p\.yaml:3:11: inputs\[0\]\.rate: must be a number from 0 up to 10000000$/],
    ['kafka broker port out of range', 'inputs:\n  - type: docker_logs\noutputs:\n  - type: kafka\n    brokers: ["k:99999"]\n    topic: logs\n', /^p\.yaml:5:15: outputs\[0\]\.brokers\[0\]: port must be from 1 to 65535 \(in "k:99999"\)$/],
    ['docker_host port out of range', 'inputs:\n  - type: docker_logs\n    docker_host: tcp://docker:99999\noutputs:\n  - type: stdout\n', /^p\.yaml:3:18: inputs\[0\]\.docker_host: "tcp:\/\/docker:99999" is not a Docker address/],
    ['catastrophic regex', 'inputs:\n  - type: docker_logs\ntransforms:\n  - type: grep\n    exclude: { message: "(a+)+$" }\noutputs:\n  - type: stdout\n', /^p\.yaml:5:25: transforms\[0\]\.exclude\.message: nested quantifier "\(a\+\)\+" can take exponential time/],
    ['elasticsearch URL credentials are not echoed', 'inputs:\n  - type: docker_logs\noutputs:\n  - type: elasticsearch\n    hosts: ["http://elastic:s3cret@es:99999"]\n', /^p\.yaml:5:13: outputs\[0\]\.hosts\[0\]: "http:\/\/elastic:\*\*\*@es:99999" is not a node URL/],
    ['elasticsearch password and password_file', 'inputs:\n  - type: docker_logs\noutputs:\n  - type: elasticsearch\n    hosts: ["http://es:9200"]\n    auth: { username: elastic, password: x, password_file: /run/secrets/es }\n', /^p\.yaml:6:60: outputs\[0\]\.auth\.password_file: give password or password_file, not both$/],
    ['elasticsearch password_file missing', 'inputs:\n  - type: docker_logs\noutputs:\n  - type: elasticsearch\n    hosts: ["http://es:9200"]\n    auth: { api_key_file: /nonexistent/es-key }\n', /^p\.yaml:6:27: outputs\[0\]\.auth\.api_key_file: \/nonexistent\/es-key: no such file — check the path/],
    ['kafka sasl without a password', 'inputs:\n  - type: docker_logs\noutputs:\n  - type: kafka\n    brokers: ["k:9092"]\n    topic: logs\n    sasl: { mechanism: plain, username: u }\n', /^p\.yaml:7:11: outputs\[0\]\.sasl: give password or password_file$/],
  ])('%s', (_kind, text, expected) => {
    const found = problems(text);
    expect(found.length).toBeGreaterThanOrEqual(1);
    if (!String(expected).includes('YAML syntax')) expect(found).toHaveLength(1);
    for (const line of found) expect(line).toMatch(expected);
  });

  it('reports every problem in the file at once, one line each', () => {
    const found = problems('inputs:\n  - type: docker_logs\n    includ: {}\noutputs:\n  - type: stdout\n    format: x\n  - type: nope\n');
    expect(found).toHaveLength(3);
    for (const line of found) expect(line).not.toContain('\n');
  });

  it('never echoes credentials of a URL, whatever the message', () => {
    const found = problems('inputs:\n  - type: docker_logs\noutputs:\n  - type: file\n    path: ${OUT}\n  - type: elasticsearch\n    hosts: ["ftp://u:pw@es"]\n  - type: stdout\n    format: "https://u:pw@x"\n');
    expect(found).toHaveLength(3);
    for (const line of found) expect(line).not.toContain('pw');
    expect(found[2]).toContain('"https://u:***@x" is not allowed');
  });

  it('reports an alias bomb as one line naming the file', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) levels.push(`l${i}: &l${i} [${Array(9).fill(i === 1 ? '*a' : `*l${i - 1}`).join(',')}]`);
    const found = problems(`${levels.join('\n')}\n${ok}`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^p\.yaml: too many YAML aliases \(more than \d+ expansions\)/);
  });

  it('reports a file nested too deeply, naming the file, in at most 21 lines', () => {
    // the YAML parser reports syntax errors or runs out of stack, depending on the stack left
    const found = problems(`x: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n${ok}`);
    expect(found.length).toBeGreaterThan(0);
    expect(found.length).toBeLessThanOrEqual(21);
    for (const line of found) expect(line).toMatch(/^p\.yaml(:\d+:\d+)?: /);
  });

  it('refuses a pipeline file over 1 MiB before parsing it', async () => {
    const { loadPipelineFile } = await import('./load.js');
    const file = join(mkdtempSync(join(tmpdir(), 'load-')), 'big.yaml');
    writeFileSync(file, `${ok}# ${'x'.repeat(1024 * 1024)}\n`);
    const started = Date.now();
    expect(() => loadPipelineFile(file, {})).toThrowError(new RegExp(`^${file}: is larger than 1 MiB; a pipeline file may be at most 1 MiB — `));
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('checks a file of nearly 1 MiB in a few seconds: duplicate keys are found in linear time', () => {
    const keys = Array.from({ length: 60_000 }, (_, i) => `  k${i}: [${i}, ${i}]\n`).join('');
    const started = Date.now();
    const found = problems(`${ok}extra:\n${keys}  k7: again\n`);
    expect(Date.now() - started).toBeLessThan(6000);
    expect(found).toEqual([expect.stringMatching(/^p\.yaml:60006:3: YAML syntax: Map keys must be unique/)]);
  });

  it('reports a missing file with its path', async () => {
    const { loadPipelineFile } = await import('./load.js');
    expect(() => loadPipelineFile('/nonexistent/pipeline.yaml')).toThrowError(/\/nonexistent\/pipeline\.yaml: no such file — check the path/);
  });
});

describe('pipeline files that are fine', () => {
  it('applies defaults', () => {
    const p = parsePipeline(ok, 'p.yaml', {});
    expect(p.settings.queue).toEqual({ max_records: 8192, max_bytes: 16 * 1024 * 1024 });
    expect(p.outputs[0]?.match).toBe('**');
    expect(p.outputs[0]?.id).toBe('stdout_0');
    expect(p.inputs[0]?.config).toMatchObject({ start_at: 'beginning', max_line_bytes: 1024 * 1024, include: { names: [], labels: [], images: [] } });
  });

  it('interpolates ${VAR} and ${VAR:-default}, typing unquoted values, keeping $${ literal', () => {
    const p = parsePipeline(
      'queue:\n  max_records: ${MAXR}\ninputs:\n  - type: docker_logs\n    include:\n      labels: ["team=${TEAM:-core}"]\noutputs:\n  - type: file\n    path: "${DIR}/out-$${x}.jsonl"\n',
      'p.yaml',
      { MAXR: '500', DIR: '/data' },
    );
    expect(p.settings.queue.max_records).toBe(500);
    expect(p.inputs[0]?.config).toMatchObject({ include: { labels: ['team=core'] } });
    expect(p.outputs[0]?.config).toMatchObject({ path: '/data/out-${x}.jsonl' });
  });

  it('reads secrets from files: the content, without the trailing newline, becomes the option', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
    writeFileSync(join(dir, 'es'), 's3cret\n');
    writeFileSync(join(dir, 'kafka'), 'k-pass\n');
    const p = parsePipeline(
      `inputs:\n  - type: docker_logs\noutputs:\n  - type: elasticsearch\n    hosts: ["http://es:9200"]\n    auth: { username: elastic, password_file: ${dir}/es }\n  - type: kafka\n    brokers: ["k:9092"]\n    topic: logs\n    sasl: { mechanism: plain, username: u, password_file: ${dir}/kafka }\n`,
      'p.yaml',
      {},
    );
    expect(p.outputs[0]?.config).toMatchObject({ auth: { username: 'elastic', password: 's3cret' } });
    expect(p.outputs[1]?.config).toMatchObject({ sasl: { mechanism: 'plain', username: 'u', password: 'k-pass' } });
  });

  it('accepts units for sizes and durations', () => {
    const p = parsePipeline(`queue:\n  max_bytes: 4MiB\nshutdown_timeout: 30s\n${ok}`, 'p.yaml', {});
    expect(p.settings.queue.max_bytes).toBe(4 * 1024 * 1024);
    expect(p.settings.shutdown_timeout).toBe(30_000);
  });
});
