import { redactUrls } from '../core/redact.js';
import type { HealthCheck } from '../plugins/types.js';

export interface Readiness {
  ready: boolean;
  docker: Record<string, string>;
  outputs: Record<string, string>;
}

/** Every input's dependency healthy (the Docker daemons they read), and every output delivering. Probes are cached for a second. */
export class ReadinessCheck {
  private readonly checks: Map<string, HealthCheck>;
  private cached: { at: number; docker: Record<string, string> } | undefined;

  constructor(
    checks: HealthCheck[],
    private readonly outputs: () => Array<{ id: string; healthy: boolean }>,
  ) {
    // one probe per dependency, however many inputs share it
    this.checks = new Map();
    for (const check of checks) if (!this.checks.has(check.name)) this.checks.set(check.name, check);
  }

  async check(): Promise<Readiness> {
    const docker = await this.dockerStatus();
    const outputs = Object.fromEntries(this.outputs().map((o) => [o.id, o.healthy ? 'ok' : 'failing: deliveries are being retried (see the logs)']));
    const ready = Object.values(docker).every((v) => v === 'ok') && Object.values(outputs).every((v) => v === 'ok');
    return { ready, docker, outputs };
  }

  private async dockerStatus(): Promise<Record<string, string>> {
    if (this.cached && Date.now() - this.cached.at < 1000) return this.cached.docker;
    const docker: Record<string, string> = {};
    await Promise.all(
      [...this.checks].map(async ([host, check]) => {
        try {
          await Promise.race([check.probe(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 2 s')), 2000))]);
          docker[redactUrls(host)] = 'ok';
        } catch (err) {
          docker[redactUrls(host)] = `unreachable: ${(err as Error).message}`;
        }
      }),
    );
    this.cached = { at: Date.now(), docker };
    return docker;
  }
}
