/**
 * deploy/kubernetes against the Kubernetes API schemas (kubernetes-models, generated from the
 * Kubernetes OpenAPI spec): types, formats and required fields through the schema validators, and
 * unknown fields (a misspelt livenessProbe) through TypeScript's excess-property check against
 * the same models' types — what `kubectl apply --validate=strict` would refuse. Then the wiring
 * between the files, and the pipeline in the ConfigMap as `logship validate` sees it.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { PriorityClass } from 'kubernetes-models/scheduling.k8s.io/v1/PriorityClass';
import { parsePipeline } from '../../src/config/load.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = join(root, 'deploy/kubernetes');

/** kind → the model that validates it and the module whose interface types it. */
const MODELS: Record<string, { model: new (data: never) => { validate(): void }; module: string; type: string }> = {
  'v1/Namespace': { model: Namespace, module: 'kubernetes-models/v1/Namespace', type: 'INamespace' },
  'v1/ServiceAccount': { model: ServiceAccount, module: 'kubernetes-models/v1/ServiceAccount', type: 'IServiceAccount' },
  'v1/ConfigMap': { model: ConfigMap, module: 'kubernetes-models/v1/ConfigMap', type: 'IConfigMap' },
  'apps/v1/DaemonSet': { model: DaemonSet, module: 'kubernetes-models/apps/v1/DaemonSet', type: 'IDaemonSet' },
  'scheduling.k8s.io/v1/PriorityClass': { model: PriorityClass, module: 'kubernetes-models/scheduling.k8s.io/v1/PriorityClass', type: 'IPriorityClass' },
};

interface Manifest {
  file: string;
  key: string;
  doc: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function manifests(): Manifest[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((d) => {
        const doc = d.toJS() as Manifest['doc'];
        return { file, key: `${doc.apiVersion}/${doc.kind}`, doc };
      }),
    );
}

/** TypeScript errors of `const m: IKind = <manifest>` for each manifest: unknown fields and wrong types. */
function typeErrors(list: Manifest[]): string[] {
  const work = mkdtempSync(join(tmpdir(), 'k8s-types-'));
  const file = join(work, 'manifests.ts');
  const source = list
    .map((m, i) => {
      const model = MODELS[m.key];
      if (!model) return `// no model for ${m.key}`;
      return `import type { ${model.type} as T${i} } from '${model.module}';\nexport const m${i}: T${i} = ${JSON.stringify(m.doc, null, 2)};`;
    })
    .join('\n');
  writeFileSync(file, source);
  const program = ts.createProgram([file], {
    strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
    baseUrl: root, paths: { 'kubernetes-models/*': [join(root, 'node_modules/kubernetes-models/*')] },
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    return where && d.file ? `${d.file.text.split('\n')[where.line]?.trim()}: ${text}` : text;
  });
}

describe('deploy/kubernetes', () => {
  const all = manifests();
  const byKind = (kind: string): Manifest['doc'] => {
    const found = all.find((m) => m.doc.kind === kind);
    if (!found) throw new Error(`no ${kind} in deploy/kubernetes`);
    return found.doc;
  };

  it('holds a DaemonSet, a ConfigMap, a ServiceAccount, a PriorityClass and a Namespace, each valid against its schema', () => {
    expect(all.map((m) => m.doc.kind).sort()).toEqual(['ConfigMap', 'DaemonSet', 'Namespace', 'PriorityClass', 'ServiceAccount']);
    for (const m of all) {
      const model = MODELS[m.key];
      expect(model, `${m.file}: ${m.key}`).toBeDefined();
      expect(() => new (model as NonNullable<typeof model>).model(m.doc as never).validate(), m.file).not.toThrow();
    }
  });

  it('has no unknown or mistyped fields (strict, as the API types define them)', () => {
    expect(typeErrors(all)).toEqual([]);
  }, 60_000);

  it('catches what it claims to: a misspelt field and a wrong type are refused', () => {
    const ds = structuredClone(byKind('DaemonSet'));
    ds.spec.template.spec.containers[0].livenesProbe = ds.spec.template.spec.containers[0].livenessProbe;
    expect(typeErrors([{ file: 'x', key: 'apps/v1/DaemonSet', doc: ds }]).join('\n')).toMatch(/livenesProbe/);
    const wrong = structuredClone(byKind('DaemonSet'));
    wrong.spec.template.spec.containers[0].ports[0].containerPort = 'api';
    expect(() => new DaemonSet(wrong as never).validate()).toThrow(/containerPort/);
  }, 60_000);

  it('wires the files together: account, priority class, ConfigMap, probes on the API port, node name, mounts', () => {
    const ds = byKind('DaemonSet');
    const pod = ds.spec.template.spec;
    const container = pod.containers[0];
    expect(pod.serviceAccountName).toBe(byKind('ServiceAccount').metadata.name);
    expect(pod.priorityClassName).toBe(byKind('PriorityClass').metadata.name);
    expect(pod.tolerations).toContainEqual({ operator: 'Exists' });
    const volumes = Object.fromEntries(pod.volumes.map((v: { name: string }) => [v.name, v]));
    const mounts = Object.fromEntries(container.volumeMounts.map((m: { name: string; mountPath: string }) => [m.mountPath, volumes[m.name]]));
    expect(mounts['/var/run/docker.sock'].hostPath).toEqual({ path: '/var/run/docker.sock', type: 'Socket' });
    expect(mounts['/var/lib/logship'].hostPath.path).toBe('/var/lib/logship');
    expect(mounts['/var/lib/docker/containers'].hostPath.path).toBe('/var/lib/docker/containers');
    expect(container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/var/lib/docker/containers').readOnly).toBe(true);
    expect(mounts['/etc/logship'].configMap.name).toBe(byKind('ConfigMap').metadata.name);
    expect(container.args).toEqual(['run', '/etc/logship/pipeline.yaml', '--watch']);
    expect(container.env).toContainEqual({ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'api' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'api' });
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits.memory).toBeDefined();
    for (const m of all.filter((x) => !['Namespace', 'PriorityClass'].includes(x.doc.kind))) expect(m.doc.metadata.namespace, m.file).toBe(byKind('Namespace').metadata.name);
  });

  it("holds a pipeline that validates with the DaemonSet's environment, its API on the probed port", () => {
    const ds = byKind('DaemonSet');
    const container = ds.spec.template.spec.containers[0];
    const env = Object.fromEntries(container.env.filter((e: { value?: string }) => e.value !== undefined).map((e: { name: string; value: string }) => [e.name, e.value]));
    const pipeline = parsePipeline(byKind('ConfigMap').data['pipeline.yaml'], 'deploy/kubernetes/configmap.yaml (pipeline.yaml)', env);
    const apiPort = container.ports.find((p: { name: string }) => p.name === 'api').containerPort;
    expect(pipeline.settings.api.address).toBe(`0.0.0.0:${apiPort}`);
    expect(pipeline.inputs.map((i) => i.definition.type)).toEqual(['docker_logs', 'docker_tail']);
  });

  it('keeps /tap off, any pod being able to reach the API; probes and /metrics need no token; turning /tap on as the ConfigMap says puts it behind the mounted Secret', () => {
    const ds = byKind('DaemonSet');
    const pod = ds.spec.template.spec;
    const container = pod.containers[0];
    const env = { KAFKA_BROKERS: 'kafka:9092', ES_URL: 'http://es:9200' };
    const text = byKind('ConfigMap').data['pipeline.yaml'] as string;
    const { api } = parsePipeline(text, 'configmap.yaml', env).settings;
    expect(api).toMatchObject({ enabled: true, tap: false });
    expect(api.token_file).toBeUndefined();
    // kubelet probes and Prometheus send no credentials
    for (const probe of [container.livenessProbe, container.readinessProbe]) expect(probe.httpGet.httpHeaders).toBeUndefined();
    expect(ds.spec.template.metadata.annotations['prometheus.io/path']).toBe('/metrics');

    // the token comes from a Secret the operator creates: optional, read-only, and not shipped here
    const volume = pod.volumes.find((v: { name: string }) => v.name === 'api-token');
    expect(volume.secret).toEqual({ secretName: 'logship-api-token', optional: true, defaultMode: 0o400 });
    const mount = container.volumeMounts.find((m: { name: string }) => m.name === 'api-token');
    expect(mount.readOnly).toBe(true);
    expect(all.map((m) => m.doc.kind)).not.toContain('Secret');

    const enabled = text.replace(/tap: false\n(\s*)# tap: true\n\s*# token_file: /, 'tap: true\n$1token_file: ');
    expect(enabled).not.toBe(text);
    const on = parsePipeline(enabled, 'configmap.yaml', env).settings.api;
    expect(on.tap).toBe(true);
    expect(on.token_file?.startsWith(`${mount.mountPath}/`)).toBe(true);
    // and without the token line, the pipeline is refused rather than open to every pod
    expect(() => parsePipeline(enabled.replace(/\n\s*token_file: .*/, ''), 'configmap.yaml', env)).toThrow(/api\.tap: .*set api\.token_file/);
  });

  it('has a kustomization listing every manifest, with known keys only', () => {
    const kustomization = parseAllDocuments(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'))[0]?.toJS() as Record<string, unknown>;
    expect(kustomization.apiVersion).toBe('kustomize.config.k8s.io/v1beta1');
    expect(kustomization.kind).toBe('Kustomization');
    expect(Object.keys(kustomization).filter((k) => !['apiVersion', 'kind', 'namespace', 'labels', 'resources', 'images'].includes(k))).toEqual([]);
    expect([...(kustomization.resources as string[])].sort()).toEqual([...new Set(all.map((m) => m.file))].sort());
    expect(kustomization.namespace).toBe(byKind('Namespace').metadata.name);
    const image = byKind('DaemonSet').spec.template.spec.containers[0].image as string;
    expect((kustomization.images as Array<{ name: string }>).map((i) => i.name)).toContain(image.split(':')[0]);
  });
});

describe('deploy/kubernetes/namespace-scoped', () => {
  const componentDir = join(dir, 'namespace-scoped');
  const yamlIn = (file: string): Record<string, any> => parseAllDocuments(readFileSync(join(componentDir, file), 'utf8'))[0]?.toJS() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const base = manifests();
  const baseConfigMap = base.find((m) => m.doc.kind === 'ConfigMap')?.doc as Manifest['doc'];
  const container = base.find((m) => m.doc.kind === 'DaemonSet')?.doc.spec.template.spec.containers[0];

  it('is a kustomize component the base names (commented out), patching files that exist', () => {
    const component = yamlIn('kustomization.yaml');
    expect(component).toMatchObject({ apiVersion: 'kustomize.config.k8s.io/v1alpha1', kind: 'Component' });
    for (const patch of component.patches as Array<{ path: string }>) expect(readdirSync(componentDir)).toContain(patch.path);
    expect(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')).toMatch(/^# components: \[namespace-scoped\]$/m);
  });

  it("replaces the base ConfigMap's pipeline with a valid one that reads only some namespaces' pods", () => {
    const patch = yamlIn('pipeline.yaml');
    expect(() => new ConfigMap(patch as never).validate()).not.toThrow();
    expect(typeErrors([{ file: 'pipeline.yaml', key: 'v1/ConfigMap', doc: patch }])).toEqual([]);
    expect(patch.metadata).toMatchObject({ name: baseConfigMap.metadata.name, namespace: baseConfigMap.metadata.namespace });
    expect(Object.keys(patch.data)).toEqual(Object.keys(baseConfigMap.data));
    const env = Object.fromEntries(container.env.filter((e: { value?: string }) => e.value !== undefined).map((e: { name: string; value: string }) => [e.name, e.value]));
    const pipeline = parsePipeline(patch.data['pipeline.yaml'], 'namespace-scoped/pipeline.yaml', env);
    expect(pipeline.settings.api).toMatchObject({ address: `0.0.0.0:${container.ports[0].containerPort}`, tap: false });
    expect(pipeline.inputs).toHaveLength(1);
    expect(pipeline.inputs[0]?.config).toMatchObject({ include: { namespaces: ['shop', 'shop-*'] }, pod_sandboxes: false });
  }, 60_000);
});
