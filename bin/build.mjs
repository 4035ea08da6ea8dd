#!/usr/bin/env node
// `npm run build` (also run by `prepare` and `npm test`): the CLI as plain JavaScript in dist/cli/,
// bundled by esbuild with code splitting. One process start used to load ~130 modules (our files
// and zod's) before `fence status` touched the BMC; the bundle loads a handful of chunks, and each
// command's dynamic import stays a separate chunk, so `--help` or `pause` still load no command
// they do not run. The two things the code reads beside itself: the mail templates are copied to
// dist/cli/templates/, and the state machine is read from infra/ (two levels up from a chunk, as
// from lib/workflow/). bin/freezer-dr.js falls back to tsx when dist/ is missing or older than a
// source file.
import { cpSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const OUT = join(DIST, 'cli');
export const SOURCE_DIRS = ['cli', 'lib', 'functions'];

/**
 * Left to Node at run time: the AWS SDK (Lambda's runtime has it; the CLI imports it only on AWS
 * paths), the local Step Functions interpreter, and packages that are only ever imported lazily
 * (mail, webhooks, the simulator's SMTP server), so bundling them would not shorten any start.
 */
const EXTERNAL = ['@aws-sdk/*', 'aws-local-stepfunctions', 'smtp-server', 'nodemailer', 'axios', 'tsx'];

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? walk(join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

const started = Date.now();
rmSync(DIST, { recursive: true, force: true });
const files = SOURCE_DIRS.flatMap((d) => walk(join(ROOT, d)));
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: { main: 'cli/main.ts' },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  external: EXTERNAL,
  // yaml's Node entry is CommonJS, whose named exports a dynamic import of the bundle does not see;
  // its ESM build is the same parser (it differs only in how it prints warnings).
  alias: { yaml: './node_modules/yaml/browser/index.js' },
  // Bundled CommonJS dependencies (middy, eta's helpers) may call require for Node's built-ins.
  banner: {
    js: "import { createRequire as __fdrRequire } from 'node:module'; const require = __fdrRequire(import.meta.url);",
  },
  logLevel: 'warning',
  metafile: true,
});
cpSync(join(ROOT, 'lib', 'notify', 'templates'), join(OUT, 'templates'), { recursive: true });
// ESM, like the sources: package.json "type": "module" above dist/ already says so.
writeFileSync(join(DIST, 'BUILT'), `${new Date().toISOString()}\n`);
const newest = Math.max(...files.map((f) => statSync(f).mtimeMs));
const chunks = Object.keys(result.metafile.outputs).length;
process.stdout.write(
  `built dist/cli/ (${chunks} chunks from ${files.length} sources) in ${Date.now() - started} ms (newest source ${new Date(newest).toISOString()})\n`,
);
