// The import map of the tree, enforced as a lint rule (see the README's "Layout").
// Layers: cli/ and functions/ are adapters over lib/; lib/ never imports them.
// Areas: each lib/<area>/ is entered only through its index.ts by anyone outside it.
// The simulated cloud (lib/sim) is for the demo, tests and benches only.
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Who may import lib/sim besides the tests and benches. */
const SIM_USERS = new Set(['cli/demo.ts']);
/** Files directly under lib/ that are shared by every area (no index needed). */
const LIB_SHARED = new Set(['lib/errors.ts', 'lib/zod-mini.ts']);

function zoneOf(rel) {
  const [top, area] = rel.split('/');
  if (top === 'lib') return LIB_SHARED.has(rel) ? { kind: 'lib-shared' } : { kind: 'lib', area };
  if (top === 'cli' || top === 'functions') return { kind: 'adapter', top };
  if (top === 'test' || top === 'bench') return { kind: 'free', top };
  return { kind: 'other', top };
}

function check(context, node, spec) {
  if (typeof spec !== 'string' || !spec.startsWith('.')) return;
  const file = path.relative(ROOT, context.filename);
  const from = zoneOf(file);
  const target = path.relative(ROOT, path.resolve(path.dirname(context.filename), spec)).replace(/\.js$/, '.ts');
  const to = zoneOf(target);
  const report = (message) => context.report({ node, message: `${message} (${file} → ${target})` });

  if (from.kind === 'lib' || from.kind === 'lib-shared') {
    if (to.kind === 'adapter') return report(`lib/ never imports the ${to.top}/ adapter layer`);
  }
  if (to.kind !== 'lib') return;
  if (
    to.area === 'sim' &&
    from.kind !== 'free' &&
    !SIM_USERS.has(file) &&
    !(from.kind === 'lib' && from.area === 'sim')
  ) {
    return report('lib/sim is imported only by the demo, tests and benches');
  }
  if (from.kind === 'free') return;
  if (from.kind === 'lib' && from.area === to.area) return;
  if (target !== `lib/${to.area}/index.ts`) {
    return report(`import lib/${to.area} through its index.ts, not its internals`);
  }
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Layers and area entry points of freezer-dr' },
    schema: [],
  },
  create(context) {
    const visit = (node) => check(context, node, node.source?.value);
    return {
      ImportDeclaration: visit,
      ExportNamedDeclaration: visit,
      ExportAllDeclaration: visit,
      ImportExpression: (node) => check(context, node, node.source.type === 'Literal' ? node.source.value : undefined),
    };
  },
};

export default { rules: { imports: rule } };
