import { EXIT } from './exit-codes.js';
import { guardPipes, lineWriter } from './pipes.js';

export const HELP = `freezer-dr — compute-node high availability for OpenStack

Usage: freezer-dr <command> [options]

Commands:
  start       watch the cloud and recover failed hosts (--listen ADDR:PORT: /metrics, /healthz, /readyz)
  demo        a simulated cloud on 127.0.0.1, one host crashes, watch it recover
  check       one monitor pass, acting on nothing: services, decisions, gates
  capacity    if a host failed now, would its instances find room elsewhere (Placement)
  recover     run the recovery for one host (--host X; --dry-run first)
  plan        what a recovery of one host would evacuate: groups, order, target, skipped and why
  return      put a recovered host back in service (power on → cleanup → un-force → up → enable)
  incidents   list incidents, or show one (timeline, instances, mails);
              incidents close|retry|watch ID: close a stuck one, re-evacuate what is not settled, follow one
  fence       BMC power status / off / on for one host
  pause       stop starting recoveries (monitor-only mode)
  resume      lift the pause

Every command takes --help (or: freezer-dr help <command>); --version prints the version.
Commands that report something take --json: one JSON document on stdout.
Config: ./freezer-dr.yaml or --config FILE.
Exit codes: 0 ok · 1 the operation failed · 2 bad usage/config/input ·
            3 the cloud could not be observed · 4 refused by a gate, the pause switch, an open incident
            or a live execution · 130 interrupted (Ctrl-C)`;

type Out = (s: string) => void;
type Run = (argv: string[], out: Out, err: Out) => Promise<number>;
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
  plan: async () => (await import('./commands/plan.js')).planCommand,
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
export async function main(argv: string[], out?: Out, err?: Out): Promise<number> {
  if (!out || !err) guardPipes();
  const stdout = out ?? lineWriter(process.stdout);
  const stderr = err ?? lineWriter(process.stderr);
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    stdout(`freezer-dr ${(await import('./version.js')).packageVersion()}`);
    return EXIT.ok;
  }
  if (name === 'help' && rest[0]) return runCommand(rest[0], ['--help'], stdout, stderr);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    stdout(HELP);
    return name ? EXIT.ok : EXIT.usage;
  }
  // Everything a command prints passes the one redaction rule the logs and mails follow (S6).
  const { redactText } = await import('../lib/log/index.js');
  const safe =
    (w: Out): Out =>
    (line) =>
      w(redactText(line));
  return runCommand(name, rest, safe(stdout), safe(stderr));
}

/** The names `freezer-dr help` and an unknown command list. */
export const commandNames = (): string[] => Object.keys(COMMANDS);

async function runCommand(name: string, rest: string[], out: Out, err: Out): Promise<number> {
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    err(`error: unknown command "${name}"\nhint: the commands are: ${commandNames().join(', ')}\n\n${HELP}`);
    return EXIT.usage;
  }
  try {
    return await (
      await command()
    )(rest, out, err);
  } catch (e) {
    return reportError(e, err);
  }
}

/** One line for the operator (and a hint when we know one), and the exit code of the README's table. */
async function reportError(e: unknown, err: Out): Promise<number> {
  const [{ FreezerError, UserInputError }, { exitCodeFor }, { redactText }] = await Promise.all([
    import('../lib/errors.js'),
    import('./exit-codes.js'),
    import('../lib/log/index.js'),
  ]);
  const error = e instanceof Error ? e : new Error(String(e));
  err(`error: ${redactText(error.message)}`);
  if (error instanceof FreezerError && error.hint) err(`hint: ${redactText(error.hint)}`);
  if (process.env.FREEZER_DR_DEBUG && !(error instanceof UserInputError)) err(redactText(error.stack ?? ''));
  return exitCodeFor(error);
}
