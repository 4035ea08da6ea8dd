/**
 * `recover --remote` against a Step Functions endpoint on 127.0.0.1 (test/support/fake-sfn.ts:
 * the real JSON protocol, the real ASL run by aws-local-stepfunctions, every Task on its
 * functions/ handler against the simulated cloud): the CLI follows the execution's history until
 * it ends and exits as it ended.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { resetFollowForTests, resetStartForTests } from '../../lib/aws/index.js';
import { startFakeSfn, type FakeSfn } from '../support/fake-sfn.js';
import { FAST } from '../support/timing.js';
import { startRelEnv, type RelEnv } from './support/env.js';
import { recordFile, suite } from './support/results.js';

suite('faults', 'The operator CLI: recover --remote follows the execution');

let env: RelEnv;
beforeAll(async () => {
  recordFile();
  env = await startRelEnv({ hosts: ['compute-1', 'compute-2', 'compute-3', 'compute-4'] });
});
afterAll(async () => {
  await env.stop();
});

const cli = (...argv: string[]) => env.cli(...argv, '--config', env.configPath);

describe('recover --remote follows the execution', () => {
  let sfn: FakeSfn;
  const saved = { ...process.env };
  beforeAll(async () => {
    sfn = await startFakeSfn(FAST);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SFN: sfn.url,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'fake-secret-for-the-fake-endpoint',
      FREEZER_DR_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:freezer-dr-test-recovery',
      FREEZER_DR_FOLLOW_POLL_MS: '50',
    });
    resetStartForTests();
    resetFollowForTests();
  });
  afterAll(async () => {
    process.env = saved;
    resetStartForTests();
    resetFollowForTests();
    await sfn.stop();
  });

  test('prints each state entered and left until it ends, exit 0 when it SUCCEEDED', async () => {
    env.sim.crashHost('compute-3');
    const r = await cli('recover', '--host', 'compute-3', '--remote');
    expect({ code: r.code, out: r.out, err: r.err }).toMatchObject({ code: 0 });
    expect(r.out).toMatch(
      /^started arn:aws:states:eu-west-1:123456789012:execution:freezer-dr-test-recovery:inc-compute-3-/,
    );
    for (const state of ['Validate', 'Fence', 'Isolate', 'Plan', 'Notify'])
      expect(r.out).toMatch(new RegExp(`→ ${state}\\n(.*\\n)*.*← ${state}`));
    expect(r.out).toMatch(/execution SUCCEEDED$/);
    expect(sfn.calls).toEqual(expect.arrayContaining(['StartExecution', 'GetExecutionHistory', 'DescribeExecution']));
  });

  test('--json: one document with the steps; a failed execution exits 1 with its error', async () => {
    // A host without a BMC entry: the Fence state fails, the execution ends FenceNotConfirmed.
    delete (env.config.fencing.hosts as Record<string, unknown>)['compute-4'];
    const r = await cli('recover', '--host', 'compute-4', '--remote', '--json');
    const doc = JSON.parse(r.out);
    expect(doc.status).toBe('FAILED');
    expect(doc.steps.map((s: { name: string }) => s.name)).toContain('Fence');
    expect(r.code).toBe(1);
  });
});
