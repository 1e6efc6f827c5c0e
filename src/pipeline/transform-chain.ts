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

/** What happens to a record a transform threw on: it goes no further; the handler settles it. */
export type TransformFailureHandler = (stageId: string, event: PipelineEvent, err: unknown) => void;

const rethrow: TransformFailureHandler = (_stageId, _event, err) => {
  throw err;
};

/**
 * The transforms in pipeline order: each sees what the previous passed on, if its glob accepts the
 * tag. A transform that throws on a record (content it did not expect) fails that record alone:
 * the record goes to `onFailure` and the records after it keep flowing.
 */
export class TransformChain {
  constructor(
    private readonly stages: readonly TransformStage[],
    private readonly onFailure: TransformFailureHandler = rethrow,
    private readonly onStageError: (stageId: string, err: unknown) => void = (_stageId, err) => {
      throw err;
    },
  ) {}

  run(event: PipelineEvent, out: Emit): void {
    this.step(0, event, out);
  }

  /** True when some transform holds records back and needs ticks. */
  get holdsBack(): boolean {
    return this.stages.some((s) => s.transform.tick !== undefined);
  }

  tick(now: number, out: Emit): void {
    this.stages.forEach((stage, index) => this.guarded(stage, () => stage.transform.tick?.(now, (e) => this.step(index + 1, e, out))));
  }

  drain(out: Emit): void {
    this.stages.forEach((stage, index) => this.guarded(stage, () => stage.transform.drain?.((e) => this.step(index + 1, e, out))));
  }

  /**
   * A transform's tick or drain that throws is reported, never the router's end: the records it
   * emitted before are on their way, and those it still holds keep the checkpoints behind them.
   */
  private guarded(stage: TransformStage, work: () => void): void {
    try {
      work();
    } catch (err) {
      this.onStageError(stage.id, err);
    }
  }

  private step(index: number, event: PipelineEvent, out: Emit): void {
    const stage = this.stages[index];
    if (!stage) {
      out(event);
      return;
    }
    // later stages catch their own failures (step is re-entered through emit): whatever reaches this
    // catch is this stage's, on this event
    let passedOn = false;
    try {
      const tag: unknown = event.record.tag;
      // an earlier transform may have set it from parsed content
      if (typeof tag !== 'string') throw new TypeError(`the record's tag is not text (${tag === null ? 'null' : typeof tag}): it cannot be matched`);
      if (!stage.match(tag)) {
        passedOn = true;
        this.step(index + 1, event, out);
        return;
      }
      // transforms that drop records count them themselves: holding a line (multiline) is not dropping it
      stage.transform.process(event, (next) => {
        if (next === event) passedOn = true;
        this.step(index + 1, next, out);
      });
    } catch (err) {
      // a record already passed on belongs to the stages after this one
      if (!passedOn) this.onFailure(stage.id, event, err);
    }
  }
}
