import { afterAll, beforeEach, describe, expect, test } from '@jest/globals';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import {
  describeRecoveryExecution,
  executionArnFor,
  resetForTests,
  startRecoveryExecution,
} from '../../lib/aws/start-execution.js';
import { UserInputError } from '../../lib/errors.js';

const sfn = mockClient(SFNClient);
const SM = 'arn:aws:states:eu-west-1:123456789012:stateMachine:freezer-dr-prod-recovery';
const NAME = 'inc-compute-1-20261120T100000Z';
const EXEC = `arn:aws:states:eu-west-1:123456789012:execution:freezer-dr-prod-recovery:${NAME}`;
const input = {
  incidentId: NAME,
  host: 'compute-1',
  reason: 'down',
  detectedAt: '2026-11-20T10:00:00.000Z',
  requestedBy: 'monitor',
  dryRun: false,
};

const alreadyExists = () =>
  new ExecutionAlreadyExists({ message: `Execution Already Exists: '${EXEC}'`, $metadata: {} });

beforeEach(() => {
  sfn.reset();
});
afterAll(() => {
  resetForTests();
  sfn.restore();
});

describe('startRecoveryExecution', () => {
  test('starts with the incident id as the name and the input as JSON', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXEC, startDate: new Date('2026-11-20T10:00:01.000Z') });
    const out = await startRecoveryExecution({ stateMachineArn: SM, input, name: NAME });
    expect(out).toEqual({ outcome: 'started', executionArn: EXEC, startDate: '2026-11-20T10:00:01.000Z' });
    const calls = sfn.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({ stateMachineArn: SM, name: NAME, input: JSON.stringify(input) });
  });

  test('S4: ExecutionAlreadyExists on a running execution is an "already running" result', async () => {
    sfn.on(StartExecutionCommand).rejects(alreadyExists());
    sfn
      .on(DescribeExecutionCommand, { executionArn: EXEC })
      .resolves({ executionArn: EXEC, stateMachineArn: SM, name: NAME, status: 'RUNNING', startDate: new Date() });
    await expect(startRecoveryExecution({ stateMachineArn: SM, input, name: NAME })).resolves.toEqual({
      outcome: 'already-running',
      executionArn: EXEC,
      executionStatus: 'RUNNING',
    });
  });

  test('a finished execution of that name is "already finished"', async () => {
    sfn.on(StartExecutionCommand).rejects(alreadyExists());
    sfn
      .on(DescribeExecutionCommand)
      .resolves({ executionArn: EXEC, stateMachineArn: SM, status: 'SUCCEEDED', startDate: new Date() });
    await expect(startRecoveryExecution({ stateMachineArn: SM, input, name: NAME })).resolves.toEqual({
      outcome: 'already-finished',
      executionArn: EXEC,
      executionStatus: 'SUCCEEDED',
    });
  });

  test('when the existing execution cannot be read, it still counts as running (start nothing)', async () => {
    sfn.on(StartExecutionCommand).rejects(alreadyExists());
    sfn.on(DescribeExecutionCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(startRecoveryExecution({ stateMachineArn: SM, input, name: NAME })).resolves.toMatchObject({
      outcome: 'already-running',
      executionStatus: 'UNKNOWN',
    });
  });

  test('other errors are thrown as they are', async () => {
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('rate exceeded'), { name: 'ThrottlingException' }));
    await expect(startRecoveryExecution({ stateMachineArn: SM, input, name: NAME })).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
  });

  test('an invalid execution name is refused before calling AWS', async () => {
    await expect(startRecoveryExecution({ stateMachineArn: SM, input, name: 'has space' })).rejects.toBeInstanceOf(
      UserInputError,
    );
    await expect(startRecoveryExecution({ stateMachineArn: SM, input, name: 'x'.repeat(81) })).rejects.toBeInstanceOf(
      UserInputError,
    );
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('uses a client passed in', async () => {
    const own = new SFNClient({ region: 'eu-west-1' });
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXEC, startDate: new Date(0) });
    await expect(startRecoveryExecution({ stateMachineArn: SM, input, name: NAME }, own)).resolves.toMatchObject({
      outcome: 'started',
    });
  });
});

describe('describeRecoveryExecution', () => {
  test('parses input and output, by ARN or by state machine + name', async () => {
    sfn.on(DescribeExecutionCommand, { executionArn: EXEC }).resolves({
      executionArn: EXEC,
      stateMachineArn: SM,
      name: NAME,
      status: 'FAILED',
      startDate: new Date('2026-11-20T10:00:01.000Z'),
      stopDate: new Date('2026-11-20T10:02:00.000Z'),
      input: JSON.stringify(input),
      error: 'FenceFailed',
      cause: 'power state still on',
    });
    const expected = {
      executionArn: EXEC,
      name: NAME,
      status: 'FAILED',
      startDate: '2026-11-20T10:00:01.000Z',
      stopDate: '2026-11-20T10:02:00.000Z',
      input,
      output: null,
      error: 'FenceFailed',
      cause: 'power state still on',
    };
    await expect(describeRecoveryExecution({ executionArn: EXEC })).resolves.toEqual(expected);
    await expect(describeRecoveryExecution({ stateMachineArn: SM, name: NAME })).resolves.toEqual(expected);
  });

  test('a missing execution is undefined', async () => {
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'nope', $metadata: {} }));
    await expect(describeRecoveryExecution({ executionArn: EXEC })).resolves.toBeUndefined();
  });

  test('executionArnFor maps a state machine ARN to its execution ARN', () => {
    expect(executionArnFor(SM, NAME)).toBe(EXEC);
    expect(() => executionArnFor('arn:aws:lambda:eu-west-1:1:function:x', NAME)).toThrow(UserInputError);
  });
});
