import type * as Sfn from '@aws-sdk/client-sfn';
import type { ExecutionStatus, SFNClient } from '@aws-sdk/client-sfn';
import { UserInputError } from '../errors.js';

/**
 * Starting and reading recovery executions on AWS Step Functions.
 *
 * S4: the execution name is the incident id. Step Functions keeps a name for 90 days, so a second
 * StartExecution for the same incident answers ExecutionAlreadyExists (or, for a running execution
 * with identical input, the same ARN again). Neither is an error here: the caller gets a typed
 * "already running" / "already finished" result and starts nothing.
 * (A repeat with identical input while the first still runs is answered by AWS with the original ARN and
 * start date, so it reads as `started` — idempotent, and still only one execution.)
 */

/** Step Functions' own rule for names; ours are incident ids (`incidentIdFor`). */
const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;
/** Statuses that mean an execution is (or is about to be) in flight. */
const IN_FLIGHT: ReadonlySet<string> = new Set<ExecutionStatus>(['RUNNING', 'PENDING_REDRIVE']);

/** The SDK is loaded on first use: a process that never starts an execution never pays for it. */
let sdk: Promise<typeof Sfn> | undefined;
const loadSdk = () => (sdk ??= import('@aws-sdk/client-sfn'));
let sharedClient: SFNClient | undefined;
/** Created on first use, once per container. */
async function defaultClient(): Promise<SFNClient> {
  const { SFNClient } = await loadSdk();
  sharedClient ??= new SFNClient({});
  return sharedClient;
}
/** @internal Drop the cached client (tests). */
export function resetForTests(): void {
  sharedClient?.destroy();
  sharedClient = undefined;
}

export interface StartRecoveryExecutionArgs {
  stateMachineArn: string;
  /** The execution input; serialised as JSON. Must not hold secrets (S6). */
  input: unknown;
  /** The incident id: the execution's name. */
  name: string;
}

export type StartRecoveryExecutionResult =
  | { outcome: 'started'; executionArn: string; startDate: string }
  /** An execution of this name is running (S4): nothing new was started. */
  | { outcome: 'already-running'; executionArn: string; executionStatus: ExecutionStatus | 'UNKNOWN' }
  /** An execution of this name ran and ended; Step Functions refuses the name for 90 days. */
  | { outcome: 'already-finished'; executionArn: string; executionStatus: ExecutionStatus };

export interface RecoveryExecution {
  executionArn: string;
  name: string;
  status: ExecutionStatus | 'UNKNOWN';
  startDate: string | null;
  stopDate: string | null;
  input: unknown;
  output: unknown;
  error: string | null;
  cause: string | null;
}

/** arn:aws:states:R:A:stateMachine:SM + name → arn:aws:states:R:A:execution:SM:name */
export function executionArnFor(stateMachineArn: string, name: string): string {
  const parts = stateMachineArn.split(':');
  if (parts.length !== 7 || parts[5] !== 'stateMachine')
    throw new UserInputError(`not a state machine ARN: ${stateMachineArn}`);
  parts[5] = 'execution';
  return `${parts.join(':')}:${name}`;
}

const isNamed = (err: unknown, name: string) => (err as { name?: string } | null)?.name === name;
const parseJson = (text: string | undefined): unknown => {
  if (text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/** Start the recovery execution for one incident; an existing execution of that name is a result, not an error. */
export async function startRecoveryExecution(
  args: StartRecoveryExecutionArgs,
  client?: SFNClient,
): Promise<StartRecoveryExecutionResult> {
  if (!EXECUTION_NAME.test(args.name))
    throw new UserInputError(
      `execution name must be 1–80 characters of A–Z, a–z, 0–9, "-" and "_": ${JSON.stringify(args.name)}`,
    );
  const { StartExecutionCommand } = await loadSdk();
  const sfn = client ?? (await defaultClient());
  try {
    const out = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: args.stateMachineArn,
        name: args.name,
        input: JSON.stringify(args.input ?? {}),
      }),
    );
    const executionArn = out.executionArn ?? executionArnFor(args.stateMachineArn, args.name);
    return { outcome: 'started', executionArn, startDate: (out.startDate ?? new Date()).toISOString() };
  } catch (err) {
    if (!isNamed(err, 'ExecutionAlreadyExists')) throw err;
  }
  const executionArn = executionArnFor(args.stateMachineArn, args.name);
  let status: ExecutionStatus | 'UNKNOWN' = 'UNKNOWN';
  try {
    status = (await describeRecoveryExecution({ executionArn }, sfn))?.status ?? 'UNKNOWN';
  } catch {
    // Could not read it (throttled, no permission): the name is taken either way, so start nothing.
  }
  if (status === 'UNKNOWN' || IN_FLIGHT.has(status))
    return { outcome: 'already-running', executionArn, executionStatus: status };
  return { outcome: 'already-finished', executionArn, executionStatus: status };
}

/** Read one execution by ARN, or by state machine + name; undefined when it does not exist. */
export async function describeRecoveryExecution(
  ref: { executionArn: string } | { stateMachineArn: string; name: string },
  client?: SFNClient,
): Promise<RecoveryExecution | undefined> {
  const executionArn = 'executionArn' in ref ? ref.executionArn : executionArnFor(ref.stateMachineArn, ref.name);
  const { DescribeExecutionCommand } = await loadSdk();
  const sfn = client ?? (await defaultClient());
  try {
    const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return {
      executionArn: out.executionArn ?? executionArn,
      name: out.name ?? executionArn.split(':').at(-1) ?? '',
      status: out.status ?? 'UNKNOWN',
      startDate: out.startDate?.toISOString() ?? null,
      stopDate: out.stopDate?.toISOString() ?? null,
      input: parseJson(out.input),
      output: parseJson(out.output),
      error: out.error ?? null,
      cause: out.cause ?? null,
    };
  } catch (err) {
    if (isNamed(err, 'ExecutionDoesNotExist')) return undefined;
    throw err;
  }
}
