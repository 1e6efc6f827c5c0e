import { z } from 'zod';
import { apiKeyAuthSchema, bulkOutputOptions, checkBulkOutput } from '../../plugins/bulk/bulk-schema.js';

const { hosts, ...options } = bulkOutputOptions('Elasticsearch', 9200, 'es.example.com');

export const elasticsearchSchema = z
  .object({
    hosts,
    auth: apiKeyAuthSchema.optional().describe('Authentication: username + password, api_key, or bearer — one of them.'),
    ...options,
  })
  .strict();

export type ElasticsearchConfig = z.output<typeof elasticsearchSchema>;

export const checkElasticsearch = checkBulkOutput;
