import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireKafka, waitForMessages } from '../helpers/kafka-cli.js';
import { Shipper, tempDir } from '../helpers/shipper.js';

/** The broker's SASL listener (user logship, password logship-secret), as in kafka.int.test.ts. */
const SASL_BROKER = '127.0.0.1:9094';
const shippers: Shipper[] = [];

// the plain listener answers the probe; the SASL one needs credentials
beforeAll(() => requireKafka());
afterEach(async () => {
  await Promise.all(shippers.splice(0).map((s) => s.stop()));
});

describe('secrets from files against a real broker', () => {
  it('sasl.password_file is read at start and again at reload (SIGHUP), after the secret is rotated', async () => {
    const dir = tempDir();
    const secret = join(dir, 'kafka-password');
    const topic = `secret-file-${Date.now()}`;
    writeFileSync(secret, 'wrong\n');
    const yaml = `api: { address: "127.0.0.1:0" }
inputs:
  - type: generator
    count: 50
    rate: 100
outputs:
  - type: kafka
    brokers: ["${SASL_BROKER}"]
    topic: ${topic}
    sasl: { mechanism: scram-sha-512, username: logship, password_file: ${secret} }
`;
    const shipper = Shipper.run(yaml, join(dir, 'state'));
    shippers.push(shipper);
    await shipper.waitForLog('output failing', 30_000);
    expect(shipper.stderr).toMatch(/SASL|[Aa]uthentication/);

    writeFileSync(secret, 'logship-secret\n');
    shipper.kill('SIGHUP');
    await shipper.waitForLog('reload applied', 20_000);
    // read back on the plain listener of the same broker
    const messages = await waitForMessages(topic, 50, 60_000);
    expect(messages).toHaveLength(50);
    expect(shipper.stderr).not.toContain('logship-secret');
  });
});
