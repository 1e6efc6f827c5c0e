/**
 * Modes of what logship creates to hold log positions and log content (checkpoints, spool
 * segments, the state folder): owner-only, as Docker keeps its own logs. Folders the user made
 * keep their mode; only folders logship makes get this one.
 */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;
