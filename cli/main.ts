import { EXIT } from './exit-codes.js';

export const HELP = `freezer-dr — compute-node high availability for OpenStack

Usage: freezer-dr <command> [options]

Commands:
  start       watch the cloud and recover failed hosts (--listen ADDR:PORT: /metrics, /healthz, /readyz)
  demo        a simulated cloud on 127.0.0.1, one host crashes, watch it recover
  check       one monitor pass, acting on nothing: services, decisions, gates
  capacity    if a host failed now, would its instances find room elsewhere (Placement)
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
type Run = (argv: string[], out: Out) => Promise<number>;
/**
 * Each command's module loads when that command runs: `freezer-dr --help` or `pause` never pays
 * for the monitor, the state machine runner or the simulator.
 */
const COMMANDS: Record<string, () => Promise<Run>> = {
  start: async () => (await import('./commands/start.js')).startCommand,
  demo: async () => (await import('./commands/demo.js')).demoCommand,
  check: async () => (await import('./commands/check.js')).checkCommand,
  capacity: async () => (await import('./commands/capacity.js')).capacityCommand,
  recover: async () => (await import('./commands/recover.js')).recoverCommand,
  return: async () => (await import('./commands/return.js')).returnCommand,
  incidents: async () => (await import('./commands/incidents.js')).incidentsCommand,
  fence: async () => (await import('./commands/fence.js')).fenceCommand,
  pause: async () => {
    const { pauseCommand } = await import('./commands/pause.js');
    return (a, o) => pauseCommand(true, a, o);
  },
  resume: async () => {
    const { pauseCommand } = await import('./commands/pause.js');
    return (a, o) => pauseCommand(false, a, o);
  },
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
    return await (
      await command()
    )(rest, out);
  } catch (e) {
    const [{ FreezerError, UserInputError }, { IncidentExistsError }, { redactText }, { isObserverProblem }] =
      await Promise.all([
        import('../lib/errors.js'),
        import('../lib/incidents/index.js'),
        import('../lib/log/index.js'),
        import('../lib/openstack/index.js'),
      ]);
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
