import type { Logger } from '../../core/logger.js';
import type { ContainerMeta, KubernetesMeta } from '../../core/record.js';
import { deepFreeze } from '../../core/record-json.js';
import type { ContainerInfo } from '../../services/docker.js';
import { malformedPodLabels, podOf } from './kubernetes.js';

/**
 * Bounds on the labels every record of a container carries. Labels are set by whoever starts the
 * container, and Docker puts no limit on them (a 20 MB label is accepted); outputs serialise them
 * once per record, so one bloated container could otherwise exhaust the shipper's heap.
 */
export const LABEL_LIMITS = {
  /** A longer value is cut to this many bytes (UTF-8), followed by "…[cut N bytes]". */
  valueBytes: 4 * 1024,
  /** A label with a longer key is dropped (a cut key would be another label). */
  keyBytes: 256,
  /** The labels' JSON, in all: labels beyond it, in key order, are dropped. */
  totalBytes: 64 * 1024,
} as const;

/** What boundLabels had to change. */
export interface LabelCuts {
  /** Keys whose values were cut. */
  values: string[];
  /** How many labels were dropped for a key over keyBytes. */
  longKeys: number;
  /** Keys of the labels dropped beyond totalBytes, in key order. */
  overTotal: string[];
}

/** The longest start of `text` that takes at most `limit` bytes in UTF-8, ending on a whole character. */
function utf8Prefix(text: string, limit: number): string {
  let used = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.codePointAt(i) as number;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (used + size > limit) break;
    used += size;
    i += code < 0x10000 ? 1 : 2;
  }
  return text.slice(0, i);
}

/** Labels within LABEL_LIMITS; `cut` says what was changed, undefined when nothing was. */
export function boundLabels(labels: Record<string, string>, limits: typeof LABEL_LIMITS = LABEL_LIMITS): { labels: Record<string, string>; cut?: LabelCuts } {
  const keys = Object.keys(labels);
  const cut: LabelCuts = { values: [], longKeys: 0, overTotal: [] };
  const bounded: Record<string, string> = {};
  // `{}` and the commas between labels
  let total = 2;
  // Docker lists labels sorted already; sorting makes "the labels beyond the limit" the same whatever the order
  const ordered = [...keys].sort();
  for (let n = 0; n < ordered.length; n += 1) {
    const key = ordered[n] as string;
    if (Buffer.byteLength(key) > limits.keyBytes) {
      cut.longKeys += 1;
      continue;
    }
    let value = String(labels[key]);
    const size = Buffer.byteLength(value);
    if (size > limits.valueBytes) {
      const kept = utf8Prefix(value, limits.valueBytes);
      value = `${kept}…[cut ${size - Buffer.byteLength(kept)} bytes]`;
      cut.values.push(key);
    }
    // as the label appears in a record's JSON: `"key":"value",` with escapes
    const entryBytes = Buffer.byteLength(JSON.stringify(key)) + Buffer.byteLength(JSON.stringify(value)) + 2;
    if (total + entryBytes > limits.totalBytes) {
      cut.overTotal = ordered.slice(n).filter((k) => Buffer.byteLength(k) <= limits.keyBytes);
      cut.longKeys += ordered.length - n - cut.overTotal.length;
      if (cut.values.at(-1) === key) cut.values.pop();
      break;
    }
    total += entryBytes;
    bounded[key] = value;
  }
  if (!cut.values.length && !cut.longKeys && !cut.overTotal.length) {
    // nothing changed: keep Docker's order
    return { labels: { ...labels } };
  }
  return { labels: bounded, cut };
}

export interface ContainerMetaContext {
  inputId: string;
  /** For the warning: docker_logs, docker_tail, docker_exec. */
  inputType: string;
  logger: Logger;
}

/** (input, container) pairs already warned about: labels never change on a container. Bounded: forgets the oldest. */
const warned = new Set<string>();
const WARNED_LIMIT = 10_000;

/** JSON size of metadata, computed once per metadata object (shared by all of a container's records). */
const jsonBytes = new WeakMap<ContainerMeta, number>();

/**
 * The pod of the container each metadata object was made for. Taken from the full labels, not
 * the bounded ones: a container's other labels could push the pod's out of the 64 KiB.
 */
const pods = new WeakMap<ContainerMeta, KubernetesMeta>();

/**
 * A container's metadata as records carry it, from inspect: frozen (so its JSON is cached) and with
 * labels within LABEL_LIMITS. The first time a container's labels had to be cut, one warning
 * names the container and the limits; the same for pod labels that are not Kubernetes names.
 */
export function containerMeta(info: Pick<ContainerInfo, 'id' | 'name' | 'image' | 'labels'>, ctx: ContainerMetaContext): ContainerMeta {
  const { labels, cut } = boundLabels(info.labels);
  const meta = deepFreeze({ id: info.id, name: info.name, image: { name: info.image }, labels });
  const pod = podOf(info.labels);
  if (pod) pods.set(meta, deepFreeze(pod));
  if (cut) warnOnce(info, cut, ctx);
  const malformed = malformedPodLabels(info.labels);
  if (malformed.length) warnMalformedOnce(info, malformed, ctx);
  return meta;
}

/** The record field `kubernetes` of a container's records: frozen, shared by all of them; undefined outside Kubernetes. */
export function containerKubernetes(meta: ContainerMeta): KubernetesMeta | undefined {
  return pods.get(meta);
}

/** Bytes the metadata (and pod) adds to each record's JSON: counted in the record's queue size. */
export function containerMetaBytes(meta: ContainerMeta): number {
  let size = jsonBytes.get(meta);
  if (size === undefined) {
    const pod = pods.get(meta);
    size = Buffer.byteLength(JSON.stringify(meta)) + (pod ? Buffer.byteLength(JSON.stringify(pod)) : 0);
    if (Object.isFrozen(meta)) jsonBytes.set(meta, size);
  }
  return size;
}

/** Container text in logship's own log: cut, so the warning stays one short line. */
function shown(text: string, max = 64): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function listed(keys: string[]): string {
  const names = keys.slice(0, 5).map((k) => JSON.stringify(shown(k)));
  return keys.length > 5 ? `${names.join(', ')} and ${keys.length - 5} more` : names.join(', ');
}

/** True the first time for this key. */
function firstTime(key: string): boolean {
  if (warned.has(key)) return false;
  if (warned.size >= WARNED_LIMIT) warned.delete(warned.values().next().value as string);
  warned.add(key);
  return true;
}

function warnMalformedOnce(info: Pick<ContainerInfo, 'id' | 'name'>, keys: string[], ctx: ContainerMetaContext): void {
  if (!firstTime(`${ctx.inputId}/${info.id}/pod`)) return;
  const name = shown(info.name, 128);
  ctx.logger.warn(
    { container: info.id.slice(0, 12), name },
    `${ctx.inputType}: container ${name} has Kubernetes pod labels whose values Kubernetes would not accept (${listed(keys)}): they stay in container.labels, but the kubernetes field and the namespaces and pods filters ignore the pod (or, for the container name alone, that name)`,
  );
}

function warnOnce(info: Pick<ContainerInfo, 'id' | 'name'>, cut: LabelCuts, ctx: ContainerMetaContext): void {
  if (!firstTime(`${ctx.inputId}/${info.id}`)) return;
  const { valueBytes, keyBytes, totalBytes } = LABEL_LIMITS;
  const problems = [
    ...(cut.values.length ? [`cut ${cut.values.length} value(s) to ${valueBytes / 1024} KiB (${listed(cut.values)})`] : []),
    ...(cut.longKeys ? [`dropped ${cut.longKeys} label(s) with a key over ${keyBytes} bytes`] : []),
    ...(cut.overTotal.length ? [`dropped ${cut.overTotal.length} label(s) beyond ${totalBytes / 1024} KiB of labels in all (${listed(cut.overTotal)})`] : []),
  ];
  const name = shown(info.name, 128);
  ctx.logger.warn(
    { container: info.id.slice(0, 12), name },
    `${ctx.inputType}: labels of container ${name} exceed the limits (a value ${valueBytes / 1024} KiB, a key ${keyBytes} bytes, ${totalBytes / 1024} KiB in all): ${problems.join('; ')}; its records carry the labels so bounded`,
  );
}

/** Where a container's records come from: its main process's log, or a process logship runs in it. */
export type ContainerSource = 'main' | 'exec';

/** The default tag of a container's records, docker.<source>.<name> (dots would split tag parts). */
export function containerTag(source: ContainerSource, name: string): string {
  return `docker.${source}.${name.replace(/\./g, '_')}`;
}
