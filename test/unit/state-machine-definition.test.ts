import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import aslValidator from 'asl-validator';
import {
  DEFINITION_PATH,
  loadDefinition,
  taskStates,
  type Definition,
  type StateDef,
} from '../../lib/workflow/definition.js';
import { taskHandlers } from '../../functions/index.js';
import { EXECUTION_ERRORS } from '../../lib/workflow/outcome.js';

const raw = JSON.parse(readFileSync(DEFINITION_PATH, 'utf8')) as Definition;

function allStates(def: Definition): Array<[string, StateDef]> {
  return Object.entries(def.States).flatMap(([n, s]) => [
    [n, s] as [string, StateDef],
    ...(s.ItemProcessor ? allStates(s.ItemProcessor) : []),
  ]);
}

describe('the state machine definition (infra/state-machine.asl.json)', () => {
  test('is valid ASL (asl-validator, on a copy: it mutates its input)', () => {
    const result = aslValidator(structuredClone(loadDefinition()), { checkPaths: true, checkArn: false });
    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  test('uses JSONPath only (the local runner ignores JSONata)', () => {
    const text = readFileSync(DEFINITION_PATH, 'utf8');
    expect(text).not.toMatch(/JSONata|\{%/);
  });

  test('every Task has TimeoutSeconds, and every Retry names the errors it retries', () => {
    for (const [name, s] of allStates(raw)) {
      if (s.Type !== 'Task') continue;
      expect([name, typeof s.TimeoutSeconds]).toEqual([name, 'number']);
      for (const r of (s.Retry as Array<{ ErrorEquals: string[] }>) ?? [])
        expect([name, r.ErrorEquals.includes('States.ALL')]).toEqual([name, false]);
    }
  });

  test('Fence failures lead to NotifyFenceFailed → Outcome → a Fail state, never to Isolate (S1)', () => {
    const fence = raw.States.Fence!;
    expect(fence.Next).toBe('Isolate');
    expect(fence.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'NotifyFenceFailed' }]);
    // Outcome reads the status the notify step recorded: fence-failed, or failed when the host reads
    // off but its fence could not be recorded. Outcome itself only ends executions.
    expect(raw.States.NotifyFenceFailed!.Next).toBe('Outcome');
    const outcome = raw.States.Outcome!;
    const targets = [...(outcome.Choices as Array<{ Next: string }>).map((c) => c.Next), outcome.Default as string];
    for (const t of targets) expect([t, raw.States[t]!.Type]).toEqual([t, expect.stringMatching(/^(Fail|Succeed)$/)]);
    expect(raw.States.FenceFailed!.Type).toBe('Fail');
  });

  test('a Fail state reached after a notify Task says what that Task reported (admins told or not), never a fixed claim', () => {
    for (const name of ['FenceFailed', 'RecoveryPartial', 'RecoveryTimedOut', 'RecoveryFailed'])
      expect([name, raw.States[name]!.CausePath, raw.States[name]!.Cause]).toEqual([
        name,
        '$.notification.summary',
        undefined,
      ]);
    for (const [name, s] of Object.entries(raw.States))
      if (s.Type === 'Fail' && typeof s.Cause === 'string')
        expect([name, s.Cause]).toEqual([name, expect.not.stringMatching(/admins were told/)]);
  });

  test('Evacuate is a bounded loop of host-wide rounds that always ends in Notify or ReportFailure', () => {
    const round = raw.States.EvacuateRound!;
    // Plan → (reserved hosts?) PrepareTargets → (delay?) PostFenceDelay → Evacuate: every path reaches Evacuate.
    expect(raw.States.Plan!.Next).toBe('ReservedHostsConfigured');
    expect(raw.States.ReservedHostsConfigured!.Default).toBe('PostFenceDelayNeeded');
    expect(raw.States.PrepareTargets!.Next).toBe('PostFenceDelayNeeded');
    expect(raw.States.PostFenceDelayNeeded!.Default).toBe('Evacuate');
    expect(raw.States.PostFenceDelay!.Next).toBe('Evacuate');
    expect(raw.States.Evacuate!.Next).toBe('EvacuateRound');
    expect(round.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ReportFailure' }]);
    expect(round.Next).toBe('EvacuationSettled');
    expect(raw.States.EvacuationSettled!.Default).toBe('WaitForEvacuation');
    expect(raw.States.WaitForEvacuation!.Next).toBe('EvacuateRound');
    expect(raw.States.EvacuationRecorded!.Next).toBe('ReservedHostUsed');
    expect(raw.States.ReservedHostUsed!.Default).toBe('Notify');
    expect(raw.States.ReleaseTargets!.Next).toBe('Notify');
    // No Map: nothing in the definition multiplies its history by the number of instances.
    expect(Object.values(raw.States).filter((s) => s.Type === 'Map')).toEqual([]);
  });

  test('every Task has an in-process handler, and Resources are long-form Fn::GetAtt', () => {
    for (const [state, key] of taskStates(loadDefinition()))
      expect([state, typeof taskHandlers[key]]).toEqual([state, 'function']);
    for (const [, s] of allStates(raw))
      if (s.Type === 'Task') expect(Object.keys(s.Resource as object)).toEqual(['Fn::GetAtt']);
  });

  test('reserved hosts: PrepareTargets and ReleaseTargets never skip the evacuation or the notification', () => {
    const prepare = raw.States.PrepareTargets!;
    const release = raw.States.ReleaseTargets!;
    expect(raw.States.ReservedHostsConfigured!.Choices).toEqual([
      { Variable: '$.plan.reservedHostsConfigured', BooleanEquals: true, Next: 'PrepareTargets' },
    ]);
    // A failed PrepareTargets goes on to the evacuations (the scheduler places them), a failed ReleaseTargets to Notify.
    expect(prepare.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.targetsError', Next: 'PostFenceDelayNeeded' },
    ]);
    expect(release.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.targetsError', Next: 'Notify' }]);
    expect(prepare.Parameters).toMatchObject({ action: 'prepare' });
    expect(release.Parameters).toMatchObject({ action: 'release' });
    // Neither overwrites what later states read ($.plan, $.evacuation, $.error).
    expect([prepare.ResultPath, release.ResultPath]).toEqual(['$.targets', '$.targets']);
  });

  test('the post-fence delay is a Wait on the configured seconds, skipped when 0', () => {
    expect(raw.States.PostFenceDelay).toMatchObject({ Type: 'Wait', SecondsPath: '$.plan.postFenceDelaySeconds' });
    const choice = raw.States.PostFenceDelayNeeded!.Choices as Array<{ And: unknown[]; Next: string }>;
    expect(choice).toEqual([
      {
        And: [
          { Variable: '$.plan.postFenceDelaySeconds', IsPresent: true },
          { Variable: '$.plan.postFenceDelaySeconds', NumericGreaterThan: 0 },
        ],
        Next: 'PostFenceDelay',
      },
    ]);
    // The Plan's selector carries the value from the config (the definition cannot read it).
    expect(raw.States.Plan!.ResultSelector).toMatchObject({
      'postFenceDelaySeconds.$': '$.postFenceDelaySeconds',
      'reservedHostsConfigured.$': '$.reservedHostsConfigured',
    });
  });

  test('only a resolved recovery reaches Succeed; every other outcome has its own Fail state, after a notify Task', () => {
    const outcome = raw.States.Outcome!;
    expect(raw.States.Notify!.Next).toBe('Outcome');
    expect(raw.States.ReportFailure!.Next).toBe('Outcome');
    const routes = Object.fromEntries(
      (outcome.Choices as Array<{ StringEquals: string; Next: string }>).map((c) => [c.StringEquals, c.Next]),
    );
    expect(raw.States[routes.resolved!]!.Type).toBe('Succeed');
    for (const status of ['partial', 'timed-out', 'fence-failed'] as const)
      expect([status, raw.States[routes[status]!]!.Error]).toEqual([status, EXECUTION_ERRORS[status]]);
    expect(raw.States[outcome.Default as string]!.Error).toBe(EXECUTION_ERRORS.failed);
    const notifyCatch = (raw.States.Notify!.Catch as Array<{ Next: string }>)[0]!.Next;
    expect(raw.States[notifyCatch]!.Error).toBe(EXECUTION_ERRORS.notify);
    // The only Succeed states: the resolved end and the dry run's.
    const succeeds = allStates(raw)
      .filter(([, s]) => s.Type === 'Succeed')
      .map(([n]) => n);
    expect(succeeds.sort()).toEqual(['DryRunDone', routes.resolved!].sort());
  });
});
