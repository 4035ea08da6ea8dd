#!/usr/bin/env node
// `npm run build` (also run by `prepare` and `npm test`): the CLI as plain JavaScript in dist/,
// one .js per .ts with the same layout, so `freezer-dr` starts without compiling TypeScript.
// The two files the code reads beside itself (the state machine, the mail templates) are copied
// to the same relative places. bin/freezer-dr.js falls back to tsx when dist/ is missing or older
// than a source file.
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import { readFile, writeFile } from 'node:fs/promises';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
export const SOURCE_DIRS = ['cli', 'lib', 'functions'];

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
await Promise.all(
  files.map(async (file) => {
    const out = join(DIST, relative(ROOT, file)).replace(/\.ts$/, '.js');
    const { code } = await transform(await readFile(file, 'utf8'), {
      loader: 'ts',
      format: 'esm',
      target: 'node22',
      sourcefile: relative(ROOT, file),
    });
    mkdirSync(dirname(out), { recursive: true });
    await writeFile(out, code);
  }),
);
cpSync(join(ROOT, 'lib', 'notify', 'templates'), join(DIST, 'lib', 'notify', 'templates'), { recursive: true });
mkdirSync(join(DIST, 'infra'), { recursive: true });
cpSync(join(ROOT, 'infra', 'state-machine.asl.json'), join(DIST, 'infra', 'state-machine.asl.json'));
// ESM, like the sources: package.json "type": "module" above dist/ already says so.
writeFileSync(join(DIST, 'BUILT'), `${new Date().toISOString()}\n`);
const newest = Math.max(...files.map((f) => statSync(f).mtimeMs));
process.stdout.write(
  `built ${files.length} files into dist/ in ${Date.now() - started} ms (newest source ${new Date(newest).toISOString()})\n`,
);
