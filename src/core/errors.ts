import { ErrorCode } from './error-codes.js';

/** Every error logship raises carries a stable code (src/core/error-codes.ts) and says whether retrying can help. */
export class LogshipError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { retriable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LogshipError';
    this.code = code;
    this.retriable = options.retriable;
  }
}

/**
 * JavaScript's own error types come from the code handling a record (a stack overflow on deep
 * nesting, a property of null, a string too long), never from a destination: the same record
 * fails the same way on every retry, so retrying it would stall everything behind it for ever.
 */
const RECORD_ERROR_TYPES: ReadonlyArray<new (...args: never[]) => Error> = [RangeError, TypeError, SyntaxError, ReferenceError, URIError, EvalError];

/**
 * Whether sending the same thing again can succeed: a LogshipError says so itself; errors of
 * JavaScript's own types cannot (see RECORD_ERROR_TYPES); anything else comes from a client or
 * the system (a socket reset, a timeout, a full disk) and may.
 */
export function isRetriable(err: unknown): boolean {
  if (err instanceof LogshipError) return err.retriable;
  return !isRecordError(err);
}

/** An error raised by the code that handled a record, rather than by a destination. */
export function isRecordError(err: unknown): boolean {
  return RECORD_ERROR_TYPES.some((type) => err instanceof type);
}

/** The stable code of an error: a LogshipError's own, else the given fallback. */
export function errorCode(err: unknown, fallback: string): string {
  if (err instanceof LogshipError) return err.code;
  return isRecordError(err) ? ErrorCode.RECORD_UNRENDERABLE : fallback;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
