import { parse } from '../args.js';
import { requireConfig } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { PAUSE_SETTING } from '../../lib/monitor/index.js';

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
