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
    ['elasticsearch unknown auth field', 'inputs:\n  - type: docker_logs\noutputs:\n  - type: elasticsearch\n    hosts: ["http://es:9200"]\n    auth: { user: elastic, password: x }\n', /^p\.yaml:6:13: outputs\[0\]\.auth\.user: unknown key \(valid keys: username, password, api_key, bearer\)/],
    ['elasticsearch two kinds of auth', 'inputs:\n  - type: docker_logs\noutputs:\n  - type: elasticsearch\n    hosts: ["http://es:9200"]\n    auth: { api_key: k, bearer: t }\n', /^p\.yaml:6:11: outputs\[0\]\.auth: give exactly one kind of authentication/],
    ['grep invalid regex', 'inputs:\n  - type: docker_logs\ntransforms:\n  - type: grep\n    exclude: { message: "([a-z" }\noutputs:\n  - type: stdout\n', /^p\.yaml:5:25: transforms\[0\]\.exclude\.message: not a valid regular expression/],
    ['multiline unknown preset', 'inputs:\n  - type: docker_logs\ntransforms:\n  - type: multiline\n    preset: ruby\noutputs:\n  - type: stdout\n', /^p\.yaml:5:13: transforms\[0\]\.preset: "ruby" is not allowed — use one of: "java", "python", "go"/],
    ['unknown transform type', 'inputs:\n  - type: docker_logs\ntransforms:\n  - type: jsn\noutputs:\n  - type: stdout\n', /^p\.yaml:4:11: transforms\[0\]\.type: unknown transform type "jsn"; did you mean "json"\?/],
    ['unset variable', 'inputs:\n  - type: docker_logs\noutputs:\n  - type: file\n    path: ${OUT_DIR}/x.jsonl\n', /^p\.yaml:5:11: environment variable OUT_DIR is not set/],
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

  it('accepts units for sizes and durations', () => {
    const p = parsePipeline(`queue:\n  max_bytes: 4MiB\nshutdown_timeout: 30s\n${ok}`, 'p.yaml', {});
    expect(p.settings.queue.max_bytes).toBe(4 * 1024 * 1024);
    expect(p.settings.shutdown_timeout).toBe(30_000);
  });
});
