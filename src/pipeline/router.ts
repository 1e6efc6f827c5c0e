import { MEMO_MAX_KEY_LENGTH } from '../core/bounded-memo.js';
import { Channel } from '../core/channel.js';
import { compileTagGlob, type TagMatcher } from '../core/tag-match.js';
import type { Metrics } from '../core/metrics.js';
import { recordTag, type PipelineEvent } from '../core/record.js';
import type { TransformChain } from './transform-chain.js';
import { METRIC } from '../core/metric-names.js';

/** Takes records the transforms failed on; flush() writes what it took (the router calls it after each batch). */
export interface TransformFailureSink {
  fail(stageId: string, event: PipelineEvent, err: unknown): void;
  flush(): void;
}

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
  private lastTag: string | undefined;
  private lastTargets: Route[] | undefined;
  private readonly taps = new Set<{ match: TagMatcher; send: (event: PipelineEvent) => void }>();
  private loop: Promise<void> | undefined;
  /** The loop is handing a batch to the outputs (and may be waiting for room): direct routing would overtake it. */
  private routing = false;

  /** A transform chain waiting to replace the current one at the next batch (a reload). */
  private nextChain: { chain: TransformChain | undefined } | undefined;

  constructor(
    private readonly source: Channel<PipelineEvent>,
    private routes: Route[],
    private readonly metrics: Metrics,
    private transforms?: TransformChain,
    /** Where records go that transforms failed on or left unroutable; without it they are dropped and counted. */
    private readonly failures?: TransformFailureSink,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  /** Resolves once the source is closed and everything in it has been routed. */
  async drained(): Promise<void> {
    await this.loop;
  }

  /** Sends records to these routes from now on (a reload); a record being routed right now finishes on the old ones. */
  setRoutes(routes: Route[]): void {
    this.routes = routes;
    this.cache.clear();
    this.lastTargets = undefined;
  }

  /**
   * Replaces the transform chain before the next batch (a reload). What the old chain holds back
   * (multiline buffers) is drained through it and routed first, so nothing it held is lost.
   */
  setTransforms(chain: TransformChain | undefined): void {
    this.nextChain = { chain };
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.nextChain) await this.swapChain(this.nextChain.chain);
      const chain = this.transforms;
      let events: PipelineEvent[];
      if (chain?.holdsBack) {
        // transforms that hold records back need time to pass even when nothing arrives
        await this.source.waitForItems(1, TICK_MS);
        const batch = this.source.poll(512);
        const closed = batch.length === 0 && this.source.isClosed;
        events = this.transformed(chain, batch);
        const keep = (event: PipelineEvent): void => {
          if (this.routable(event)) events.push(event);
        };
        if (closed) chain.drain(keep);
        else chain.tick(Date.now(), keep);
        this.failures?.flush();
        await this.routeAll(events);
        if (closed) return;
        continue;
      }
      if (this.source.length === 0) await this.source.whenNotEmpty();
      // taken and marked in one synchronous step: routeNow must not overtake a batch taken but not yet routed
      this.routing = true;
      const batch = this.source.poll(512);
      if (batch.length === 0) {
        this.routing = false;
        return;
      }
      events = chain ? this.transformed(chain, batch) : batch;
      await this.routeAll(events);
    }
  }

  private async swapChain(next: TransformChain | undefined): Promise<void> {
    const old = this.transforms;
    this.transforms = next;
    this.nextChain = undefined;
    const held: PipelineEvent[] = [];
    old?.drain((event) => {
      if (this.routable(event)) held.push(event);
    });
    this.failures?.flush();
    await this.routeAll(held);
  }

  /** Shows every routed record whose tag matches to `send` (the API's /tap); returns the unsubscribe. */
  tap(glob: string, send: (event: PipelineEvent) => void): () => void {
    const entry = { match: compileTagGlob(glob), send };
    this.taps.add(entry);
    return () => this.taps.delete(entry);
  }

  /**
   * Routes a record at once, skipping the router's queue, when nothing can overtake or be overtaken:
   * no transforms (nor a chain about to be swapped in), nothing queued or being routed, and every
   * target has room. Returns false when it did not route the record; the caller queues it then.
   * Saves a queue hop, a batch and a wake-up per record on the common path (an input straight to
   * its outputs).
   */
  routeNow(event: PipelineEvent): boolean {
    if (this.transforms || this.nextChain || this.routing || this.source.length > 0 || this.source.isClosed) return false;
    const targets = this.targets(recordTag(event));
    for (const target of targets) if (target.queue.isFull || target.queue.isClosed) return false;
    this.announce(event, targets);
    for (const target of targets) target.queue.offer(event, event.bytes);
    return true;
  }

  private async routeAll(events: PipelineEvent[]): Promise<void> {
    this.routing = true;
    try {
      for (const event of events) {
        const targets = this.targets(recordTag(event));
        this.announce(event, targets);
        for (const target of targets) {
          if (target.queue.isClosed) {
            // its output was removed by a reload while this record was on its way
            event.ack.settle('dropped');
            this.metrics.inc(METRIC.RECORDS_UNROUTED_TOTAL);
            continue;
          }
          if (!target.queue.offer(event, event.bytes)) await target.queue.waitForSpace();
        }
      }
    } finally {
      this.routing = false;
    }
  }

  /** Shows the record to the taps and expects one settlement per target (none: settled at once). */
  private announce(event: PipelineEvent, targets: readonly Route[]): void {
    if (this.taps.size > 0) this.showTaps(event);
    event.ack.fork(targets.length);
    if (targets.length === 0) this.metrics.inc(METRIC.RECORDS_UNROUTED_TOTAL);
  }

  /** A tap that cannot show a record (a client's problem, or a record it cannot serialise) never affects routing. */
  private showTaps(event: PipelineEvent): void {
    for (const tap of this.taps) {
      try {
        if (tap.match(recordTag(event))) tap.send(event);
      } catch {
        this.metrics.inc(METRIC.TAP_ERRORS_TOTAL);
      }
    }
  }

  private transformed(chain: TransformChain, batch: PipelineEvent[]): PipelineEvent[] {
    const out: PipelineEvent[] = [];
    const keep = (event: PipelineEvent): void => {
      if (this.routable(event)) out.push(event);
    };
    for (const event of batch) {
      // a transform may change the record: its ready-made JSON would no longer match
      event.json = undefined;
      chain.run(event, keep);
    }
    this.failures?.flush();
    return out;
  }

  /**
   * Routing needs a text tag; a transform that set the tag from parsed content may have made it
   * something else. Such a record goes to the transforms' dead letters (or is dropped and counted).
   */
  private routable(event: PipelineEvent): boolean {
    const tag: unknown = event.record.tag;
    if (typeof tag === 'string' && tag.length > 0) return true;
    const problem = new TypeError(`the record's tag is ${tag === '' ? 'empty' : `not text (${tag === null ? 'null' : typeof tag})`}: it cannot be routed`);
    if (this.failures) this.failures.fail('router', event, problem);
    else {
      event.ack.settle('dropped');
      this.metrics.inc(METRIC.RECORDS_UNROUTED_TOTAL);
    }
    return false;
  }

  private targets(tag: string): Route[] {
    // consecutive records mostly share a tag (one container's burst)
    if (tag === this.lastTag && this.lastTargets) return this.lastTargets;
    let targets = this.cache.get(tag);
    if (!targets) {
      targets = this.routes.filter((r) => r.match(tag));
      // a tag made from parsed content can be long: 10,000 of those would fill the heap
      if (tag.length <= MEMO_MAX_KEY_LENGTH) {
        if (this.cache.size >= ROUTE_CACHE_LIMIT) this.cache.clear();
        this.cache.set(tag, targets);
      }
    }
    this.lastTag = tag;
    this.lastTargets = targets;
    return targets;
  }
}
