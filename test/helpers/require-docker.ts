import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Integration tests need the real Docker engine and the locally built test images. Missing
 * either is a failure with instructions, never a silent skip.
 */
export default function requireDocker(): void {
  try {
    execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: 'pipe' });
  } catch {
    throw new Error('Docker engine not reachable on /var/run/docker.sock — run scripts/docker-up.sh (or the README test command) first');
  }
  for (const image of ['logship-test/busybox:1', 'logship-test/distroless:1']) {
    try {
      execFileSync('docker', ['image', 'inspect', image], { stdio: 'pipe' });
    } catch {
      throw new Error(`test image ${image} missing — run scripts/build-test-images.sh`);
    }
  }
  if (!existsSync(new URL('../../dist/cli/main.js', import.meta.url))) {
    throw new Error('dist/ is missing — run npm run build first');
  }
}
