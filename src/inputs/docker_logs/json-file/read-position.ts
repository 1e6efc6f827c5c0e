import type { FilePosition } from '../checkpoint.js';

/** A file position while reading: plus the file's place in the rotation order and the entry's size. */
export interface ReadPosition extends FilePosition {
  /** Increases with each file opened, oldest first: compares positions across files. */
  order: number;
  /** Bytes of the entry that ends at `offset`. */
  entryBytes: number;
}

/** True when `a` comes before `b` in the log (an earlier file, or earlier in the same file). */
export function readsBefore(a: ReadPosition, b: ReadPosition): boolean {
  return a.order < b.order || (a.order === b.order && a.offset < b.offset);
}

/** A json-file as the reader knows it: identity (device, inode, first entry) and place in the rotation order. */
export interface LogFileRef {
  readonly dev: number;
  readonly ino: number;
  readonly first: string | undefined;
  readonly order: number;
}
