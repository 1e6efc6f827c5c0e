import type { ContainerInfo } from '../../services/docker.js';
import type { Selector } from './options.js';

/** Decides from inspect data whether a container is read. */
export class ContainerFilter {
  private readonly include: CompiledSelector;
  private readonly exclude: CompiledSelector;

  constructor(include: Selector, exclude: Selector) {
    this.include = compile(include);
    this.exclude = compile(exclude);
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
    const inc = this.include;
    if (inc.names.length && !inc.names.some((re) => re.test(info.name))) return false;
    if (imageKnown && inc.images.length && !inc.images.some((re) => re.test(info.image))) return false;
    if (inc.labels.length && !inc.labels.every((l) => labelMatches(l, info.labels))) return false;
    const exc = this.exclude;
    if (exc.names.some((re) => re.test(info.name))) return false;
    if (imageKnown && exc.images.some((re) => re.test(info.image))) return false;
    if (exc.labels.some((l) => labelMatches(l, info.labels))) return false;
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
}

function compile(selector: Selector): CompiledSelector {
  return {
    names: selector.names.map(globRegex),
    images: selector.images.map(globRegex),
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
