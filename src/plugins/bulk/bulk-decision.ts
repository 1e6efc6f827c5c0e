import type { BulkItemResult } from '../../services/bulk-api.js';
import { ErrorCode, ErrorCodeFamily } from '../../core/error-codes.js';

export type ItemDecision = { action: 'delivered' } | { action: 'retry'; reason: string } | { action: 'reject'; code: string; reason: string };

/**
 * Pure: what one bulk item's result means. Retry what may succeed later (429 rejections, 5xx,
 * cluster blocks such as a full disk); reject for good what never will (mapping conflicts and
 * other 4xx); a `create` that finds its ID taken means an earlier attempt got through.
 */
export function decideBulkItem(item: BulkItemResult, op: 'index' | 'create'): ItemDecision {
  const { status } = item;
  const detail = `${status} ${item.errorType ?? ''}${item.errorReason ? `: ${item.errorReason}` : ''}`.trim();
  if (status >= 200 && status < 300) return { action: 'delivered' };
  if (status === 409 && op === 'create') return { action: 'delivered' };
  if (status === 429 || status >= 500 || item.errorType === 'cluster_block_exception') return { action: 'retry', reason: detail };
  if (status === 413) return { action: 'reject', code: ErrorCode.ES_DOCUMENT_TOO_LARGE, reason: detail };
  if (item.errorType === 'mapper_parsing_exception' || item.errorType === 'document_parsing_exception' || item.errorType === 'illegal_argument_exception') {
    return { action: 'reject', code: ErrorCode.ES_MAPPING_REJECTED, reason: detail };
  }
  if (status >= 400) return { action: 'reject', code: ErrorCodeFamily.ES_REJECTED.code(status), reason: detail };
  return { action: 'retry', reason: detail };
}

export type RequestDecision = { action: 'retry' } | { action: 'split' } | { action: 'reject'; code: string; reason: string };

/**
 * Pure: what a failed bulk request as a whole means (no items came back). Unreachable, timeouts,
 * 429, 5xx and authentication problems are retried (credentials get fixed; data must not be
 * dropped meanwhile); a request too large or malformed is split until the culprit is alone.
 */
export function decideBulkRequest(status: number | undefined, documents: number): RequestDecision {
  if (status === 413 || status === 400) {
    if (documents > 1) return { action: 'split' };
    return status === 413
      ? { action: 'reject', code: ErrorCode.ES_DOCUMENT_TOO_LARGE, reason: 'the document alone is larger than http.max_content_length' }
      : { action: 'reject', code: ErrorCode.ES_REQUEST_REJECTED, reason: 'the node refused the request (400) with only this document in it' };
  }
  return { action: 'retry' };
}
