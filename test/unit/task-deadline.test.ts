import { afterEach, describe, expect, test } from '@jest/globals';
import { z } from 'zod';
import { stepHandler, TASK_DEADLINE_MARGIN_MS } from '../../functions/middleware/task.js';
import { sleep } from '../../lib/async/index.js';
import { setRuntime, type Runtime } from '../../lib/workflow/index.js';

afterEach(() => setRuntime(undefined));

describe('a Task stops itself before Lambda does', () => {
  test('the step gets an abort signal that fires before the deadline, and the Task fails with TaskDeadlineError', async () => {
    setRuntime({} as Runtime);
    let aborted: unknown = null;
    const handler = stepHandler(z.object({}), async (_rt, _input, signal) => {
      // A step that waits as fence confirmation does: the signal must end the wait.
      await sleep(60_000, signal).catch((err: unknown) => {
        aborted = err ?? 'aborted';
      });
      return 'late';
    });
    const context = { getRemainingTimeInMillis: () => TASK_DEADLINE_MARGIN_MS + 50 };
    await expect(handler({}, context as never)).rejects.toMatchObject({ name: 'TaskDeadlineError' });
    await sleep(10);
    expect(aborted).not.toBeNull();
  });
});
