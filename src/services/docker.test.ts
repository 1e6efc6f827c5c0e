import { describe, expect, it } from 'vitest';
import { dockerConnection, toLogshipError } from './docker.js';

describe('Docker API failures as errors with a stable code and a retry decision', () => {
  it.each([
    [{ statusCode: 404, message: 'no such container' }, 'CONTAINER_GONE', false],
    [{ statusCode: 501, json: { message: 'configured logging driver does not support reading' } }, 'LOGS_UNSUPPORTED', false],
    [{ statusCode: 500, message: 'server error' }, 'DOCKER_API', true],
    [{ statusCode: 409, message: 'can not get logs from container which is dead or marked for removal' }, 'CONTAINER_GONE', false],
    [{ name: 'AbortError', message: 'The operation was aborted' }, 'ABORTED', false],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, 'DOCKER_UNREACHABLE', true],
    [{ code: 'ENOENT', message: 'connect ENOENT /var/run/docker.sock' }, 'DOCKER_UNREACHABLE', true],
    [{ code: 'ECONNRESET', message: 'socket hang up' }, 'DOCKER_UNREACHABLE', true],
  ])('%j → %s (retriable: %s)', (raw: object, code, retriable) => {
    const err = toLogshipError(Object.assign(new Error('raw'), raw), 'logs abc');
    expect(err.code).toBe(code);
    expect(err.retriable).toBe(retriable);
    expect(err.message).toMatch(/^logs abc: /);
  });
});

describe('Docker addresses', () => {
  it.each([
    ['unix:///var/run/docker.sock', { socketPath: '/var/run/docker.sock' }],
    ['/run/user/1000/docker.sock', { socketPath: '/run/user/1000/docker.sock' }],
    ['tcp://10.0.0.5:2375', { protocol: 'http', host: '10.0.0.5', port: 2375 }],
    ['https://docker.example:2376', { protocol: 'https', host: 'docker.example', port: 2376 }],
  ])('%s', (address, expected) => {
    expect(dockerConnection(address)).toEqual(expected);
  });
});
