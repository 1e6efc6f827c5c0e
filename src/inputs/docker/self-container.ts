import { readFileSync } from 'node:fs';

const ID = /[0-9a-f]{64}/;

/**
 * The ID of the container this shipper runs in, if any, so it never reads its own output
 * (which would loop). Docker bind-mounts /etc/hostname and friends from
 * /var/lib/docker/containers/<id>/, which shows in mountinfo on cgroup v1 and v2 alike.
 */
export function ownContainerId(): string | undefined {
  for (const [file, pattern] of [
    ['/proc/self/mountinfo', /\/containers\/([0-9a-f]{64})\/(?:hostname|hosts|resolv\.conf)/],
    ['/proc/self/cgroup', /(?:docker[-/])([0-9a-f]{64})/],
  ] as const) {
    try {
      const match = pattern.exec(readFileSync(file, 'utf8'));
      if (match?.[1] && ID.test(match[1])) return match[1];
    } catch {
      // not on Linux, or /proc not mounted
    }
  }
  return process.env.LOGSHIP_CONTAINER_ID;
}
