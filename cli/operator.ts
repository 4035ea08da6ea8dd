import { userInfo } from 'node:os';

/**
 * The person running the command, as recorded in incidents, the pause switch and the timeline:
 * $SUDO_USER (the person behind sudo), else $USER / $LOGNAME, else the account name. Reduced to
 * [A-Za-z0-9._-] and 64 characters, so it can sit in an execution input, a mail or a log line
 * as is; never anything secret.
 */
export function operatorName(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.SUDO_USER || env.USER || env.LOGNAME || accountName();
  return raw.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64) || 'unknown';
}

function accountName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
