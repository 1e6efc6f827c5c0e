// Elasticsearch over plain HTTP: one implementation for the tests and the benchmarks, in the bench kit
export { allDocs, ELASTICSEARCH_NODE, ES, es, esScript, OPENSEARCH_NODE, requireElasticsearch, SearchNode, type Doc } from '../../bench/lib/es.js';
