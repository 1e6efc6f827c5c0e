import { z } from 'zod';
import { basicOrBearerAuthSchema, bulkOutputOptions, checkBulkOutput } from '../../plugins/bulk/bulk-schema.js';

const { hosts, ...options } = bulkOutputOptions('OpenSearch', 9200, 'opensearch.example.com');

export const opensearchSchema = z
  .object({
    hosts,
    auth: basicOrBearerAuthSchema.optional().describe('Authentication: username + password (the security plugin\'s internal users, or a fine-grained access control master user), or bearer — one of them.'),
    ...options,
  })
  .strict();

export type OpenSearchConfig = z.output<typeof opensearchSchema>;

export const checkOpenSearch = checkBulkOutput;
