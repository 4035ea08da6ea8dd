import * as z from 'zod';
import type { OpenStackSession } from '../session.js';
import { PLACEMENT_MICROVERSION } from './microversions.js';

const Count = z.number().int().min(0);

/** One inventory record; Placement's own rule: usable = (total - reserved) * allocation_ratio. */
const InventoryWire = z
  .object({
    total: Count,
    reserved: Count,
    min_unit: z.number().int().min(1),
    max_unit: z.number().int().min(1),
    step_size: z.number().int().min(1),
    allocation_ratio: z.number().positive(),
  })
  .transform((i) => ({
    total: i.total,
    reserved: i.reserved,
    minUnit: i.min_unit,
    maxUnit: i.max_unit,
    stepSize: i.step_size,
    allocationRatio: i.allocation_ratio,
  }));
export type Inventory = z.output<typeof InventoryWire>;

const InventoriesSchema = z.object({
  resource_provider_generation: z.number().int(),
  inventories: z.record(z.string(), InventoryWire),
});

/** GET /resource_providers/{uuid}/inventories, keyed by resource class (VCPU, MEMORY_MB, DISK_GB, ...). */
export async function getInventories(
  session: OpenStackSession,
  providerUuid: string,
  signal?: AbortSignal,
): Promise<Record<string, Inventory>> {
  const res = await session.request({
    service: 'placement',
    method: 'GET',
    path: `/resource_providers/${encodeURIComponent(providerUuid)}/inventories`,
    microversion: PLACEMENT_MICROVERSION.inventories,
    schema: InventoriesSchema,
    signal,
  });
  return res.data.inventories;
}
