import { dockerExecInput } from './inputs/docker_exec/index.js';
import { generatorInput } from './inputs/generator/index.js';
import { dockerLogsInput } from './inputs/docker_logs/index.js';
import { dockerTailInput } from './inputs/docker_tail/index.js';
import { elasticsearchOutput } from './outputs/elasticsearch/index.js';
import { opensearchOutput } from './outputs/opensearch/index.js';
import { kafkaOutput } from './outputs/kafka/index.js';
import { fileOutput } from './outputs/file/index.js';
import { stdoutOutput } from './outputs/stdout/index.js';
import { transformDefinitions } from './transforms/index.js';
import type { InputDefinition, OutputDefinition, PluginDefinition, PluginKind, TransformDefinition } from './plugins/types.js';

/** Every plugin logship knows. `validate`, `plugins` and the docs tests all read this list. */
export const inputs: readonly InputDefinition[] = [dockerLogsInput, dockerTailInput, dockerExecInput, generatorInput];
export const outputs: readonly OutputDefinition[] = [fileOutput, stdoutOutput, kafkaOutput, elasticsearchOutput, opensearchOutput];

export const transforms: readonly TransformDefinition[] = transformDefinitions;

export const allPlugins: readonly PluginDefinition[] = [...inputs, ...transforms, ...outputs];

export function findPlugin(kind: 'input', type: string): InputDefinition | undefined;
export function findPlugin(kind: 'transform', type: string): TransformDefinition | undefined;
export function findPlugin(kind: 'output', type: string): OutputDefinition | undefined;
export function findPlugin(kind: PluginKind, type: string): PluginDefinition | undefined;
export function findPlugin(kind: PluginKind, type: string): PluginDefinition | undefined {
  return ofKind(kind).find((p) => p.type === type);
}

export function pluginTypes(kind: PluginKind): string[] {
  return ofKind(kind).map((p) => p.type);
}

function ofKind(kind: PluginKind): readonly PluginDefinition[] {
  return kind === 'input' ? inputs : kind === 'output' ? outputs : transforms;
}
