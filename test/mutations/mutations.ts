/**
 * One deliberate break of each safety rule (../../README.md "Safety rules"). The runner applies
 * each to a scratch copy of the tree and expects the named tests to FAIL: a rule whose break
 * keeps its tests green has no test.
 */
export interface Mutation {
  rule: string;
  what: string;
  file: string;
  /** Exact text that must be present once; the mutation fails loudly when the code has moved on. */
  find: string;
  replace: string;
  /** The test files that must catch it (kept short: each mutation runs them once). */
  tests: string[];
}

export const MUTATIONS: Mutation[] = [
  {
    rule: 'S1-operator',
    what: "the Validate task takes an operator's confirmation without checking the BMC and Nova",
    file: 'lib/workflow/steps/validate.ts',
    find: "  if (input.fence !== 'confirmed-by-operator' || input.dryRun || input.operatorOverride) return;",
    replace: '  return;',
    tests: ['test/integration/recover-guardrails.test.ts'],
  },
  {
    rule: 'S1-cli',
    what: 'recover skips its guardrails (confirmation checks and typing the host name)',
    file: 'cli/commands/recover.ts',
    find: '  const host = readiness.host;\n',
    replace: "  const host = readiness.host;\n  if (host) return 'go';\n",
    tests: ['test/integration/recover-guardrails.test.ts'],
  },
  {
    rule: 'S2',
    what: 'disable before force-down',
    file: 'lib/workflow/steps/isolate.ts',
    find: `  if (!service.forcedDown) await forceDownService(rt.session, service.id);
  const forcedDownAt = rt.now().toISOString();
  await recordEvent(rt, input.incidentId, 'isolate', \`nova-compute on \${input.host} forced down\`);
  if (service.status !== 'disabled') await disableService(rt.session, service.id, reason);`,
    replace: `  if (service.status !== 'disabled') await disableService(rt.session, service.id, reason);
  if (!service.forcedDown) await forceDownService(rt.session, service.id);
  const forcedDownAt = rt.now().toISOString();
  await recordEvent(rt, input.incidentId, 'isolate', \`nova-compute on \${input.host} forced down\`);`,
    tests: ['test/integration/recovery.test.ts'],
  },
  {
    rule: 'S3',
    what: 'prefix host match in the planner and the server listing',
    file: 'lib/evacuation/plan.ts',
    find: 'if (s.host !== host) continue;',
    replace: 'if (!s.host?.startsWith(host)) continue;',
    tests: ['test/unit/evacuation/plan.test.ts'],
  },
  {
    rule: 'S4',
    what: 'open an incident without the conditional write',
    file: 'lib/incidents/sqlite.ts',
    find: "'INSERT INTO incidents (id, host, open_host, created_at, data) VALUES (?, ?, ?, ?, ?)'",
    replace: "'INSERT OR REPLACE INTO incidents (id, host, open_host, created_at, data) VALUES (?, ?, ?, ?, ?)'",
    tests: ['test/integration/store.test.ts'],
  },
  {
    rule: 'S5',
    what: 'send the evacuate without the pre-send read of the instance',
    file: 'lib/workflow/steps/evacuate.ts',
    find: 'const state = await assess(rt, view, host, rec.instanceId, before, rec.requests > 0);',
    replace: "const state: Assessment = { kind: 'ready' };",
    tests: ['test/integration/evacuate-round.test.ts'],
  },
  {
    rule: 'S6',
    what: 'registered secrets are no longer removed from text',
    file: 'lib/log/redact.ts',
    find: '    if (e.token) out = out.replace(e.token, REDACTED);\n    else for (const f of e.forms) if (out.includes(f)) out = out.split(f).join(REDACTED);\n',
    replace: '    void e;\n',
    tests: ['test/unit/log/redact.test.ts'],
  },
  {
    rule: 'S7',
    what: 'TLS verification off for the OpenStack API',
    file: 'lib/openstack/http.ts',
    find: 'rejectUnauthorized: !opts.insecure,',
    replace: 'rejectUnauthorized: false,',
    tests: ['test/integration/openstack/tls.test.ts'],
  },
  {
    rule: 'S1',
    what: 'the power-off is not waited for: the request counts as confirmation',
    file: 'lib/fencing/fence.ts',
    find: "    return confirmed(await waitFor(fencer, 'off', wait, now, refused), false);",
    replace: '    return confirmed(0, false);',
    tests: ['test/unit/fencing/fence.test.ts', 'test/integration/fencers.test.ts'],
  },
  {
    rule: 'S8',
    what: 'the last check before proposing a cipher suite is gone',
    file: 'lib/fencing/ipmi/cipher-suites.ts',
    find: 'export function assertSafeSuite(suite: CipherSuite): void {\n',
    replace: 'export function assertSafeSuite(suite: CipherSuite): void {\n  if (suite) return;\n',
    tests: ['test/unit/ipmi/s8.test.ts'],
  },
  {
    rule: 'S8-config',
    what: 'suite 0 is accepted as a configured suite',
    file: 'lib/fencing/ipmi/cipher-suites.ts',
    find: '  return id === 3 || id === 17;',
    replace: '  return id === 0 || id === 3 || id === 17;',
    tests: ['test/unit/ipmi/s8.test.ts', 'test/unit/ipmi/negotiation.test.ts'],
  },
  {
    rule: 'S1-reset',
    what: 'stuck tasks are reset wherever a plan is computed (dry runs and `plan` too), not only after the fence',
    file: 'lib/workflow/steps/plan.ts',
    find: '  return planEvacuation(host, servers, rt.config.evacuation, inputs);\n}',
    replace:
      '  const p = planEvacuation(host, servers, rt.config.evacuation, inputs);\n  for (const r of p.resets) await resetServerStateToError(rt.session, r.id);\n  return p;\n}',
    tests: ['test/integration/evacuation-select.test.ts'],
  },
  {
    rule: 'S5-reset',
    what: 'an instance whose evacuation migration is in flight is reset like a stuck one',
    file: 'lib/evacuation/plan.ts',
    find: '  if (ctx.inFlight.has(s.id))',
    replace: '  if (ctx.inFlight.has(s.id) && !s.id)',
    tests: ['test/unit/evacuation/select.test.ts'],
  },
  {
    rule: 'S2-reserved',
    what: 'the failed host listed as a reserved host is enabled like a spare',
    file: 'lib/evacuation/reserved.ts',
    find: "  if (host === failedHost) return 'it is the failed host itself';",
    replace: '  if (host === failedHost) return null;',
    tests: ['test/unit/evacuation/reserved.test.ts', 'test/integration/reserved-hosts.test.ts'],
  },
  {
    rule: 'locks-owner',
    what: "an instance its owner locked is locked by us too (Nova then replaces the owner's lock, and our unlock lifts it)",
    file: 'lib/workflow/steps/evacuate-locks.ts',
    find: '  if (!listed.locked) return',
    replace: '  if (listed.locked !== null) return',
    tests: ['test/integration/evacuate-locks.test.ts'],
  },
  {
    rule: 'locks-reason',
    what: 'the unlock lifts any lock, not only one that still carries our reason',
    file: 'lib/workflow/steps/evacuate-locks.ts',
    find: '    if (seen.locked && seen.lockedReason === rec.lockReason) {',
    replace: '    if (seen.locked) {',
    tests: ['test/integration/evacuate-locks.test.ts'],
  },
];
