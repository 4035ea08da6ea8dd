import { FenceNeedsOperatorError } from './errors.js';
import type { FencerFactory, ResolvedManualBmc } from './fencer.js';

/**
 * A host without a usable BMC: a person powers it off. Only the operator's confirmation in the
 * execution input (`fence: "confirmed-by-operator"`) lets recovery go on; the fence step checks
 * that before it ever asks a driver, so reaching this driver means "not confirmed".
 */
export const createManualFencer: FencerFactory<ResolvedManualBmc> = (bmc) => {
  const note = bmc.note ? ` (${bmc.note})` : '';
  const refuse = async (): Promise<never> => {
    throw new FenceNeedsOperatorError(
      `host ${bmc.host} is fenced by hand and no operator has confirmed it is powered off`,
      {
        hint: `power it off${note}, then run: freezer-dr recover --host ${bmc.host} --confirm-fenced`,
      },
    );
  };
  return { method: 'manual', target: `manual ${bmc.host}`, getPower: refuse, setPower: refuse };
};
