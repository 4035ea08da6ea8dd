import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventTypeSchema } from '../../lib/events/index.js';
import { METRICS, type MetricDef } from '../../lib/metrics/index.js';
import { EXECUTION_ERRORS } from '../../lib/workflow/outcome.js';

const README = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

describe('the README documents what the code emits', () => {
  test('every metric, by both names', () => {
    for (const m of Object.values(METRICS) as MetricDef[]) {
      expect([m.cloudwatch, README.includes(`\`${m.cloudwatch}\``)]).toEqual([m.cloudwatch, true]);
      expect([m.prometheus, README.includes(`\`${m.prometheus}\``)]).toEqual([m.prometheus, true]);
    }
  });
  test('every lifecycle event type and every execution error name', () => {
    for (const t of EventTypeSchema.options) expect([t, README.includes(`| \`${t}\` |`)]).toEqual([t, true]);
    for (const e of Object.values(EXECUTION_ERRORS)) expect([e, README.includes(`\`${e}\``)]).toEqual([e, true]);
  });
});
