import { stableJson } from '../core/stable-json.js';
import type { Pipeline } from '../config/load.js';

interface Configured {
  id: string;
  definition: { type: string };
  config: Record<string, unknown>;
}

/** What a reload does to one kind of plugin, by id. */
export interface PluginChanges<T extends Configured> {
  added: T[];
  removed: T[];
  /** Same id, different type or options: the old instance stops, a new one starts. */
  changed: Array<{ before: T; after: T }>;
  /** Same id, type and options (outputs: apart from `match`): keeps running untouched. */
  kept: Array<{ before: T; after: T }>;
}

export interface ReloadPlan {
  inputs: PluginChanges<Pipeline['inputs'][number]>;
  outputs: PluginChanges<Pipeline['outputs'][number]>;
  /** Transforms form one chain (order matters): any difference rebuilds the whole chain. */
  transformsChanged: boolean;
  /** Top-level settings that differ; they take effect only at the next start. */
  settingsNeedingRestart: string[];
}

/** Compares a running pipeline with a newly loaded one. Pure: the runtime applies the plan. */
export function planReload(current: Pipeline, next: Pipeline): ReloadPlan {
  return {
    inputs: diffPlugins(current.inputs, next.inputs),
    // an output whose only change is its match glob keeps running: the router just sends it other records
    outputs: diffPlugins(current.outputs, next.outputs, ['match']),
    transformsChanged: stableJson(current.transforms.map((t) => fingerprintOf(t))) !== stableJson(next.transforms.map((t) => fingerprintOf(t))),
    settingsNeedingRestart: [...new Set([...Object.keys(current.settings), ...Object.keys(next.settings)])]
      .filter((key) => stableJson((current.settings as Record<string, unknown>)[key]) !== stableJson((next.settings as Record<string, unknown>)[key]))
      .sort(),
  };
}

/** True when the plan changes nothing that runs. */
export function isEmptyPlan(plan: ReloadPlan): boolean {
  const none = (c: PluginChanges<Configured>): boolean => c.added.length + c.removed.length + c.changed.length === 0;
  return none(plan.inputs) && none(plan.outputs) && !plan.transformsChanged;
}

/** One line for the log: "inputs +1 ~0 -0 =2; outputs …". */
export function describePlan(plan: ReloadPlan): string {
  const part = (name: string, c: PluginChanges<Configured>): string => {
    const ids = (label: string, list: Configured[]): string => (list.length ? ` ${label}[${list.map((p) => p.id).join(',')}]` : '');
    return `${name}:${ids('added', c.added)}${ids('changed', c.changed.map((x) => x.after))}${ids('removed', c.removed)} kept ${c.kept.length}`;
  };
  return [part('inputs', plan.inputs), `transforms: ${plan.transformsChanged ? 'rebuilt' : 'kept'}`, part('outputs', plan.outputs)].join('; ');
}

function fingerprintOf(plugin: Configured, ignoredKeys: readonly string[] = []): string {
  const config = Object.fromEntries(Object.entries(plugin.config).filter(([key]) => !ignoredKeys.includes(key)));
  return stableJson({ type: plugin.definition.type, config });
}

function diffPlugins<T extends Configured>(before: readonly T[], after: readonly T[], ignoredKeys: readonly string[] = []): PluginChanges<T> {
  const old = new Map(before.map((p) => [p.id, p]));
  const changes: PluginChanges<T> = { added: [], removed: [], changed: [], kept: [] };
  for (const plugin of after) {
    const previous = old.get(plugin.id);
    old.delete(plugin.id);
    if (!previous) changes.added.push(plugin);
    else if (fingerprintOf(previous, ignoredKeys) === fingerprintOf(plugin, ignoredKeys)) changes.kept.push({ before: previous, after: plugin });
    else changes.changed.push({ before: previous, after: plugin });
  }
  changes.removed.push(...old.values());
  return changes;
}
