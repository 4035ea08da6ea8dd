import { parse } from '../args.js';
import { requireConfig } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { confirmByHostName } from '../terminal.js';
import { UserInputError } from '../../lib/errors.js';
import { HostNameSchema } from '../../lib/config/index.js';
import { createFencer } from '../../lib/fencing/index.js';
import { fenceOff, powerOn } from '../../lib/fencing/index.js';

export const FENCE_HELP = `Usage: freezer-dr fence status|off|on --host HOST [--yes] [--json] [--config FILE]

Talk to one host's BMC with the same driver, timeouts and verification the
recovery uses.

  status   print the power state (on / off)
  off      power off and wait until the BMC reads off (asks for confirmation)
  on       power on and wait until the BMC reads on
  --yes    do not ask before powering off (without a terminal, off needs it)
  --json   print {"host", "action", "power", "target", ...} as one JSON document (status adds "bmcMs")

Exit: 0 done, 1 the BMC did not confirm, 2 bad arguments, no BMC configured for the host,
or off not confirmed (no terminal and no --yes).`;

// eslint-disable-next-line max-lines-per-function -- one command: parse, confirm, act, report (human or --json)
export async function fenceCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values, positionals } = parse(
    'fence',
    argv,
    {
      host: { type: 'string' },
      yes: { type: 'boolean', short: 'y' },
      json: { type: 'boolean' },
      config: { type: 'string' },
    },
    true,
  );
  if (values.help) return (out(FENCE_HELP), EXIT.ok);
  const action = positionals[0];
  if (action !== 'status' && action !== 'off' && action !== 'on')
    throw new UserInputError(`fence: expected "status", "off" or "on", got ${JSON.stringify(action ?? '')}`, {
      hint: 'see: freezer-dr fence --help',
    });
  const host = HostNameSchema.safeParse(values.host);
  if (!host.success)
    throw new UserInputError(
      `fence: --host ${values.host === undefined ? 'is required' : `${JSON.stringify(values.host)}: ${host.error.issues[0]?.message}`}`,
    );
  const config = await requireConfig(values.config);
  const fencer = await createFencer(config.fencing, host.data);
  const timing = {
    powerTimeoutMs: config.fencing.powerTimeoutSeconds * 1000,
    pollIntervalMs: config.fencing.pollIntervalSeconds * 1000,
  };
  const report = (human: string, fields: Record<string, unknown>) =>
    out(values.json ? JSON.stringify({ host: host.data, action, target: fencer.target, ...fields }) : human);
  if (action === 'status') {
    try {
      const asked = performance.now();
      const power = await fencer.getPower();
      // How long the BMC took to answer (session set-up included), apart from this command's own start.
      const bmcMs = Math.round(performance.now() - asked);
      report(`${host.data}: power ${power} (${fencer.target}, answered in ${bmcMs} ms)`, { power, bmcMs });
    } finally {
      await fencer.close?.();
    }
    return EXIT.ok;
  }
  if (action === 'off' && !values.yes) {
    const ok = await confirmByHostName(
      host.data,
      `Power OFF ${host.data} via ${fencer.target}? Every instance on it stops.`,
      '--yes',
    ).catch(async (err: unknown) => {
      await fencer.close?.();
      throw err;
    });
    if (!ok) {
      await fencer.close?.();
      report('not confirmed; nothing done', { confirmed: false, done: false });
      return EXIT.usage;
    }
  }
  if (action === 'off') {
    const r = await fenceOff(fencer, timing);
    report(
      `${host.data}: confirmed off at ${r.confirmedAt} (${r.alreadyOff ? 'was already off' : `${r.attempts} status reads`})`,
      { power: 'off', confirmedAt: r.confirmedAt, alreadyOff: r.alreadyOff, attempts: r.attempts },
    );
  } else {
    const r = await powerOn(fencer, timing);
    report(`${host.data}: confirmed on (${r.attempts} status reads)`, { power: 'on', attempts: r.attempts });
  }
  return EXIT.ok;
}
