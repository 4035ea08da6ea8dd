export {
  createLogger,
  getLogger,
  setLogger,
  setInvocationContext,
  type Logger,
  type LogLevel,
  type LoggerOptions,
} from './logger.js';
export { redact, redactText, registerSecret, clearSecretsForTests } from './redact.js';
