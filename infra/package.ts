/**
 * `npm run package`: validate the deployment's config with the runtime's own zod schema, refuse
 * any inline secret, then run `osls package` with the same arguments. A config that the Lambdas
 * would reject at their first cold start, or one that would write a password into the
 * CloudFormation template (the SSM parameter's value), never gets packaged.
 *
 *   node bin/run-ts.js infra/package.ts --stage ci [--param "config=<json or yaml>"] [--check-only]
 *
 * The config is the `config` parameter as osls resolves it: `--param config=…` on the command
 * line, else `params.<stage>.config`, else `params.default.config` in serverless.yml. Of osls's
 * variables inside it, `${file(path)}` and `${env:NAME}` are resolved here; any other is refused,
 * since what it would resolve to cannot be checked offline.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { findInlineSecrets, formatIssues, ConfigSchema } from '../lib/config/index.js';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');
/** SSM Advanced tier holds 8 KB per parameter. */
const MAX_CONFIG_BYTES = 8192;

export interface DeployConfigCheck {
  stage: string;
  source: string;
  problems: string[];
  bytes: number;
}

export function checkDeployConfig(argv: string[], env: NodeJS.ProcessEnv = process.env, root = ROOT): DeployConfigCheck {
  const stage = argValue(argv, '--stage') ?? argValue(argv, '-s') ?? 'dev';
  const cliParams = argValues(argv, '--param').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]);
  const sls = parse(readFileSync(join(root, 'serverless.yml'), 'utf8')) as { params?: Record<string, Record<string, unknown>> };
  const fromCli = cliParams.find(([k]) => k === 'config')?.[1];
  const fromStage = sls.params?.[stage]?.config;
  const fromDefault = sls.params?.default?.config;
  const value = fromCli ?? fromStage ?? fromDefault;
  const source =
    fromCli !== undefined ? '--param config' : fromStage !== undefined ? `params.${stage}.config` : 'params.default.config';
  const done = (problems: string[], bytes = 0) => ({ stage, source, problems, bytes });
  if (typeof value !== 'string' || value.trim() === '')
    return done([`no config for stage ${stage}: pass --param "config=<json or yaml>" or set params.${stage}.config in serverless.yml`]);
  let text: string;
  try {
    text = resolveVariables(value, env, root);
  } catch (err) {
    return done([(err as Error).message]);
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    return done([`not valid JSON or YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  const parsed = ConfigSchema.safeParse(raw);
  const schemaProblems = parsed.success ? [] : formatIssues(parsed.error);
  // A field the schema already refused is named once, with the schema's message.
  const named = new Set(schemaProblems.map((p) => p.slice(0, p.indexOf(':'))));
  const problems = [...findInlineSecrets(raw).filter((p) => !named.has(p.slice(0, p.indexOf(':')))), ...schemaProblems];
  const bytes = Buffer.byteLength(value);
  if (bytes > MAX_CONFIG_BYTES)
    problems.push(`the config is ${bytes} bytes; the SSM parameter holds at most ${MAX_CONFIG_BYTES}`);
  return done([...new Set(problems)], bytes);
}

function resolveVariables(value: string, env: NodeJS.ProcessEnv, root: string): string {
  return value.replace(/\$\{([^}]+)\}/g, (_m, expr: string) => {
    const file = /^file\((.+)\)$/.exec(expr.trim());
    if (file) {
      const path = join(root, file[1]!.trim());
      if (!existsSync(path)) throw new Error(`\${${expr}}: ${file[1]} does not exist`);
      return readFileSync(path, 'utf8');
    }
    const envName = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(expr.trim());
    if (envName) {
      const v = env[envName[1]!];
      if (v === undefined) throw new Error(`\${${expr}}: the environment variable is not set`);
      return v;
    }
    throw new Error(`\${${expr}}: only \${file(…)} and \${env:…} can be checked before packaging`);
  });
}

function argValues(argv: string[], name: string): string[] {
  const out: string[] = [];
  argv.forEach((a, i) => {
    if (a === name && argv[i + 1] !== undefined) out.push(argv[i + 1]!);
    else if (a.startsWith(`${name}=`)) out.push(a.slice(name.length + 1));
  });
  return out;
}
const argValue = (argv: string[], name: string) => argValues(argv, name).at(-1);

function main(argv: string[]): number {
  const checkOnly = argv.includes('--check-only');
  const args = argv.filter((a) => a !== '--check-only');
  const check = checkDeployConfig(args);
  if (check.problems.length) {
    process.stderr.write(
      `error: the config for stage ${check.stage} (${check.source}) is invalid; nothing was packaged:\n${check.problems.map((p) => `  - ${p}`).join('\n')}\n`,
    );
    return 2;
  }
  process.stdout.write(`config for stage ${check.stage} (${check.source}): valid, ${check.bytes} bytes\n`);
  if (checkOnly) return 0;
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'osls', 'bin', 'serverless.js'), 'package', ...args], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
  });
  return run.status ?? 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) process.exitCode = main(process.argv.slice(2));
