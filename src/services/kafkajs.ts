// logship's replacements must be in kafkajs's module cache before kafkajs loads its producer: keep this
// import first. Everything in logship imports kafkajs through this module (eslint enforces it).
import './kafkajs-internals.js';
import kafkajs from 'kafkajs';

export type { Admin, Producer, SASLOptions } from 'kafkajs';
export default kafkajs;
