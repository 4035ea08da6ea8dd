import type { OpenStackSession } from '../../openstack/index.js';
import type { Observed } from '../schemas.js';

/** A source of host signals. It never throws: a failure to observe is itself an observation (observer gate). */
export type MonitorDriver = (deps: { session: OpenStackSession; signal?: AbortSignal }) => Promise<Observed>;
