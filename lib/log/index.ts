export { createLogger, getLogger, setLogger, type Logger, type LogLevel, type LoggerOptions } from './logger.js';
export { redact, redactText, registerSecret, clearSecretsForTests } from './redact.js';
