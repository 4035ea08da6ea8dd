/** Nova's limit for locked_reason (2.73 schema: 1-255 characters). */
const MAX_LOCKED_REASON = 255;

/**
 * The locked_reason we set while moving an instance. It names the incident, so the owner sees why
 * the instance is locked, and so an unlock can tell our lock from anyone else's: we lift a lock
 * only while Nova still shows exactly this text.
 */
export function lockReasonFor(incidentId: string, host: string): string {
  return `freezer-dr: evacuating after host ${host} failed (incident ${incidentId})`.slice(0, MAX_LOCKED_REASON);
}
