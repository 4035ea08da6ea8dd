/**
 * Issue 12, "BMC config is a discriminated union per driver": each driver's entry is its own
 * strict object, so a key of another driver is refused with its path before any incident.
 */
import { describe, expect, test } from '@jest/globals';
import { ConfigInvalidError, parseConfig } from '../../../lib/config/index.js';

const problems = (fencing: unknown): string => {
  try {
    parseConfig({ cloud: { from: 'env' }, fencing });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigInvalidError);
    return (e as ConfigInvalidError).problems.join('\n');
  }
  throw new Error('the config was accepted');
};

const ipmi = { driver: 'ipmi', address: '10.0.9.2:623', username: 'fence', password: 'env:BMC_PW' };
const redfish = { driver: 'redfish', address: 'https://bmc-1.example', username: 'fence', password: 'env:BMC_PW' };

describe('BMC entries: one strict object per driver', () => {
  test('each driver accepts its own keys, with its own defaults', () => {
    const c = parseConfig({
      cloud: { from: 'env' },
      fencing: {
        hosts: {
          a: { ...redfish, systemId: 'System.Embedded.1', authMode: 'session', caBundle: '/etc/ca.pem' },
          b: { ...ipmi, cipherSuites: [3], privilege: 'operator', kg: 'env:BMC_KG' },
          c: { driver: 'manual', note: 'rack 4, PDU outlet 12' },
        },
        defaults: [{ match: 'compute-*', ...ipmi }],
      },
    });
    expect(c.fencing.hosts['a']).toMatchObject({ driver: 'redfish', insecure: false });
    expect(c.fencing.hosts['b']).toMatchObject({ driver: 'ipmi', privilege: 'operator' });
    expect(c.fencing.hosts['c']).toEqual({ driver: 'manual', note: 'rack 4, PDU outlet 12' });
    expect(c.fencing.defaults[0]).toMatchObject({ driver: 'ipmi', privilege: 'administrator' });
    expect(c.fencing).toMatchObject({ requestTimeoutSeconds: 5, operationTimeoutSeconds: 20 });
  });

  test.each([
    ['an ipmi host with systemId', { x: { ...ipmi, systemId: '1' } }, /fencing\.hosts\.x: unknown key\(s\) "systemId"/],
    [
      'an ipmi host with authMode',
      { x: { ...ipmi, authMode: 'session' } },
      /fencing\.hosts\.x: unknown key\(s\) "authMode"/,
    ],
    [
      'a redfish host with cipherSuites',
      { x: { ...redfish, cipherSuites: [3] } },
      /fencing\.hosts\.x: unknown key\(s\) "cipherSuites"/,
    ],
    ['a redfish host with kg', { x: { ...redfish, kg: 'env:K' } }, /fencing\.hosts\.x: unknown key\(s\) "kg"/],
    [
      'a manual host with a password',
      { x: { driver: 'manual', password: 'env:P' } },
      /fencing\.hosts\.x: unknown key\(s\) "password"/,
    ],
    [
      'a manual host with an address',
      { x: { driver: 'manual', address: '10.0.0.1' } },
      /fencing\.hosts\.x: unknown key\(s\) "address"/,
    ],
    ['an ipmi host without an address', { x: { driver: 'ipmi' } }, /fencing\.hosts\.x\.address/],
    ['an unknown driver', { x: { driver: 'ilo' } }, /fencing\.hosts\.x\.driver/],
  ])('%s is refused with the field path', (_, hosts, pattern) => {
    expect(problems({ hosts })).toMatch(pattern);
  });

  test('defaults are checked the same way, by index', () => {
    expect(problems({ defaults: [{ match: 'c-*', ...ipmi, systemId: '1' }] })).toMatch(
      /fencing\.defaults\[0\]: unknown key\(s\) "systemId"/,
    );
    expect(problems({ defaults: [{ driver: 'manual', password: 'env:P' }] })).toMatch(/fencing\.defaults\[0\]/);
  });

  test('cipherSuites may not be empty, nor hold a suite without authentication or integrity (S8)', () => {
    expect(problems({ hosts: { x: { ...ipmi, cipherSuites: [] } } })).toMatch(
      /fencing\.hosts\.x\.cipherSuites: expected at least one cipher suite/,
    );
    expect(problems({ hosts: { x: { ...ipmi, cipherSuites: [17, 0] } } })).toMatch(
      /fencing\.hosts\.x\.cipherSuites\[1\]: expected cipher suite 3 or 17/,
    );
  });

  test('kg is a secret reference, never the key itself (S6)', () => {
    const text = problems({ hosts: { x: { ...ipmi, kg: '0123456789abcdef' } } });
    expect(text).toMatch(/fencing\.hosts\.x\.kg: expected a secret reference/);
    expect(text).not.toContain('0123456789abcdef');
  });
});
