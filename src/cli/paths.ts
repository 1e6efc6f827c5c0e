import { fileURLToPath } from 'node:url';

/** The pipeline `logship run` uses when given none: shipped with the package. */
export const DEFAULT_PIPELINE = fileURLToPath(new URL('../../pipelines/default.yaml', import.meta.url));

export const PACKAGE_JSON = fileURLToPath(new URL('../../package.json', import.meta.url));

export function defaultStateDir(): string {
  return process.env.LOGSHIP_STATE_DIR ?? '/var/lib/logship';
}
