import type { EvacuationConfig } from '../config/index.js';
import { errorMessage } from '../errors.js';
import {
  getImageMarks,
  listAggregates,
  listFlavorsWithExtraSpecs,
  listHostEvacuations,
  listImageMarks,
  NotFoundError,
  type ImageMarks,
  type OpenStackSession,
  type Server,
} from '../openstack/index.js';
import { markPolicy } from './marks.js';
import type { PlanInputs } from './plan.js';
import { evacuationsInFlight } from './stuck.js';

/**
 * Read, without changing anything, what the planner needs besides the host's servers. Calls are
 * made only when the config needs them. Aggregates are always read (the filter, the aggregate mark
 * and the host's default restart group use them); when the filter is on, a failed read becomes a
 * closed filter in the plan, otherwise the error goes up (the Plan step is retried, then reported).
 */
export async function readPlanInputs(
  session: OpenStackSession,
  host: string,
  servers: readonly Server[],
  cfg: Pick<EvacuationConfig, 'evacuable' | 'stuckTasks'>,
  signal?: AbortSignal,
): Promise<PlanInputs> {
  const inputs: PlanInputs = {};
  const marks = markPolicy(cfg.evacuable);
  const marksMatter = cfg.evacuable.mode !== 'all';
  try {
    inputs.aggregates = await listAggregates(session, signal);
  } catch (err) {
    if (!cfg.evacuable.aggregateFilter) throw err;
    inputs.aggregates = { error: errorMessage(err) };
  }
  if (cfg.evacuable.mode === 'all-unless-any-tagged') {
    const [flavors, images] = await Promise.all([
      listFlavorsWithExtraSpecs(session, signal),
      listImageMarks(session, signal),
    ]);
    inputs.cloud = { flavors, images };
  }
  const imagesMatter = marksMatter && ((marks.tag !== null && marks.sources.has('image')) || !!marks.legacy.image);
  if (imagesMatter) inputs.images = await readImages(session, servers, inputs.cloud?.images ?? [], signal);
  if (cfg.stuckTasks === 'reset' && servers.some((s) => s.taskState))
    inputs.evacuationsInFlight = evacuationsInFlight(await listHostEvacuations(session, host, signal));
  return inputs;
}

/** The host's instances' images; one GET per image not already in the cloud-wide list. A deleted image has no marks. */
async function readImages(
  session: OpenStackSession,
  servers: readonly Server[],
  known: readonly ImageMarks[],
  signal?: AbortSignal,
): Promise<Map<string, ImageMarks>> {
  const images = new Map(known.map((i) => [i.id, i]));
  for (const id of new Set(servers.map((s) => s.imageId).filter((x): x is string => !!x))) {
    if (images.has(id)) continue;
    try {
      images.set(id, await getImageMarks(session, id, signal));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  return images;
}
