import { describe, expect, it } from 'vitest';
import { MAX_REGEX_LENGTH, regexSafetyProblem } from './regex-safety.js';
import { PRESETS } from '../../transforms/multiline/index.js';

describe('regexSafetyProblem', () => {
  it.each([
    ['(a+)+$', /nested quantifier "\(a\+\)\+"/],
    ['(a*)*', /nested quantifier/],
    ['^(\\d+)*$', /nested quantifier/],
    ['((a+))+b', /nested quantifier/],
    ['(x+x+)+y', /nested quantifier/],
    ['(\\w+\\s?)*$', /nested quantifier/],
    ['(.*a){12}', /nested quantifier "\(\.\*a\)\{12\}"/],
    ['(.*?,){11}P', /nested quantifier/],
    ['(a?){25}a{25}', /nested quantifier/],
    ['(?:a+|b)+c', /nested quantifier/],
    ['(?:\\s+|\\w+)*$', /nested quantifier/],
    ['^([a-zA-Z0-9]{2,4})+$', /nested quantifier/],
    // the end of one iteration and the start of the next can take the same characters
    ['^(?<pairs>(?:\\w+=\\w*\\s*)+)$', /nested quantifier "\(\?:\\w\+=\\w\*\\s\*\)\+"/],
    ['^(?:[\\w.]+:[\\w.]*\\s*)+$', /nested quantifier/],
    ['(\\w+,?)+', /nested quantifier/],
    ['(a+b?)+', /nested quantifier/],
    ['(\\d+\\.?\\d*)+', /nested quantifier/],
    ['(x+x+)+', /nested quantifier/],
    ['^(?:a*ba*)+$', /nested quantifier/],
    ['^(?:=\\w*\\w+)+$', /nested quantifier/],
    ['(?:\\w+=\\w*;?)+', /nested quantifier/],
    ['(?:[a-z]+=[a-z]*\\b\\s*)+', /nested quantifier/],
    ['(?:\\w+=(?:\\w*|"[^"]*")\\s*)+', /nested quantifier/],
    ['(?:\\w+(?:=\\w*|:)\\s*)+', /nested quantifier/],
    ['(?:\\w+=(?:\\w*\\s*))+', /nested quantifier/],
    ['(?:\\w+=(?:\\w*){1}\\s*)+', /nested quantifier/],
    ['(?:\\w+=\\w*|-)+', /nested quantifier/],
    ['(?:-|\\d+=\\w*)+', /nested quantifier/],
    ['(?:\\w+=\\w*\\s*){2,}', /nested quantifier/],
    ['(a|a)*', /alternatives that can start with the same character/],
    ['(a|aa)+b', /alternatives/],
    ['^(a|b|ab)*c$', /alternatives/],
    ['("[^"]*"|\\S+)+$', /alternatives/],
    ['(?:(a|a)b)+$', /alternatives/],
    ['(["\'])(.*?)\\1', /backreference/],
    ['(?<q>a)\\k<q>', /backreference/],
  ])('refuses %s', (pattern, problem) => {
    expect(regexSafetyProblem(pattern)).toMatch(problem);
  });

  it.each([
    'GET /healthz',
    'error|warn',
    '" [45]\\d\\d ',
    '^(?<client>\\S+) \\S+ \\S+ \\[(?<time>[^\\]]+)\\] "(?<method>\\S+) (?<path>\\S+) [^"]*" (?<status>\\d{3})',
    '(\\d+\\.){3}\\d+',
    '^(\\w+\\.)+\\w+$',
    '(\\w|-)+',
    '(\\s+\\w+)*',
    '(\\s*,\\s*\\w+)*',
    '(\\w+\\s)*',
    '^(?:\\w+=\\w+\\s)*$',
    '^(?:\\w+=\\w*;)+$',
    '^(?:\\w+=[^\\s=]*\\s+)*$',
    '^(?:\\s*\\w+=\\w*,)*$',
    '^(?:\\w*=\\w)+$',
    '^(?:\\w+=\\w*\\s*)$',
    '^(?:\\w+=\\w*\\s*){1}$',
    '"(?:\\\\.|[^"\\\\])*"',
    '(.|\\n)*',
    '^\\s*(ERROR|WARN|INFO)\\b',
    '(?<level>\\w+): (?<msg>.*)',
    'a{2,5}b+',
    '(ab)+',
    '[(+*]+',
    '\\(a+\\)+',
    'x{',
    '(?=a+)b',
    ...Object.values(PRESETS),
  ])('accepts %s', (pattern) => {
    new RegExp(pattern);
    expect(regexSafetyProblem(pattern)).toBeUndefined();
  });

  it.each(['(\\w+\\s)*', '^(?:\\w+=\\w+\\s)*$', '^(?:\\w+=\\w*;)+$', '^(?:\\w+=[^\\s=]*\\s+)*$', '^(?:\\s*\\w+=\\w*,)*$', '^(?:\\w*=\\w)+$'])('%s, accepted, runs fast on lines built to make it backtrack', (pattern) => {
    expect(regexSafetyProblem(pattern)).toBeUndefined();
    const re = new RegExp(pattern);
    for (const unit of ['a=a', 'a=a ', 'a=aa;', 'a =a,', 'a ', 'a']) {
      const line = `${unit.repeat(Math.ceil(20_000 / unit.length))}!`;
      const started = performance.now();
      re.test(line);
      expect(performance.now() - started, `${pattern} on ${JSON.stringify(unit)}…`).toBeLessThan(500);
    }
  });

  it('refuses patterns longer than the limit', () => {
    expect(regexSafetyProblem('a'.repeat(MAX_REGEX_LENGTH + 1))).toMatch(/at most 2048 characters/);
    expect(regexSafetyProblem('a'.repeat(MAX_REGEX_LENGTH))).toBeUndefined();
  });

  it('is fast even on the longest patterns', () => {
    const pattern = '(?:[a-z]+\\d|\\s+[A-Z]_)'.repeat(Math.floor(MAX_REGEX_LENGTH / 25));
    const started = performance.now();
    regexSafetyProblem(pattern);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
