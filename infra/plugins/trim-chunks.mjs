/**
 * osls plugin: each function's zip keeps only the chunks its handler can load.
 *
 * serverless-esbuild builds every function with code splitting into one output directory and
 * zips that directory for each function, so every zip carried every function's chunks (the
 * monitor's, nodemailer, the BMC drivers...). After packaging, this follows the handler's
 * static and dynamic `import`s through the bundle and drops the `.mjs` files none of them reach.
 * Other files (the mail templates) are kept as they are. A chunk imported in a way the import
 * pattern does not recognise would be lost, so the trimmed zip is checked with a wider net: every
 * "./….mjs" string in a kept file must name a kept file, or packaging fails.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { posix } from 'node:path';
import { strFromU8, unzipSync, zipSync } from 'fflate';

/** `from"./x.mjs"`, `import"./x.mjs"`, `import("./x.mjs")` as esbuild writes them (minified or not). */
const IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*["'](\.{1,2}\/[^"']+?\.mjs)["']/g;

/** Any relative `.mjs` path written as a string: a superset of the imports, for the check. */
const ANY_CHUNK_PATH = /["'`](\.{1,2}\/[^"'`]+?\.mjs)["'`]/g;

export function importsOf(source) {
  return [...source.matchAll(IMPORT)].map((m) => m[1]);
}

/** The `.mjs` files reachable from `entry` inside `files` (path → bytes). */
export function reachable(files, entry) {
  const seen = new Set();
  const todo = [entry];
  while (todo.length) {
    const file = todo.pop();
    if (seen.has(file)) continue;
    if (!files[file]) throw new Error(`trim-chunks: ${file} is imported but not in the zip`);
    seen.add(file);
    for (const spec of importsOf(strFromU8(files[file])))
      todo.push(posix.normalize(posix.join(posix.dirname(file), spec)));
  }
  return seen;
}

/** The zip's bytes with only the chunks the handler reaches; other files untouched. */
export function trimZip(bytes, handler) {
  const files = unzipSync(bytes);
  const entry = `${handler.slice(0, handler.lastIndexOf('.'))}.mjs`;
  const keep = reachable(files, entry);
  for (const file of keep)
    for (const [, spec] of strFromU8(files[file]).matchAll(ANY_CHUNK_PATH)) {
      const target = posix.normalize(posix.join(posix.dirname(file), spec));
      if (!keep.has(target)) throw new Error(`trim-chunks: ${file} names ${spec}, which would be dropped`);
    }
  const kept = Object.fromEntries(
    Object.entries(files)
      .filter(([name]) => !name.endsWith('.mjs') || keep.has(name))
      // A fixed date keeps the artifact byte-identical between two packagings of the same code.
      .map(([name, data]) => [name, [data, { mtime: new Date('2020-01-01T00:00:00Z') }]]),
  );
  return { bytes: zipSync(kept, { level: 9 }), dropped: Object.keys(files).length - Object.keys(kept).length };
}

export default class TrimChunks {
  constructor(serverless, _options, { log } = {}) {
    this.hooks = {
      'after:package:createDeploymentArtifacts': () => {
        for (const name of serverless.service.getAllFunctions()) {
          const fn = serverless.service.getFunction(name);
          const artifact = fn.package?.artifact;
          if (!artifact || !fn.handler) continue;
          const before = readFileSync(artifact);
          const { bytes, dropped } = trimZip(before, fn.handler);
          writeFileSync(artifact, bytes);
          log?.verbose?.(`trim-chunks: ${name} ${before.length} → ${bytes.length} bytes, ${dropped} files dropped`);
        }
      },
    };
  }
}
