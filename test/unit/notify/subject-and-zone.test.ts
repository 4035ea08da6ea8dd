import { describe, expect, test } from '@jest/globals';
import { ConfigInvalidError, parseConfig } from '../../../lib/config/index.js';
import { prefixed } from '../../../lib/notify/messages.js';

describe('one subject prefix', () => {
  test('a subject that already names freezer-dr is not prefixed twice', () => {
    expect(prefixed('freezer-dr: storm gate — no host is being fenced')).toBe(
      '[freezer-dr] storm gate — no host is being fenced',
    );
    expect(prefixed('freezer-dr preflight: 2 check(s) now failing')).toBe(
      '[freezer-dr] preflight: 2 check(s) now failing',
    );
    expect(prefixed('[freezer-dr] RESOLVED compute-1')).toBe('[freezer-dr] RESOLVED compute-1');
    expect(prefixed('Host compute-1 failed')).toBe('[freezer-dr] Host compute-1 failed');
  });
});

describe('notification.timeZone', () => {
  test('an unknown zone is a config error naming the key, not a silent UTC', () => {
    const bad = () => parseConfig({ cloud: { from: 'env' }, notification: { timeZone: 'Europe/Berlinn' } });
    expect(bad).toThrow(ConfigInvalidError);
    expect(bad).toThrow(/notification\.timeZone: not a time zone this runtime knows/);
    expect(
      parseConfig({ cloud: { from: 'env' }, notification: { timeZone: 'Europe/Berlin' } }).notification.timeZone,
    ).toBe('Europe/Berlin');
    expect(parseConfig({ cloud: { from: 'env' } }).notification).toMatchObject({
      timeZone: 'UTC',
      adminsGetProjectMails: false,
    });
  });
});
