import { redactUrls } from '../config/redact.js';
import { DockerService } from '../services/docker.js';

export interface Readiness {
  ready: boolean;
  docker: Record<string, string>;
  outputs: Record<string, string>;
}

/** Docker reachable on every address the inputs use, and every output delivering. Pings are cached for a second. */
export class ReadinessCheck {
  private readonly services: Map<string, DockerService>;
  private cached: { at: number; docker: Record<string, string> } | undefined;

  constructor(
    dockerHosts: string[],
    private readonly outputs: () => Array<{ id: string; healthy: boolean }>,
  ) {
    this.services = new Map([...new Set(dockerHosts)].map((host) => [host, new DockerService(host)]));
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
      [...this.services].map(async ([host, service]) => {
        try {
          await Promise.race([service.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 2 s')), 2000))]);
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
