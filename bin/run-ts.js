#!/usr/bin/env node
// Run a TypeScript file (benchmarks, scripts) with tsx on the project's Node.
const { register } = await import('tsx/esm/api');
register();
const [file, ...rest] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: run-ts.js FILE.ts [args]\n');
  process.exit(2);
}
process.argv = [process.argv[0], file, ...rest];
await import(new URL(file, `file://${process.cwd()}/`).href);
