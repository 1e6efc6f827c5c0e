import { dockerExecInput } from '../inputs/docker_exec/index.js';
import { generatorInput } from '../inputs/generator/index.js';
import { dockerLogsInput } from '../inputs/docker_logs/index.js';
import { dockerTailInput } from '../inputs/docker_tail/index.js';
import { elasticsearchOutput } from '../outputs/elasticsearch/index.js';
import { kafkaOutput } from '../outputs/kafka/index.js';
import { fileOutput } from '../outputs/file/index.js';
import { stdoutOutput } from '../outputs/stdout/index.js';
import type { InputDefinition, OutputDefinition, PluginDefinition } from './types.js';

/** Every plugin logship knows. `validate`, `plugins` and the docs tests all read this list. */
export const inputs: readonly InputDefinition[] = [dockerLogsInput, dockerTailInput, dockerExecInput, generatorInput];
export const outputs: readonly OutputDefinition[] = [fileOutput, stdoutOutput, kafkaOutput, elasticsearchOutput];

export const allPlugins: readonly PluginDefinition[] = [...inputs, ...outputs];

export function findPlugin(kind: 'input', type: string): InputDefinition | undefined;
export function findPlugin(kind: 'output', type: string): OutputDefinition | undefined;
export function findPlugin(kind: 'input' | 'output', type: string): PluginDefinition | undefined;
export function findPlugin(kind: 'input' | 'output', type: string): PluginDefinition | undefined {
  return (kind === 'input' ? inputs : outputs).find((p) => p.type === type);
}

export function pluginTypes(kind: 'input' | 'output'): string[] {
  return (kind === 'input' ? inputs : outputs).map((p) => p.type);
}
