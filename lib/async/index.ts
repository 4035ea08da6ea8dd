export { sleep } from './sleep.js';
export { backoffDelay, type BackoffOptions } from './backoff.js';
export { limiter, runPool, type Limiter } from './pool.js';
export { waitFor, backingOff, type WaitCheck, type WaitForOptions } from './wait-for.js';
