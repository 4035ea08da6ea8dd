import { afterEach, expect, test } from '@jest/globals';
import { busiestHost, isEvacuatePost, isResetPost, startRelEnv, type RelEnv } from '../support/env.js';
import { incidentIdFor } from '../../../lib/incidents/index.js';
let env: RelEnv | undefined;
afterEach(async () => { await env?.stop(); env = undefined; });
test('two recoveries with the same incident id at once', async () => {
  env = await startRelEnv({ sim: { rebuildMs: 400 } });
  const host = busiestHost(env.sim);
  env.sim.crashHost(host);
  const id = incidentIdFor(host, new Date());
  const [a, b] = await Promise.all([env.recover(host, { incidentId: id }), env.recover(host, { incidentId: id })]);
  console.log(a.status, a.error, b.status, b.error);
  console.log('resets', env.sim.requestLog.filter(isResetPost).length, 'evac posts', env.sim.requestLog.filter(isEvacuatePost).map((r) => r.status + ' ' + r.path));
  console.log(JSON.stringify(await env.figures()));
});
