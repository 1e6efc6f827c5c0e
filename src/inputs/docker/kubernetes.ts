import type { KubernetesMeta } from '../../core/record.js';

/**
 * The labels the kubelet gives every container it runs on Docker Engine through cri-dockerd (the
 * names dockershim had): the pod, its namespace, the container of the pod spec, and whether the
 * container is the pod's sandbox (the "pause" container that holds the pod's namespaces).
 */
export const POD_LABELS = {
  namespace: 'io.kubernetes.pod.namespace',
  name: 'io.kubernetes.pod.name',
  uid: 'io.kubernetes.pod.uid',
  container: 'io.kubernetes.container.name',
  type: 'io.kubernetes.docker.type',
} as const;

/** The type label's value on sandboxes; the pod's containers have "container". */
export const SANDBOX_TYPE = 'podsandbox';

type Labels = Readonly<Record<string, string>>;

/**
 * Anyone who can start a container can set these labels, so a value counts only if the API
 * server would have accepted it as that name: namespaces and container names are DNS labels,
 * pod names DNS subdomains (dots allowed), UIDs a UUID or, for static pods, a hash in hex. That
 * also keeps them whole in tags and topics: no dots in a namespace to split a tag part.
 */
const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const UID = /^[0-9A-Za-z-]{1,64}$/;

function isDnsLabel(text: string): boolean {
  return text.length <= 63 && DNS_LABEL.test(text);
}

function isDnsSubdomain(text: string): boolean {
  return text.length <= 253 && text.split('.').every(isDnsLabel);
}

const VALID: Record<'namespace' | 'name' | 'uid' | 'container', (text: string) => boolean> = {
  namespace: isDnsLabel,
  name: isDnsSubdomain,
  uid: (text) => UID.test(text),
  container: isDnsLabel,
};

function label(labels: Labels, key: string): string | undefined {
  return Object.hasOwn(labels, key) ? labels[key] : undefined;
}

export function isPodSandbox(labels: Labels): boolean {
  return label(labels, POD_LABELS.type) === SANDBOX_TYPE;
}

/**
 * The pod of a container with the kubelet's labels (namespace, pod name and UID all valid), else
 * undefined. The container's name is left out on sandboxes and when it is not a valid name.
 */
export function podOf(labels: Labels): KubernetesMeta | undefined {
  const namespace = label(labels, POD_LABELS.namespace);
  const name = label(labels, POD_LABELS.name);
  const uid = label(labels, POD_LABELS.uid);
  if (namespace === undefined || name === undefined || uid === undefined) return undefined;
  if (!VALID.namespace(namespace) || !VALID.name(name) || !VALID.uid(uid)) return undefined;
  const pod: KubernetesMeta = { namespace, pod: { name, uid } };
  const container = label(labels, POD_LABELS.container);
  if (container !== undefined && !isPodSandbox(labels) && VALID.container(container)) pod.container = { name: container };
  return pod;
}

/** Keys of the pod labels a container has whose values are not valid names: its records lack them. */
export function malformedPodLabels(labels: Labels): string[] {
  const sandbox = isPodSandbox(labels);
  return (Object.keys(VALID) as Array<keyof typeof VALID>).filter((field) => {
    const value = label(labels, POD_LABELS[field]);
    // a sandbox's container label ("POD") names no container of the pod spec
    if (value === undefined || (sandbox && field === 'container')) return false;
    return !VALID[field](value);
  }).map((field) => POD_LABELS[field]);
}
