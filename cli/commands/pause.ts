import { parse } from '../args.js';
import { requireConfig } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { userInfo } from 'node:os';
import { PAUSE_SETTING, PAUSED_BY_SETTING, PAUSED_SINCE_SETTING } from '../../lib/monitor/index.js';

export const PAUSE_HELP = `Usage: freezer-dr pause|resume [--config FILE]

pause:  monitor-only mode. The monitor keeps detecting and reporting, but starts
        no recovery; manual recoveries need --force-while-paused.
resume: lift the pause. (monitor.paused: true in the config also pauses.)`;

export async function pauseCommand(paused: boolean, argv: string[], out: (s: string) => void): Promise<number> {
  const { values } = parse(paused ? 'pause' : 'resume', argv, { config: { type: 'string' } });
  if (values.help) return (out(PAUSE_HELP), EXIT.ok);
  const config = await requireConfig(values.config);
  const { createStore } = await import('../../lib/incidents/index.js');
  const store = await createStore(config.store);
  try {
    await store.putSetting(PAUSE_SETTING, paused ? 'true' : undefined);
    // Who and when, for `check` and the paused gate's mail (cleared on resume).
    await store.putSetting(PAUSED_SINCE_SETTING, paused ? new Date().toISOString() : undefined);
    await store.putSetting(PAUSED_BY_SETTING, paused ? pausedBy() : undefined);
    out(
      paused
        ? 'recoveries paused: the monitor will only report'
        : `recoveries resumed${config.monitor.paused ? ' in the store — but monitor.paused is still true in the config' : ''}`,
    );
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/** The person pausing: $SUDO_USER / $USER, else the account name; never anything secret. */
function pausedBy(): string {
  const env = process.env.SUDO_USER || process.env.USER || process.env.LOGNAME;
  if (env) return env;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
