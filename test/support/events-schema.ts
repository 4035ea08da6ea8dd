import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const DOC = join(import.meta.dirname, '..', '..', 'docs', 'events.schema.json');

/** The documented event schema (docs/events.schema.json), compiled by a JSON Schema validator that knows nothing of zod. */
export function documentedValidator() {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  return ajv.compile(JSON.parse(readFileSync(DOC, 'utf8')));
}
