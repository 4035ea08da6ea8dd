import { describe, expect, test } from '@jest/globals';
import type { SimRequest } from '../../../lib/sim/http.js';
import { NovaHttpError } from '../../../lib/sim/nova/errors.js';
import { negotiateMicroversion } from '../../../lib/sim/nova/microversion.js';
import { defaultSeed, PRIORITY_KEY } from '../../../lib/sim/seed.js';
import { decodeEncodedWords, headerValue } from '../../../lib/sim/smtp.js';
import { novaTime, isoSecondsZ, keystoneTime } from '../../../lib/sim/clock.js';

function req(headers: Record<string, string>): SimRequest {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    method: 'GET',
    rawUrl: '/',
    path: '/',
    query: new URLSearchParams(),
    headers: lower,
    body: '',
    header: (n) => lower[n.toLowerCase()],
  };
}

describe('microversion negotiation', () => {
  test.each([
    [{}, 1],
    [{ 'OpenStack-API-Version': 'compute 2.53' }, 53],
    [{ 'OpenStack-API-Version': 'compute latest' }, 93],
    [{ 'OpenStack-API-Version': 'image 2.5' }, 1],
    [{ 'X-OpenStack-Nova-API-Version': '2.11' }, 11],
    [{ 'OpenStack-API-Version': 'compute 2.60', 'X-OpenStack-Nova-API-Version': '2.11' }, 60],
  ])('%j → 2.%i', (headers, minor) => {
    expect(negotiateMicroversion(req(headers), 93)).toBe(minor);
  });

  test.each([
    ['compute 2.94', 406],
    ['compute 1.1', 406],
    ['compute 2.01', 400],
    ['compute two', 400],
  ])('%s → %i', (value, status) => {
    try {
      negotiateMicroversion(req({ 'OpenStack-API-Version': value }), 93);
      throw new Error('expected a failure');
    } catch (err) {
      expect(err).toBeInstanceOf(NovaHttpError);
      expect((err as NovaHttpError).status).toBe(status);
    }
  });
});

describe('default seed', () => {
  test('deterministic, ~20 instances over 4 tenant projects, 6 on the first host with the special cases', () => {
    const hosts = ['compute-1', 'compute-2', 'compute-3', 'compute-4', 'compute-5', 'compute-6'];
    const a = defaultSeed(hosts);
    expect(defaultSeed(hosts)).toEqual(a);
    expect(a.servers).toHaveLength(20);
    expect(new Set(a.servers.map((s) => s.projectId)).size).toBe(4);
    const first = a.servers.filter((s) => s.host === 'compute-1');
    expect(first).toHaveLength(6);
    expect(first.filter((s) => s.vmState === 'stopped')).toHaveLength(1);
    expect(first.filter((s) => !s.launched)).toHaveLength(1);
    expect(first.some((s) => s.metadata[PRIORITY_KEY])).toBe(true);
    expect(a.users.filter((u) => u.email === undefined).length).toBeGreaterThanOrEqual(2);
    expect(new Set(a.servers.map((s) => s.host))).toEqual(new Set(hosts));
  });
});

describe('formats', () => {
  test('Nova, Keystone and server timestamps', () => {
    const ms = Date.UTC(2026, 10, 25, 3, 43, 18, 456);
    expect(novaTime(ms)).toBe('2026-11-25T03:43:18.000000');
    expect(isoSecondsZ(ms)).toBe('2026-11-25T03:43:18Z');
    expect(keystoneTime(ms)).toBe('2026-11-25T03:43:18.456000Z');
  });

  test('mail headers: unfolding and RFC 2047', () => {
    const raw =
      'From: a@b\r\nSubject: =?UTF-8?B?w4l2YWN1YXRpb24=?=\r\n =?UTF-8?Q?_termin=C3=A9e?=\r\n\r\nSubject: not me\r\n';
    const subject = headerValue(raw, 'subject')!;
    expect(decodeEncodedWords(subject)).toBe('Évacuation terminée');
    expect(headerValue(raw, 'x-missing')).toBeUndefined();
  });
});
