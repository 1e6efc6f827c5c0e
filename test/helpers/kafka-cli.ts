// kcat (librdkafka), an independent client: one implementation for the tests and the benchmarks, in the bench kit
export { consumeAll, KAFKA, kafkaScript, messageCount, requireKafka, waitForMessages, type ConsumedMessage } from '../../bench/lib/kcat.js';
