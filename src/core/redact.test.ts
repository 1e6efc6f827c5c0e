import { describe, expect, it } from 'vitest';
import { redactUrls } from './redact.js';

describe('redactUrls', () => {
  it.each([
    ['http://user:pass@host:9200', 'http://user:***@host:9200'],
    ['"https://elastic:p@ss@es.example.com/x" is not a node URL', '"https://elastic:***@es.example.com/x" is not a node URL'],
    ['at tcp://token@docker:2375 (refused)', 'at tcp://***@docker:2375 (refused)'],
    ['two: http://a:1@h1, http://b:2@h2', 'two: http://a:***@h1, http://b:***@h2'],
    ['http://host:9200/path?q=a@b', 'http://host:9200/path?q=a@b'],
    ['mail me@example.com', 'mail me@example.com'],
  ])('%s', (text, redacted) => {
    expect(redactUrls(text)).toBe(redacted);
  });
});
