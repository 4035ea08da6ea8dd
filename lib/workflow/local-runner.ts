import type { RunOptions, StateMachine } from 'aws-local-stepfunctions';
import { FreezerError } from '../errors.js';
import { loadDefinition, taskStates, type Definition } from './definition.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- middy handlers take (event, context, opts)
export type LambdaHandler = (event: any, context: any, ...rest: any[]) => Promise<unknown>;

export interface LocalRunOptions {
  /** Function key → handler (the exports of functions/). */
  handlers: Record<string, LambdaHandler>;
  /** Wait state name → milliseconds (tests and the demo shorten the evacuation check loop). */
  waitMs?: Record<string, number>;
  /** State name → retry interval ms. */
  retryMs?: Record<string, number | number[]>;
  definition?: Definition;
  /** Abort the execution (the local equivalent of StopExecution, or of the process dying). */
  signal?: AbortSignal;
  /** Filled with the execution history as it happens (StateEntered with each state's input, ...), for tests. */
  history?: HistoryEvent[];
}

/** One event of the execution history, as aws-local-stepfunctions reports it. */
export interface HistoryEvent {
  type: string;
  timestamp: number;
  state?: { name: string; type: string; input: unknown; output?: unknown };
}

export interface LocalExecutionResult {
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: { Error: string; Cause: string };
}

export class MissingLocalHandlerError extends FreezerError {
  constructor(state: string, key: string) {
    super(`state ${state} calls function "${key}", which has no local handler`);
    this.name = 'MissingLocalHandlerError';
  }
}

/**
 * Execute the real state machine definition in-process with aws-local-stepfunctions: every
 * Task runs its functions/ handler. Inputs and outputs are JSON round-tripped as Lambda would,
 * and a Task without a local handler is an error (the library would otherwise call real AWS).
 */
export async function runLocalExecution(
  name: string,
  input: unknown,
  opts: LocalRunOptions,
): Promise<LocalExecutionResult> {
  const definition = opts.definition ?? defaultDefinition();
  const overrides: Record<string, (input: unknown) => Promise<never>> = {};
  for (const [state, key] of taskStates(definition)) {
    const handler = opts.handlers[key];
    if (!handler) throw new MissingLocalHandlerError(state, key);
    overrides[state] = async (taskInput: unknown) => {
      const event = JSON.parse(JSON.stringify(taskInput)) as unknown;
      const out = await handler(event, fakeContext(key));
      return (out === undefined ? null : JSON.parse(JSON.stringify(out))) as never;
    };
  }
  const sm = await stateMachineFor(definition);
  const startTime = new Date().toISOString();
  const runOptions: RunOptions = {
    overrides: {
      taskResourceLocalHandlers: overrides as never,
      waitTimeOverrides: opts.waitMs,
      retryIntervalOverrides: opts.retryMs,
    },
    context: {
      Execution: { Id: `local:${name}`, Name: name, StartTime: startTime, Input: input as never, RoleArn: 'local' },
    } as never,
  };
  const execution = sm.run(input as never, runOptions);
  opts.signal?.addEventListener('abort', () => execution.abort(), { once: true });
  if (opts.history) void recordHistory(execution.eventLogs as AsyncGenerator<HistoryEvent>, opts.history);
  try {
    const output = await execution.result;
    await historyFlushed(opts.history);
    return { status: 'SUCCEEDED', output };
  } catch (err) {
    await historyFlushed(opts.history);
    const e = err as { name?: string; message?: string; cause?: unknown };
    const caught = (e as { cause?: { name?: string; message?: string } }).cause;
    return {
      status: 'FAILED',
      error: { Error: caught?.name ?? e.name ?? 'Error', Cause: caught?.message ?? e.message ?? '' },
    };
  }
}

let ownDefinition: Definition | undefined;
const machines = new WeakMap<Definition, Promise<StateMachine>>();

/** The deployed definition, read once per process (it cannot change while the process runs). */
function defaultDefinition(): Definition {
  return (ownDefinition ??= loadDefinition());
}

/**
 * One validated state machine per definition: validating the ASL costs ~100-200 ms of CPU, which
 * every execution would otherwise pay between the monitor's decision and the fence. A machine
 * holds only its definition and options (each run keeps its own state), so executions share it.
 */
function stateMachineFor(definition: Definition): Promise<StateMachine> {
  let sm = machines.get(definition);
  if (!sm) {
    // Loaded here, not at import: it brings the ASL validator and the AWS SDK's Lambda client, which
    // every command importing lib/workflow (fence status, check...) would otherwise pay at start.
    sm = import('aws-local-stepfunctions').then(
      ({ StateMachine }) =>
        new StateMachine(definition as never, { validationOptions: { checkArn: false, checkPaths: true } }),
    );
    sm.catch(() => machines.delete(definition));
    machines.set(definition, sm);
  }
  return sm;
}

/**
 * Load the state machine runner and validate the deployed definition now, so that a process
 * that will run recoveries (`start`) does not pay for it after a host has failed.
 */
export async function prepareLocalExecution(): Promise<void> {
  await stateMachineFor(defaultDefinition());
}

async function recordHistory(events: AsyncGenerator<HistoryEvent>, into: HistoryEvent[]): Promise<void> {
  for await (const e of events) into.push(e);
}

/** The library queues events as they happen and hands them out asynchronously: let the last ones through. */
async function historyFlushed(history: HistoryEvent[] | undefined): Promise<void> {
  if (history) await new Promise((resolve) => setImmediate(resolve));
}

function fakeContext(functionName: string) {
  const deadline = Date.now() + 15 * 60_000;
  return {
    functionName,
    functionVersion: '$LATEST',
    awsRequestId: `local-${Math.random().toString(16).slice(2)}`,
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}
