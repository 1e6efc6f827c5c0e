import { comparePositions, laterPosition, type SourcePosition } from '../../core/source-position.js';

/**
 * The records of the positions topic (exactly-once delivery). Keys start with the output's
 * transactional id, so one compacted topic serves every host and output:
 * - `<transactional id>/<source>` → `{"at":…,"n":…}`: every record of that source up to this
 *   position is in a committed transaction;
 * - `<transactional id>` → `{"instance":…,"started":…,"pid":…}`: the logship process that holds the
 *   id (written when it starts), so a producer fenced by a newer one can tell it was.
 */

export interface Owner {
  instance: string;
  started: string;
  pid: number;
  /** Unique per claim: a process reads the positions back up to its own latest claim. */
  claim?: string;
}

export type PositionsEntry = { kind: 'position'; source: string; at: string; n: number } | ({ kind: 'owner' } & Owner);

export function positionKey(transactionalId: string, source: string): string {
  return `${transactionalId}/${source}`;
}

export function positionValue(position: Pick<SourcePosition, 'at' | 'n'>): string {
  return JSON.stringify({ at: position.at, n: position.n });
}

export function ownerValue(owner: Owner): string {
  return JSON.stringify(owner);
}

/** One record of the topic as an entry of this transactional id, or undefined (another id's, a tombstone, or not ours to read). */
export function parsePositionsRecord(transactionalId: string, key: string | null, value: string | null): PositionsEntry | undefined {
  if (key === null || value === null) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object') return undefined;
  const fields = parsed as Record<string, unknown>;
  if (key === transactionalId) {
    const { instance, started, pid, claim } = fields;
    if (typeof instance !== 'string' || typeof started !== 'string' || typeof pid !== 'number') return undefined;
    return { kind: 'owner', instance, started, pid, ...(typeof claim === 'string' ? { claim } : {}) };
  }
  const prefix = `${transactionalId}/`;
  if (!key.startsWith(prefix) || key.length === prefix.length) return undefined;
  const { at, n } = fields;
  if (typeof at !== 'string' || typeof n !== 'number' || !Number.isFinite(n)) return undefined;
  return { kind: 'position', source: key.slice(prefix.length), at, n };
}

/** What the output's committed transactions hold: the last position per source. */
export class CommittedPositions {
  private readonly last = new Map<string, Pick<SourcePosition, 'at' | 'n'>>();

  get size(): number {
    return this.last.size;
  }

  /** True when a committed transaction already holds this record (it was read again). */
  covers(position: SourcePosition): boolean {
    const last = this.last.get(position.source);
    return last !== undefined && comparePositions(position, last) <= 0;
  }

  advance(source: string, position: Pick<SourcePosition, 'at' | 'n'>): void {
    this.last.set(source, laterPosition(this.last.get(source), position));
  }

  clear(): void {
    this.last.clear();
  }

  /** Becomes a copy of `other`. */
  copy(other: CommittedPositions): void {
    this.last.clear();
    for (const [source, position] of other.last) this.last.set(source, position);
  }
}

/** The last position per source among some records: what a transaction commits for them. */
export class PositionsOfTransaction {
  readonly last = new Map<string, SourcePosition>();

  add(position: SourcePosition): void {
    const last = this.last.get(position.source);
    if (last === undefined || comparePositions(position, last) > 0) this.last.set(position.source, position);
  }

  merge(other: PositionsOfTransaction): void {
    for (const position of other.last.values()) this.add(position);
  }
}
