export {
  createLogger,
  getLogger,
  setLogger,
  setInvocationContext,
  type Logger,
  type LogLevel,
  type LoggerOptions,
} from './logger.js';
export { redact, redactText, registerSecret, secretStrength, clearSecretsForTests, type WeakSecret } from './redact.js';
