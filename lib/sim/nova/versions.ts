import type { CloudState } from '../state.js';

/** The v2.1 version document (answered without a token, as Nova's versions app is outside auth). */
export function v21Doc(state: CloudState): unknown {
  return {
    id: 'v2.1',
    status: 'CURRENT',
    version: state.opts.maxMicroversion,
    min_version: '2.1',
    updated: '2013-07-23T11:33:21Z',
    links: [
      { rel: 'self', href: `${state.endpoints.compute}/` },
      { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
    ],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
  };
}

export function rootVersions(state: CloudState): unknown {
  const origin = state.endpoints.compute.replace(/\/v2\.1$/, '');
  return {
    versions: [
      {
        id: 'v2.0',
        status: 'SUPPORTED',
        version: '',
        min_version: '',
        updated: '2011-01-21T11:33:21Z',
        links: [{ rel: 'self', href: `${origin}/v2/` }],
      },
      {
        id: 'v2.1',
        status: 'CURRENT',
        version: state.opts.maxMicroversion,
        min_version: '2.1',
        updated: '2013-07-23T11:33:21Z',
        links: [{ rel: 'self', href: `${origin}/v2.1/` }],
      },
    ],
  };
}
