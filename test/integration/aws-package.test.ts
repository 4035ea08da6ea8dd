import { beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { parse } from 'yaml';
import { ConfigSchema } from '../../lib/config/schemas.js';
import { DYNAMO_TABLE_SPEC } from '../../lib/incidents/dynamodb.js';
import { checkTemplate, type Template } from '../support/cfn-check.js';
import { METRICS, createEmfSink, recordRecovery, setMetricSinks, type MetricDef } from '../../lib/metrics/index.js';

/*
 * What `osls package --stage ci` makes of serverless.yml + infra/state-machine.asl.json, checked offline.
 * beforeAll packages (a few seconds) unless FREEZER_DR_PACKAGED=1 says CI just ran `npm run package`.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const OUT = join(ROOT, '.serverless');
const OSLS = join(ROOT, 'node_modules', 'osls', 'bin', 'serverless.js');
const STAGE = 'ci';
const SLS_ENV = { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' };

/** Function key → handler file, as the lead's functions/ folder names them. */
const FUNCTIONS: Record<string, string> = {
  monitor: 'monitor',
  validate: 'validate',
  fence: 'fence',
  isolate: 'isolate',
  plan: 'plan',
  evacuate: 'evacuate',
  notify: 'notify',
  notifyFenceFailed: 'notify-fence-failed',
  preflight: 'preflight',
  targets: 'targets',
};
const logicalId = (key: string) => `${key[0]!.toUpperCase()}${key.slice(1)}LambdaFunction`;
const roleId = (key: string) => `${key[0]!.toUpperCase()}${key.slice(1)}Role`;

const ENI = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];
const LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const TABLE = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'];
const SECRETS = ['secretsmanager:GetSecretValue', 'ssm:GetParameter'];
const MAIL = ['ses:SendEmail', 'ses:SendRawEmail', 'sns:Publish'];
/** Lifecycle events (lib/events), to the stack's bus only. */
const EVENTS = 'events:PutEvents';
/** The least-privilege set per role (tracing off in stage ci). */
const EXPECTED_ACTIONS: Record<string, string[]> = {
  // the monitor also mails the admins when a gate starts firing (lib/monitor/pass.ts → notifyAdmins)
  MonitorRole: [
    ...LOGS,
    ...ENI,
    ...TABLE,
    'dynamodb:BatchWriteItem',
    ...SECRETS,
    'states:StartExecution',
    'states:DescribeExecution',
    ...MAIL,
    EVENTS,
  ],
  ValidateRole: [...LOGS, ...ENI, ...TABLE, ...SECRETS],
  FenceRole: [...LOGS, ...ENI, ...TABLE, ...SECRETS, EVENTS],
  IsolateRole: [...LOGS, ...ENI, ...TABLE, ...SECRETS, EVENTS],
  PlanRole: [...LOGS, ...ENI, ...TABLE, ...SECRETS, EVENTS],
  EvacuateRole: [...LOGS, ...ENI, ...TABLE, ...SECRETS, EVENTS],
  NotifyRole: [...LOGS, ...ENI, ...TABLE, ...SECRETS, ...MAIL, EVENTS],
  NotifyFenceFailedRole: [...LOGS, ...ENI, ...TABLE, ...SECRETS, ...MAIL, EVENTS],
  // reserved hosts: Nova and the incident only
  TargetsRole: [...LOGS, ...ENI, ...TABLE, ...SECRETS],
  // the daily preflight reads every BMC's power state and probes the mail relay (lib/workflow/preflight.ts)
  PreflightRole: [...LOGS, ...ENI, ...TABLE, ...SECRETS, ...MAIL],
  RecoveryStateMachineRole: [
    'lambda:InvokeFunction',
    'logs:CreateLogDelivery',
    'logs:GetLogDelivery',
    'logs:UpdateLogDelivery',
    'logs:DeleteLogDelivery',
    'logs:ListLogDeliveries',
    'logs:PutResourcePolicy',
    'logs:DescribeResourcePolicies',
    'logs:DescribeLogGroups',
  ],
};
/** Actions AWS offers no resource-level permission for: the only ones allowed on Resource '*'. */
const STAR_RESOURCE_OK = new Set([
  ...ENI,
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  ...EXPECTED_ACTIONS.RecoveryStateMachineRole!.slice(1),
]);

type Res = { Type: string; Condition?: string; DependsOn?: string[]; Properties: Record<string, any> };
let template: Template & { Resources: Record<string, Res> };
let resources: [string, Res][];
const byType = (type: string) => resources.filter(([, r]) => r.Type === type);

/** Evaluate a Conditions entry whose operands osls has already made constant. */
function evalCondition(name: string): boolean {
  const ev = (node: any): any => {
    if (typeof node !== 'object' || node === null) return node;
    if ('Fn::Equals' in node) return ev(node['Fn::Equals'][0]) === ev(node['Fn::Equals'][1]);
    if ('Fn::Not' in node) return !ev(node['Fn::Not'][0]);
    if ('Fn::And' in node) return node['Fn::And'].every(ev);
    if ('Fn::Or' in node) return node['Fn::Or'].some(ev);
    if ('Condition' in node) return evalCondition(node.Condition);
    throw new Error(`cannot evaluate ${JSON.stringify(node)}`);
  };
  return ev(template.Conditions![name]);
}

/** A role's effective statements: Fn::If resolved, AWS::NoValue dropped. */
function statementsOf(role: Res): { Action: string | string[]; Resource: unknown; Effect: string }[] {
  return role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement)
    .map((s: any) => ('Fn::If' in s ? (evalCondition(s['Fn::If'][0]) ? s['Fn::If'][1] : s['Fn::If'][2]) : s))
    .filter((s: any) => !(s && s.Ref === 'AWS::NoValue'));
}
const actionsOf = (role: Res) => statementsOf(role).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

/** Every Fn::GetAtt logical id in an ASL definition. */
function getAttIds(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => getAttIds(n, out));
  else if (node && typeof node === 'object') {
    const getAtt = (node as Record<string, unknown>)['Fn::GetAtt'];
    if (Array.isArray(getAtt)) out.add(String(getAtt[0]));
    else Object.values(node).forEach((n) => getAttIds(n, out));
  }
  return out;
}

/** A copy without `QueryLanguage: "JSONPath"` entries (the default, so they change nothing). */
function withoutDefaultQueryLanguage(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDefaultQueryLanguage);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => !(k === 'QueryLanguage' && v === 'JSONPath'))
      .map(([k, v]) => [k, withoutDefaultQueryLanguage(v)]),
  );
}

/** Every Task state, with Map item processors and Parallel branches walked. */
function taskStates(states: Record<string, any>, out: [string, any][] = []): [string, any][] {
  for (const [name, s] of Object.entries(states)) {
    if (s.Type === 'Task') out.push([name, s]);
    if (s.Type === 'Map') taskStates((s.ItemProcessor ?? s.Iterator).States, out);
    if (s.Type === 'Parallel') for (const b of s.Branches) taskStates(b.States, out);
  }
  return out;
}

/** The files of a zip archive (stored or deflated entries; what serverless writes). */
function readZip(path: string): Map<string, Buffer> {
  const buf = readFileSync(path);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${path}: not a zip`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLen);
    const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataAt, dataAt + size);
    files.set(name, method === 8 ? inflateRawSync(raw) : Buffer.from(raw));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return files;
}

beforeAll(() => {
  if (process.env.FREEZER_DR_PACKAGED !== '1') {
    rmSync(OUT, { recursive: true, force: true });
    const run = spawnSync(process.execPath, [OSLS, 'package', '--stage', STAGE], {
      cwd: ROOT,
      env: SLS_ENV,
      encoding: 'utf8',
      timeout: 170_000,
    });
    if (run.status !== 0)
      throw new Error(`osls package failed (${run.status ?? run.signal}):\n${run.stdout}\n${run.stderr}`);
  }
  template = JSON.parse(readFileSync(join(OUT, 'cloudformation-template-update-stack.json'), 'utf8'));
  resources = Object.entries(template.Resources);
}, 180_000);

test('the package is stage ci, and every reference in the template resolves', () => {
  expect(template.Resources.MonitorLambdaFunction?.Properties.FunctionName).toBe(`freezer-dr-${STAGE}-monitor`);
  expect(checkTemplate(template)).toEqual([]);
});

// cfn-lint has no Debian package and PyPI is out of reach here, so CI cannot install it: where it
// is missing the test is reported as skipped (never as a pass); the structural check above runs always.
const hasCfnLint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).status === 0;
(hasCfnLint ? test : test.skip)(
  'cfn-lint finds nothing',
  () => {
    // W3005: osls adds DependsOn on roles it also GetAtts; W8003: osls bakes params into constant Conditions.
    const lint = spawnSync(
      'cfn-lint',
      [
        '--ignore-checks',
        'W3005',
        'W8003',
        '--',
        join(OUT, 'cloudformation-template-update-stack.json'),
        join(ROOT, 'infra', 'network.yml'),
      ],
      { encoding: 'utf8' },
    );
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.status).toBe(0);
  },
  60_000,
);

describe('state machine', () => {
  test('its definition is infra/state-machine.asl.json with the function ARNs substituted back', () => {
    const [[, sm]] = byType('AWS::StepFunctions::StateMachine') as [[string, Res]];
    expect(sm.Properties.StateMachineName).toBe(`freezer-dr-${STAGE}-recovery`);
    expect(sm.Properties.StateMachineType).toBe('STANDARD');
    const [text, vars] = sm.Properties.DefinitionString['Fn::Sub'] as [string, Record<string, unknown>];
    let json = text;
    for (const [key, value] of Object.entries(vars)) json = json.replaceAll(`"\${${key}}"`, JSON.stringify(value));
    expect(json).not.toContain('${');
    const asl = JSON.parse(readFileSync(join(ROOT, 'infra', 'state-machine.asl.json'), 'utf8'));
    // `validate: true` runs asl-validator, which writes the default QueryLanguage into every state it checks
    expect(withoutDefaultQueryLanguage(JSON.parse(json))).toEqual(withoutDefaultQueryLanguage(asl));
    expect(JSON.stringify(asl)).not.toContain('JSONata');
  });

  test('its role invokes exactly the functions the definition names', () => {
    const asl = JSON.parse(readFileSync(join(ROOT, 'infra', 'state-machine.asl.json'), 'utf8'));
    const role = template.Resources.RecoveryStateMachineRole!;
    const invoke = statementsOf(role).find(
      (s) =>
        s.Action === 'lambda:InvokeFunction' || (Array.isArray(s.Action) && s.Action.includes('lambda:InvokeFunction')),
    )!;
    const named = (invoke.Resource as { 'Fn::GetAtt': [string, string] }[]).map((r) => r['Fn::GetAtt'][0]);
    expect(new Set(named)).toEqual(getAttIds(asl));
    for (const id of named) expect(template.Resources[id]?.Type).toBe('AWS::Lambda::Function');
  });

  test('no Lambda outlives its Task: each timeout ≤ the TimeoutSeconds of every Task that calls it', () => {
    const asl = JSON.parse(readFileSync(join(ROOT, 'infra', 'state-machine.asl.json'), 'utf8'));
    const tasks = taskStates(asl.States);
    expect(tasks.length).toBeGreaterThan(0);
    for (const [name, task] of tasks) {
      expect([name, typeof task.TimeoutSeconds]).toEqual([name, 'number']);
      const fn = template.Resources[task.Resource['Fn::GetAtt'][0]]!;
      expect([name, fn.Properties.Timeout <= task.TimeoutSeconds]).toEqual([name, true]);
    }
  });

  test('logs errors without execution data, to its own log group', () => {
    const sm = template.Resources.RecoveryStateMachine!;
    expect(sm.Properties.LoggingConfiguration).toEqual({
      Level: 'ERROR',
      IncludeExecutionData: false,
      Destinations: [
        { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': ['RecoveryStateMachineLogGroup', 'Arn'] } } },
      ],
    });
  });
});

describe('functions', () => {
  test('one Lambda per function key: nodejs24.x on arm64, in the VPC, with its own role', () => {
    const lambdas = byType('AWS::Lambda::Function');
    expect(lambdas.map(([id]) => id).sort()).toEqual(Object.keys(FUNCTIONS).map(logicalId).sort());
    for (const [key, file] of Object.entries(FUNCTIONS)) {
      const fn = template.Resources[logicalId(key)]!.Properties;
      expect(fn).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: `functions/${file}.handler`,
        Role: { 'Fn::GetAtt': [roleId(key), 'Arn'] },
      });
      expect(fn.VpcConfig.SubnetIds).toEqual({
        'Fn::Split': [',', { 'Fn::ImportValue': `freezer-dr-network-${STAGE}-PrivateSubnetIds` }],
      });
      expect(fn.VpcConfig.SecurityGroupIds).toEqual({
        'Fn::Split': [',', { 'Fn::ImportValue': `freezer-dr-network-${STAGE}-LambdaSecurityGroupId` }],
      });
      expect(fn.Environment.Variables.FREEZER_DR_STORE_TABLE).toEqual({ Ref: 'IncidentsTable' });
    }
    for (const [id, group] of byType('AWS::Logs::LogGroup'))
      expect([id, group.Properties.RetentionInDays]).toEqual([id, 90]);
    expect(template.Resources.FenceLambdaFunction!.Properties.Timeout).toBeGreaterThanOrEqual(60);
    expect(template.Resources.MonitorLambdaFunction!.Properties.Timeout).toBe(60);
    expect(template.Resources.MonitorLambdaFunction!.Properties.ReservedConcurrentExecutions).toBe(1);
    expect(
      template.Resources.MonitorLambdaFunction!.Properties.Environment.Variables.FREEZER_DR_STATE_MACHINE_ARN,
    ).toEqual({ Ref: 'RecoveryStateMachine' });
  });

  test('the config lives in an SSM parameter every function reads at cold start; it is valid and names secrets only by reference', () => {
    const param = template.Resources.ConfigParameter!;
    expect(param.Type).toBe('AWS::SSM::Parameter');
    expect(param.Properties).toMatchObject({ Name: `/freezer-dr/${STAGE}/config`, Type: 'String', Tier: 'Advanced' });
    const config = ConfigSchema.parse(JSON.parse(param.Properties.Value as string));
    expect(config.store).toEqual({ driver: 'dynamodb', table: `freezer-dr-${STAGE}-incidents` });
    for (const key of Object.keys(FUNCTIONS)) {
      const fn = template.Resources[logicalId(key)]!;
      expect([key, fn.Properties.Environment.Variables.FREEZER_DR_CONFIG]).toEqual([
        key,
        `ssm:/freezer-dr/${STAGE}/config`,
      ]);
      const read = statementsOf(template.Resources[roleId(key)]!).filter((s) => s.Action === 'ssm:GetParameter');
      expect([
        key,
        read.some((s) => JSON.stringify(s.Resource).endsWith(`:parameter/freezer-dr/${STAGE}/config"}`)),
      ]).toEqual([key, true]);
    }
    // Lambda limits a function's whole environment to 4 KB
    const env = template.Resources.MonitorLambdaFunction!.Properties.Environment.Variables as Record<string, unknown>;
    expect(
      Object.entries(env).reduce((n, [k, v]) => n + k.length + (typeof v === 'string' ? v.length : 100), 0),
    ).toBeLessThan(4096);
  });

  test('the monitor runs on an EventBridge schedule, and only once at a time', () => {
    const rules = byType('AWS::Events::Rule').filter(([, r]) =>
      JSON.stringify(r.Properties.Targets).includes('MonitorLambdaFunction'),
    );
    expect(rules).toHaveLength(1);
    const [[, rule]] = rules as [[string, Res]];
    expect(rule.Properties).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': ['MonitorLambdaFunction', 'Arn'] } }),
    ]);
    const permission = byType('AWS::Lambda::Permission').find(
      ([, p]) => p.Properties.Principal === 'events.amazonaws.com',
    )![1];
    expect(permission.Properties.FunctionName).toEqual({ 'Fn::GetAtt': ['MonitorLambdaFunction', 'Arn'] });
    const [[, invokeConfig]] = byType('AWS::Lambda::EventInvokeConfig') as [[string, Res]];
    expect(invokeConfig.Properties).toMatchObject({
      FunctionName: { Ref: 'MonitorLambdaFunction' },
      MaximumRetryAttempts: 0,
    });
  });

  test('every function has its bundle: its entry .mjs (and the chunks it splits into), loadable, exporting handler', () => {
    const extractRoot = join(OUT, 'unzipped');
    for (const [key, file] of Object.entries(FUNCTIONS)) {
      const files = readZip(join(OUT, `${key}.zip`));
      const entry = `functions/${file}.mjs`;
      expect(files.has(entry)).toBe(true);
      // Code splitting: the entry's chunks ride beside it, and every one of them is in the zip.
      for (const [name, body] of files) {
        if (!name.endsWith('.mjs')) continue;
        const target = join(extractRoot, key, name);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, body);
      }
      const target = join(extractRoot, key, entry);
      // @aws-sdk/* is left to the Lambda runtime; from .serverless/ it resolves to the project's node_modules
      const probe = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(target)}); console.log(typeof m.handler);`,
        ],
        {
          cwd: ROOT,
          env: { ...process.env, FREEZER_DR_CONFIG: '', AWS_REGION: 'eu-west-1' },
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
      expect([key, probe.trim()]).toEqual([key, 'function']);
    }
    rmSync(extractRoot, { recursive: true, force: true });
  }, 120_000);

  test('what a Task loads on demand stays out of its cold start: no AWS SDK, mailer, HTTP library or YAML parser imported eagerly', () => {
    for (const [key, file] of Object.entries(FUNCTIONS)) {
      const files = readZip(join(OUT, `${key}.zip`));
      const seen = new Set<string>();
      const visit = (name: string) => {
        if (seen.has(name)) return;
        seen.add(name);
        const text = files.get(name)!.toString('utf8');
        for (const m of text.matchAll(/(?:^|[;\n}])\s*import\s*(?:[\w*{}\s,$]+from\s*)?["']([^"']+)["']/g)) {
          const spec = m[1]!;
          expect([key, spec]).not.toEqual([key, expect.stringMatching(/^@aws-sdk\/|^nodemailer|^axios|^yaml/)]);
          if (spec.startsWith('./')) visit(join(dirname(name), spec));
        }
      };
      visit(`functions/${file}.mjs`);
      const eager = [...seen].map((n) => files.get(n)!.toString('utf8')).join('\n');
      // Their code would show by these markers had esbuild flattened a dynamic import into the entry.
      expect([key, /nodemailer|application\/vnd\.|YAMLParseError/.test(eager)]).toEqual([key, false]);
    }
  });

  test('the functions that mail (notify, and the monitor for gate alerts) carry the templates, where FREEZER_DR_BUILTIN_TEMPLATES says', () => {
    const templates = readdirSync(join(ROOT, 'lib', 'notify', 'templates'), { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => relative(ROOT, join(d.parentPath, d.name)).split(sep).join('/'));
    expect(templates.length).toBeGreaterThan(0);
    for (const key of ['monitor', 'notify', 'notifyFenceFailed']) {
      const names = [...readZip(join(OUT, `${key}.zip`)).keys()];
      expect(names).toEqual(expect.arrayContaining(templates));
      const dir = template.Resources[logicalId(key)]!.Properties.Environment.Variables
        .FREEZER_DR_BUILTIN_TEMPLATES as string;
      expect(dir).toBe('/var/task/lib/notify/templates/');
    }
  });
});

describe('least privilege', () => {
  test.each(Object.keys(EXPECTED_ACTIONS))('%s allows exactly its own actions, none of them wildcards', (id) => {
    const role = template.Resources[id]!;
    expect(role.Type).toBe('AWS::IAM::Role');
    const actions = actionsOf(role);
    expect([...new Set(actions)].sort()).toEqual([...EXPECTED_ACTIONS[id]!].sort());
    for (const a of actions) expect(a).not.toContain('*');
    for (const s of statementsOf(role)) {
      expect(s.Effect).toBe('Allow');
      if (s.Resource === '*')
        for (const a of [s.Action].flat()) expect([id, a, STAR_RESOURCE_OK.has(a)]).toEqual([id, a, true]);
    }
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('each function role is used by its function only, and writes only its own log group', () => {
    for (const [key, file] of Object.entries(FUNCTIONS)) {
      const users = byType('AWS::Lambda::Function').filter(
        ([, f]) => JSON.stringify(f.Properties.Role) === JSON.stringify({ 'Fn::GetAtt': [roleId(key), 'Arn'] }),
      );
      expect(users.map(([id]) => id)).toEqual([logicalId(key)]);
      const logs = statementsOf(template.Resources[roleId(key)]!).find(
        (s) => JSON.stringify(s.Action) === JSON.stringify(LOGS),
      )!;
      expect(JSON.stringify(logs.Resource)).toContain(`:log-group:/aws/lambda/freezer-dr-${STAGE}-${key}:*`);
      void file;
    }
  });

  test('only fence and the power readers (validate, preflight) read the BMC secrets; only the monitor starts executions', () => {
    const bmcReaders = new Set(['fence', 'validate', 'preflight']);
    for (const key of Object.keys(FUNCTIONS)) {
      const role = JSON.stringify(template.Resources[roleId(key)]);
      expect([key, role.includes(`freezer-dr/${STAGE}/bmc/`)]).toEqual([key, bmcReaders.has(key)]);
      expect([key, role.includes('states:StartExecution')]).toEqual([key, key === 'monitor']);
    }
    const monitor = statementsOf(template.Resources.MonitorRole!);
    expect(monitor.find((s) => s.Action === 'states:StartExecution')!.Resource).toEqual({
      Ref: 'RecoveryStateMachine',
    });
    // the roles that mail: SNS only to the alert topic, SES only as the configured identity, the SMTP password only under notify/
    for (const id of ['MonitorRole', 'NotifyRole', 'NotifyFenceFailedRole', 'PreflightRole']) {
      const mail = statementsOf(template.Resources[id]!);
      expect([id, mail.find((s) => s.Action === 'sns:Publish')!.Resource]).toEqual([id, { Ref: 'AlertTopic' }]);
      expect(
        JSON.stringify(mail.find((s) => Array.isArray(s.Action) && s.Action.includes('ses:SendEmail'))!.Resource),
      ).toContain(':identity/example.org');
      expect([id, JSON.stringify(template.Resources[id]).includes(`freezer-dr/${STAGE}/notify/`)]).toEqual([id, true]);
    }
  });

  test('no default shared role was generated', () => {
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
    expect(
      byType('AWS::IAM::Role')
        .map(([id]) => id)
        .sort(),
    ).toEqual(Object.keys(EXPECTED_ACTIONS).sort());
  });
});

describe('alarms, topic, table', () => {
  test('alarms for failed and timed-out executions, monitor errors and a monitor dead-man switch, all to the admins topic', () => {
    const [[, topic]] = byType('AWS::SNS::Topic') as [[string, Res]];
    expect(topic.Properties.TopicName).toBe(`freezer-dr-${STAGE}-alerts`);
    const alarms = Object.fromEntries(
      byType('AWS::CloudWatch::Alarm')
        .filter(([, a]) => a.Properties.Namespace?.startsWith('AWS/'))
        .map(([, a]) => [`${a.Properties.Namespace}/${a.Properties.MetricName}`, a]),
    );
    expect(Object.keys(alarms).sort()).toEqual([
      'AWS/Lambda/Errors',
      'AWS/Lambda/Invocations',
      'AWS/States/ExecutionsFailed',
      'AWS/States/ExecutionsTimedOut',
    ]);
    for (const a of Object.values(alarms)) expect(a.Properties.AlarmActions).toEqual([{ Ref: 'AlertTopic' }]);
    for (const m of ['AWS/States/ExecutionsFailed', 'AWS/States/ExecutionsTimedOut']) {
      expect(alarms[m]!.Properties).toMatchObject({
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: 'RecoveryStateMachine' } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
    expect(alarms['AWS/Lambda/Errors']!.Properties.Dimensions).toEqual([
      { Name: 'FunctionName', Value: { Ref: 'MonitorLambdaFunction' } },
    ]);
    const deadMan = alarms['AWS/Lambda/Invocations']!;
    expect(deadMan.Properties).toMatchObject({
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'MonitorLambdaFunction' } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    expect(deadMan.Properties.Period * deadMan.Properties.EvaluationPeriods).toBeGreaterThanOrEqual(180);
    expect(deadMan.Condition).toBe('MonitorScheduled');
    expect(evalCondition('MonitorScheduled')).toBe(true);
  });

  test('the incident table: on-demand, TTL on expiresAt, point-in-time recovery, keys as the store expects', () => {
    const table = template.Resources.IncidentsTable!;
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.Properties).toMatchObject({
      TableName: `freezer-dr-${STAGE}-incidents`,
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: DYNAMO_TABLE_SPEC.ttlAttribute, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    expect(table.Properties.KeySchema).toEqual(DYNAMO_TABLE_SPEC.KeySchema);
    expect(new Set(table.Properties.AttributeDefinitions)).toEqual(new Set(DYNAMO_TABLE_SPEC.AttributeDefinitions));
    expect(table.Properties.GlobalSecondaryIndexes).toEqual(DYNAMO_TABLE_SPEC.GlobalSecondaryIndexes);
  });
});

test('bring your own VPC: vpcMode=byo takes subnet and security group ids from parameters', () => {
  const out = execFileSync(
    process.execPath,
    [
      OSLS,
      'print',
      '--stage',
      STAGE,
      '--param=vpcMode=byo',
      '--param=subnetIds=subnet-0a,subnet-0b',
      '--param=securityGroupIds=sg-0c',
      '--format',
      'json',
      '--path',
      'provider.vpc',
    ],
    { cwd: ROOT, env: SLS_ENV, encoding: 'utf8', timeout: 60_000 },
  );
  expect(JSON.parse(out.slice(out.indexOf('{')))).toEqual({
    subnetIds: { 'Fn::Split': [',', 'subnet-0a,subnet-0b'] },
    securityGroupIds: { 'Fn::Split': [',', 'sg-0c'] },
  });
}, 60_000);

test('serverless.yml takes the definition from the ASL file, never a copy', () => {
  const sls = readFileSync(join(ROOT, 'serverless.yml'), 'utf8');
  expect(sls).toContain('definition: ${file(./infra/state-machine.asl.json)}');
  expect((parse(sls) as { stepFunctions: { validate: boolean } }).stepFunctions.validate).toBe(true);
  expect(existsSync(join(ROOT, 'infra', 'state-machine.asl.json'))).toBe(true);
});

describe('freezer-dr metrics: alarms and dashboard', () => {
  const NS = `freezer-dr/${STAGE}`;
  type Stat = { Metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: string }[] } };
  type Query = { Id: string; MetricStat?: Stat; Expression?: string; ReturnData?: boolean };

  /** What each EMF line publishes: (namespace, metric, dimension set with values) → value. */
  function published(
    lines: string[],
  ): Array<{ ns: string; name: string; dims: Record<string, string>; value: number }> {
    return lines.flatMap((l) => {
      const doc = JSON.parse(l);
      return doc._aws.CloudWatchMetrics.flatMap((d: any) =>
        d.Metrics.flatMap((m: any) =>
          d.Dimensions.map((set: string[]) => ({
            ns: d.Namespace,
            name: m.Name,
            dims: Object.fromEntries(set.map((k) => [k, doc[k]])),
            value: doc[m.Name],
          })),
        ),
      );
    });
  }

  /** The alarm's value for one period in which `lines` were the only data: metric stats summed, FILL(x,0)+… evaluated. */
  function alarmValue(alarm: Res, lines: string[]): number {
    const points = published(lines);
    const statValue = (stat: Stat) =>
      points
        .filter(
          (p) =>
            p.ns === stat.Metric.Namespace &&
            p.name === stat.Metric.MetricName &&
            JSON.stringify(p.dims) ===
              JSON.stringify(Object.fromEntries((stat.Metric.Dimensions ?? []).map((d) => [d.Name, d.Value]))),
        )
        .reduce((n, p) => n + p.value, 0);
    const props = alarm.Properties;
    if (!props.Metrics)
      return statValue({
        Metric: { Namespace: props.Namespace, MetricName: props.MetricName, Dimensions: props.Dimensions },
      });
    const queries = props.Metrics as Query[];
    const values = new Map(queries.filter((q) => q.MetricStat).map((q) => [q.Id, statValue(q.MetricStat!)]));
    const [expr] = queries.filter((q) => q.ReturnData !== false && q.Expression);
    // Only the form the template uses: FILL(id, 0) + FILL(id, 0) + …
    const terms = expr!.Expression!.split('+').map((t) => /^\s*FILL\((\w+), 0\)\s*$/.exec(t)?.[1]);
    expect(terms.every((t) => t && values.has(t))).toBe(true);
    return terms.reduce((n, t) => n + values.get(t!)!, 0);
  }

  const alarm = (suffix: string) =>
    byType('AWS::CloudWatch::Alarm').find(([, a]) => a.Properties.AlarmName === `freezer-dr-${STAGE}-${suffix}`)![1];
  const fires = (a: Res, lines: string[]) => {
    const v = alarmValue(a, lines);
    expect(a.Properties.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
    return v >= a.Properties.Threshold;
  };
  const emit = (fn: () => void) => {
    const lines: string[] = [];
    setMetricSinks([createEmfSink({ namespace: NS, write: (l) => lines.push(l) })]);
    try {
      fn();
    } finally {
      setMetricSinks([]);
    }
    return lines;
  };
  const at = '2026-11-30T00:00:00Z';
  const inst = (outcome: 'evacuated' | 'failed' | 'timeout') =>
    ({ outcome, startedAt: at, finishedAt: '2026-11-30T00:01:00Z' }) as never;

  test('every function publishes EMF under the stage namespace the alarms read', () => {
    for (const key of Object.keys(FUNCTIONS))
      expect([
        key,
        template.Resources[logicalId(key)]!.Properties.Environment.Variables.FREEZER_DR_METRICS_NAMESPACE,
      ]).toEqual([key, NS]);
  });

  test('a partial recovery trips the recovery alarm (and a resolved one does not), as the template computes it', () => {
    const a = alarm('recovery-not-resolved');
    expect(a.Properties.AlarmActions).toEqual([{ Ref: 'AlertTopic' }]);
    for (const outcome of ['partial', 'failed', 'timed-out', 'fence-failed'])
      expect([
        outcome,
        fires(
          a,
          emit(() => recordRecovery(outcome, at, [inst('evacuated'), inst('failed')], at)),
        ),
      ]).toEqual([outcome, true]);
    expect(
      fires(
        a,
        emit(() => recordRecovery('resolved', at, [inst('evacuated')], at)),
      ),
    ).toBe(false);
  });

  test('the observer alarm needs blindPasses periods of observer gate firings; the gate alarm reads storm and all-stale', () => {
    const blind = alarm('observer-blind');
    expect(blind.Properties).toMatchObject({ EvaluationPeriods: 3, DatapointsToAlarm: 3, Period: 60 });
    const line = (g: string) => {
      const lines: string[] = [];
      const sink = createEmfSink({ namespace: NS, write: (l) => lines.push(l) });
      sink.record(METRICS.gateFirings as MetricDef, 1, { gate: g });
      return lines;
    };
    expect(fires(blind, line('observer'))).toBe(true);
    expect(fires(blind, line('storm'))).toBe(false);
    const gates = alarm('gate-firing');
    expect(fires(gates, line('storm'))).toBe(true);
    expect(fires(gates, line('all-stale'))).toBe(true);
    expect(fires(gates, line('in-flight'))).toBe(false);
    const notif = alarm('notification-failed');
    const n = (result: string) => {
      const lines: string[] = [];
      createEmfSink({ namespace: NS, write: (l) => lines.push(l) }).record(METRICS.notifications as MetricDef, 1, {
        kind: 'admin',
        result,
      });
      return lines;
    };
    expect(fires(notif, n('failed'))).toBe(true);
    expect(fires(notif, n('sent'))).toBe(false);
  });

  test('the dashboard: valid JSON once substituted, its widgets, only catalog metrics in our namespace', () => {
    const body = template.Resources.Dashboard!.Properties.DashboardBody['Fn::Sub'] as string;
    const refs = [...body.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]!);
    for (const r of refs)
      if (!r.startsWith('AWS::')) expect([r, template.Resources[r.split('.')[0]!] !== undefined]).toEqual([r, true]);
    const dash = JSON.parse(body.replace(/\$\{[^}]+\}/g, 'X')) as { widgets: Array<{ type: string; properties: any }> };
    const titles = dash.widgets.filter((w) => w.type === 'metric').map((w) => w.properties.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Recoveries by outcome',
        'Recovery time (RTO): detected → last instance settled',
        'Gate firings by gate',
        'Fence duration',
        'Monitor pass duration',
      ]),
    );
    const names = new Set((Object.values(METRICS) as MetricDef[]).map((m) => m.cloudwatch));
    const text = JSON.stringify(dash);
    for (const m of text.matchAll(/MetricName=\\"(\w+)\\"/g)) expect(names.has(m[1]!)).toBe(true);
    for (const w of dash.widgets.filter((x) => x.type === 'metric'))
      for (const row of w.properties.metrics as unknown[][])
        if (row[0] === NS)
          expect([w.properties.title, names.has(row[1] as string)]).toEqual([w.properties.title, true]);
  });

  test('the packaged template holds no secret value: references only', () => {
    const text = readFileSync(join(OUT, 'cloudformation-template-update-stack.json'), 'utf8');
    expect(text).not.toMatch(/"(password|applicationCredentialSecret|secret)"\s*:\s*"(?!(env:|secret:|ssm:\/))/i);
  });

  test('an EventBridge bus per stage; every function that publishes lifecycle events may PutEvents to it only', () => {
    const bus = template.Resources.EventBus!;
    expect(bus.Type).toBe('AWS::Events::EventBus');
    expect(bus.Properties.Name).toBe(`freezer-dr-${STAGE}`);
    for (const key of Object.keys(FUNCTIONS)) {
      expect(template.Resources[logicalId(key)]!.Properties.Environment.Variables.FREEZER_DR_EVENT_BUS).toEqual({
        Ref: 'EventBus',
      });
      const put = statementsOf(template.Resources[roleId(key)]!).filter((s) => s.Action === EVENTS);
      expect([key, put.map((s) => s.Resource)]).toEqual([
        key,
        key === 'validate' || key === 'preflight' || key === 'targets' ? [] : [{ 'Fn::GetAtt': ['EventBus', 'Arn'] }],
      ]);
    }
  });
});
