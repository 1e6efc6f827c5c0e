import { describe, expect, it } from 'vitest';
import { ContainerFilter } from './container-filter.js';
import { selectorSchema } from './options.js';

const none = selectorSchema.parse({});
const web = { name: 'web-1', image: 'nginx:1.27', labels: { app: 'shop', tier: 'front' } };
const movedImage = { ...web, image: 'sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741' };
const shortId = { ...web, image: '3f57d9401f8d' };

describe('ContainerFilter', () => {
  it.each([
    ['everything', none, none, web, true],
    ['name glob', selectorSchema.parse({ names: ['web-*'] }), none, web, true],
    ['name glob, other name', selectorSchema.parse({ names: ['db-*'] }), none, web, false],
    ['label key', selectorSchema.parse({ labels: ['app'] }), none, web, true],
    ['label key=value, all of them', selectorSchema.parse({ labels: ['app=shop', 'tier=back'] }), none, web, false],
    ['image glob', selectorSchema.parse({ images: ['nginx:*'] }), none, web, true],
    ['image glob, other image', selectorSchema.parse({ images: ['redis:*'] }), none, web, false],
    ['excluded by label', none, selectorSchema.parse({ labels: ['tier=front'] }), web, false],
    ['excluded by image', none, selectorSchema.parse({ images: ['nginx:*'] }), web, false],
  ])('%s', (_, include, exclude, container, expected) => {
    const filter = new ContainerFilter(include, exclude);
    expect(filter.matches(container)).toBe(expected);
    // a listing with the image's name says the same as inspect
    expect(filter.mayMatch(container)).toBe(expected);
  });

  it('a listing that shows an image ID (its name moved to another image) is not judged on image rules', () => {
    const onlyRedis = new ContainerFilter(selectorSchema.parse({ images: ['redis:*'] }), none);
    const noNginx = new ContainerFilter(none, selectorSchema.parse({ images: ['nginx:*'] }));
    for (const listed of [movedImage, shortId]) {
      expect(onlyRedis.mayMatch(listed)).toBe(true);
      expect(noNginx.mayMatch(listed)).toBe(true);
    }
    // names and labels are the same in a listing and in inspect: still judged
    expect(new ContainerFilter(selectorSchema.parse({ labels: ['app=other'] }), none).mayMatch(movedImage)).toBe(false);
  });
});

describe('ContainerFilter on Kubernetes pods', () => {
  const pod = (namespace: string, name: string, type = 'container') => ({
    name: `k8s_app_${name}_${namespace}_uid_0`,
    image: 'nginx:1.27',
    labels: {
      'io.kubernetes.pod.namespace': namespace,
      'io.kubernetes.pod.name': name,
      'io.kubernetes.pod.uid': '0b7f5a3e-3c1d-4c55-9f3e-2a1b9c8d7e6f',
      'io.kubernetes.container.name': type === 'podsandbox' ? 'POD' : 'app',
      'io.kubernetes.docker.type': type,
    },
  });
  const shopWeb = pod('shop', 'web-5f7c9-abcde');
  const systemDns = pod('kube-system', 'coredns-6d4b-xyz12');

  it.each([
    ['namespaces glob', selectorSchema.parse({ namespaces: ['sho*'] }), none, shopWeb, true],
    ['namespaces, another namespace', selectorSchema.parse({ namespaces: ['shop'] }), none, systemDns, false],
    ['namespaces, a container outside Kubernetes', selectorSchema.parse({ namespaces: ['*'] }), none, web, false],
    ['pods glob', selectorSchema.parse({ pods: ['web-*'] }), none, shopWeb, true],
    ['pods glob, another pod', selectorSchema.parse({ pods: ['web-*'] }), none, systemDns, false],
    ['namespaces and pods: both must match', selectorSchema.parse({ namespaces: ['kube-system'], pods: ['web-*'] }), none, systemDns, false],
    ['excluded by namespace', none, selectorSchema.parse({ namespaces: ['kube-*'] }), systemDns, false],
    ['not excluded by another namespace', none, selectorSchema.parse({ namespaces: ['kube-*'] }), shopWeb, true],
    ['excluded by pod', none, selectorSchema.parse({ pods: ['web-*'] }), shopWeb, false],
    ['exclude namespaces keeps containers outside Kubernetes', none, selectorSchema.parse({ namespaces: ['*'] }), web, true],
    ['a namespace Kubernetes would refuse is no namespace', selectorSchema.parse({ namespaces: ['*'] }), none, pod('Shop.x', 'web'), false],
  ])('%s', (_, include, exclude, container, expected) => {
    const filter = new ContainerFilter(include, exclude);
    expect(filter.matches(container)).toBe(expected);
    expect(filter.mayMatch(container)).toBe(expected);
  });

  it('skips pod sandboxes unless pod_sandboxes is on, whatever include says', () => {
    const sandbox = pod('shop', 'web-5f7c9-abcde', 'podsandbox');
    const onlyShop = selectorSchema.parse({ namespaces: ['shop'] });
    for (const include of [none, onlyShop]) {
      expect(new ContainerFilter(include, none).matches(sandbox)).toBe(false);
      expect(new ContainerFilter(include, none).mayMatch(sandbox)).toBe(false);
      expect(new ContainerFilter(include, none, { podSandboxes: true }).matches(sandbox)).toBe(true);
      expect(new ContainerFilter(include, none).matches(shopWeb)).toBe(true);
    }
  });
});
