import { json, type HttpReply } from '../http.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Keystone's error body: {"error": {"code", "message", "title"}}. */
export function keystoneError(status: number, message: string): HttpReply {
  return json(status, { error: { code: status, message, title: TITLES[status] ?? 'Error' } });
}

export const UNAUTHORIZED_MESSAGE = 'The request you have made requires authentication.';

export function forbidden(action: string): HttpReply {
  return keystoneError(403, `You are not authorized to perform the requested action: ${action}.`);
}

/** Keystone reads `?effective`, `?effective=true` and even `?effective=false` as true; only "0" is false. */
export function queryFilterIsTrue(query: URLSearchParams, name: string): boolean {
  return query.has(name) && query.get(name) !== '0';
}
