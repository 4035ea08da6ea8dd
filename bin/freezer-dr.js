#!/usr/bin/env node
// The CLI is TypeScript; tsx compiles it on the fly so operators need no build step.
const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  process.stderr.write(
    `freezer-dr needs Node.js >= 22 (this is ${process.version}). Run it through npm (npm start / npx freezer-dr), which uses the project's own Node 24.\n`,
  );
  process.exit(2);
}
const { register } = await import('tsx/esm/api');
register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
// Sockets of the embedded servers or keep-alive agents must not hold the process open.
setTimeout(() => process.exit(process.exitCode), 50).unref();
