import { json, text, type HttpReply } from '../http.js';

/** Nova's Fault wrapper names the body after the status; anything unlisted is a computeFault. */
const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

/** Thrown by Nova handlers; the router turns it into Nova's error JSON. */
export class NovaHttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'NovaHttpError';
    this.status = status;
  }
}

export function novaFault(status: number, message: string): HttpReply {
  return json(status, { [FAULT_NAMES[status] ?? 'computeFault']: { code: status, message } });
}

export function policyDenied(rule: string): NovaHttpError {
  return new NovaHttpError(403, `Policy doesn't allow ${rule} to be performed.`);
}

/**
 * A failure before Nova (the fault knob): 500 is Nova's own unexpected-error body; 502-504 come
 * from the load balancer in front of it, as an HTML page — clients must not assume JSON.
 */
export function upstreamFailure(status: number): HttpReply {
  if (status === 500) {
    return novaFault(
      500,
      "Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.\n<class 'oslo_db.exception.DBConnectionError'>",
    );
  }
  const reason = { 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Time-out' }[status] ?? 'Error';
  return text(
    status,
    `<html><body><h1>${status} ${reason}</h1>\nNo server is available to handle this request.\n</body></html>\n`,
    'text/html',
  );
}
