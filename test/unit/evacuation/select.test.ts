import { describe, expect, test } from '@jest/globals';
import { parseConfig } from '../../../lib/config/index.js';
import { planEvacuation, type PlanInputs } from '../../../lib/evacuation/index.js';
import type { Aggregate, ImageMarks, Server } from '../../../lib/openstack/index.js';

const HOST = 'compute-1';
const policy = (evacuation: Record<string, unknown> = {}) =>
  parseConfig({ cloud: { from: 'env' }, evacuation }).evacuation;
const server = (id: string, over: Partial<Server> = {}): Server => ({
  id,
  name: `vm-${id}`,
  status: 'ACTIVE',
  projectId: 'p1',
  userId: 'u1',
  host: HOST,
  vmState: 'active',
  taskState: null,
  launchedAt: '2026-11-01T00:00:00.000000',
  metadata: {},
  imageId: null,
  flavorName: 'm1',
  flavorExtraSpecs: {},
  fault: null,
  locked: null,
  ...over,
});
const aggregate = (name: string, hosts: string[], metadata: Record<string, string> = {}, id = 1): Aggregate => ({
  id,
  uuid: null,
  name,
  availabilityZone: null,
  hosts,
  metadata,
});
const image = (id: string, properties: Record<string, string> = {}, tags: string[] = []): ImageMarks => ({
  id,
  properties,
  tags,
});
const planned = (r: ReturnType<typeof planEvacuation>) => r.items.map((i) => i.id);
const reasons = (r: ReturnType<typeof planEvacuation>) => Object.fromEntries(r.skipped.map((s) => [s.id, s.reason]));

describe('evacuable marks: every source, true-ish values', () => {
  const imgs = new Map([
    ['img-prop', image('img-prop', { evacuable: 'True' })],
    ['img-tag', image('img-tag', {}, ['evacuable', 'linux'])],
    ['img-false', image('img-false', { evacuable: 'false' }, ['other'])],
  ]);
  const servers = [
    server('flavor', { flavorExtraSpecs: { evacuable: 'true' } }),
    server('flavor-yes', { flavorExtraSpecs: { evacuable: ' YES ' } }),
    server('flavor-no', { flavorExtraSpecs: { evacuable: 'no' } }),
    server('image-prop', { imageId: 'img-prop' }),
    server('image-tag', { imageId: 'img-tag' }),
    server('image-false', { imageId: 'img-false' }),
    server('image-gone', { imageId: 'img-deleted' }),
    server('meta', { metadata: { evacuable: '1' } }),
    server('meta-odd', { metadata: { evacuable: 'maybe' } }),
    server('none'),
  ];

  test('tagged: the default tag `evacuable` counts on flavor, image property, Glance tag and server metadata', () => {
    const r = planEvacuation(HOST, servers, policy({ evacuable: { mode: 'tagged' } }), {
      images: imgs,
      aggregates: [],
    });
    expect(planned(r).sort()).toEqual(['flavor', 'flavor-yes', 'image-prop', 'image-tag', 'meta']);
    expect(reasons(r)['none']).toMatch(
      /^not marked evacuable \(evacuation.evacuable.mode is "tagged"; looked for evacuable on/,
    );
  });

  test('an aggregate of the host with the tag marks every instance on it; another host’s aggregate does not', () => {
    const p = policy({ evacuable: { mode: 'tagged' } });
    const mine = planEvacuation(HOST, [server('a'), server('b')], p, {
      aggregates: [aggregate('ha-racks', [HOST], { evacuable: 'true' })],
    });
    expect(planned(mine)).toEqual(['a', 'b']);
    const other = planEvacuation(HOST, [server('a')], p, {
      aggregates: [aggregate('ha-racks', ['compute-10'], { evacuable: 'true' })],
    });
    expect(planned(other)).toEqual([]);
  });

  test('a configured tag name and `sources` narrow where the mark counts', () => {
    const p = policy({ evacuable: { mode: 'tagged', tag: 'ha', sources: ['image'] } });
    const r = planEvacuation(
      HOST,
      [server('tagged-image', { imageId: 'i' }), server('meta', { metadata: { ha: 'true' } })],
      p,
      { images: new Map([['i', image('i', {}, ['ha'])]]), aggregates: [] },
    );
    expect(planned(r)).toEqual(['tagged-image']);
  });

  test('legacy key=value markers keep their old meaning: only they count, matched exactly', () => {
    const p = policy({ evacuable: { mode: 'tagged', serverMetadata: 'ha=on' } });
    const r = planEvacuation(
      HOST,
      [
        server('legacy', { metadata: { ha: 'on' } }),
        server('legacy-case', { metadata: { ha: 'ON' } }),
        server('default-tag', { flavorExtraSpecs: { evacuable: 'true' } }),
      ],
      p,
      { aggregates: [] },
    );
    expect(planned(r)).toEqual(['legacy']);
    // Setting `tag` as well brings the tag back next to the legacy marker.
    const both = planEvacuation(
      HOST,
      [server('legacy', { metadata: { ha: 'on' } }), server('tag', { flavorExtraSpecs: { evacuable: 'true' } })],
      policy({ evacuable: { mode: 'tagged', serverMetadata: 'ha=on', tag: 'evacuable' } }),
      { aggregates: [] },
    );
    expect(planned(both).sort()).toEqual(['legacy', 'tag']);
  });
});

/**
 * The README's truth table, row by row: mode × this instance marked × anything marked in the
 * cloud × the aggregate filter (off / the host matches / the host does not / unreadable).
 */
describe('truth table', () => {
  type Filter = 'off' | 'match' | 'no-match' | 'unreadable';
  const rows: Array<[mode: string, marked: boolean, markedElsewhere: boolean, filter: Filter, evacuated: boolean]> = [];
  for (const mode of ['all', 'tagged', 'all-unless-any-tagged'])
    for (const marked of [true, false])
      for (const elsewhere of [true, false])
        for (const filter of ['off', 'match', 'no-match', 'unreadable'] as Filter[]) {
          const byMode = mode === 'all' ? true : mode === 'tagged' ? marked : marked || !(marked || elsewhere);
          const byFilter = filter === 'off' || filter === 'match';
          rows.push([mode, marked, elsewhere, filter, byMode && byFilter]);
        }

  test.each(rows)(
    'mode %s, instance marked %s, marked elsewhere %s, aggregate filter %s → evacuated %s',
    (mode, marked, elsewhere, filter, evacuated) => {
      const evacuable: Record<string, unknown> = { mode };
      if (filter !== 'off') evacuable['aggregateFilter'] = 'ha=true';
      const aggregates: PlanInputs['aggregates'] =
        filter === 'unreadable'
          ? { error: 'Request failed with status code 503' }
          : [aggregate('rack', [HOST], filter === 'match' ? { ha: 'true' } : { ha: 'false' })];
      const inputs: PlanInputs = {
        aggregates,
        cloud: {
          // The mark elsewhere is on a flavor no instance of this host uses.
          flavors: elsewhere ? [{ id: 'f9', name: 'm9.gold', extraSpecs: { evacuable: 'true' } }] : [],
          images: [],
        },
      };
      const s = server('x', marked ? { flavorExtraSpecs: { evacuable: 'true' } } : {});
      const r = planEvacuation(HOST, [s], policy({ evacuable }), inputs);
      expect(planned(r)).toEqual(evacuated ? ['x'] : []);
      if (!evacuated) expect(r.skipped).toHaveLength(1);
      expect(r.blocked !== null).toBe(filter === 'no-match' || filter === 'unreadable');
    },
  );

  test('all-unless-any-tagged counts a marked Glance image, aggregate, or instance on the host as "something is marked"', () => {
    const p = policy({ evacuable: { mode: 'all-unless-any-tagged' } });
    const unmarked = server('plain');
    const cases: Array<[string, PlanInputs, Server[]]> = [
      ['image', { cloud: { flavors: [], images: [image('i', {}, ['evacuable'])] }, aggregates: [] }, [unmarked]],
      [
        'aggregate elsewhere',
        { cloud: { flavors: [], images: [] }, aggregates: [aggregate('other', ['compute-2'], { evacuable: 'yes' })] },
        [unmarked],
      ],
      [
        'instance on the host',
        { cloud: { flavors: [], images: [] }, aggregates: [] },
        [unmarked, server('marked', { metadata: { evacuable: 'true' } })],
      ],
    ];
    for (const [what, inputs, servers] of cases) {
      const r = planEvacuation(HOST, servers, p, inputs);
      expect([what, planned(r).includes('plain')]).toEqual([what, false]);
      expect(r.markedSomewhere).toBeTruthy();
    }
    const none = planEvacuation(HOST, [unmarked], p, { cloud: { flavors: [], images: [] }, aggregates: [] });
    expect([planned(none), none.markedSomewhere]).toEqual([['plain'], null]);
  });
});

describe('aggregate filter fails closed', () => {
  const p = policy({ evacuable: { aggregateFilter: 'ha=true' } });

  test('host in no matching aggregate: nothing planned, every instance skipped with the reason naming the filter', () => {
    const r = planEvacuation(HOST, [server('a'), server('b')], p, {
      aggregates: [aggregate('rack-a', [HOST], { ha: 'false' }), aggregate('ha', ['compute-2'], { ha: 'true' })],
    });
    expect(planned(r)).toEqual([]);
    expect(r.blocked).toMatch(
      /aggregateFilter ha=true: compute-1 is in no host aggregate with that metadata \(its aggregates: rack-a\)/,
    );
    expect(Object.values(reasons(r))).toEqual([r.blocked, r.blocked]);
  });

  test('aggregates unreadable, or never read: blocked', () => {
    expect(planEvacuation(HOST, [server('a')], p, { aggregates: { error: 'boom' } }).blocked).toMatch(
      /could not be read \(boom\)/,
    );
    expect(planEvacuation(HOST, [server('a')], p, {}).blocked).toMatch(/were not read/);
  });

  test('a matching aggregate lets the mode decide', () => {
    const r = planEvacuation(HOST, [server('a')], p, { aggregates: [aggregate('ha', [HOST], { ha: 'true' })] });
    expect([planned(r), r.blocked]).toEqual([['a'], null]);
  });
});

describe('skip list', () => {
  test('name globs exclude instances, and the reason names the glob', () => {
    const p = policy({ skip: { names: ['scratch-*', 'ci-runner-?', 'db.1'] } });
    const r = planEvacuation(
      HOST,
      [
        server('1', { name: 'scratch-42' }),
        server('2', { name: 'ci-runner-7' }),
        server('3', { name: 'ci-runner-17' }),
        server('4', { name: 'db.1' }),
        server('5', { name: 'dbx1' }),
        server('6', { name: 'my-scratch-1' }),
      ],
      p,
    );
    expect(planned(r).sort()).toEqual(['3', '5', '6']);
    expect(reasons(r)).toEqual({
      '1': 'name matches evacuation.skip.names glob "scratch-*"',
      '2': 'name matches evacuation.skip.names glob "ci-runner-?"',
      '4': 'name matches evacuation.skip.names glob "db.1"',
    });
  });

  test('a glob of only wildcards is a config error', () => {
    expect(() => policy({ skip: { names: ['*'] } })).toThrow(/would skip every instance/);
  });
});

describe('restart groups and priorities', () => {
  const g = (n: string, extra: Record<string, string> = {}) => ({ metadata: { 'freezer-dr:group': n, ...extra } });

  test('group 1 first, then 2, ungrouped last; within a group priority (higher first), then name', () => {
    const r = planEvacuation(
      HOST,
      [
        server('u', { name: 'z-ungrouped' }),
        server('b2', { name: 'b', ...g('2') }),
        server('a2', { name: 'a', ...g('2') }),
        server('p1', { name: 'web', ...g('1', { 'freezer-dr:priority': '5' }) }),
        server('q1', { name: 'db', ...g('1', { 'freezer-dr:priority': '50' }) }),
      ],
      policy(),
    );
    expect(r.items.map((i) => [i.id, i.group])).toEqual([
      ['q1', 1],
      ['p1', 1],
      ['a2', 2],
      ['b2', 2],
      ['u', 10],
    ]);
  });

  test('ungrouped: first puts them before group 1 (group 0)', () => {
    const r = planEvacuation(HOST, [server('g', g('1')), server('u')], policy({ groups: { ungrouped: 'first' } }));
    expect(r.items.map((i) => [i.id, i.group])).toEqual([
      ['u', 0],
      ['g', 1],
    ]);
  });

  test('the host’s aggregate gives a default group; the instance’s own metadata wins', () => {
    const r = planEvacuation(HOST, [server('own', g('1')), server('dflt')], policy(), {
      aggregates: [aggregate('db-racks', [HOST], { 'freezer-dr:group': '3' })],
    });
    expect(r.items.map((i) => [i.id, i.group])).toEqual([
      ['own', 1],
      ['dflt', 3],
    ]);
  });

  test.each([
    ['abc', /server metadata freezer-dr:group="abc" is not a restart group \(a whole number 1..9/],
    ['0', /freezer-dr:group="0" is not a restart group/],
    ['10', /freezer-dr:group="10" is not a restart group/],
    ['1.5', /freezer-dr:group="1.5" is not a restart group/],
    ['', /freezer-dr:group="" is not a restart group/],
  ])('unknown group value %j: skipped with the reason, never a default', (value, reason) => {
    const r = planEvacuation(HOST, [server('x', g(value))], policy());
    expect(planned(r)).toEqual([]);
    expect(reasons(r)['x']).toMatch(reason);
  });

  test.each([
    ['2abc', /freezer-dr:priority="2abc" is not a priority \(a whole number -1000..1000\)/],
    ['5000', /freezer-dr:priority="5000" is not a priority/],
    ['-1001', /is not a priority/],
    ['high', /is not a priority/],
  ])('priority %j out of range or not a number: skipped with the reason', (value, reason) => {
    const r = planEvacuation(HOST, [server('x', { metadata: { 'freezer-dr:priority': value } })], policy());
    expect(reasons(r)['x']).toMatch(reason);
  });

  test('an aggregate group value that is not a number, or aggregates that disagree: the ungrouped are skipped with it', () => {
    const bad = planEvacuation(HOST, [server('own', g('2')), server('dflt')], policy(), {
      aggregates: [aggregate('rack-a', [HOST], { 'freezer-dr:group': 'first' })],
    });
    expect(planned(bad)).toEqual(['own']);
    expect(reasons(bad)['dflt']).toMatch(/aggregate rack-a metadata freezer-dr:group="first" is not a restart group/);
    const split = planEvacuation(HOST, [server('dflt')], policy(), {
      aggregates: [
        aggregate('rack-a', [HOST], { 'freezer-dr:group': '1' }, 1),
        aggregate('rack-b', [HOST], { 'freezer-dr:group': '2' }, 2),
      ],
    });
    expect(reasons(split)['dflt']).toMatch(
      /the aggregates of compute-1 disagree on freezer-dr:group: rack-a=1, rack-b=2/,
    );
  });

  test('groups.max out of its range is a config error', () => {
    expect(() => policy({ groups: { max: 0 } })).toThrow();
    expect(() => policy({ groups: { max: 100 } })).toThrow();
    expect(() => policy({ groups: { ungrouped: 'middle' } })).toThrow();
  });
});

describe('stuck tasks', () => {
  const stuck = [
    server('reb', { taskState: 'rebuilding' }),
    server('pwr', { vmState: 'stopped', taskState: 'powering-on' }),
    server('mig', { taskState: 'migrating' }),
    server('del', { taskState: 'deleting' }),
  ];

  test('default skip: the reason says it looks stuck and how to recover it', () => {
    const r = planEvacuation(HOST, stuck, policy());
    expect(planned(r)).toEqual([]);
    expect(reasons(r)).toEqual({
      reb: 'a task is in progress (rebuilding), stuck since its host died; evacuation.stuckTasks: reset would recover it',
      pwr: 'a task is in progress (powering-on), stuck since its host died; evacuation.stuckTasks: reset would recover it',
      mig: 'a task is in progress (migrating)',
      del: 'a task is in progress (deleting)',
    });
    expect(r.resets).toEqual([]);
  });

  test('reset: stuck ones are planned as ERROR and listed for reset; other tasks stay skipped', () => {
    const r = planEvacuation(HOST, stuck, policy({ stuckTasks: 'reset' }), { evacuationsInFlight: new Set() });
    expect(planned(r).sort()).toEqual(['pwr', 'reb']);
    expect(r.items.every((i) => i.vmState === 'error')).toBe(true);
    expect(r.resets.map((x) => [x.id, x.taskState]).sort()).toEqual([
      ['pwr', 'powering-on'],
      ['reb', 'rebuilding'],
    ]);
    expect(reasons(r)['mig']).toBe('a task is in progress (migrating); not a task freezer-dr resets');
  });

  test('reset never touches an instance with an evacuation migration in flight (S5)', () => {
    const r = planEvacuation(HOST, stuck, policy({ stuckTasks: 'reset' }), { evacuationsInFlight: new Set(['reb']) });
    expect(planned(r)).toEqual(['pwr']);
    expect(reasons(r)['reb']).toMatch(/evacuation migration of it is in flight: not reset/);
  });

  test('reset is not planned for an instance skipped for another reason (unmarked, skip glob, closed filter)', () => {
    const p = policy({ stuckTasks: 'reset', evacuable: { mode: 'tagged' }, skip: { names: ['vm-pwr'] } });
    expect(planEvacuation(HOST, stuck, p, { aggregates: [] }).resets).toEqual([]);
    const closed = policy({ stuckTasks: 'reset', evacuable: { aggregateFilter: 'ha=true' } });
    expect(planEvacuation(HOST, stuck, closed, { aggregates: [] }).resets).toEqual([]);
  });
});
