import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { docker, removeContainersWithLabel, runContainer, uniqueLabel } from '../helpers/docker-cli.js';
import { readRecords, waitForRecords } from '../helpers/output-file.js';
import { Shipper, tempDir } from '../helpers/shipper.js';
import type { LogRecord } from '../../src/core/record.js';

// Containers labelled as cri-dockerd labels a pod's containers and its sandbox: what the kubelet
// runs on a Docker Engine node, without a Kubernetes cluster.
const label = uniqueLabel();
afterAll(() => removeContainersWithLabel(label));

interface Pod {
  namespace: string;
  name: string;
  uid: string;
}

const shopWeb: Pod = { namespace: 'shop', name: 'web-6b7f9c-abcde', uid: '6f1b2a3c-4d5e-4f60-8a9b-0c1d2e3f4a5b' };
const shopCanary: Pod = { namespace: 'shop', name: 'web-canary-7c9d-fghij', uid: '7a2c3b4d-5e6f-4071-9b8c-1d2e3f4a5b6c' };
const systemDns: Pod = { namespace: 'kube-system', name: 'coredns-5d78c9869d-k2x7p', uid: '8b3d4c5e-6f70-4182-ac9d-2e3f4a5b6c7d' };

function podLabels(pod: Pod, container: string, type: 'container' | 'podsandbox'): string[] {
  const labels = {
    'io.kubernetes.pod.namespace': pod.namespace,
    'io.kubernetes.pod.name': pod.name,
    'io.kubernetes.pod.uid': pod.uid,
    'io.kubernetes.container.name': container,
    'io.kubernetes.docker.type': type,
  };
  return Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
}

/** Prints its line, then stays up: docker_exec runs only in running containers. */
const running = (line: string, extraArgs: string[]): Promise<string> => runContainer({ label, script: `echo '${line}'; exec sleep 3600`, extraArgs });

const PIPELINE = (dir: string): string => `
inputs:
  # ready-made JSON straight to the file (no tag template, no transform)
  - type: docker_logs
    id: plain
    include: { labels: ["${label}"] }
  - type: docker_logs
    id: by_namespace
    include: { labels: ["${label}"] }
    tag: "k8s.{kubernetes.namespace}.{kubernetes.container.name}"
  - type: docker_logs
    id: shop
    include: { labels: ["${label}"], namespaces: ["sho*"] }
    tag: shop
  - type: docker_logs
    id: no_system
    include: { labels: ["${label}"] }
    exclude: { namespaces: ["kube-*"], pods: ["*-canary-*"] }
    tag: no_system
  - type: docker_logs
    id: sandboxes
    include: { labels: ["${label}"] }
    pod_sandboxes: true
    tag: sandboxes
  - type: docker_exec
    id: exec
    include: { labels: ["${label}"], namespaces: ["*"] }
    command: ["echo", "exec ran"]
    exit_records: false
    tag: "exec.{kubernetes.namespace}"
transforms:
  - type: modify
    match: "k8s.**"
    set: { route: "logs.{kubernetes.namespace}" }
outputs:
${['plain:docker.**', 'by_namespace:k8s.**', 'shop:shop', 'no_system:no_system', 'sandboxes:sandboxes', 'exec:exec.**']
  .map((spec) => spec.split(':') as [string, string])
  .map(([id, match]) => `  - type: file\n    id: ${id}_file\n    match: "${match}"\n    path: ${join(dir, `${id}.jsonl`)}\n`)
  .join('')}`;

const messages = (records: LogRecord[]): string[] => records.map((r) => r.message).sort();

describe('Kubernetes metadata from the cri-dockerd labels', () => {
  it('records of pods carry kubernetes.*; namespaces and pods select; templates use them; sandboxes are skipped; other containers are as before', async () => {
    const started = Date.now();
    const dir = tempDir();
    const shipper = Shipper.run(PIPELINE(dir), join(dir, 'state'));
    try {
      await shipper.ready();
      const ids = {
        web: await running('shop web line', podLabels(shopWeb, 'web', 'container')),
        sandbox: await running('sandbox line', podLabels(shopWeb, 'POD', 'podsandbox')),
        canary: await running('shop canary line', podLabels(shopCanary, 'web', 'container')),
        dns: await running('system dns line', podLabels(systemDns, 'coredns', 'container')),
        plain: await running('plain line', []),
        // labels anyone can set, with values no Kubernetes would give: a dot would split a tag part
        forged: await running('forged line', ['--label', 'io.kubernetes.pod.namespace=kube-system.evil', '--label', 'io.kubernetes.pod.name=x', '--label', 'io.kubernetes.pod.uid=1']),
      };
      const out = (id: string): string => join(dir, `${id}.jsonl`);
      const plain = await waitForRecords(out('plain'), (r) => r.length >= 5, 30_000);
      await waitForRecords(out('exec'), (r) => new Set(r.map((x) => x.container.id)).size >= 3, 30_000);
      await waitForRecords(out('sandboxes'), (r) => r.length >= 6, 30_000);
      // what should not arrive has had time to
      await new Promise((r) => setTimeout(r, 1500));

      const byId = (records: LogRecord[], id: string): LogRecord | undefined => records.find((r) => r.container.id === id);
      expect(messages(readRecords(out('plain')))).toEqual(['forged line', 'plain line', 'shop canary line', 'shop web line', 'system dns line']);
      expect(byId(plain, ids.web)?.kubernetes).toEqual({ namespace: 'shop', pod: { name: shopWeb.name, uid: shopWeb.uid }, container: { name: 'web' } });
      expect(byId(plain, ids.dns)?.kubernetes).toEqual({ namespace: 'kube-system', pod: { name: systemDns.name, uid: systemDns.uid }, container: { name: 'coredns' } });
      // the field comes after host, as the unit tests of the ready-made JSON expect
      expect(Object.keys(byId(plain, ids.web) as LogRecord)).toEqual(['@timestamp', 'message', 'stream', 'source', 'tag', 'container', 'host', 'kubernetes']);
      for (const id of [ids.plain, ids.forged]) expect(byId(plain, id)).not.toHaveProperty('kubernetes');
      expect(byId(plain, ids.forged)?.container.labels['io.kubernetes.pod.namespace']).toBe('kube-system.evil');

      const tagged = readRecords(out('by_namespace'));
      expect(tagged.map((r) => `${r.tag} ${String(r.route)}`).sort()).toEqual([
        'k8s._._ logs.', 'k8s._._ logs.', 'k8s.kube-system.coredns logs.kube-system', 'k8s.shop.web logs.shop', 'k8s.shop.web logs.shop',
      ]);
      expect(messages(readRecords(out('shop')))).toEqual(['shop canary line', 'shop web line']);
      expect(messages(readRecords(out('no_system')))).toEqual(['forged line', 'plain line', 'shop web line']);

      const sandboxes = readRecords(out('sandboxes'));
      expect(messages(sandboxes)).toEqual(['forged line', 'plain line', 'sandbox line', 'shop canary line', 'shop web line', 'system dns line']);
      expect(byId(sandboxes, ids.sandbox)?.kubernetes).toEqual({ namespace: 'shop', pod: { name: shopWeb.name, uid: shopWeb.uid } });

      const execs = readRecords(out('exec'));
      expect([...new Set(execs.map((r) => r.container.id))].sort()).toEqual([ids.web, ids.canary, ids.dns].sort());
      expect(new Set(execs.map((r) => `${r.tag} ${r.message}`))).toEqual(new Set(['exec.shop exec ran', 'exec.kube-system exec ran']));
      expect(byId(execs, ids.dns)?.kubernetes?.container).toEqual({ name: 'coredns' });

      expect(shipper.stderr.split('\n').filter((l) => l.includes('"level":40') && l.includes('Kubernetes pod labels'))).toHaveLength(4);
      console.log(`kubernetes metadata: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } finally {
      await shipper.stop();
      await docker('rm', '-f', ...(await docker('ps', '-aq', '--filter', `label=${label}`)).split('\n').filter(Boolean)).catch(() => undefined);
    }
  }, 60_000);
});
