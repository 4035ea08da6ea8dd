import { parse } from '../args.js';
import { requireConfig } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { operatorName } from '../operator.js';
import { PAUSE_SETTING, PAUSED_BY_SETTING, PAUSED_SINCE_SETTING } from '../../lib/monitor/index.js';

export const PAUSE_HELP = `Usage: freezer-dr pause|resume [--json] [--config FILE]

pause:  monitor-only mode. The monitor keeps detecting and reporting, but starts
        no recovery; manual recoveries need --force-while-paused.
resume: lift the pause. (monitor.paused: true in the config also pauses.)

  --json   print {"paused", "since", "by", "configPaused"} instead of the sentence`;

export async function pauseCommand(paused: boolean, argv: string[], out: (s: string) => void): Promise<number> {
  const { values } = parse(paused ? 'pause' : 'resume', argv, {
    config: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) return (out(PAUSE_HELP), EXIT.ok);
  const config = await requireConfig(values.config);
  const { createStore } = await import('../../lib/incidents/index.js');
  const store = await createStore(config.store);
  try {
    const since = paused ? new Date().toISOString() : undefined;
    const by = paused ? operatorName() : undefined;
    await store.putSetting(PAUSE_SETTING, paused ? 'true' : undefined);
    // Who and when, for `check` and the paused gate's mail (cleared on resume).
    await store.putSetting(PAUSED_SINCE_SETTING, since);
    await store.putSetting(PAUSED_BY_SETTING, by);
    if (values.json) {
      const configPaused = config.monitor.paused;
      out(JSON.stringify({ paused: paused || configPaused, since: since ?? null, by: by ?? null, configPaused }));
      return EXIT.ok;
    }
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
