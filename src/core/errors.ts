/** Every error logship raises carries a stable code and says whether retrying can help. */
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

export function isRetriable(err: unknown): boolean {
  if (err instanceof LogshipError) return err.retriable;
  return true;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
