import { newRequestId } from '../ids.js';
import { json, type HttpReply } from '../http.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
};

/** webob's explanation of each status, which Placement puts before the detail. */
const EXPLANATIONS: Record<number, string> = {
  400: 'The server could not comply with the request since it is either malformed or otherwise incorrect.',
  403: 'Access was denied to this resource.',
  404: 'The resource could not be found.',
  405: 'The method specified is not allowed for this resource.',
  406: 'The resource could not be generated that was acceptable to your browser (content of type application/json. ',
};

/** Thrown by the Placement handlers; `detail` is the text after webob's explanation. */
export class PlacementHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'PlacementHttpError';
  }
}

/**
 * The API-WG errors body Placement answers with, as the real Placement (Zed) writes it:
 * `{"errors": [{status, title, detail: "<explanation>\n\n <detail>  ", request_id}]}`, with
 * `code` from microversion 1.23.
 */
export function placementError(err: PlacementHttpError, minor: number): HttpReply {
  const error: Record<string, unknown> = {
    status: err.status,
    title: TITLES[err.status] ?? 'Error',
    detail: `${EXPLANATIONS[err.status] ?? ''}\n\n ${err.message}`,
  };
  if (minor >= 23) error.code = 'placement.undefined_code';
  error.request_id = newRequestId();
  return json(err.status, { errors: [{ ...error, ...err.extra }] });
}

export function providerNotFound(uuid: string, what: 'inventories' | 'usages' | 'allocations'): PlacementHttpError {
  const why = `No resource provider with uuid ${uuid} found`;
  if (what === 'allocations') return new PlacementHttpError(404, `Resource provider '${uuid}' not found: ${why}  `);
  return new PlacementHttpError(404, `${why}${what === 'inventories' ? ' : ' : ': '}${why}  `);
}
