import { FreezerError } from '../errors.js';

/** Base of every failure talking to Keystone or Nova. Messages carry method, URL and status, never headers or tokens. */
export class OpenStackError extends FreezerError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'OpenStackError';
  }
}

/** No answer: connection refused, DNS, timeout, TLS failure, VPN down. */
export class ApiUnreachableError extends OpenStackError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'ApiUnreachableError';
  }
}

/** An HTTP error answer. */
export class HttpError extends OpenStackError {
  constructor(
    readonly status: number,
    message: string,
    options?: ErrorOptions & { hint?: string },
  ) {
    super(message, options);
    this.name = 'HttpError';
  }
}

/** 5xx: the API is there but failing. */
export class ApiServerError extends HttpError {
  constructor(status: number, message: string, options?: ErrorOptions) {
    super(status, message, options);
    this.name = 'ApiServerError';
  }
}

/** 401 even after a fresh token, or Keystone refused our credentials. */
export class AuthenticationError extends HttpError {
  constructor(status: number, message: string, options?: ErrorOptions) {
    super(status, message, {
      ...options,
      hint: 'check the cloud credentials (clouds.yaml / OS_* / the secret reference)',
    });
    this.name = 'AuthenticationError';
  }
}

export class ForbiddenError extends HttpError {
  constructor(status: number, message: string, options?: ErrorOptions) {
    super(status, message, {
      ...options,
      hint: 'freezer-dr needs the admin role (os-services, all_tenants, evacuate, role assignments)',
    });
    this.name = 'ForbiddenError';
  }
}

export class NotFoundError extends HttpError {
  constructor(status: number, message: string, options?: ErrorOptions) {
    super(status, message, options);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends HttpError {
  constructor(status: number, message: string, options?: ErrorOptions) {
    super(status, message, options);
    this.name = 'ConflictError';
  }
}

export class BadRequestError extends HttpError {
  constructor(status: number, message: string, options?: ErrorOptions) {
    super(status, message, options);
    this.name = 'BadRequestError';
  }
}

/** Nova refuses to evacuate because it still believes the source compute service is up. */
export class ComputeServiceInUseError extends BadRequestError {
  constructor(status: number, message: string, options?: ErrorOptions) {
    super(status, message, options);
    this.name = 'ComputeServiceInUseError';
  }
}

/** The cloud does not support a microversion we need (406, or its maximum is below ours). */
export class MicroversionUnsupportedError extends HttpError {
  constructor(status: number, message: string, options?: ErrorOptions) {
    super(status, message, options);
    this.name = 'MicroversionUnsupportedError';
  }
}

/** The API answered 2xx with something that does not match what we rely on (HTML, truncated JSON, missing fields). */
export class UnexpectedResponseError extends OpenStackError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UnexpectedResponseError';
  }
}

/** The catalog has no endpoint for a service type / interface / region. */
export class EndpointNotFoundError extends OpenStackError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, { ...options, hint: 'check regionName and interface in the cloud config' });
    this.name = 'EndpointNotFoundError';
  }
}

/** Errors that mean "we cannot see the cloud properly": the observer gate fires on these. */
export function isObserverProblem(err: unknown): boolean {
  return (
    err instanceof ApiUnreachableError ||
    err instanceof ApiServerError ||
    err instanceof UnexpectedResponseError ||
    err instanceof AuthenticationError ||
    err instanceof EndpointNotFoundError
  );
}
