import { describe, expect, it } from 'vitest';
import { isPodSandbox, malformedPodLabels, podOf } from './kubernetes.js';

/** The labels cri-dockerd gives a pod's container (and, with type podsandbox, its sandbox). */
function kubeletLabels(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'io.kubernetes.pod.namespace': 'shop',
    'io.kubernetes.pod.name': 'web-7d4b9c-x2x9k',
    'io.kubernetes.pod.uid': '0b7f5a3e-3c1d-4c55-9f3e-2a1b9c8d7e6f',
    'io.kubernetes.container.name': 'nginx',
    'io.kubernetes.docker.type': 'container',
    'io.kubernetes.sandbox.id': 'a'.repeat(64),
    ...overrides,
  };
}

describe('podOf', () => {
  it("takes namespace, pod name and UID and container name from the kubelet's labels", () => {
    expect(podOf(kubeletLabels())).toEqual({
      namespace: 'shop',
      pod: { name: 'web-7d4b9c-x2x9k', uid: '0b7f5a3e-3c1d-4c55-9f3e-2a1b9c8d7e6f' },
      container: { name: 'nginx' },
    });
  });

  it('takes what Kubernetes names can be: dots in pod names (static pods carry the node name), a static pod UID in hex', () => {
    const pod = podOf(kubeletLabels({ 'io.kubernetes.pod.name': 'kube-apiserver-node-1.example.com', 'io.kubernetes.pod.uid': '5f1c2b9d8e7a6c4b3a2918f7e6d5c4b3' }));
    expect(pod?.pod).toEqual({ name: 'kube-apiserver-node-1.example.com', uid: '5f1c2b9d8e7a6c4b3a2918f7e6d5c4b3' });
  });

  it('gives a sandbox its pod but no container ("POD" names none of the pod spec)', () => {
    const labels = kubeletLabels({ 'io.kubernetes.docker.type': 'podsandbox', 'io.kubernetes.container.name': 'POD' });
    expect(podOf(labels)).toEqual({ namespace: 'shop', pod: { name: 'web-7d4b9c-x2x9k', uid: '0b7f5a3e-3c1d-4c55-9f3e-2a1b9c8d7e6f' } });
    expect(malformedPodLabels(labels)).toEqual([]);
  });

  it('is undefined for containers outside Kubernetes, or with only some of the pod labels', () => {
    expect(podOf({})).toBeUndefined();
    expect(podOf({ app: 'web', 'io.kubernetes.pod.namespace': 'shop' })).toBeUndefined();
    const { 'io.kubernetes.pod.uid': _uid, ...noUid } = kubeletLabels();
    expect(podOf(noUid)).toBeUndefined();
  });

  it.each([
    ['a dot in the namespace (it would split a tag part)', 'io.kubernetes.pod.namespace', 'kube-system.evil'],
    ['an upper-case namespace', 'io.kubernetes.pod.namespace', 'Shop'],
    ['a namespace of 64 characters', 'io.kubernetes.pod.namespace', 'n'.repeat(64)],
    ['a newline in the pod name', 'io.kubernetes.pod.name', 'web\n{"forged":true}'],
    ['a pod name of 4 KiB', 'io.kubernetes.pod.name', 'p'.repeat(4096)],
    ['an empty pod name part', 'io.kubernetes.pod.name', 'web..x'],
    ['a quote in the UID', 'io.kubernetes.pod.uid', '0b7f"5a3e'],
    ['an empty namespace', 'io.kubernetes.pod.namespace', ''],
  ])('takes no pod from labels whose values Kubernetes would refuse: %s', (_, key, value) => {
    const labels = kubeletLabels({ [key]: value });
    expect(podOf(labels)).toBeUndefined();
    expect(malformedPodLabels(labels)).toEqual([key]);
  });

  it('leaves out only the container name when that alone is not a Kubernetes name', () => {
    const labels = kubeletLabels({ 'io.kubernetes.container.name': 'web/../x' });
    expect(podOf(labels)).toEqual({ namespace: 'shop', pod: { name: 'web-7d4b9c-x2x9k', uid: '0b7f5a3e-3c1d-4c55-9f3e-2a1b9c8d7e6f' } });
    expect(malformedPodLabels(labels)).toEqual(['io.kubernetes.container.name']);
  });

  it('does not take labels from the prototype chain', () => {
    const labels = Object.create(kubeletLabels()) as Record<string, string>;
    expect(podOf(labels)).toBeUndefined();
  });
});

describe('isPodSandbox', () => {
  it('is true only for the podsandbox type cri-dockerd gives sandboxes', () => {
    expect(isPodSandbox(kubeletLabels({ 'io.kubernetes.docker.type': 'podsandbox' }))).toBe(true);
    expect(isPodSandbox(kubeletLabels())).toBe(false);
    expect(isPodSandbox({})).toBe(false);
  });
});
