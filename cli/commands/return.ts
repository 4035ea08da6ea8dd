import { parse } from '../args.js';
import { openRuntime, requireConfig } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { UserInputError } from '../../lib/errors.js';
import { HostNameSchema } from '../../lib/config/index.js';
import { returnToService } from '../../lib/workflow/index.js';

export const RETURN_HELP = `Usage: freezer-dr return --host HOST [--enable-anyway] [--timeout SECONDS] [--json] [--config FILE]

Put a recovered host back in service, in the only safe order (S2):
power on through its BMC → nova-compute starts while still forced down and
cleans up the instances evacuated away → un-force → wait for state up → enable.
freezer-dr never does this by itself.

  --host HOST        the exact Nova host name
  --enable-anyway    also enable a service someone other than freezer-dr disabled
  --timeout SECONDS  give up on any one wait after this long (default 600)
  --json             print the steps and the service as it ends as one JSON document

Each step prints a line as it starts and ends, and a long wait says every 10 s what
it is still waiting for (with --json these lines go to stderr).

Exit: 0 back in service, 1 a step did not complete (nothing after it was done),
2 bad arguments, 4 an incident is still open for the host.`;

export async function returnCommand(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void = out,
): Promise<number> {
  const { values } = parse('return', argv, {
    host: { type: 'string' },
    'enable-anyway': { type: 'boolean' },
    timeout: { type: 'string' },
    json: { type: 'boolean' },
    config: { type: 'string' },
  });
  if (values.help) return (out(RETURN_HELP), EXIT.ok);
  const host = HostNameSchema.safeParse(values.host);
  if (!host.success)
    throw new UserInputError(
      `return: --host ${values.host === undefined ? 'is required' : `${JSON.stringify(values.host)}: ${host.error.issues[0]?.message}`}`,
    );
  const timeout = values.timeout === undefined ? 600 : Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0)
    throw new UserInputError(
      `return: --timeout ${JSON.stringify(values.timeout)}: expected a positive number of seconds`,
    );
  const rt = await openRuntime(await requireConfig(values.config));
  const steps: string[] = [];
  try {
    const s = await returnToService(rt, host.data, {
      timeoutMs: timeout * 1000,
      pollMs: 1000,
      progressEveryMs: 10_000,
      enableAnyway: values['enable-anyway'] ?? false,
      // stdout carries one JSON document with --json: the progress then goes to stderr.
      progress: values.json ? (line) => (steps.push(line), err(line)) : out,
    });
    const inService = s.state === 'up' && s.status === 'enabled' && !s.forcedDown;
    if (values.json) out(JSON.stringify({ host: host.data, inService, service: s, steps }));
    else out(`${host.data}: ${s.state}, ${s.status}${s.forcedDown ? ', forced down' : ''}`);
    return inService ? EXIT.ok : EXIT.failed;
  } finally {
    await rt.store.close();
  }
}
