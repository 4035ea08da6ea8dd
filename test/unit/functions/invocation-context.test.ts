import { afterEach, describe, expect, test } from '@jest/globals';
import { z } from 'zod';
import { stepHandler } from '../../../functions/middleware/task.js';
import { createLogger, setInvocationContext } from '../../../lib/log/index.js';
import { setRuntime, type Runtime } from '../../../lib/workflow/runtime.js';

afterEach(() => {
  setRuntime(undefined);
  setInvocationContext({});
  delete process.env._X_AMZN_TRACE_ID;
});

describe('every Lambda log line carries its invocation', () => {
  test('request id, cold start (first invocation only) and the X-Ray trace id', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (l) => lines.push(l) });
    setRuntime({ log } as unknown as Runtime);
    const handler = stepHandler(z.object({ n: z.number() }), async (rt, input) => {
      rt.log.info('step ran', { n: input.n });
      return input.n;
    });
    process.env._X_AMZN_TRACE_ID = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    const ctx = (id: string) => ({
      awsRequestId: id,
      functionName: 'freezer-dr-ci-fence',
      getRemainingTimeInMillis: () => 60_000,
    });
    await handler({ n: 1 }, ctx('req-1') as never);
    await handler({ n: 2 }, ctx('req-2') as never);
    const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.message === 'step ran');
    expect(logged.map((l) => [l.requestId, l.coldStart, l.function, l.n])).toEqual([
      ['req-1', true, 'freezer-dr-ci-fence', 1],
      ['req-2', false, 'freezer-dr-ci-fence', 2],
    ]);
    expect(logged[0].xrayTraceId).toBe('Root=1-5759e988-bd862e3fe1be46a994272793');
  });

  test('at debug level each Task says when it started and how long it ran', async () => {
    const lines: string[] = [];
    setRuntime({ log: createLogger({ level: 'debug', write: (l) => lines.push(l) }) } as unknown as Runtime);
    const handler = stepHandler(z.object({ n: z.number() }), async (_rt, input) => input.n);
    await handler({ n: 1 }, {
      awsRequestId: 'req-3',
      functionName: 'evacuate',
      getRemainingTimeInMillis: () => 60_000,
    } as never);
    const done = lines.map((l) => JSON.parse(l)).filter((l) => l.message === 'task done');
    expect(done).toEqual([
      expect.objectContaining({
        requestId: 'req-3',
        function: 'evacuate',
        startedAt: expect.any(String),
        ms: expect.any(Number),
      }),
    ]);
  });
});
