/**
 * The far side of bench:monitor-scale, in its own process so the bench measures only our CPU:
 * a simulated cloud with N compute hosts and a dynalite DynamoDB on 127.0.0.1. Prints one JSON
 * line with where they listen, then runs until its stdin closes.
 *
 *   node bin/run-ts.js bench/support/monitor-cloud.ts HOSTS
 */
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimCloud } from '../../lib/sim/index.js';

const hosts = Number(process.argv[2]) || 100;
// Heartbeats every 10 s, down after 60 s: thousands of hosts stay cheap to simulate and healthy.
const sim = await startSimCloud({ hosts, reportIntervalMs: 10_000, serviceDownTimeMs: 60_000 });
const dynalite = createRequire(import.meta.url)('dynalite') as (o?: { createTableMs?: number }) => Server;
const dynamo = dynalite({ createTableMs: 0 });
await new Promise<void>((resolve) => dynamo.listen(0, '127.0.0.1', () => resolve()));
process.stdout.write(
  JSON.stringify({
    authUrl: sim.authUrl,
    username: sim.admin.username,
    password: sim.admin.password,
    projectName: sim.admin.projectName,
    dynamoEndpoint: `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`,
  }) + '\n',
);
process.stdin.resume();
process.stdin.on('end', () => {
  void sim.stop().then(() => {
    dynamo.close();
    process.exit(0);
  });
});
