import type { Metrics } from '../core/metrics.js';
import type { PipelineEvent } from '../core/record.js';
import { compileTagGlob, type TagMatcher } from '../core/tag-match.js';
import type { Emit, Transform } from '../plugins/types.js';

export interface TransformStage {
  id: string;
  match: TagMatcher;
  transform: Transform;
}

export function transformStage(id: string, glob: string, transform: Transform): TransformStage {
  return { id, match: compileTagGlob(glob), transform };
}

/** The transforms in pipeline order: each sees what the previous passed on, if its glob accepts the tag. */
export class TransformChain {
  constructor(
    private readonly stages: readonly TransformStage[],
    private readonly metrics: Metrics,
  ) {}

  run(event: PipelineEvent, out: Emit): void {
    this.step(0, event, out);
  }

  /** True when some transform holds records back and needs ticks. */
  get holdsBack(): boolean {
    return this.stages.some((s) => s.transform.tick !== undefined);
  }

  tick(now: number, out: Emit): void {
    this.stages.forEach((stage, index) => stage.transform.tick?.(now, (e) => this.step(index + 1, e, out)));
  }

  drain(out: Emit): void {
    this.stages.forEach((stage, index) => stage.transform.drain?.((e) => this.step(index + 1, e, out)));
  }

  private step(index: number, event: PipelineEvent, out: Emit): void {
    const stage = this.stages[index];
    if (!stage) {
      out(event);
      return;
    }
    if (!stage.match(event.record.tag)) {
      this.step(index + 1, event, out);
      return;
    }
    let passed = 0;
    stage.transform.process(event, (next) => {
      passed += 1;
      this.step(index + 1, next, out);
    });
    if (passed === 0) this.metrics.inc('transform_dropped_total', { transform: stage.id });
  }
}
