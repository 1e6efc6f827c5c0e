import { describe, expect, it } from 'vitest';
import type { Logger } from '../../core/logger.js';
import { recordToJson } from '../../core/record-json.js';
import type { LogRecord } from '../../core/record.js';
import { boundLabels, containerKubernetes, containerMeta, containerMetaBytes, LABEL_LIMITS } from './container-meta.js';

const KiB = 1024;
const bytes = (text: string): number => Buffer.byteLength(text);
const labelsBytes = (labels: Record<string, string>): number => Object.entries(labels).reduce((n, [k, v]) => n + bytes(k) + bytes(v), 0);

/** A logger that keeps its warnings. */
function recordingLogger(): { logger: Logger; warnings: Array<{ fields: Record<string, unknown>; message: string }> } {
  const warnings: Array<{ fields: Record<string, unknown>; message: string }> = [];
  const logger = { warn: (fields: Record<string, unknown>, message: string) => warnings.push({ fields, message }) } as unknown as Logger;
  return { logger, warnings };
}

let serial = 0;
const uniqueId = (): string => `${(serial += 1).toString(16).padStart(8, '0')}${'f'.repeat(56)}`;

describe('boundLabels', () => {
  it('the limits: 4 KiB per value, 256 bytes per key, 64 KiB in all', () => {
    expect(LABEL_LIMITS).toEqual({ valueBytes: 4 * KiB, keyBytes: 256, totalBytes: 64 * KiB });
  });

  it('keeps ordinary labels as they are, in the same order', () => {
    const labels = { 'com.docker.compose.project': 'shop', app: 'web', 'com.example.note': 'ünïcödé ✓ "quoted"' };
    const bounded = boundLabels(labels);
    expect(bounded.cut).toBeUndefined();
    expect(bounded.labels).toEqual(labels);
    expect(Object.keys(bounded.labels)).toEqual(Object.keys(labels));
  });

  it('cuts a 2 MB value to 4 KiB, with a marker saying how many bytes went', () => {
    const bounded = boundLabels({ app: 'web', big: 'x'.repeat(2_000_000) });
    const big = bounded.labels.big as string;
    expect(big).toBe(`${'x'.repeat(4 * KiB)}…[cut ${2_000_000 - 4 * KiB} bytes]`);
    expect(bounded.labels.app).toBe('web');
    expect(bounded.cut).toEqual({ values: ['big'], longKeys: 0, overTotal: [] });
  });

  it('cuts a value at a character boundary, never inside a UTF-8 sequence', () => {
    // 3-byte characters: 4096 is not a multiple of 3
    const value = '中'.repeat(3000);
    const big = boundLabels({ v: value }).labels.v as string;
    const kept = big.slice(0, big.indexOf('…[cut'));
    expect(kept).toBe('中'.repeat(Math.floor((4 * KiB) / 3)));
    expect(big).toContain(`…[cut ${bytes(value) - bytes(kept)} bytes]`);
    expect(big).not.toContain('\ufffd');
  });

  it('drops labels whose key is longer than 256 bytes', () => {
    const bounded = boundLabels({ ['k'.repeat(257)]: 'v', ['j'.repeat(256)]: 'kept', app: 'web' });
    expect(Object.keys(bounded.labels).sort()).toEqual(['app', 'j'.repeat(256)]);
    expect(bounded.cut).toEqual({ values: [], longKeys: 1, overTotal: [] });
  });

  it('keeps labels in key order up to 64 KiB in all and drops the rest', () => {
    // 100 labels of 1 KiB each: about 63 fit
    const labels: Record<string, string> = {};
    for (let i = 99; i >= 0; i -= 1) labels[`l${String(i).padStart(3, '0')}`] = 'y'.repeat(KiB);
    const bounded = boundLabels(labels);
    const kept = Object.keys(bounded.labels);
    expect(kept.length).toBeGreaterThan(50);
    expect(kept.length).toBeLessThan(64);
    // the first ones in key order, not the first ones Docker happened to list
    expect(kept).toEqual(Object.keys(labels).sort().slice(0, kept.length));
    expect(bounded.cut?.overTotal).toEqual(Object.keys(labels).sort().slice(kept.length));
    expect(Buffer.byteLength(JSON.stringify(bounded.labels))).toBeLessThanOrEqual(64 * KiB);
  });

  it('bounds the total however the labels are made: many cut values, many tiny labels, escapes', () => {
    const cases: Array<Record<string, string>> = [
      Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`big${i}`, 'z'.repeat(100 * KiB)])),
      Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, ''])),
      // each control character is 6 bytes of JSON
      Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`c${i}`, '\u0001'.repeat(4 * KiB)])),
    ];
    for (const labels of cases) {
      const bounded = boundLabels(labels);
      expect(Buffer.byteLength(JSON.stringify(bounded.labels))).toBeLessThanOrEqual(64 * KiB);
      expect(labelsBytes(bounded.labels)).toBeLessThanOrEqual(64 * KiB);
      expect(bounded.cut).toBeDefined();
    }
  });
});

describe('containerMeta', () => {
  it('makes frozen metadata with bounded labels, and warns once per container naming it and the limits', () => {
    const { logger, warnings } = recordingLogger();
    const id = uniqueId();
    const info = { id, name: 'bloated', image: 'img:1', labels: { app: 'web', big: 'x'.repeat(2_000_000) } };
    const meta = containerMeta(info, { inputId: 'docker_logs_0', inputType: 'docker_logs', logger });
    expect(Object.isFrozen(meta) && Object.isFrozen(meta.labels)).toBe(true);
    expect(meta).toMatchObject({ id, name: 'bloated', image: { name: 'img:1' } });
    expect((meta.labels.big as string).length).toBeLessThan(5 * KiB);
    // the container restarts, is inspected again: no second warning
    containerMeta(info, { inputId: 'docker_logs_0', inputType: 'docker_logs', logger });
    expect(warnings).toHaveLength(1);
    const warning = warnings[0] as { fields: Record<string, unknown>; message: string };
    expect(warning.fields).toMatchObject({ container: id.slice(0, 12), name: 'bloated' });
    expect(warning.message).toContain('bloated');
    expect(warning.message).toContain('4 KiB');
    expect(warning.message).toContain('64 KiB');
    expect(warning.message).toContain('big');
    expect(warning.message.length).toBeLessThan(2000);
  });

  it('does not warn about ordinary labels', () => {
    const { logger, warnings } = recordingLogger();
    const meta = containerMeta({ id: uniqueId(), name: 'web', image: 'img:1', labels: { app: 'web' } }, { inputId: 'i', inputType: 'docker_tail', logger });
    expect(meta.labels).toEqual({ app: 'web' });
    expect(warnings).toHaveLength(0);
  });

  it('keeps the warning short however many labels and however long their keys', () => {
    const { logger, warnings } = recordingLogger();
    const labels = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`${'k'.repeat(200)}${i}`, 'v'.repeat(5000)]));
    containerMeta({ id: uniqueId(), name: 'many', image: 'img:1', labels }, { inputId: 'i', inputType: 'docker_exec', logger });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message.length).toBeLessThan(2000);
  });

  it('knows the size of the JSON the metadata adds to each record, computed once', () => {
    const { logger } = recordingLogger();
    const meta = containerMeta({ id: uniqueId(), name: 'web', image: 'img:1', labels: { app: 'wéb', big: 'x'.repeat(100_000) } }, { inputId: 'i', inputType: 'docker_logs', logger });
    const record = { '@timestamp': 't', message: '', container: meta } as unknown as LogRecord;
    expect(containerMetaBytes(meta)).toBe(Buffer.byteLength(JSON.stringify(meta)));
    expect(containerMetaBytes(meta)).toBeLessThan(recordToJson(record).length);
    expect(containerMetaBytes(meta)).toBeGreaterThan(4 * KiB);
  });

  const podLabels = {
    'io.kubernetes.pod.namespace': 'shop',
    'io.kubernetes.pod.name': 'web-5f7c9-abcde',
    'io.kubernetes.pod.uid': '0b7f5a3e-3c1d-4c55-9f3e-2a1b9c8d7e6f',
    'io.kubernetes.container.name': 'nginx',
  };

  it("gives a pod's container its frozen kubernetes field, counted in the bytes each record adds; none outside Kubernetes", () => {
    const { logger, warnings } = recordingLogger();
    const meta = containerMeta({ id: uniqueId(), name: 'k8s_nginx', image: 'img:1', labels: podLabels }, { inputId: 'i', inputType: 'docker_logs', logger });
    const pod = containerKubernetes(meta);
    expect(pod).toEqual({ namespace: 'shop', pod: { name: 'web-5f7c9-abcde', uid: '0b7f5a3e-3c1d-4c55-9f3e-2a1b9c8d7e6f' }, container: { name: 'nginx' } });
    expect(Object.isFrozen(pod) && Object.isFrozen(pod?.pod)).toBe(true);
    expect(containerMetaBytes(meta)).toBe(Buffer.byteLength(JSON.stringify(meta)) + Buffer.byteLength(JSON.stringify(pod)));
    expect(containerKubernetes(containerMeta({ id: uniqueId(), name: 'web', image: 'img:1', labels: { app: 'web' } }, { inputId: 'i', inputType: 'docker_logs', logger }))).toBeUndefined();
    expect(warnings).toHaveLength(0);
  });

  it('takes the pod from the full labels, also when bounding drops them from container.labels', () => {
    const { logger } = recordingLogger();
    // keys before "io.kubernetes…" fill the 64 KiB first
    const filler = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`a${i}`, 'x'.repeat(4000)]));
    const meta = containerMeta({ id: uniqueId(), name: 'k8s_big', image: 'img:1', labels: { ...filler, ...podLabels } }, { inputId: 'i', inputType: 'docker_logs', logger });
    expect(meta.labels['io.kubernetes.pod.namespace']).toBeUndefined();
    expect(containerKubernetes(meta)?.namespace).toBe('shop');
  });

  it('warns once per container whose pod labels Kubernetes would refuse, naming the labels', () => {
    const { logger, warnings } = recordingLogger();
    const info = { id: uniqueId(), name: 'forged', image: 'img:1', labels: { ...podLabels, 'io.kubernetes.pod.namespace': 'kube-system.x' } };
    const meta = containerMeta(info, { inputId: 'i', inputType: 'docker_tail', logger });
    containerMeta(info, { inputId: 'i', inputType: 'docker_tail', logger });
    expect(containerKubernetes(meta)).toBeUndefined();
    expect(meta.labels['io.kubernetes.pod.namespace']).toBe('kube-system.x');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/^docker_tail: container forged has Kubernetes pod labels .*"io\.kubernetes\.pod\.namespace"/);
  });
});
