import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { z } from 'zod';

/** A password, key or token is short: a larger file is the wrong one (or /dev/zero). */
const MAX_SECRET_BYTES = 64 * 1024;

/**
 * Reads a secret from a file, as Docker and Kubernetes mount them: read at every load of the
 * pipeline (start and reload), trailing line breaks removed (`echo pass > file` adds one).
 */
export function readSecretFile(path: string): { value: string } | { problem: string } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    return { problem: fileProblem(path, err) };
  }
  try {
    if (fstatSync(fd).isDirectory()) return { problem: `${path} is a directory — give the file holding the secret` };
    const buffer = Buffer.alloc(MAX_SECRET_BYTES + 1);
    let length = 0;
    // bounded reads: a device or a pipe may never end
    for (let n = -1; n !== 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > MAX_SECRET_BYTES) return { problem: `${path} is larger than 64 KiB — is it the right file?` };
    const value = buffer.toString('utf8', 0, length).replace(/[\r\n]+$/, '');
    return value ? { value } : { problem: `${path} is empty — write the secret into it` };
  } catch (err) {
    return { problem: fileProblem(path, err) };
  } finally {
    closeSync(fd);
  }
}

/** The one-line reason a secret file could not be read (exported for its tests: root reads any file). */
export function fileProblem(path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${path}: no such file — check the path (and that the secret is mounted)`;
  if (code === 'EACCES' || code === 'EPERM') return `cannot read ${path} (permission denied) — make it readable by the user logship runs as`;
  if (code === 'EISDIR') return `${path} is a directory — give the file holding the secret`;
  return `cannot read ${path} (${(err as Error).message.split('\n')[0]})`;
}

/**
 * Adds `KEY_file` beside each secret `KEY` of an options object: the file's content becomes `KEY`
 * (so the rest of logship sees one value, and a reload compares contents), and giving both is an error.
 */
export function withSecretFiles<T extends z.ZodRawShape, K extends keyof T & string>(shape: T, keys: readonly K[], describe: (key: K) => string) {
  // each KEY_file right after its KEY, for the docs and the "valid keys" hints
  const withFiles = Object.fromEntries(
    Object.entries(shape).flatMap(([key, option]) => [[key, option], ...((keys as readonly string[]).includes(key) ? [[`${key}_file`, z.string().min(1).optional().describe(describe(key as K))]] : [])]),
  ) as T & Record<`${K}_file`, z.ZodOptional<z.ZodString>>;
  return z
    .object(withFiles)
    .strict()
    .transform((options, ctx) => {
      const out: Record<string, unknown> = { ...options };
      for (const key of keys) {
        const path = out[`${key}_file`];
        if (typeof path !== 'string') continue;
        if (out[key] !== undefined) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: [`${key}_file`], message: `give ${key} or ${key}_file, not both` });
          continue;
        }
        const secret = readSecretFile(path);
        if ('problem' in secret) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [`${key}_file`], message: secret.problem });
        else out[key] = secret.value;
      }
      return out as typeof options;
    });
}
