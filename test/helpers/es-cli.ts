// Elasticsearch over plain HTTP: one implementation for the tests and the benchmarks, in the bench kit
export { allDocs, count, ES, es, esScript, requireElasticsearch, waitForCount, type Doc } from '../../bench/lib/es.js';
