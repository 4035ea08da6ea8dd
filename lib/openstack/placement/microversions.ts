/**
 * Each Placement call pins the microversion it was written for, never "latest" (DESIGN §6).
 * Every call below exists unchanged since 1.0 (Newton); we pin the lowest version that returns
 * what we read, so any Placement since Newton answers the same shape.
 */
export const PLACEMENT_MICROVERSION = {
  /** 1.0: uuid, name and generation (the compute node's provider has the hypervisor's uuid and hostname). */
  resourceProviders: '1.0',
  /** 1.0: total, reserved, min_unit, max_unit, step_size, allocation_ratio per resource class. */
  inventories: '1.0',
  /** 1.0: used amount per resource class. */
  usages: '1.0',
  /** 1.0: a provider's allocations keyed by consumer; a consumer's allocations keyed by provider. */
  allocations: '1.0',
} as const;
