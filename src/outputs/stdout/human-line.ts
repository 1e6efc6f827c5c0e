import type { LogRecord } from '../../core/record.js';

/**
 * A record as one line for a person at a terminal: `TIME NAME STREAM| MESSAGE`. Total: any field
 * may hold any JSON value (parsed content can replace them), and whatever it holds is shown as
 * text. Control characters a container printed are shown escaped (`\x1b`, `\u009b`), never sent
 * to the terminal: escape sequences can retitle the window, write the clipboard or hide lines.
 * Tabs and the newlines of joined records (multiline) are kept, the lines after a newline indented.
 */
export function humanLine(record: LogRecord): string {
  const container = record.container as unknown;
  const name = container !== null && typeof container === 'object' ? (container as Record<string, unknown>).name : undefined;
  return `${text(record['@timestamp'])} ${text(name)} ${text(record.stream)}| ${text(record.message)}`;
}

/** What a terminal acts on, and the bidirectional controls that make text show in another order than it is. */
// eslint-disable-next-line no-control-regex -- exactly these characters
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** Continuation lines are indented: a line a container printed inside its message cannot pass for a record of its own. */
const CONTINUATION = /\n/g;

function text(value: unknown): string {
  const plain = typeof value === 'string' ? value : value === undefined ? '' : (JSON.stringify(value) ?? String(value));
  return plain.replace(CONTROL, escapeControl).replace(CONTINUATION, '\n    ');
}

function escapeControl(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
