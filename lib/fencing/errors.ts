import { FreezerError } from '../errors.js';

/** Base of every fencing failure. Any FencingError means: the host is NOT confirmed off (S1). */
export class FencingError extends FreezerError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'FencingError';
  }
}

/** No answer from the BMC (network, timeout, connection refused). Worth a retry. */
export class BmcUnreachableError extends FencingError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'BmcUnreachableError';
  }
}

/** The BMC refused our credentials (wrong password, unknown user). Not worth a retry. */
export class BmcAuthError extends FencingError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'BmcAuthError';
  }
}

/** The account may log in but may not control power (IPMI completion code 0xD4, HTTP 403). */
export class BmcPrivilegeError extends FencingError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'BmcPrivilegeError';
  }
}

/** The BMC answered something we cannot trust (malformed packet, unexpected JSON, bad HMAC). */
export class BmcProtocolError extends FencingError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'BmcProtocolError';
  }
}

/** None of the cipher suites we allow (S8) is offered by the BMC. */
export class UnsupportedCipherSuiteError extends FencingError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'UnsupportedCipherSuiteError';
  }
}

/** The power state is neither a clean on nor a clean off. Treated as not off (S1). */
export class PowerStateUnknownError extends FencingError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'PowerStateUnknownError';
  }
}

/** The BMC accepted power-off but the host still reads on after the power timeout. */
export class PowerOffTimeoutError extends FencingError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'PowerOffTimeoutError';
  }
}

/** The host is fenced by hand and the operator has not confirmed it for this incident. */
export class FenceNeedsOperatorError extends FencingError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'FenceNeedsOperatorError';
  }
}

/** No BMC is configured for the host. */
export class NoFencerConfiguredError extends FencingError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'NoFencerConfiguredError';
  }
}

/**
 * TLS to the BMC failed: an untrusted or expired certificate, a wrong host name, no common
 * protocol. Asking again cannot help, so it is not a BmcUnreachableError (never retried).
 */
export class BmcTlsError extends FencingError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'BmcTlsError';
  }
}

/**
 * The BMC refused the power request itself (Redfish 400/409 while the host is not off) and
 * said why. The fence loop reads the state for a moment in case the refusal was only a stale
 * "already off", then fails with this error: the host is NOT fenced.
 */
export class PowerActionRefusedError extends FencingError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'PowerActionRefusedError';
  }
}
