import type { SimRequest } from '../http.js';
import type { CloudState, TokenRec } from '../state.js';
import { NovaHttpError, policyDenied } from './errors.js';

/** Everything a Nova handler needs about one request. */
export interface NovaCtx {
  state: CloudState;
  req: SimRequest;
  /** Negotiated microversion, minor part (2.53 → 53). */
  minor: number;
  token: TokenRec;
  admin: boolean;
}

export function requireAdmin(ctx: NovaCtx, rule: string): void {
  if (!ctx.admin) throw policyDenied(rule);
}

/** oslo's bool_from_string(strict=True), with "" meaning true as Nova documents for all_tenants. */
export function boolParam(name: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['', '1', 't', 'true', 'on', 'y', 'yes'].includes(v)) return true;
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(v)) return false;
  throw new NovaHttpError(
    400,
    `Invalid input for query parameters ${name}. Value: ${value}. Unrecognized value '${value}', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'`,
  );
}

/** Nova's parameter_types.boolean in request bodies: JSON booleans or the usual strings. */
export function bodyBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string') return undefined;
  const s = v.toLowerCase();
  if (['1', 't', 'true', 'on', 'y', 'yes'].includes(s)) return true;
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(s)) return false;
  return undefined;
}
