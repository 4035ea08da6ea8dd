import { describe, expect, test } from '@jest/globals';
import { dedupe, resolveProjectAudiences } from '../../../lib/notify/recipients.js';
import { fakeKeystoneSession, sampleKeystone } from './fixtures.js';

const base = {
  admins: ['ops@example.org', 'OPS@example.org', 'oncall@example.org'],
  memberRoles: [] as string[],
  projectRecipients: {} as Record<string, string[]>,
};

describe('resolveProjectAudiences', () => {
  test('members come from effective role assignments (groups expanded), never from default_project_id', async () => {
    const session = fakeKeystoneSession(sampleKeystone());
    const [web] = await resolveProjectAudiences(session, base, ['p-web']);
    // alice, bob, frank (via g-ops) and erin (reader; no role filter here). mallory only has default_project_id.
    expect(web!.recipients).toEqual(['Alice@Example.org', 'bob@example.org', 'erin@example.org', 'frank@example.org']);
    expect(web!.recipients).not.toContain('mallory@example.org');
    expect(web!.members).toBe(6);
    expect(web!.withoutEmail).toBe(2); // carol has no email, dave is disabled
    expect(web!.fallback).toBe(false);
  });

  test('memberRoles filters members by role name, case-insensitively', async () => {
    const session = fakeKeystoneSession(sampleKeystone());
    const [web] = await resolveProjectAudiences(session, { ...base, memberRoles: ['Admin'] }, ['p-web']);
    expect(web!.recipients).toEqual(['Alice@Example.org']);
    expect(web!.filteredOut).toBe(5);
  });

  test('configured project recipients are added and everything is deduplicated case-insensitively', async () => {
    const session = fakeKeystoneSession(sampleKeystone());
    const [web] = await resolveProjectAudiences(
      session,
      { ...base, memberRoles: ['member'], projectRecipients: { 'p-web': ['alice@example.org', 'team@example.org'] } },
      ['p-web'],
    );
    expect(web!.recipients).toEqual(['Alice@Example.org', 'bob@example.org', 'frank@example.org', 'team@example.org']);
  });

  test('a project with no reachable member falls back to the admins (deduplicated) and says why', async () => {
    const session = fakeKeystoneSession(sampleKeystone());
    const [db] = await resolveProjectAudiences(session, base, ['p-db']);
    expect(db).toMatchObject({
      fallback: true,
      members: 1,
      withoutEmail: 1,
      recipients: ['ops@example.org', 'oncall@example.org'],
    });
  });

  test('configured recipients make a project reachable without Keystone emails', async () => {
    const session = fakeKeystoneSession(sampleKeystone());
    const [db] = await resolveProjectAudiences(
      session,
      { ...base, projectRecipients: { 'p-db': ['dba@example.org'] } },
      ['p-db'],
    );
    expect(db).toMatchObject({ fallback: false, recipients: ['dba@example.org'] });
  });

  test('Keystone failing for a project means the admins, with the reason; other projects are unaffected', async () => {
    const session = fakeKeystoneSession({ ...sampleKeystone(), failProjects: ['p-web'] });
    const [db, web] = await resolveProjectAudiences(session, base, ['p-db', 'p-web']);
    expect(web).toMatchObject({ fallback: true, recipients: ['ops@example.org', 'oncall@example.org'] });
    expect(web!.lookupError).toContain('503');
    expect(db!.lookupError).toBeNull();
  });

  test('each user is looked up once across projects', async () => {
    const ks = sampleKeystone();
    ks.assignments.push({ project: 'p-db', role: 'member', user: 'u-bob' });
    const session = fakeKeystoneSession(ks);
    await resolveProjectAudiences(session, base, ['p-web', 'p-db']);
    expect(session.calls.filter((c) => c.path === '/users/u-bob')).toHaveLength(1);
  });
});

describe('dedupe', () => {
  test('keeps the first spelling and the order', () => {
    expect(dedupe(['A@x.org', 'b@x.org', ' a@X.org ', '', 'B@x.org'])).toEqual(['A@x.org', 'b@x.org']);
  });
});
