import { describe, expect, test } from '@jest/globals';
import { prepareLocalExecution, runLocalExecution } from '../../../lib/workflow/index.js';
import type { Definition } from '../../../lib/workflow/definition.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:freezer-dr-local-double';
const definition = (): Definition => ({
  StartAt: 'Double',
  States: { Double: { Type: 'Task', Resource: ARN, End: true } },
});
const handlers = { double: async (e: { n: number }) => ({ n: e.n * 2 }) };

describe('the in-process state machine runner', () => {
  test('executions of one definition share its validated machine and keep their own state', async () => {
    const d = definition();
    const results = await Promise.all(
      [1, 2, 3].map((n) => runLocalExecution(`x${n}`, { n }, { handlers, definition: d })),
    );
    expect(results).toEqual([1, 2, 3].map((n) => ({ status: 'SUCCEEDED', output: { n: n * 2 } })));
  });

  test('an invalid definition is refused on every run, not remembered as valid', async () => {
    const bad = { StartAt: 'Nowhere', States: { Double: { Type: 'Task', Resource: ARN, End: true } } } as Definition;
    for (let i = 0; i < 2; i++)
      await expect(runLocalExecution('bad', {}, { handlers, definition: bad })).rejects.toThrow(/invalid/);
  });

  test('the deployed definition can be validated ahead of the first recovery', async () => {
    await expect(prepareLocalExecution()).resolves.toBeUndefined();
  });
});
