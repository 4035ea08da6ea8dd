import { startIpmiSim, stopAllIpmiSims } from './test/support/ipmi-sim.js';
import { createIpmiFencer } from './lib/fencing/ipmi/index.js';
const t0 = performance.now();
const sims = await Promise.all([startIpmiSim(), startIpmiSim({ ignorePowerOff: true })]);
console.log('started', (performance.now() - t0).toFixed(0), sims.map((s) => [s.address, s.pid, s.isPoweredOn()]));
for (const sim of sims) {
  sim.onPowerChange((s) => console.log(sim.address, 'power ->', s, (performance.now() - t0).toFixed(0)));
  const f = createIpmiFencer({ driver: 'ipmi', address: sim.address, username: sim.username, password: sim.password, host: 'c', requestTimeoutMs: 2000, privilege: 'administrator', authMode: 'basic', insecure: false, cipherSuites: [17, 3] });
  console.log(await f.getPower());
  await f.setPower('off');
  const s = performance.now();
  while (performance.now() - s < 2500) { const p = await f.getPower(); if (p === 'off') { console.log('off after', (performance.now() - s).toFixed(0)); break; } await new Promise((r) => setTimeout(r, 100)); }
  console.log('truth', sim.isPoweredOn(), (await sim.ipmitool('chassis', 'power', 'status')).trim());
}
await sims[1]!.forceHostOff();
console.log('forced', sims[1]!.isPoweredOn());
await sims[0]!.powerOn(); console.log('on again', sims[0]!.isPoweredOn());
await sims[0]!.kill();
await stopAllIpmiSims();
console.log('done', (performance.now() - t0).toFixed(0));
