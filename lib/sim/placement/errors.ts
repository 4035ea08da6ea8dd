import { newRequestId } from '../ids.js';
import { json, type HttpReply } from '../http.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
};

/** Placement's webob explanations, put before the detail as webob does ("<explanation>\n\n <detail>  "). */
const EXPLANATIONS: Record<number, string> = {
  400: 'The server could not comply with the request since it is either malformed or otherwise incorrect.',
  403: 'Access was denied to this resource.',
  404: 'The resource could not be found.',
  405: 'The method is not allowed for this resource.',
  406: 'The resource could not be generated that was acceptable to your browser (content of type application/json.',
};

/** Thrown by the Placement handlers; the router turns it into Placement's error JSON. */
export class PlacementHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'PlacementHttpError';
  }
}

/**
 * The API-WG errors body Placement answers with: `{"errors": [{status, title, detail, request_id}]}`,
 * plus `code` from microversion 1.23.
 */
export function placementError(status: number, detail: string, minor: number): HttpReply {
  const error: Record<string, unknown> = {
    status,
    title: TITLES[status] ?? 'Error',
    detail: `${EXPLANATIONS[status] ?? ''}\n\n ${detail}  `,
    request_id: newRequestId(),
  };
  if (minor >= 23) error.code = 'placement.undefined_code';
  return json(status, { errors: [error] });
}
