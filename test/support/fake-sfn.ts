/**
 * A minimal Step Functions endpoint on 127.0.0.1 speaking the real JSON 1.0 protocol
 * (POST /, X-Amz-Target: AWSStepFunctions.<Operation>) for StartExecution, DescribeExecution and
 * GetExecutionHistory. Each execution runs the real ASL definition with aws-local-stepfunctions,
 * every Task on its functions/ handler in this process; the library's event log becomes the
 * execution's history, in AWS's event shapes (TaskStateEntered, …, ExecutionSucceeded).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StateMachine } from 'aws-local-stepfunctions';
import { taskHandlers } from '../../functions/index.js';
import { loadDefinition, taskStates } from '../../lib/workflow/definition.js';
import type { Timing } from './timing.js';

interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

interface Execution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
  startDate: number;
  stopDate?: number;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  history: HistoryEvent[];
  done: Promise<void>;
}

export interface FakeSfn {
  url: string;
  executions: Map<string, Execution>;
  /** Every request's operation, in order. */
  calls: string[];
  stop(): Promise<void>;
}

const lambdaContext = (functionName: string) => {
  const deadline = Date.now() + 15 * 60_000;
  return {
    functionName,
    functionVersion: '$LATEST',
    awsRequestId: `fake-sfn-${Math.random().toString(16).slice(2)}`,
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
};

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function awsEvent(e: Record<string, any>): { type: string; details: Record<string, unknown> } | undefined {
  const state = e.state as { name: string; type: string; input?: unknown; output?: unknown } | undefined;
  switch (e.type) {
    case 'ExecutionStarted':
      return {
        type: 'ExecutionStarted',
        details: { executionStartedEventDetails: { input: JSON.stringify(e.input) } },
      };
    case 'ExecutionSucceeded':
      return {
        type: 'ExecutionSucceeded',
        details: { executionSucceededEventDetails: { output: JSON.stringify(e.output) } },
      };
    case 'ExecutionFailed':
      return {
        type: 'ExecutionFailed',
        details: { executionFailedEventDetails: { error: e.Error, cause: String(e.Cause ?? '') } },
      };
    case 'ExecutionAborted':
      return { type: 'ExecutionAborted', details: {} };
    case 'StateEntered':
      return {
        type: `${cap(state!.type)}StateEntered`,
        details: { stateEnteredEventDetails: { name: state!.name, input: JSON.stringify(state!.input ?? null) } },
      };
    case 'StateExited':
      return {
        type: `${cap(state!.type)}StateExited`,
        details: { stateExitedEventDetails: { name: state!.name, output: JSON.stringify(state!.output ?? null) } },
      };
    case 'StateFailed':
      return state!.type === 'Task'
        ? { type: 'TaskFailed', details: { taskFailedEventDetails: { error: e.Error, cause: String(e.Cause ?? '') } } }
        : undefined;
    default:
      return undefined;
  }
}

async function body(req: IncomingMessage): Promise<Record<string, any>> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text ? (JSON.parse(text) as Record<string, any>) : {};
}

export async function startFakeSfn(timing: Timing = {}): Promise<FakeSfn> {
  const definition = loadDefinition();
  const executions = new Map<string, Execution>();
  const calls: string[] = [];

  function start(req: Record<string, any>): Execution {
    const stateMachineArn = String(req.stateMachineArn);
    const name = String(req.name);
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const overrides: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [state, key] of taskStates(definition))
      overrides[state] = async (input) =>
        JSON.parse(
          JSON.stringify((await taskHandlers[key]!(JSON.parse(JSON.stringify(input)), lambdaContext(key))) ?? null),
        );
    const sm = new StateMachine(definition as never, { validationOptions: { checkArn: false, checkPaths: true } });
    const run = sm.run(JSON.parse(String(req.input ?? '{}')), {
      overrides: {
        taskResourceLocalHandlers: overrides as never,
        waitTimeOverrides: timing.waitMs,
        retryIntervalOverrides: timing.retryMs,
      },
    });
    const exec: Execution = {
      executionArn,
      stateMachineArn,
      name,
      status: 'RUNNING',
      startDate: Date.now() / 1000,
      input: String(req.input ?? '{}'),
      history: [],
      done: Promise.resolve(),
    };
    const collect = (async () => {
      for await (const e of run.eventLogs) {
        const mapped = awsEvent(e as never);
        if (!mapped) continue;
        const id = exec.history.length + 1;
        exec.history.push({
          id,
          previousEventId: id - 1,
          timestamp: e.timestamp / 1000,
          type: mapped.type,
          ...mapped.details,
        });
      }
    })();
    exec.done = run.result.then(
      async (output) => {
        await collect;
        Object.assign(exec, { status: 'SUCCEEDED', output: JSON.stringify(output), stopDate: Date.now() / 1000 });
      },
      async (err: { cause?: { name?: string; message?: string }; name?: string; message?: string }) => {
        await collect.catch(() => undefined);
        Object.assign(exec, {
          status: 'FAILED',
          error: err.cause?.name ?? err.name,
          cause: err.cause?.message ?? err.message,
          stopDate: Date.now() / 1000,
        });
      },
    );
    executions.set(executionArn, exec);
    return exec;
  }

  function describe(exec: Execution) {
    return {
      executionArn: exec.executionArn,
      stateMachineArn: exec.stateMachineArn,
      name: exec.name,
      status: exec.status,
      startDate: exec.startDate,
      ...(exec.stopDate ? { stopDate: exec.stopDate } : {}),
      input: exec.input,
      ...(exec.output ? { output: exec.output } : {}),
      ...(exec.error ? { error: exec.error, cause: exec.cause } : {}),
    };
  }

  function history(exec: Execution, req: Record<string, any>) {
    const all = req.reverseOrder ? [...exec.history].reverse() : exec.history;
    const from = req.nextToken ? Number(req.nextToken) : 0;
    const size = Number(req.maxResults ?? 1000) || 1000;
    const page = all.slice(from, from + size);
    return { events: page, ...(from + size < all.length ? { nextToken: String(from + size) } : {}) };
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const op = String(req.headers['x-amz-target'] ?? '').replace('AWSStepFunctions.', '');
      calls.push(op);
      const input = await body(req);
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(payload));
      };
      const missing = () =>
        reply(400, { __type: 'ExecutionDoesNotExist', message: `Execution Does Not Exist: '${input.executionArn}'` });
      if (op === 'StartExecution') {
        const arn = `${String(input.stateMachineArn).replace(':stateMachine:', ':execution:')}:${input.name}`;
        if (executions.has(arn))
          return reply(400, { __type: 'ExecutionAlreadyExists', message: `Execution Already Exists: '${arn}'` });
        const exec = start(input);
        return reply(200, { executionArn: exec.executionArn, startDate: exec.startDate });
      }
      const exec = executions.get(String(input.executionArn));
      if (op === 'DescribeExecution') return exec ? reply(200, describe(exec)) : missing();
      if (op === 'GetExecutionHistory') return exec ? reply(200, history(exec, input)) : missing();
      reply(400, { __type: 'UnknownOperationException', message: op });
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    executions,
    calls,
    async stop() {
      await Promise.allSettled([...executions.values()].map((e) => e.done));
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
