/** The parts of a kafkajs error that say what went wrong: its class, the protocol error type, and the errors it wraps. */
export interface KafkaErrorShape {
  name?: string;
  type?: string;
  message?: string;
  retriable?: boolean;
  originalError?: KafkaErrorShape;
  errors?: KafkaErrorShape[];
}

/** The protocol error types in a kafkajs error, outermost first, however deep its retries and aggregates wrap them. */
export function protocolTypes(error: KafkaErrorShape | undefined, depth = 0): string[] {
  if (!error || typeof error !== 'object' || depth > 5) return [];
  return [...(error.type ? [error.type] : []), ...protocolTypes(error.originalError, depth + 1), ...(Array.isArray(error.errors) ? error.errors.flatMap((e) => protocolTypes(e, depth + 1)) : [])];
}
