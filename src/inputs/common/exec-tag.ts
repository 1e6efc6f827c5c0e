import type { ContainerMeta } from '../../core/record.js';

/** Default tag of records from processes logship runs in a container (dots would split tag parts). */
export function execTag(meta: ContainerMeta): string {
  return `docker.exec.${meta.name.replace(/\./g, '_')}`;
}
