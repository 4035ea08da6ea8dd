import { FreezerError, UserInputError } from '../lib/errors.js';
import { IncidentExistsError } from '../lib/incidents/index.js';
import { redactText } from '../lib/log/index.js';
import { isObserverProblem } from '../lib/openstack/index.js';
import { CHECK_HELP, checkCommand } from './commands/check.js';
import { DEMO_HELP, demoCommand } from './commands/demo.js';
import { FENCE_HELP, fenceCommand } from './commands/fence.js';
import { INCIDENTS_HELP, incidentsCommand } from './commands/incidents.js';
import { PAUSE_HELP, pauseCommand } from './commands/pause.js';
import { RECOVER_HELP, recoverCommand } from './commands/recover.js';
import { RETURN_HELP, returnCommand } from './commands/return.js';
import { START_HELP, startCommand } from './commands/start.js';
import { EXIT } from './exit-codes.js';

export const HELP = `freezer-dr — compute-node high availability for OpenStack

Usage: freezer-dr <command> [options]

Commands:
  start       watch the cloud and recover failed hosts (--listen ADDR:PORT: /metrics, /healthz, /readyz)
  demo        a simulated cloud on 127.0.0.1, one host crashes, watch it recover
  check       one monitor pass, acting on nothing: services, decisions, gates
  recover     run the recovery for one host (--host X; --dry-run first)
  return      put a recovered host back in service (power on → cleanup → un-force → up → enable)
  incidents   list incidents, or show one (timeline, instances, mails)
  fence       BMC power status / off / on for one host
  pause       stop starting recoveries (monitor-only mode)
  resume      lift the pause

Every command takes --help. Config: ./freezer-dr.yaml or --config FILE.
Exit codes: 0 ok · 1 the operation failed · 2 bad usage/config/input ·
            3 the cloud could not be observed · 4 refused by a gate, the pause switch or an open incident`;

type Out = (s: string) => void;
const COMMANDS: Record<string, { run: (argv: string[], out: Out) => Promise<number>; help: string }> = {
  start: { run: startCommand, help: START_HELP },
  demo: { run: demoCommand, help: DEMO_HELP },
  check: { run: checkCommand, help: CHECK_HELP },
  recover: { run: recoverCommand, help: RECOVER_HELP },
  return: { run: returnCommand, help: RETURN_HELP },
  incidents: { run: incidentsCommand, help: INCIDENTS_HELP },
  fence: { run: fenceCommand, help: FENCE_HELP },
  pause: { run: (a, o) => pauseCommand(true, a, o), help: PAUSE_HELP },
  resume: { run: (a, o) => pauseCommand(false, a, o), help: PAUSE_HELP },
};

/** Run one CLI invocation; returns the exit code. Errors are printed for people, never with secrets. */
export async function main(
  argv: string[],
  out: Out = (s) => process.stdout.write(s + '\n'),
  err: Out = (s) => process.stderr.write(s + '\n'),
): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    out(HELP);
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[name];
  if (!command) {
    err(`error: unknown command "${name}"\n\n${HELP}`);
    return EXIT.usage;
  }
  try {
    return await command.run(rest, out);
  } catch (e) {
    const error = e as Error;
    err(`error: ${redactText(error.message)}`);
    if (error instanceof FreezerError && error.hint) err(`hint: ${redactText(error.hint)}`);
    if (process.env.FREEZER_DR_DEBUG && !(error instanceof UserInputError)) err(redactText(error.stack ?? ''));
    if (error instanceof UserInputError) return EXIT.usage;
    if (error instanceof IncidentExistsError) return EXIT.refused;
    if (isObserverProblem(error)) return EXIT.unreachable;
    return EXIT.failed;
  }
}
