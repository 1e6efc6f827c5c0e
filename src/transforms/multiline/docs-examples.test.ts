import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { recordOf, through } from '../../../test/helpers/transform-harness.js';
import { multilineTransform } from './index.js';

/**
 * docs/plugins/multiline.md shows, for each preset, lines a real program printed
 * (`<!-- example: preset=NAME -->` and a text block) and the records they come out as
 * (`<!-- records -->` and one text block each): the page says what the transform does.
 */

const page = readFileSync(new URL('../../../docs/plugins/multiline.md', import.meta.url), 'utf8');

/** The contents of the fenced text blocks at the start of `text` (blank lines between them allowed). */
function leadingBlocks(text: string): string[] {
  const blocks: string[] = [];
  const fence = /^\s*```text\n([\s\S]*?)\n```\n/;
  for (let rest = text, m = fence.exec(rest); m; rest = rest.slice(m[0].length), m = fence.exec(rest)) blocks.push(m[1] ?? '');
  return blocks;
}

const examples = [...page.matchAll(/<!-- example: preset=(\w+) -->\n/g)].map((m) => {
  const after = page.slice((m.index ?? 0) + m[0].length);
  const [input] = leadingBlocks(after);
  const recordsAt = after.indexOf('<!-- records -->\n');
  return { preset: m[1] as string, input: input ?? '', records: leadingBlocks(after.slice(recordsAt + '<!-- records -->\n'.length)) };
});

describe('docs/plugins/multiline.md examples', () => {
  it('has one for each preset', () => {
    expect(examples.map((e) => e.preset).sort()).toEqual(['go', 'java', 'python']);
  });

  it.each(examples)('$preset: the lines come out as the records shown', ({ preset, input, records }) => {
    expect(records.length).toBeGreaterThan(1);
    // the records hold every line of the input, in order
    expect(records.join('\n')).toBe(input);
    const stream = [...input.split('\n'), 'the next process starting'];
    const { out } = through(multilineTransform, { preset }, stream, (message) => ({ ...recordOf(message), stream: 'stderr' }));
    expect(out.map((r) => r.message)).toEqual(records);
  });
});
