import { stepHandler } from './middleware/task.js';
import { EvacuateRoundInputSchema, evacuateRoundStep } from '../lib/workflow/index.js';

export const handler = stepHandler(EvacuateRoundInputSchema, evacuateRoundStep);
