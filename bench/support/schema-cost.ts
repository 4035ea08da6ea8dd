/**
 * For bench:cli: what building the config's zod schemas costs a fresh CLI process, and classic
 * zod against zod/mini (which the config's schemas use) on the same work. Each figure is the
 * median of `runs` fresh Node processes running a small script written to `dir`, with Node's
 * compile cache on as the CLI has it (one warm-up run fills it first).
 *
 * - The config module: the dist chunk that defines ConfigSchema, imported after every chunk it
 *   imports, so the time is its own evaluation: constructing the schemas, plus whatever else
 *   esbuild put in that chunk and the Node built-ins only it imports.
 * - Classic against mini: 150 config-like sections (strict objects of bounded strings, integers,
 *   enums and arrays, with defaults), built and then each parsed once, written once per API.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const SECTIONS = 150;

function distChunk(root: string, marker: string): string {
  const dir = join(root, 'dist', 'cli');
  const name = readdirSync(dir).find((n) => n.endsWith('.js') && readFileSync(join(dir, n), 'utf8').includes(marker));
  if (!name) throw new Error(`no chunk in dist/cli defines ${marker}`);
  return join(dir, name);
}

function configModuleScript(root: string): string {
  const chunk = distChunk(root, 'var ConfigSchema = ');
  const deps = [...readFileSync(chunk, 'utf8').matchAll(/from "(\.\/[^"]+\.js)"/g)].map(
    (m) => pathToFileURL(join(root, 'dist', 'cli', m[1]!)).href,
  );
  return `import { enableCompileCache } from 'node:module';
enableCompileCache();
for (const d of ${JSON.stringify(deps)}) await import(d);
const t = performance.now();
await import(${JSON.stringify(pathToFileURL(chunk).href)});
console.log(JSON.stringify({ ms: performance.now() - t }));
`;
}

const CLASSIC = `z.object({
  a: z.string().min(1).max(255).default('x'),
  b: z.number().int().min(1).max(99).default(9),
  c: z.enum(['first', 'last']).default('last'),
  d: z.array(z.string().min(1)).max(200).default([]).optional(),
}).strict()`;
const MINI = `z.strictObject({
  a: z._default(z.string().check(z.minLength(1), z.maxLength(255)), 'x'),
  b: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(99)), 9),
  c: z._default(z.enum(['first', 'last']), 'last'),
  d: z.optional(z._default(z.array(z.string().check(z.minLength(1))).check(z.maxLength(200)), [])),
})`;

function zodScript(root: string, entry: string, schema: string): string {
  return `import { enableCompileCache } from 'node:module';
enableCompileCache();
const z = await import(${JSON.stringify(pathToFileURL(join(root, 'node_modules', 'zod', entry)).href)});
const t0 = performance.now();
const all = [];
for (let i = 0; i < ${SECTIONS}; i++) all.push(${schema});
const t1 = performance.now();
for (const s of all) s.parse({ a: 'y' }, { jitless: true });
console.log(JSON.stringify({ build: t1 - t0, parse: performance.now() - t1 }));
`;
}

function medianOf(dir: string, name: string, script: string, runs: number): Record<string, number> {
  const file = join(dir, name);
  writeFileSync(file, script);
  const once = () => {
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, number>;
  };
  once();
  const samples = Array.from({ length: runs }, once);
  const mid = (k: string) => samples.map((s) => s[k]!).sort((a, b) => a - b)[Math.floor(runs / 2)]!;
  return Object.fromEntries(Object.keys(samples[0]!).map((k) => [k, Math.round(mid(k) * 10) / 10]));
}

/** The figures bench:cli adds; needs dist/ built. */
export function schemaCost(root: string, dir: string, runs: number) {
  const config = medianOf(dir, 'config-module.mjs', configModuleScript(root), runs);
  const classic = medianOf(dir, 'zod-classic.mjs', zodScript(root, 'index.js', CLASSIC), runs);
  const mini = medianOf(dir, 'zod-mini.mjs', zodScript(root, 'mini/index.js', MINI), runs);
  return {
    config_module_ms: config.ms!,
    zod_sections: SECTIONS,
    zod_classic_build_ms: classic.build!,
    zod_mini_build_ms: mini.build!,
    zod_classic_parse_ms: classic.parse!,
    zod_mini_parse_ms: mini.parse!,
  };
}
