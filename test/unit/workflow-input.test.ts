import { describe, expect, test } from '@jest/globals';
import { incidentIdFor } from '../../lib/incidents/index.js';
import { InvalidExecutionInputError } from '../../lib/workflow/errors.js';
import { parseExecutionInput } from '../../lib/workflow/index.js';

const good = {
  incidentId: 'inc-compute-1-20261125T100000Z',
  host: 'compute-1',
  reason: 'down',
  detectedAt: '2026-11-25T10:00:00Z',
  requestedBy: 'monitor',
};

describe('execution input', () => {
  test('defaults: not a dry run, fence through the BMC', () => {
    expect(parseExecutionInput(good)).toMatchObject({ dryRun: false, fence: 'bmc' });
  });
  test.each([
    ['host with shell characters', { ...good, host: 'compute-1; rm -rf /' }, /host: expected a host name/],
    ['host with a path', { ...good, host: '../../etc/passwd' }, /host: expected a host name/],
    ['missing host', { ...good, host: undefined }, /host: /],
    ['unknown field', { ...good, force: true }, /unknown key\(s\) "force"/],
    ['bad date', { ...good, detectedAt: 'yesterday' }, /detectedAt: expected an ISO 8601/],
    ['bad incident id', { ...good, incidentId: 'a b' }, /incidentId: /],
    ['fence shortcut not allowed', { ...good, fence: 'skip' }, /fence: /],
    ['oversized', { ...good, reason: 'x'.repeat(20000) }, /limit is/],
    ['not an object', 'compute-1', /expected object/],
  ])('%s is refused with the field named', (_name, input, message) => {
    expect(() => parseExecutionInput(input)).toThrow(InvalidExecutionInputError);
    expect(() => parseExecutionInput(input)).toThrow(message);
  });
  test('incident ids are deterministic and valid execution names', () => {
    const a = incidentIdFor('compute-1', '2026-11-25T10:00:00.123Z');
    expect(a).toBe('inc-compute-1-20261125T100000Z');
    expect(incidentIdFor('compute-1', '2026-11-25T10:00:00.999Z')).toBe(a);
    const dotted = incidentIdFor('node1.rack2.example', '2026-11-25T10:00:00Z');
    expect(dotted).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(dotted).not.toBe(incidentIdFor('node1_rack2_example', '2026-11-25T10:00:00Z'));
  });
});
