import { METRIC } from '../../core/metric-names.js';
import { BulkOutput, type BulkServer } from '../../plugins/bulk/bulk-output.js';
import type { PluginContext } from '../../plugins/types.js';
import { OpenSearchService } from '../../services/opensearch.js';
import type { OpenSearchConfig } from './schema.js';

const OPENSEARCH: BulkServer = {
  type: 'opensearch',
  connect: (options) => new OpenSearchService(options),
  metrics: { itemsRetried: METRIC.OPENSEARCH_ITEMS_RETRIED_TOTAL, deadLetterIndex: METRIC.OPENSEARCH_DEAD_LETTER_INDEX_TOTAL },
};

/** The opensearch output: the bulk engine the elasticsearch output uses, with the OpenSearch client. */
export function opensearchOutput(config: OpenSearchConfig, context: PluginContext): BulkOutput {
  return new BulkOutput(config, context, OPENSEARCH);
}
