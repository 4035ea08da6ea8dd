import { afterEach, describe, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LifecycleEvent } from '../../lib/events/index.js';
import { busiestHost, startRecoveryEnv, type RecoveryEnv } from '../support/recovery-env.js';
import { documentedValidator } from '../support/events-schema.js';

/** A recovery on the simulator publishes its lifecycle to the log and to the config's webhook, each event valid against docs/events.schema.json. */
let env: RecoveryEnv | undefined;
let server: Server | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function webhook(): Promise<{ url: string; received: LifecycleEvent[] }> {
  const received: LifecycleEvent[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(JSON.parse(body) as LifecycleEvent);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/hook`, received };
}

describe('lifecycle events of a recovery', () => {
  test('a partial recovery: fence → isolated → evacuation → per instance → recovery.partial, on the webhook and in the log', async () => {
    const hook = await webhook();
    env = await startRecoveryEnv({
      configPatch: (c) => {
        c.events = { webhook: hook.url };
      },
    });
    const host = busiestHost(env.sim);
    const victim = env.sim.snapshot().servers.find((s) => s.host === host && s.status === 'ACTIVE')!;
    env.sim.faults.noValidHostFor = new Set([victim.id]);
    env.sim.crashHost(host);
    const r = await env.recover(host);
    expect(r.error?.Error).toBe('RecoveryPartial');

    const types = hook.received.map((e) => e.type);
    const instances = types.filter((t) => t.startsWith('instance.'));
    expect(types.filter((t) => !t.startsWith('instance.'))).toEqual([
      'fence.started',
      'fence.confirmed',
      'isolated',
      'evacuation.started',
      'recovery.partial',
    ]);
    const planned = (hook.received.find((e) => e.type === 'evacuation.started')!.data as { instances: number })
      .instances;
    expect(instances).toHaveLength(planned);
    expect(instances.filter((t) => t === 'instance.failed')).toHaveLength(1);
    const failed = hook.received.find((e) => e.type === 'instance.failed')!;
    expect(failed.data).toMatchObject({
      instance: { id: victim.id, outcome: 'failed', reason: expect.stringMatching(/No valid host/) },
    });
    // recovery.partial comes last, after every instance.
    expect(types.at(-1)).toBe('recovery.partial');

    const validate = documentedValidator();
    for (const e of hook.received) expect([e.type, validate(e)]).toEqual([e.type, true]);
    for (const e of hook.received) expect([e.incidentId, e.host]).toEqual([r.incidentId, host]);
    // The same events are in the log, with the same ids.
    const logged = env.logs.map((l) => JSON.parse(l)).filter((l) => l.component === 'events' && l.event);
    expect(logged.map((l) => l.event.id)).toEqual(hook.received.map((e) => e.id));
  });
});
