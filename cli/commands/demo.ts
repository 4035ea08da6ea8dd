import { parse } from '../args.js';
import { EXIT } from '../exit-codes.js';

export const DEMO_HELP = `Usage: freezer-dr demo

An embedded simulated cloud (Keystone, Nova, a Redfish BMC per host, an SMTP
server) starts on 127.0.0.1, one host crashes, and the watchdog recovers it end
to end, then exits (0 when recovered). No AWS account, no OpenStack needed.`;

export async function demoCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values } = parse('demo', argv, {});
  if (values.help) return (out(DEMO_HELP), EXIT.ok);
  // lib/sim is only ever loaded by the demo, never by `start`.
  const { runDemo } = await import('../demo.js');
  return runDemo(out);
}
