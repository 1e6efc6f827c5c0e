import { Channel } from '../core/channel.js';
import { compileTagGlob, type TagMatcher } from '../core/tag-match.js';
import type { Metrics } from '../core/metrics.js';
import type { PipelineEvent } from '../core/record.js';
import type { TransformChain } from './transform-chain.js';

export interface Route {
  match: TagMatcher;
  queue: Channel<PipelineEvent>;
}

export function route(glob: string, queue: Channel<PipelineEvent>): Route {
  return { match: compileTagGlob(glob), queue };
}

const ROUTE_CACHE_LIMIT = 10_000;
const TICK_MS = 100;

/**
 * Moves records from the inputs' queue through the transforms to every output whose `match` glob
 * accepts the tag. Waits when an output queue is full, which fills the inputs' queue and pauses
 * the inputs.
 */
export class Router {
  private readonly cache = new Map<string, Route[]>();
  private readonly taps = new Set<{ match: TagMatcher; send: (event: PipelineEvent) => void }>();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly source: Channel<PipelineEvent>,
    private readonly routes: Route[],
    private readonly metrics: Metrics,
    private readonly transforms?: TransformChain,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  /** Resolves once the source is closed and everything in it has been routed. */
  async drained(): Promise<void> {
    await this.loop;
  }

  private async run(): Promise<void> {
    const chain = this.transforms;
    const ticking = chain?.holdsBack ?? false;
    for (;;) {
      let events: PipelineEvent[];
      if (ticking && chain) {
        // transforms that hold records back need time to pass even when nothing arrives
        await this.source.waitForItems(1, TICK_MS);
        const batch = this.source.poll(512);
        const closed = batch.length === 0 && this.source.isClosed;
        events = this.transformed(batch);
        const keep = (event: PipelineEvent): void => {
          events.push(event);
        };
        if (closed) chain.drain(keep);
        else chain.tick(Date.now(), keep);
        await this.routeAll(events);
        if (closed) return;
        continue;
      }
      const batch = await this.source.take(512);
      if (batch.length === 0) return;
      events = chain ? this.transformed(batch) : batch;
      await this.routeAll(events);
    }
  }

  /** Shows every routed record whose tag matches to `send` (the API's /tap); returns the unsubscribe. */
  tap(glob: string, send: (event: PipelineEvent) => void): () => void {
    const entry = { match: compileTagGlob(glob), send };
    this.taps.add(entry);
    return () => this.taps.delete(entry);
  }

  private async routeAll(events: PipelineEvent[]): Promise<void> {
    for (const event of events) {
      for (const tap of this.taps) if (tap.match(event.record.tag)) tap.send(event);
      const targets = this.targets(event.record.tag);
      event.ack.fork(targets.length);
      if (targets.length === 0) this.metrics.inc('records_unrouted_total');
      for (const target of targets) {
        if (!target.queue.offer(event, event.bytes)) await target.queue.waitForSpace();
      }
    }
  }

  private transformed(batch: PipelineEvent[]): PipelineEvent[] {
    const out: PipelineEvent[] = [];
    const keep = (event: PipelineEvent): void => {
      out.push(event);
    };
    for (const event of batch) this.transforms?.run(event, keep);
    return out;
  }

  private targets(tag: string): Route[] {
    let targets = this.cache.get(tag);
    if (!targets) {
      targets = this.routes.filter((r) => r.match(tag));
      if (this.cache.size >= ROUTE_CACHE_LIMIT) this.cache.clear();
      this.cache.set(tag, targets);
    }
    return targets;
  }
}
