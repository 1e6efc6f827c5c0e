import type { ContainerInfo } from '../../services/docker.js';
import { isPodSandbox, podOf } from './kubernetes.js';
import type { Selector } from './options.js';

export interface FilterOptions {
  /** Take pod sandboxes too (pod_sandboxes); by default they are skipped. */
  podSandboxes?: boolean;
}

/** Decides from inspect data whether a container is read. */
export class ContainerFilter {
  private readonly include: CompiledSelector;
  private readonly exclude: CompiledSelector;
  private readonly podSandboxes: boolean;
  private readonly byPod: boolean;

  constructor(include: Selector, exclude: Selector, options: FilterOptions = {}) {
    this.include = compile(include);
    this.exclude = compile(exclude);
    this.podSandboxes = options.podSandboxes ?? false;
    this.byPod = [this.include, this.exclude].some((s) => s.namespaces.length > 0 || s.pods.length > 0);
  }

  matches(info: Pick<ContainerInfo, 'name' | 'labels' | 'image'>): boolean {
    return this.test(info, true);
  }

  /**
   * From a listing, before inspecting: false only when the container cannot match. A listing shows
   * the image's ID instead of its name once that name was moved to another image, so image rules
   * are judged only on a name.
   */
  mayMatch(listed: Pick<ContainerInfo, 'name' | 'labels' | 'image'>): boolean {
    return this.test(listed, !IMAGE_ID.test(listed.image));
  }

  private test(info: Pick<ContainerInfo, 'name' | 'labels' | 'image'>, imageKnown: boolean): boolean {
    if (!this.podSandboxes && isPodSandbox(info.labels)) return false;
    const inc = this.include;
    if (inc.names.length && !inc.names.some((re) => re.test(info.name))) return false;
    if (imageKnown && inc.images.length && !inc.images.some((re) => re.test(info.image))) return false;
    if (inc.labels.length && !inc.labels.every((l) => labelMatches(l, info.labels))) return false;
    // the pod as records carry it: a container outside Kubernetes has no namespace to match
    const pod = this.byPod ? podOf(info.labels) : undefined;
    if (inc.namespaces.length && !(pod && inc.namespaces.some((re) => re.test(pod.namespace)))) return false;
    if (inc.pods.length && !(pod && inc.pods.some((re) => re.test(pod.pod.name)))) return false;
    const exc = this.exclude;
    if (exc.names.some((re) => re.test(info.name))) return false;
    if (imageKnown && exc.images.some((re) => re.test(info.image))) return false;
    if (exc.labels.some((l) => labelMatches(l, info.labels))) return false;
    if (pod && exc.namespaces.some((re) => re.test(pod.namespace))) return false;
    if (pod && exc.pods.some((re) => re.test(pod.pod.name))) return false;
    return true;
  }
}

const IMAGE_ID = /^(sha256:)?[0-9a-f]{12,64}$/;

interface LabelRule {
  key: string;
  value?: string;
}

interface CompiledSelector {
  names: RegExp[];
  images: RegExp[];
  labels: LabelRule[];
  namespaces: RegExp[];
  pods: RegExp[];
}

function compile(selector: Selector): CompiledSelector {
  return {
    names: selector.names.map(globRegex),
    images: selector.images.map(globRegex),
    namespaces: selector.namespaces.map(globRegex),
    pods: selector.pods.map(globRegex),
    labels: selector.labels.map((rule) => {
      const eq = rule.indexOf('=');
      return eq < 0 ? { key: rule } : { key: rule.slice(0, eq), value: rule.slice(eq + 1) };
    }),
  };
}

function labelMatches(rule: LabelRule, labels: Record<string, string>): boolean {
  if (!Object.hasOwn(labels, rule.key)) return false;
  return rule.value === undefined || labels[rule.key] === rule.value;
}

export function globRegex(glob: string): RegExp {
  const body = glob
    .replace(/^\//, '')
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}
