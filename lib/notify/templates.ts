import { existsSync } from 'node:fs';
import { isAbsolute, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import { errorMessage } from '../errors.js';
import { getLogger } from '../log/index.js';
import { TemplateError } from './errors.js';

/**
 * The built-in templates ship beside this file. A bundler must copy `lib/notify/templates/`
 * next to the bundle (or point FREEZER_DR_BUILTIN_TEMPLATES at a copy).
 */
export function builtinTemplatesDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FREEZER_DR_BUILTIN_TEMPLATES ?? fileURLToPath(new URL('./templates/', import.meta.url));
}

/** Template names: `project.html.eta`, `partials/chart.html.eta`. */
export interface TemplateRenderer {
  /** Render with HTML escaping on (`<%= %>` escapes; `<%~ %>` is raw and only for trusted markup). */
  html(name: string, data: object, warn?: Warn): string;
  /** Render without escaping, for the text/plain part and subjects. */
  text(name: string, data: object, warn?: Warn): string;
}

/** Told when an operator template failed and the built-in one was used instead. */
export type Warn = (message: string, fields: Record<string, unknown>) => void;

const cache = new Map<string, TemplateRenderer>();

/**
 * Templates from the operator's directory when it has the file, else the built-in one — per
 * file, so an operator may override only `project.html.eta`. A broken override falls back to
 * the built-in template (logged): a typo in a template must not cost a notification.
 */
export function templateRenderer(opts: { overrideDir?: string; builtinDir?: string } = {}): TemplateRenderer {
  const builtin = resolve(opts.builtinDir ?? builtinTemplatesDir());
  const override = opts.overrideDir ? resolve(opts.overrideDir) : undefined;
  const key = `${builtin}\0${override ?? ''}`;
  let r = cache.get(key);
  if (!r) {
    r = makeRenderer(builtin, override);
    cache.set(key, r);
  }
  return r;
}

function makeRenderer(builtin: string, override: string | undefined): TemplateRenderer {
  const engines = {
    html: { custom: override ? engine(true, [override, builtin]) : undefined, builtin: engine(true, [builtin]) },
    text: { custom: override ? engine(false, [override, builtin]) : undefined, builtin: engine(false, [builtin]) },
  };
  const render = (mode: 'html' | 'text', name: string, data: object, warn: Warn): string => {
    const { custom, builtin: base } = engines[mode];
    if (custom) {
      try {
        return custom.render(name, data);
      } catch (err) {
        warn('operator template failed; using the built-in one', {
          template: name,
          error: errorMessage(err).split('\n')[0],
        });
      }
    }
    try {
      return base.render(name, data);
    } catch (err) {
      if (err instanceof TemplateError) throw err;
      throw new TemplateError(name, errorMessage(err).split('\n')[0] ?? 'render error', { cause: err });
    }
  };
  const fallbackWarn: Warn = (m, f) => getLogger().warn(m, f);
  return {
    html: (n, d, w) => render('html', n, d, w ?? fallbackWarn),
    text: (n, d, w) => render('text', n, d, w ?? fallbackWarn),
  };
}

/** An Eta instance whose names resolve against the first directory that has the file. */
function engine(autoEscape: boolean, dirs: string[]): Eta {
  const eta = new Eta({ views: dirs.at(-1), autoEscape, autoTrim: false, cache: true, useWith: false });
  eta.resolvePath = (name: string) => {
    const clean = normalize(name.replace(/^(\.\/|\/)+/, ''));
    if (!clean || isAbsolute(clean) || clean.split(/[\\/]/).includes('..'))
      throw new TemplateError(name, 'template names must stay inside the templates directory');
    for (const dir of dirs) {
      const path = join(dir, clean);
      if (existsSync(path)) return path;
    }
    throw new TemplateError(name, `not found in ${dirs.join(' or ')}`);
  };
  return eta;
}

/** For tests. */
export function clearTemplateCacheForTests(): void {
  cache.clear();
}
