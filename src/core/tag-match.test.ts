import { describe, expect, it } from 'vitest';
import { compileTagGlob, tagGlobProblem } from './tag-match.js';

describe('tag globs', () => {
  it.each([
    ['docker.**', 'docker.main.web', true],
    ['docker.**', 'docker', true],
    ['docker.**', 'kube.main.web', false],
    ['docker.*', 'docker.main', true],
    ['docker.*', 'docker.main.web', false],
    ['docker.*.web', 'docker.main.web', true],
    ['docker.*.web', 'docker.exec.web', true],
    ['docker.*.web', 'docker.main.api', false],
    ['docker.main.web*', 'docker.main.web-2', true],
    ['docker.main.web*', 'docker.main.api', false],
    ['**', 'anything.at.all', true],
    ['**.web', 'docker.main.web', true],
    ['**.web', 'web', true],
    ['**.web', 'docker.main.web2', false],
    ['docker.**.web', 'docker.web', true],
    ['docker.**.web', 'docker.a.b.web', true],
    ['*', 'docker', true],
    ['*', 'docker.main', false],
    ['docker.main.a+b', 'docker.main.a+b', true],
    ['docker.main.a+b', 'docker.main.aab', false],
  ])('%s on %s → %s', (glob, tag, expected) => {
    expect(compileTagGlob(glob)(tag)).toBe(expected);
  });

  it.each([
    ['', 'must not be empty'],
    ['docker..web', 'empty part'],
    ['docker.**web', 'whole part'],
  ])('rejects %j', (glob, problem) => {
    expect(tagGlobProblem(glob)).toContain(problem);
  });
});
