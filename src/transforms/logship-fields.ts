/**
 * The fields logship sets on records. Routing (`tag`), topic and index templates, document IDs
 * and dead-letter reasons trust them, so a container's output must not be able to set them:
 * parsers keep parsed keys of these names aside unless a pipeline allows the overwrite.
 */
export const LOGSHIP_FIELDS = ['tag', 'container', 'host', 'source', 'stream', '@timestamp', 'log', 'exec'] as const;

/** What `allow_overwrite` may list: `@timestamp` only ever comes normalised, through `timestamp_field`. */
export const OVERWRITABLE_FIELDS = ['tag', 'container', 'host', 'source', 'stream', 'log', 'exec'] as const;
export type OverwritableField = (typeof OVERWRITABLE_FIELDS)[number];

const logshipFields: ReadonlySet<string> = new Set(LOGSHIP_FIELDS);
const textFields: ReadonlySet<string> = new Set(['tag', 'source', 'stream']);

export function isLogshipField(key: string): boolean {
  return logshipFields.has(key);
}

/**
 * Whether a parsed value may stand in for the field: text for text, an object for an object.
 * Routing and outputs read `tag.split`, `container.name` and the like; another kind there would
 * stop the shipper, whatever a pipeline allows.
 */
export function fitsField(field: OverwritableField, value: unknown): boolean {
  if (textFields.has(field)) return typeof value === 'string' && value !== '';
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
