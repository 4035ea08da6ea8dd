import type * as Sfn from '@aws-sdk/client-sfn';
import type { HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { sleep } from '../async/index.js';
import { describeRecoveryExecution, type RecoveryExecution } from './start-execution.js';

/** One step of an execution as an operator reads it: a state entered or left, a failure, the end. */
export interface ExecutionStep {
  id: number;
  at: string;
  kind: 'entered' | 'exited' | 'failed' | 'ended';
  /** The state's name (entered/exited), or the history event's type. */
  name: string;
  /** error: cause, for failures and a failed end. */
  detail: string | null;
}

const ENDS = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);

function stepOf(e: HistoryEvent): ExecutionStep | undefined {
  const type = e.type ?? '';
  const base = { id: e.id ?? 0, at: (e.timestamp ?? new Date(0)).toISOString() };
  if (type.endsWith('StateEntered'))
    return { ...base, kind: 'entered', name: e.stateEnteredEventDetails?.name ?? type, detail: null };
  if (type.endsWith('StateExited'))
    return { ...base, kind: 'exited', name: e.stateExitedEventDetails?.name ?? type, detail: null };
  const failure =
    e.taskFailedEventDetails ??
    e.lambdaFunctionFailedEventDetails ??
    e.taskTimedOutEventDetails ??
    e.executionFailedEventDetails;
  if (ENDS.has(type))
    return {
      ...base,
      kind: 'ended',
      name: type,
      detail: failure ? `${failure.error ?? ''}: ${failure.cause ?? ''}` : null,
    };
  if (failure) return { ...base, kind: 'failed', name: type, detail: `${failure.error ?? ''}: ${failure.cause ?? ''}` };
  return undefined;
}

let sdk: Promise<typeof Sfn> | undefined;
let shared: SFNClient | undefined;
async function client(given?: SFNClient): Promise<SFNClient> {
  if (given) return given;
  const { SFNClient } = await (sdk ??= import('@aws-sdk/client-sfn'));
  shared ??= new SFNClient({});
  return shared;
}

/** The events after `afterId`, oldest first: read newest first and stop at the ones already seen. */
async function newEvents(sfn: SFNClient, executionArn: string, afterId: number): Promise<HistoryEvent[]> {
  const { GetExecutionHistoryCommand } = await (sdk ??= import('@aws-sdk/client-sfn'));
  const fresh: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({
        executionArn,
        reverseOrder: true,
        includeExecutionData: false,
        maxResults: 100,
        nextToken,
      }),
    );
    for (const e of page.events ?? []) {
      if ((e.id ?? 0) <= afterId) return fresh.reverse();
      fresh.push(e);
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return fresh.reverse();
}

export interface FollowOptions {
  onStep: (step: ExecutionStep) => void;
  /** Between two reads of the history. */
  pollMs?: number;
  signal?: AbortSignal;
  client?: SFNClient;
}

/**
 * Follow a Step Functions execution until it ends: GetExecutionHistory (only the events not yet
 * seen), each state entered and exited told to `onStep`, then DescribeExecution for its status.
 * Stops early, returning the execution as it stands, when `signal` aborts (the execution itself
 * goes on: it is AWS's, not this process's).
 */
export async function followExecution(
  executionArn: string,
  opts: FollowOptions,
): Promise<RecoveryExecution | undefined> {
  const sfn = await client(opts.client);
  let seen = 0;
  for (;;) {
    let ended = false;
    for (const e of await newEvents(sfn, executionArn, seen)) {
      seen = Math.max(seen, e.id ?? 0);
      const step = stepOf(e);
      if (step) opts.onStep(step);
      if (step?.kind === 'ended') ended = true;
    }
    if (ended || opts.signal?.aborted) return describeRecoveryExecution({ executionArn }, sfn);
    await sleep(opts.pollMs ?? 2000, opts.signal).catch(() => undefined);
  }
}

/** @internal Drop the cached client (tests point AWS_ENDPOINT_URL_SFN elsewhere between cases). */
export function resetFollowForTests(): void {
  shared?.destroy();
  shared = undefined;
}
