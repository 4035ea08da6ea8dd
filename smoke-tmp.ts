import { startIpmiSim } from './test/support/ipmi-sim.js';
import { createIpmiFencer } from './lib/fencing/ipmi/index.js';
const sim = await startIpmiSim();
const f = createIpmiFencer({ driver: 'ipmi', address: sim.address, username: 'admin', password: 'password', host: 'c', requestTimeoutMs: 3000, privilege: 'administrator', authMode: 'basic', insecure: false, cipherSuites: [3] });
for (let i = 0; i < 8; i++) {
  await new Promise((r) => setTimeout(r, Math.random() * 1000));
  const t0 = performance.now();
  let death = 0;
  const un = sim.onPowerChange((s) => { if (s === 'off') death = performance.now() - t0; });
  await f.setPower('off');
  let off = 0;
  while (true) { if ((await f.getPower()) === 'off') { off = performance.now() - t0; break; } await new Promise((r) => setTimeout(r, 10)); }
  un();
  console.log(`death ${death.toFixed(0)} bmc-off ${off.toFixed(0)} lag ${(off - death).toFixed(0)}`);
  await f.setPower('on'); await sim.waitForPower('on'); while ((await f.getPower()) !== 'on') await new Promise((r) => setTimeout(r, 10));
}
await sim.stop();
