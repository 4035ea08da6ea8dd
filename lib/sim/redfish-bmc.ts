import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { bmcFaults } from './faults.js';
import { forceRestart, powerOff, powerOn } from './hosts.js';
import {
  empty,
  json,
  parseJson,
  startHttpService,
  type HttpReply,
  type RunningHttpService,
  type SimRequest,
} from './http.js';
import { uuidFrom } from './ids.js';
import type { CloudState, HostRec } from './state.js';

/**
 * A Redfish BMC (DSP0266) for one compute host: service root, one ComputerSystem with
 * PowerState and the Reset action, Basic and session (X-Auth-Token) auth. Power changes drive
 * the host model: ForceOff kills nova-compute at once, On boots it again.
 */

const RESET_TYPES = ['On', 'ForceOff', 'GracefulShutdown', 'ForceRestart'] as const;
const ResetSchema = z.object({ ResetType: z.string().optional() }).loose();
const SessionSchema = z.object({ UserName: z.string(), Password: z.string() }).loose();
const SESSIONS = '/redfish/v1/SessionService/Sessions';

function redfishError(status: number, messageId: string, message: string, headers?: Record<string, string>): HttpReply {
  return json(
    status,
    {
      error: {
        code: 'Base.1.8.GeneralError',
        message: 'A general error has occurred. See ExtendedInfo for more information.',
        '@Message.ExtendedInfo': [
          {
            '@odata.type': '#Message.v1_1_1.Message',
            MessageId: `Base.1.8.${messageId}`,
            Message: message,
            Severity: 'Warning',
            Resolution: 'None',
          },
        ],
      },
    },
    headers,
  );
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function authorised(state: CloudState, host: HostRec, req: SimRequest): boolean {
  if (bmcFaults(state.faults, host.name).badCredentials) return false;
  const token = req.header('x-auth-token');
  if (token !== undefined) return host.bmc.sessions.has(token);
  const auth = req.header('authorization');
  const m = auth ? /^Basic\s+(\S+)$/i.exec(auth) : null;
  if (!m) return false;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i >= 0 && same(decoded.slice(0, i), host.bmc.username) && same(decoded.slice(i + 1), host.bmc.password);
}

function systemPath(host: HostRec): string {
  return `/redfish/v1/Systems/${host.bmc.systemId}`;
}

function systemView(host: HostRec): unknown {
  const path = systemPath(host);
  return {
    '@odata.id': path,
    '@odata.type': '#ComputerSystem.v1_13_0.ComputerSystem',
    Id: host.bmc.systemId,
    Name: 'System',
    SystemType: 'Physical',
    HostName: host.name,
    Manufacturer: 'freezer-dr',
    Model: 'Simulated Compute Node',
    SerialNumber: `SIM-${host.name}`,
    UUID: uuidFrom(`bmc-system:${host.name}`),
    PowerState: host.power,
    Status: { State: 'Enabled', Health: 'OK' },
    Actions: {
      '#ComputerSystem.Reset': {
        target: `${path}/Actions/ComputerSystem.Reset`,
        'ResetType@Redfish.AllowableValues': [...RESET_TYPES],
      },
    },
  };
}

// eslint-disable-next-line max-lines-per-function -- test double: a route table, one branch per Redfish resource
function route(state: CloudState, host: HostRec, req: SimRequest): HttpReply {
  const { method, path } = req;
  // The service root is readable without credentials (DSP0266 §13.3.5).
  if (method === 'GET' && path === '/redfish') return json(200, { v1: '/redfish/v1/' });
  if (method === 'GET' && path === '/redfish/v1') {
    return json(200, {
      '@odata.id': '/redfish/v1',
      '@odata.type': '#ServiceRoot.v1_5_0.ServiceRoot',
      Id: 'RootService',
      Name: 'Root Service',
      RedfishVersion: '1.11.0',
      UUID: uuidFrom(`bmc:${host.name}`),
      Systems: { '@odata.id': '/redfish/v1/Systems' },
      SessionService: { '@odata.id': '/redfish/v1/SessionService' },
      Links: { Sessions: { '@odata.id': SESSIONS } },
    });
  }
  if (method === 'POST' && path === SESSIONS) return login(state, host, req);

  if (!authorised(state, host, req))
    return redfishError(401, 'NoValidSession', 'There is no valid session established with the implementation.', {
      'WWW-Authenticate': 'Basic realm="RedfishService"',
    });

  if (method === 'GET' && path === '/redfish/v1/Systems') {
    return json(200, {
      '@odata.id': '/redfish/v1/Systems',
      '@odata.type': '#ComputerSystemCollection.ComputerSystemCollection',
      Name: 'Computer System Collection',
      'Members@odata.count': 1,
      Members: [{ '@odata.id': systemPath(host) }],
    });
  }
  if (method === 'GET' && path === systemPath(host)) return json(200, systemView(host));
  if (method === 'POST' && path === `${systemPath(host)}/Actions/ComputerSystem.Reset`) return reset(state, host, req);
  if (method === 'GET' && path === '/redfish/v1/SessionService') {
    return json(200, {
      '@odata.id': '/redfish/v1/SessionService',
      '@odata.type': '#SessionService.v1_1_8.SessionService',
      Id: 'SessionService',
      Name: 'Session Service',
      ServiceEnabled: true,
      SessionTimeout: 1800,
      Sessions: { '@odata.id': SESSIONS },
    });
  }
  if (method === 'GET' && path === SESSIONS) {
    const members = [...host.bmc.sessions.values()].map((s) => ({ '@odata.id': `${SESSIONS}/${s.id}` }));
    return json(200, {
      '@odata.id': SESSIONS,
      '@odata.type': '#SessionCollection.SessionCollection',
      Name: 'Session Collection',
      'Members@odata.count': members.length,
      Members: members,
    });
  }
  const m = new RegExp(`^${SESSIONS}/([^/]+)$`).exec(path);
  if (m) {
    const entry = [...host.bmc.sessions.entries()].find(([, s]) => s.id === m[1]);
    if (!entry) return redfishError(404, 'ResourceMissingAtURI', `The resource at the URI ${path} was not found.`);
    if (method === 'DELETE') {
      host.bmc.sessions.delete(entry[0]);
      return empty(204);
    }
    if (method === 'GET')
      return json(200, {
        '@odata.id': path,
        '@odata.type': '#Session.v1_3_0.Session',
        Id: entry[1].id,
        Name: 'User Session',
        UserName: entry[1].userName,
      });
  }
  return redfishError(404, 'ResourceMissingAtURI', `The resource at the URI ${path} was not found.`);
}

function login(state: CloudState, host: HostRec, req: SimRequest): HttpReply {
  const body = SessionSchema.safeParse(parseJson(req.body));
  if (!body.success)
    return redfishError(
      400,
      'PropertyMissing',
      'The property UserName or Password is a required property and must be included in the request.',
    );
  const ok =
    !bmcFaults(state.faults, host.name).badCredentials &&
    same(body.data.UserName, host.bmc.username) &&
    same(body.data.Password, host.bmc.password);
  if (!ok) return redfishError(401, 'NoValidSession', 'There is no valid session established with the implementation.');
  const token = randomBytes(16).toString('hex');
  const id = randomBytes(4).toString('hex');
  host.bmc.sessions.set(token, { id, userName: body.data.UserName });
  const location = `${SESSIONS}/${id}`;
  return json(
    201,
    {
      '@odata.id': location,
      '@odata.type': '#Session.v1_3_0.Session',
      Id: id,
      Name: 'User Session',
      UserName: body.data.UserName,
    },
    { 'X-Auth-Token': token, Location: location },
  );
}

function reset(state: CloudState, host: HostRec, req: SimRequest): HttpReply {
  const body = ResetSchema.safeParse(parseJson(req.body) ?? {});
  const type = body.success ? body.data.ResetType : undefined;
  if (type === undefined)
    return redfishError(
      400,
      'ActionParameterMissing',
      'The action ComputerSystem.Reset requires the parameter ResetType to be present in the request body.',
    );
  if (!(RESET_TYPES as readonly string[]).includes(type)) {
    return redfishError(
      400,
      'ActionParameterNotSupported',
      `The parameter ResetType for the action ComputerSystem.Reset is not supported on the target resource.`,
    );
  }
  const faults = bmcFaults(state.faults, host.name);
  if (faults.refuseResetStatus && host.power !== 'Off')
    return redfishError(
      faults.refuseResetStatus,
      'ActionNotAllowed',
      `The action ComputerSystem.Reset ${type} is not allowed: the system is locked by another management operation.`,
    );
  switch (type) {
    case 'ForceOff':
    case 'GracefulShutdown':
      if (host.power === 'Off' && faults.alreadyOffStatus)
        return redfishError(faults.alreadyOffStatus, 'ActionNotSupported', 'Server is already powered OFF.');
      if (!faults.ignorePowerOff) powerOff(state, host, type === 'ForceOff' ? 'force' : 'graceful');
      break;
    case 'On':
      powerOn(state, host);
      break;
    case 'ForceRestart':
      forceRestart(state, host);
      break;
  }
  return empty(204);
}

/** The `redirect` and `expireSessions` faults, in front of the real routes. */
function withFaults(state: CloudState, host: HostRec, req: SimRequest): HttpReply {
  const faults = bmcFaults(state.faults, host.name);
  if (faults.expireSessions) {
    host.bmc.sessions.clear();
    faults.expireSessions = false;
  }
  if (faults.redirect === 'other-origin')
    return empty(307, { Location: `http://127.0.0.2:9${req.rawUrl.startsWith('/') ? '' : '/'}${req.rawUrl}` });
  if (faults.redirect === 'same-origin') {
    if (!req.path.startsWith('/r/')) return empty(307, { Location: `/r${req.rawUrl}` });
    const path = req.path.slice(2);
    return route(state, host, { ...req, path, rawUrl: req.rawUrl.slice(2), header: req.header });
  }
  return route(state, host, req);
}

export function startRedfishBmc(state: CloudState, host: HostRec): Promise<RunningHttpService> {
  const opts: Parameters<typeof startHttpService>[0] = {
    service: 'redfish',
    state,
    bmcHost: host.name,
    refuse: () => bmcFaults(state.faults, host.name).unreachable,
    commonHeaders: () => ({ 'OData-Version': '4.0' }),
    handle: (req) => withFaults(state, host, req),
  };
  if (state.opts.redfishTls) opts.tls = state.opts.redfishTls;
  return startHttpService(opts);
}
