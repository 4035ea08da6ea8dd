import type * as z from 'zod';
import {
  assessEvacuation,
  assessFromListing,
  currentGroup,
  isNoValidHost,
  evacuateTarget,
  MAX_ROUNDS,
  newInstanceRecord,
  nextRoundDelayMs,
  reasonAfterAttempts,
  retryDelayMs,
  roundFloorMs,
  type Assessment,
  type GroupProgress,
  type InstanceRecord,
  type PlanItem,
  type RebuildWindow,
} from '../../evacuation/index.js';
import {
  ApiServerError,
  ComputeServiceInUseError,
  ConflictError,
  evacuateServer,
  getServer,
  listHostEvacuations,
  listServersOnHost,
  MICROVERSION,
  NotFoundError,
  type Migration,
  type Server,
} from '../../openstack/index.js';
import { publishInstanceSettled } from '../events.js';
import { locksToRelease, MAX_UNLOCK_TRIES, planLock, releaseLocks, takeLock } from './evacuate-locks.js';
import { recordEvent, type Runtime } from '../runtime.js';
import type { EvacuateRoundInputSchema, EvacuateRoundOutput, EvacuationState } from '../schemas.js';

type FinalOutcome = 'evacuated' | 'failed' | 'timeout' | 'skipped';
const FINAL = new Set<InstanceRecord['outcome']>(['evacuated', 'failed', 'timeout', 'skipped']);
const isFinal = (o: InstanceRecord['outcome']): o is FinalOutcome => FINAL.has(o);

/** A round's listing older than this is read again before it decides to send (S5). */
const FRESH_MS = 1000;
/** An unanswered evacuate is sent again at most this many times in all (S5: only when Nova has none of ours). */
const MAX_REQUESTS = 3;
/** After Nova refused because the source still looks up, try that instance again no sooner than this. */
const IN_USE_RETRY_MS = 2000;
/** Reasons in the execution state are cut here, so 1,000 results stay within Step Functions' 256 KiB. */
const MAX_REASON = 300;
/** A 5xx from a gateway in front of Nova: the request may still be at nova-api, so a retry waits as for no answer. */
const GATEWAY_STATUSES = new Set([502, 504]);
/** The least wait between two rounds, whatever is due. */
const MIN_GAP_MS = 50;

/** One read of the source host, answering for every instance of the incident. */
interface HostView {
  servers: Map<string, Server>;
  migrations: Map<string, Migration[]>;
  at: number;
  /** How long the two listings took to come back. */
  tookMs: number;
}

async function readHost(rt: Runtime, host: string): Promise<HostView> {
  const start = Date.now();
  const [servers, migrations] = await Promise.all([
    listServersOnHost(rt.session, host),
    listHostEvacuations(rt.session, host),
  ]);
  const byInstance = new Map<string, Migration[]>();
  for (const m of migrations) byInstance.set(m.instanceId, [...(byInstance.get(m.instanceId) ?? []), m]);
  const at = Date.now();
  return { servers: new Map(servers.map((s) => [s.id, s])), migrations: byInstance, at, tookMs: at - start };
}

/** Where an instance stands: from the host's listings, or from one GET when they cannot tell. */
async function assess(
  rt: Runtime,
  view: HostView,
  host: string,
  id: string,
  before: number,
  requested: boolean,
): Promise<Assessment | 'deleted'> {
  const migrations = view.migrations.get(id) ?? [];
  const fromListing = assessFromListing(view.servers.get(id), host, migrations, before, requested);
  if (fromListing) return fromListing;
  try {
    return assessEvacuation(await getServer(rt.session, id), host, migrations, before, requested);
  } catch (err) {
    if (err instanceof NotFoundError) return 'deleted';
    throw err;
  }
}

function stateOf(rec: InstanceRecord, fallbackStart: string): EvacuationState {
  return {
    instanceId: rec.instanceId,
    status: isFinal(rec.outcome) ? rec.outcome : 'in-progress',
    targetHost: rec.targetHost,
    reason: rec.reason && rec.reason.length > MAX_REASON ? `${rec.reason.slice(0, MAX_REASON - 1)}…` : rec.reason,
    startedAt: rec.startedAt ?? fallbackStart,
  };
}

/**
 * One round of the Evacuate loop for a whole host: one listing of the servers still on it and
 * one of its evacuation migrations answer for every instance in flight; finished ones are
 * recorded, and free slots (up to `evacuation.concurrency`) are filled with the next planned
 * instances of the current restart group (a group starts once every instance of the one before
 * it is settled). Safely repeatable (S5): an instance is sent an evacuate only when its record and
 * Nova's own view (read in this round, less than FRESH_MS old) both say nothing of ours is in
 * flight or done; the record is written before the request, so a crash in between is seen on
 * resume. A retry (NoValidHost, a 5xx) is one more such send, after its backoff. Each instance
 * keeps its own record and its own timeout; our locks come off once it is settled.
 */
export async function evacuateRoundStep(
  rt: Runtime,
  input: z.infer<typeof EvacuateRoundInputSchema>,
): Promise<EvacuateRoundOutput> {
  const r = await openRound(rt, input);
  if (r.open().length > 0 && r.round > MAX_ROUNDS) {
    for (const rec of r.open())
      await r.finish(rec, 'timeout', null, `the recovery reached its limit of ${MAX_ROUNDS} check rounds`);
  }
  const checked = await checkInFlight(r);
  const settled = (x: InstanceRecord) => isFinal(x.outcome);
  const keep = (x: InstanceRecord) => void r.records.set(x.instanceId, x);
  // Our locks on what is settled by now come off while the next requests go out (filling slots never
  // touches a settled instance), each after its settled record is written, so the two writes never race.
  const first = locksToRelease(r.records.values(), settled);
  const unlocked = Promise.all(checked.writes).then(() => releaseLocks(r.rt, first, keep));
  unlocked.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
  const sent = await fillSlots(r, checked.resend);
  // The finished ones are written while the next requests go out: a slot is refilled without waiting for the store.
  await Promise.all([unlocked, ...sent.writes]);
  // Then those settled while slots were filled (a pre-send read that found one done, a timeout).
  const done = new Set(first.map((x) => x.instanceId));
  const late = locksToRelease(r.records.values(), settled).filter((x) => !done.has(x.instanceId));
  await releaseLocks(r.rt, late, keep);
  return summarize(r, Math.max(checked.minDelayMs, sent.minDelayMs));
}

/** What one round works on: the plan, every record, this round's view of the host. */
interface Round {
  rt: Runtime;
  incidentId: string;
  host: string;
  round: number;
  items: PlanItem[];
  records: Map<string, InstanceRecord>;
  view: HostView;
  open(): InstanceRecord[];
  elapsedS(since: string | null | undefined): number;
  finish(rec: InstanceRecord, o: FinalOutcome, t: string | null, r: string | null): Promise<InstanceRecord>;
  /** The restart group whose instances may start now. */
  group(): GroupProgress | undefined;
  /** Where this round's evacuations are sent (the spare PrepareTargets enabled, or targetHost, or the scheduler). */
  target: string | undefined;
  /** When the previous round's listing was sent (ms): what it showed in flight had not finished by then. */
  listedBefore: number | null;
  /**
   * When the listing this round judged its evacuations in flight by was sent: the next round's
   * `listedBefore`. Not a later re-read for sending, which judged nothing finished or in flight.
   */
  listedAt: number;
}

async function openRound(rt: Runtime, input: z.infer<typeof EvacuateRoundInputSchema>): Promise<Round> {
  const { incidentId, host } = input;
  // The host is read alongside our records: a round with nothing open (only after a resume) costs two spare calls.
  const [incident, storedList, view] = await Promise.all([
    rt.store.getIncident(incidentId),
    rt.store.listInstances(incidentId),
    readHost(rt, host),
  ]);
  const items: PlanItem[] = incident?.plan?.items ?? [];
  const stored = new Map(storedList.map((r) => [r.instanceId, r]));
  const records = new Map(items.map((i) => [i.id, stored.get(i.id) ?? newInstanceRecord(incidentId, host, i)]));
  // From the incident this round already read: PrepareTargets ran before the loop, so it is current.
  const target = await evacuateTarget(rt.config, () => Promise.resolve(incident));
  return {
    rt,
    target,
    incidentId,
    host,
    round: input.round + 1,
    listedBefore: input.listedAt ? Date.parse(input.listedAt) : null,
    listedAt: view.at - view.tookMs,
    items,
    records,
    view,
    open: () => items.map((i) => records.get(i.id)!).filter((r) => !isFinal(r.outcome)),
    elapsedS: (since) => (since ? (rt.now().getTime() - Date.parse(since)) / 1000 : 0),
    group: () => currentGroup(items, (id) => isFinal(records.get(id)!.outcome)),
    async finish(rec, outcome, targetHost, why) {
      const now = rt.now().toISOString();
      // An instance tried more than once says how often, whatever ended it.
      const reason = why && outcome !== 'evacuated' ? reasonAfterAttempts((rec.attempts?.length ?? 0) + 1, why) : why;
      const done = { ...rec, outcome, targetHost, reason, finishedAt: now, startedAt: rec.startedAt ?? now };
      records.set(rec.instanceId, done); // before any await: the rest of the round sees it settled
      await rt.store.putInstance(done);
      const label =
        outcome === 'evacuated'
          ? `${rec.name} evacuated ${rec.sourceHost} → ${targetHost} and verified`
          : `${rec.name} ${outcome}: ${reason}`;
      await recordEvent(rt, incidentId, 'evacuate', label, rec.instanceId);
      await publishInstanceSettled(rt, done);
      return done;
    },
  };
}

/**
 * Every evacuation in flight, judged from this round's listings (a GET only where they cannot
 * tell). Finished ones are recorded in memory at once; their writes are returned to run alongside
 * the next requests.
 */
async function checkInFlight(
  r: Round,
): Promise<{ resend: InstanceRecord[]; writes: Promise<unknown>[]; minDelayMs: number }> {
  const resend: InstanceRecord[] = [];
  const writes: Promise<unknown>[] = [];
  let minDelayMs = 0;
  const resendAfter = resendAfterMs(r.rt);
  const inFlight = r.open().filter((x) => x.outcome === 'evacuating');
  const states = await Promise.all(
    inFlight.map((rec) => assess(r.rt, r.view, r.host, rec.instanceId, rec.migrationId ?? 0, rec.requests > 0)),
  );
  inFlight.forEach((rec, n) => {
    const state = states[n]!;
    if (state === 'deleted') writes.push(r.finish(rec, 'skipped', null, 'the instance was deleted'));
    else if (state.kind === 'evacuated')
      writes.push(r.finish({ ...rec, inFlightAt: inFlightAt(r, rec) }, 'evacuated', state.targetHost, null));
    else if (state.kind === 'failed') {
      // Nova's own migration says the attempt ended: a retry counts migrations only after it.
      const seen = r.view.migrations.get(rec.instanceId)?.length ?? 0;
      writes.push(failAttempt(r, rec, state.reason, isNoValidHost(state) ? { migrationId: seen, minWaitMs: 0 } : null));
    } else if (state.kind === 'in-progress') {
      if (r.elapsedS(rec.startedAt) <= r.rt.config.evacuation.instanceTimeoutSeconds) return;
      const why = `not ACTIVE on another host after ${Math.round(r.elapsedS(rec.startedAt))} s (${state.detail})`;
      writes.push(r.finish(rec, 'timeout', null, why));
    } else if (rec.acceptedAt) {
      // Nova holds no evacuation of ours. After a 200 it always does: something else went wrong.
      writes.push(r.finish(rec, 'failed', null, 'Nova has no record of our evacuation request'));
    } else if (rec.requests >= MAX_REQUESTS) {
      writes.push(r.finish(rec, 'failed', null, `no answer from Nova to ${rec.requests} evacuate requests`));
    } else {
      // A request that got no answer never arrived: send again, once Nova had time to show it.
      const waited = r.elapsedS(rec.requestedAt) * 1000;
      if (rec.requests === 0 || waited >= resendAfter) resend.push(rec);
      else minDelayMs = Math.max(minDelayMs, resendAfter - waited);
    }
  });
  return { resend, writes, minDelayMs };
}

/** The previous round's listing, when it was sent after Nova accepted this request (so it showed it in flight). */
function inFlightAt(r: Round, rec: InstanceRecord): string | null {
  const accepted = rec.acceptedAt ? Date.parse(rec.acceptedAt) : NaN;
  return r.listedBefore !== null && r.listedBefore > accepted ? new Date(r.listedBefore).toISOString() : null;
}

/**
 * An attempt that ended failed. While retries are left (`evacuation.retries.count`) the instance
 * goes back to waiting until its backoff has passed, with the attempt recorded; the next send
 * again reads Nova first (S5). Otherwise, or when `retry` is null (not a retryable failure), it is
 * failed, its reason saying how many attempts were made. `retry.migrationId` is where the next
 * attempt's migrations start in Nova's list; `retry.minWaitMs` a wait the backoff must not undercut.
 */
async function failAttempt(
  r: Round,
  rec: InstanceRecord,
  reason: string,
  retry: { migrationId: number | null; minWaitMs: number } | null,
): Promise<InstanceRecord> {
  const cfg = r.rt.config.evacuation.retries;
  if (!retry || (rec.attempts?.length ?? 0) >= cfg.count) return r.finish(rec, 'failed', null, reason);
  const made = (rec.attempts?.length ?? 0) + 1;
  const now = r.rt.now();
  const waitMs = Math.max(retry.minWaitMs, retryDelayMs(made, cfg));
  const next: InstanceRecord = {
    ...rec,
    outcome: 'pending',
    attempts: [...(rec.attempts ?? []), { endedAt: now.toISOString(), reason }],
    retryAt: new Date(now.getTime() + waitMs).toISOString(),
    requests: 0,
    migrationId: retry.migrationId,
    requestedAt: null,
    acceptedAt: null,
  };
  r.records.set(rec.instanceId, next); // before any await: the rest of the round sees it waiting
  await r.rt.store.putInstance(next);
  const what = `${rec.name}: attempt ${made} failed (${reason}); retry ${made} of ${cfg.count} in ${Math.round(waitMs / 1000)} s`;
  await recordEvent(r.rt, r.incidentId, 'evacuate', what, rec.instanceId);
  return next;
}

/** Fill the free slots in plan order (resends first: they already hold a slot), from the current group only. */
async function fillSlots(
  r: Round,
  resendPending: InstanceRecord[],
): Promise<{ writes: Promise<unknown>[]; minDelayMs: number }> {
  const cfg = r.rt.config.evacuation;
  const writes: Promise<unknown>[] = [];
  const resend = [...resendPending];
  const inFlight = r.open().filter((x) => x.outcome === 'evacuating' && !resend.includes(x)).length;
  const waiting = r.open().filter((x) => x.outcome === 'pending');
  for (const rec of waiting.filter((x) => x.startedAt && r.elapsedS(x.startedAt) > cfg.instanceTimeoutSeconds)) {
    const why = rec.attempts?.length
      ? `no attempt succeeded within ${cfg.instanceTimeoutSeconds} s (last: ${rec.attempts!.at(-1)!.reason})`
      : `Nova still refused the evacuation after ${cfg.instanceTimeoutSeconds} s`;
    writes.push(r.finish(rec, 'timeout', null, why));
  }
  // Computed after the timeouts above: a group whose last instances just timed out lets the next one start.
  const group = r.group();
  const now = r.rt.now().getTime();
  const due = waiting.filter(
    (x) =>
      group?.ids.has(x.instanceId) &&
      !isFinal(r.records.get(x.instanceId)!.outcome) &&
      (!x.retryAt || Date.parse(x.retryAt) <= now),
  );
  const candidates = [...resend, ...due].slice(0, Math.max(0, cfg.concurrency - inFlight));
  let minDelayMs = 0;
  if (candidates.length > 0) {
    if (Date.now() - r.view.at > FRESH_MS) r.view = await readHost(r.rt, r.host);
    const results = await Promise.all(candidates.map((rec) => send(r, rec)));
    for (const [rec, inUse] of results) {
      r.records.set(rec.instanceId, rec);
      if (inUse) minDelayMs = IN_USE_RETRY_MS;
    }
  }
  return { writes, minDelayMs };
}

/** The round's result for the state machine: counts, the current group, when to look again, and at the end every result. */
function summarize(r: Round, minDelayMs: number): EvacuateRoundOutput {
  const left = r.open();
  // Our locks still on settled instances hold the loop open for a few tries; after that a later run lifts them.
  const unlocking = locksToRelease(r.records.values(), (x) => isFinal(x.outcome)).filter(
    (x) => (x.unlockTries ?? 0) < MAX_UNLOCK_TRIES,
  );
  const done = left.length === 0 && unlocking.length === 0;
  const group = r.group();
  const now = r.rt.now();
  const delay = Math.max(minDelayMs, roundFloorMs(r.round), MIN_GAP_MS, nextDueMs(r, left, unlocking.length > 0));
  return {
    round: r.round,
    done,
    pending: left.filter((x) => x.outcome === 'pending').length,
    inFlight: left.filter((x) => x.outcome === 'evacuating').length,
    finished: r.items.length - left.length,
    retrying: left.filter((x) => x.outcome === 'pending' && x.retryAt).length,
    ...(group ? { group: { value: group.value, position: group.position, of: group.of } } : {}),
    nextCheckAt: new Date(now.getTime() + (done ? 0 : delay)).toISOString(),
    listedAt: new Date(r.listedAt).toISOString(),
    ...(done ? { results: r.items.map((i) => stateOf(r.records.get(i.id)!, now.toISOString())) } : {}),
  };
}

/**
 * The soonest anything is due: a check of the evacuations in flight (adaptive), a retry whose
 * backoff ends, or an unlock to try again. A round with only retries waiting sleeps until the
 * first of them, so retries add rounds only when they are sent.
 */
function nextDueMs(r: Round, left: InstanceRecord[], unlocking: boolean): number {
  const ages = left
    .filter((x) => x.outcome === 'evacuating')
    .map((x) => r.elapsedS(x.acceptedAt ?? x.requestedAt ?? x.startedAt) * 1000);
  const expected = rebuildWindow(r);
  const maxIntervalMs = r.rt.config.evacuation.checkIntervalSeconds * 1000;
  const now = r.rt.now().getTime();
  // Only backoffs still running: a retry already due waits for a free slot, which the checks above bring.
  const retries = left
    .filter((x) => x.outcome === 'pending' && x.retryAt)
    .map((x) => Date.parse(x.retryAt!) - now)
    .filter((ms) => ms > 0);
  const due: number[] = [];
  if (ages.length) due.push(nextRoundDelayMs(ages, maxIntervalMs, r.round, expected));
  if (retries.length) due.push(Math.min(...retries));
  if (unlocking) due.push(maxIntervalMs);
  return due.length ? Math.min(...due) : nextRoundDelayMs([], maxIntervalMs, r.round, expected);
}

/**
 * How long Nova takes here, from its 200 to a listing that shows the instance moved: at most the
 * quickest accepted-to-recorded time so far, less what reading the host costs (a finish is
 * recorded only after the listing that shows it came back); and more than the time to the last
 * listing that still showed an instance in flight (the latest such below that bound, since
 * instances differ).
 */
function rebuildWindow(r: Round): RebuildWindow | undefined {
  const seen = [...r.records.values()].filter((x) => x.outcome === 'evacuated' && x.acceptedAt && x.finishedAt);
  if (seen.length === 0) return undefined;
  const since = (x: InstanceRecord, at: string) => Date.parse(at) - Date.parse(x.acceptedAt!);
  const latestMs = Math.max(0, Math.min(...seen.map((x) => since(x, x.finishedAt!))) - r.view.tookMs);
  const before = seen.map((x) => (x.inFlightAt ? since(x, x.inFlightAt) : 0)).filter((ms) => ms < latestMs);
  return { soonestMs: Math.max(0, ...before), latestMs };
}

/** An unanswered request may still be in Nova's hands until our own timeout has passed twice. */
function resendAfterMs(rt: Runtime): number {
  return 2 * rt.config.cloud.requestTimeoutSeconds * 1000;
}

/**
 * The pre-send read (S5) from the round's fresh listing, then our lock (first attempt only, see
 * evacuate-locks.ts) together with the request. Returns the record as it now stands, and whether
 * Nova refused because the source service still looks up.
 *
 * The lock and the evacuate are independent: Nova's lock only writes its database (no call to
 * the dead host) and leaves vm_state and task_state alone, and an admin's evacuate is not held by
 * a lock (compute API evacuate has no lock check; that check exempts admins anyway). Sent
 * together, the owner's window to delete or stop the instance as the move starts is one request
 * long, as it would be with the lock first.
 */
async function send(r: Round, rec: InstanceRecord): Promise<[InstanceRecord, boolean]> {
  const { rt, view } = r;
  const host = rec.sourceHost;
  const migrations = view.migrations.get(rec.instanceId) ?? [];
  // A retry counts Nova's migrations from where the failed attempt's ended (or, after a 5xx, from where it was sent).
  const before = rec.requests > 0 || rec.retryAt ? (rec.migrationId ?? 0) : migrations.length;
  const state = await assess(rt, view, host, rec.instanceId, before, rec.requests > 0);
  const now = rt.now().toISOString();
  const startedAt = rec.startedAt ?? now;
  const final = async (o: FinalOutcome, t: string | null, why: string | null): Promise<[InstanceRecord, boolean]> => [
    await r.finish({ ...rec, startedAt }, o, t, why),
    false,
  ];
  if (state === 'deleted') return final('skipped', null, 'the instance was deleted');
  if (state.kind === 'evacuated') return final('evacuated', state.targetHost, null);
  if (state.kind === 'failed') {
    const retry = isNoValidHost(state) ? { migrationId: migrations.length, minWaitMs: 0 } : null;
    return [await failAttempt(r, { ...rec, startedAt }, state.reason, retry), false];
  }
  if (state.kind === 'in-progress') {
    // Already moving (a run before ours sent it and lost its record): follow it, never send again.
    const following = { ...rec, outcome: 'evacuating' as const, startedAt, migrationId: rec.migrationId ?? before };
    await rt.store.putInstance(following);
    return [following, false];
  }
  const lock = await planLock(rt, rec, view.servers.get(rec.instanceId));
  const sent: InstanceRecord = {
    ...rec,
    ...lock.fields,
    outcome: 'evacuating',
    requests: rec.requests + 1,
    migrationId: migrations.length,
    startedAt,
    requestedAt: now,
    acceptedAt: null,
    retryAt: null,
  };
  // Written before the lock and the evacuate: a crash after either is seen on resume (S5, and our lock is lifted).
  await rt.store.putInstance(sent);
  if (!lock.take) return post(r, rec, sent);
  // Both requests go out together (neither can hold the other back): one round trip per wave
  // instead of two. The round lifts locks only after this returns, so never before ours landed.
  // The evacuate is issued first: nova-api serves a few requests at a time, and the move is what
  // the recovery waits for.
  const [[after, inUse], locked] = await Promise.all([post(r, rec, sent), takeLock(rt, sent)]);
  if (locked.lockedByUs !== false || after.lockedByUs === false) return [after, inUse];
  const refused = { ...after, lockedByUs: false }; // Nova refused the lock: nothing of ours to lift later
  await rt.store.putInstance(refused);
  return [refused, inUse];
}

/** The evacuate request itself, after its record is written; what Nova answered decides the record. */
async function post(r: Round, rec: InstanceRecord, sent: InstanceRecord): Promise<[InstanceRecord, boolean]> {
  const { rt } = r;
  const microversion =
    rt.config.evacuation.microversionPolicy === 'stopped-at-destination'
      ? MICROVERSION.evacuateStopped
      : MICROVERSION.evacuateClassic;
  try {
    await evacuateServer(rt.session, rec.instanceId, { targetHost: r.target, microversion });
  } catch (err) {
    if (err instanceof ComputeServiceInUseError) {
      // Refused outright: nothing is in flight. Back to waiting, with the clock of its timeout running (and our lock kept).
      const { lockedByUs, lockReason, lockedBefore } = sent;
      const back = {
        ...rec,
        lockedByUs,
        lockReason,
        lockedBefore,
        outcome: 'pending' as const,
        startedAt: sent.startedAt,
      };
      await rt.store.putInstance(back);
      return [back, true];
    }
    if (err instanceof ConflictError)
      return [await r.finish(sent, 'failed', null, `Nova refused the evacuation: ${err.message}`), false];
    if (err instanceof ApiServerError) {
      // An answer: the request failed. Retried after the backoff, and only once Nova shows nothing of ours in flight.
      const minWaitMs = GATEWAY_STATUSES.has(err.status) ? resendAfterMs(rt) : 0;
      const why = `Nova answered ${err.status} to the evacuate request`;
      return [await failAttempt(r, sent, why, { migrationId: sent.migrationId, minWaitMs }), false];
    }
    // No answer: it may or may not have arrived. The next rounds look before sending again.
    rt.log.warn('evacuate request got no answer; Nova is asked again before any resend', {
      incidentId: rec.incidentId,
      instanceId: rec.instanceId,
      error: String(err),
    });
    return [sent, false];
  }
  const accepted = { ...sent, acceptedAt: rt.now().toISOString() };
  await rt.store.putInstance(accepted);
  const what = `evacuating ${rec.name} (${rec.instanceId}) from ${rec.sourceHost}`;
  await recordEvent(rt, rec.incidentId, 'evacuate', what, rec.instanceId);
  return [accepted, false];
}
