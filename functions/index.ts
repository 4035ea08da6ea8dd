import { handler as evacuate } from './evacuate.js';
import { handler as fence } from './fence.js';
import { handler as isolate } from './isolate.js';
import { handler as notify } from './notify.js';
import { handler as notifyFenceFailed } from './notify-fence-failed.js';
import { handler as plan } from './plan.js';
import { handler as targets } from './targets.js';
import { handler as validate } from './validate.js';
import type { LambdaHandler } from '../lib/workflow/index.js';

/** The state machine's Task functions by serverless function key, for the in-process runner. */
export const taskHandlers: Record<string, LambdaHandler> = {
  validate,
  fence,
  isolate,
  plan,
  evacuate,
  notify,
  notifyFenceFailed,
  targets,
};
