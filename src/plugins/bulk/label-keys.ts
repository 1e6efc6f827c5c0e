import type { ContainerMeta, LogRecord } from '../../core/record.js';
import { deepFreeze } from '../../core/record-json.js';

/**
 * Label keys such as com.docker.compose.project become com_docker_compose_project: Elasticsearch
 * reads dots in field names as objects, and `com.docker.compose.project` beside
 * `com.docker.compose` would be a mapping conflict. Both the record and the ready-made JSON path
 * give the same document.
 */
export class LabelKeys {
  private readonly metas = new WeakMap<ContainerMeta, ContainerMeta>();
  private readonly tails = new WeakMap<Buffer, Buffer>();

  /** The record with its container's label keys de-dotted (the same record when none has a dot). */
  record(record: LogRecord): LogRecord {
    // parsed content may have replaced the metadata with anything: only real label objects are de-dotted
    const meta = record.container as ContainerMeta | null | undefined;
    if (meta === null || typeof meta !== 'object') return record;
    const labels = meta.labels as Record<string, unknown> | null | undefined;
    if (labels === null || typeof labels !== 'object' || !Object.keys(labels).some((k) => k.includes('.'))) return record;
    let dedotted = this.metas.get(meta);
    if (!dedotted) {
      const dedottedLabels = Object.fromEntries(Object.entries(labels).map(([k, v]) => [k.replace(/\./g, '_'), v]));
      dedotted = deepFreeze({ ...meta, labels: dedottedLabels as Record<string, string> });
      this.metas.set(meta, dedotted);
    }
    return { ...record, container: dedotted };
  }

  /**
   * A ready-made record JSON's shared tail (`","stream":…,"container":{…}…}`) with the label keys
   * de-dotted: made once per tail, the same bytes record() then JSON.stringify give.
   */
  tail(tail: Buffer): Buffer {
    let fixed = this.tails.get(tail);
    if (!fixed) {
      const fields = JSON.parse(`{"m":"${tail.toString('utf8')}`) as LogRecord;
      const dedotted = this.record(fields);
      fixed = dedotted === fields ? tail : Buffer.from(`"${JSON.stringify(dedotted).slice('{"m":""'.length)}`);
      this.tails.set(tail, fixed);
    }
    return fixed;
  }
}
