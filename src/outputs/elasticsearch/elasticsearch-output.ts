import { METRIC } from '../../core/metric-names.js';
import { BulkOutput, type BulkServer } from '../../plugins/bulk/bulk-output.js';
import type { PluginContext } from '../../plugins/types.js';
import { ElasticsearchService } from '../../services/elasticsearch.js';
import type { ElasticsearchConfig } from './schema.js';

const ELASTICSEARCH: BulkServer = {
  type: 'elasticsearch',
  connect: (options) => new ElasticsearchService(options),
  metrics: { itemsRetried: METRIC.ELASTICSEARCH_ITEMS_RETRIED_TOTAL, deadLetterIndex: METRIC.ELASTICSEARCH_DEAD_LETTER_INDEX_TOTAL },
};

/** The elasticsearch output: the shared bulk engine with the official Elasticsearch client. */
export function elasticsearchOutput(config: ElasticsearchConfig, context: PluginContext): BulkOutput {
  return new BulkOutput(config, context, ELASTICSEARCH);
}
