import * as z from 'zod';
import { parseJson } from '../http.js';
import { bodyBool } from './context.js';
import { NovaHttpError } from './errors.js';

/** Nova's parameter_types.boolean: true/false or strings like "True", "yes", "0". */
export const novaBool = z
  .union([z.boolean(), z.string()])
  .refine((v) => bodyBool(v) !== undefined, { message: 'is not of type boolean' })
  .transform((v) => bodyBool(v)!);

/** Nova's parameter_types.hostname. */
export const novaHostname = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[a-zA-Z0-9-._]*$/, { message: 'does not match hostname pattern' });

export function parseBody(body: string): unknown {
  const parsed = parseJson(body);
  if (parsed === undefined) throw new NovaHttpError(400, 'Malformed request body');
  return parsed;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/**
 * Validate like Nova's JSON-schema decorator: 400 "Invalid input for field/attribute X. Value: V. reason".
 * `root` names the body's top-level object (e.g. "evacuate"), used when the parent is the culprit.
 */
export function validateBody<S extends z.ZodType>(schema: S, body: unknown, root = 'body'): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  let path = issue.path;
  let reason = issue.message;
  if (issue.code === 'unrecognized_keys') {
    reason = `Additional properties are not allowed (${issue.keys.map((k) => `'${k}'`).join(', ')} ${issue.keys.length === 1 ? 'was' : 'were'} unexpected)`;
  } else if (path.length > 0 && valueAt(body, path) === undefined) {
    // A missing property is reported against its parent object, as jsonschema does.
    reason = `'${String(path.at(-1))}' is a required property`;
    path = path.slice(0, -1);
  }
  const field = path.length > 0 ? String(path.at(-1)) : root;
  throw new NovaHttpError(
    400,
    `Invalid input for field/attribute ${field}. Value: ${pythonRepr(valueAt(body, path) ?? null)}. ${reason}`,
  );
}

/** How Nova (Python) prints the offending value: {'force': True}, ['a'], None, 'text'. */
export function pythonRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string')
    return v.includes("'") && !v.includes('"') ? `"${v}"` : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(pythonRepr).join(', ')}]`;
  if (typeof v === 'object')
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${pythonRepr(k)}: ${pythonRepr(x)}`)
      .join(', ')}}`;
  return String(v);
}
