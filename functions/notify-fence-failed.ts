import { stepHandler } from './middleware/task.js';
import { NotifyStepInputSchema } from '../lib/workflow/index.js';
import { notifyStep } from '../lib/workflow/index.js';

/** Same step as Notify, its own function so its IAM role and alarms can differ. */
export const handler = stepHandler(NotifyStepInputSchema.required({ failure: true }), notifyStep);
