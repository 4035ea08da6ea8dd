import { FreezerError } from '../errors.js';

/**
 * Why the second signal could not be read. Every one of them makes the pass fail closed: the
 * observer gate fires and nothing is fenced on Nova's word alone. `name` is API (logs, mails).
 */
export class SecondSignalError extends FreezerError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'SecondSignalError';
  }
}

/** The second source did not answer (connection refused, timeout, TLS failure). */
export class SecondSignalUnreachableError extends SecondSignalError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'SecondSignalUnreachableError';
  }
}

/** Prometheus answered something that is not its API's JSON (an HTML login page, a proxy error). */
export class PrometheusBadResponseError extends SecondSignalError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'PrometheusBadResponseError';
  }
}

/** Prometheus answered `status: "error"` (a PromQL syntax error, a timeout on its side). */
export class PrometheusQueryError extends SecondSignalError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'PrometheusQueryError';
  }
}

/** The query returned no series at all, or none carrying the host label. */
export class PrometheusNoSeriesError extends SecondSignalError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'PrometheusNoSeriesError';
  }
}

/** A sample value that is not a finite number ("NaN", "abc", a matrix instead of a vector). */
export class PrometheusBadValueError extends SecondSignalError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'PrometheusBadValueError';
  }
}
