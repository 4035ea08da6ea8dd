import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startSimCloud, type SimCloud } from '../../../lib/sim/index.js';
import { adminToken, call, FAST, nova, passwordAuth } from './helpers.js';

/** The sim's lock / unlock as Nova's API reference and lock_server.py define them (2.9 `locked`, 2.73 reasons). */
describe('simulated Nova: lock and unlock', () => {
  let sim: SimCloud;
  let admin: string;
  let alice: string;
  let id: string;
  const action = (token: string, body: unknown, mv = '2.73') =>
    nova(sim, token, `/servers/${id}/action`, { mv, method: 'POST', body });
  const show = async (mv = '2.73') => (await nova(sim, admin, `/servers/${id}`, { mv })).body.server;

  beforeAll(async () => {
    sim = await startSimCloud(FAST);
    admin = await adminToken(sim);
    const login = await call(`${sim.authUrl}/auth/tokens`, {
      method: 'POST',
      body: passwordAuth(sim, { username: 'alice', password: 'alice-password', projectName: 'shop-frontend' }),
    });
    alice = login.headers.get('x-subject-token')!;
    id = sim.snapshot().servers.find((s) => s.name === 'shop-web-1')!.id;
  });
  afterAll(async () => sim.stop());

  test('`locked` from 2.9, `locked_reason` from 2.73', async () => {
    expect(await show('2.8')).not.toHaveProperty('locked');
    expect(await show('2.72')).toMatchObject({ locked: false });
    expect(await show('2.72')).not.toHaveProperty('locked_reason');
    expect(await show()).toMatchObject({ locked: false, locked_reason: null });
  });

  test('2.73 takes a reason (1-255 characters, no other keys); below, the body is not looked at', async () => {
    expect((await action(admin, { lock: { locked_reason: '' } })).status).toBe(400);
    expect((await action(admin, { lock: { reason: 'x' } })).status).toBe(400);
    expect((await action(admin, { lock: 'yes' })).status).toBe(400);
    expect((await action(admin, { lock: { locked_reason: 'x' } }, '2.72')).status).toBe(202);
    expect(await show()).toMatchObject({ locked: true, locked_reason: null });
    expect((await action(admin, { unlock: null })).status).toBe(202);
    expect((await action(admin, { lock: null })).status).toBe(202);
    expect(await show()).toMatchObject({ locked: true, locked_reason: null });
    expect((await action(admin, { unlock: null })).status).toBe(202);
  });

  test("an owner's lock: a second owner lock changes nothing, an admin's lock replaces it", async () => {
    expect((await action(alice, { lock: { locked_reason: 'mine' } })).status).toBe(202);
    expect((await action(alice, { lock: { locked_reason: 'again' } })).status).toBe(202);
    expect(sim.snapshot().servers.find((s) => s.id === id)).toMatchObject({ lockedBy: 'owner', lockedReason: 'mine' });
    // The owner's own actions are refused while locked; an admin's are not held by it.
    expect(
      (await nova(sim, alice, `/servers/${id}/action`, { method: 'POST', body: { 'os-stop': null } })).status,
    ).toBe(409);
    expect((await action(admin, { lock: { locked_reason: 'admin' } })).status).toBe(202);
    expect(sim.snapshot().servers.find((s) => s.id === id)).toMatchObject({ lockedBy: 'admin', lockedReason: 'admin' });
    // The owner may not lift an admin's lock (unlock_override is admin-only); the admin may.
    expect((await action(alice, { unlock: null })).status).toBe(403);
    expect((await action(admin, { unlock: null })).status).toBe(202);
    expect(await show()).toMatchObject({ locked: false, locked_reason: null });
  });
});
