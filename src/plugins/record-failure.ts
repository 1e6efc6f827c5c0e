import { ErrorCode } from '../core/error-codes.js';
import { LogshipError, errorCode, errorMessage, isRetriable } from '../core/errors.js';
import type { ItemFailure } from './types.js';

/**
 * The failure of one record whose rendering or encoding threw (a stack overflow on deep nesting, a
 * field of an unexpected type): never retried, so it goes to the dead letters with the reason and
 * the rest of its batch is delivered. Outputs render each record inside a try and report this.
 */
export function renderFailure(index: number, err: unknown): ItemFailure {
  if (err instanceof LogshipError) return { index, retriable: isRetriable(err), code: errorCode(err, ErrorCode.RECORD_UNRENDERABLE), reason: err.message };
  return { index, retriable: false, code: ErrorCode.RECORD_UNRENDERABLE, reason: `cannot render the record: ${errorMessage(err)}` };
}
