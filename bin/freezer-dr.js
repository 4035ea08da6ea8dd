#!/usr/bin/env node
// The CLI runs from dist/ (plain JavaScript, `npm run build`, run by `prepare` and `npm test`).
// A checkout without a build, or with a source newer than the build, runs the TypeScript through
// tsx instead: slower to start (~2 s), never stale.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  process.stderr.write(
    `freezer-dr needs Node.js >= 22 (this is ${process.version}). Run it through npm (npm start / npx freezer-dr), which uses the project's own Node 24.\n`,
  );
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// --version answers before anything else loads: scripts call it to check what is installed.
if (process.argv[2] === '--version' || process.argv[2] === '-V') {
  const { readFileSync } = await import('node:fs');
  process.stdout.write(`freezer-dr ${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}\n`);
  process.exit(0);
}

/** Is dist/ there and at least as new as every source file and the copied resources? */
function built() {
  const stamp = join(root, 'dist', 'BUILT');
  if (!existsSync(stamp)) return false;
  const at = statSync(stamp).mtimeMs;
  // Runs at every start over ~340 entries: one stat each and plain string paths (Dirent objects
  // and path.join doubled its cost).
  const newer = (dir) =>
    readdirSync(dir).some((name) => {
      const path = `${dir}/${name}`;
      const s = statSync(path);
      return s.isDirectory() ? newer(path) : s.mtimeMs > at;
    });
  return !['cli', 'lib', 'functions', 'infra'].some((d) => newer(join(root, d)));
}

// V8's compiled code for the bundle is kept on disk (Node's own cache directory under the system
// temp dir; NODE_DISABLE_COMPILE_CACHE=1 turns it off), so a later start skips compiling it again.
enableCompileCache?.();

let main;
if (process.env.FREEZER_DR_FROM_SOURCE !== '1' && built()) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
// Sockets of the embedded servers or keep-alive agents must not hold the process open.
setTimeout(() => process.exit(process.exitCode), 50).unref();
