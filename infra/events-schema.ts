/**
 * Writes docs/events.schema.json from lib/events/schemas.ts (test/unit/events.test.ts fails when
 * the committed file differs).   node bin/run-ts.js infra/events-schema.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventsJsonSchema } from '../lib/events/index.js';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');
writeFileSync(join(ROOT, 'docs', 'events.schema.json'), JSON.stringify(eventsJsonSchema(), null, 2) + '\n');
