import type { BrokerAdmin } from '../lib/kafka-admin.js';
import type { Session } from '../lib/session.js';
import type { Options, Scenario } from './options.js';

/** What every scenario needs of the invocation. */
export interface Context {
  session: Session;
  options: Options;
  tmp: string;
  broker: BrokerAdmin;
  /** This invocation's topics, indices, index templates and container labels start with it. */
  prefix: string;
  /** Index templates made (deleted with the indices). */
  templates: string[];
  /** Label every container of this invocation carries (the session removes them by it). */
  runLabel: string;
}

/** One run of one scenario: a row of the table. */
export interface Row {
  scenario: Scenario;
  run: number | string;
  errors: string[];
  notes: string[];
  lines?: number;
  seconds?: number;
  linesPerSec?: number;
  cpuSeconds?: number;
  cpuUsPerLine?: number;
  /** idle: CPU as a share of one core over the measured window. */
  cpuPctCore?: number;
  rssMaxMiB?: number;
  rssMeanMiB?: number;
  /** The same shipper with no container to read, over the same window. */
  zeroRssMeanMiB?: number;
  containers?: number;
  perContainerKiB?: number;
  refPerSec?: number;
  /** logship's lines/s ÷ the reference's. */
  ratio?: number;
  refCpuSeconds?: number;
  missing?: number;
  duplicates?: number;
  foreign?: number;
  altered?: number;
  profile?: string;
  shipperMetrics?: Record<string, number>;
}
