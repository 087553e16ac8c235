import { CatalogError } from "@proofboard/domain";
import { db, Prisma, type NotificationHook } from "@proofboard/db";
import { env } from "@proofboard/env";
import { branchHref } from "@proofboard/domain/links";
import { catalogAt } from "../catalogs";
import { readinessChangesAfter } from "../readiness-timeline";
import { forgeConfig, statusContext, statusRequest } from "./forge";
import { branchMatches, publicBase } from "./hooks";
import {
  bodyFor,
  pageUrl,
  PAYLOAD_VERSION,
  type HookFormat,
  type LaneFailedPayload,
  type NewsPayload,
  type ReadinessPayload,
} from "./payloads";

/**
 * The event makers: read what happened since the cursor (readiness_change by id, failed runs by
 * finished_at), make each event once (its key is unique) and its deliveries with it. Several web
 * processes may do this at once: ON CONFLICT makes the second one a no-op.
 *
 * Readiness changes are read after the last id seen (the recorder commits ids in ascending order).
 * Failed runs are read by finish time with an hour's look-back, because a finish time is taken
 * before its transaction commits: a run can appear behind the cursor. The event's unique key makes
 * seeing it twice harmless; a NOT EXISTS keeps the look-back cheap.
 */

const RUN_LOOKBACK_MS = 60 * 60 * 1000;
const BATCH = 500;

type Tx = Prisma.TransactionClient;

async function cursor(
  name: string,
  start: () => Promise<{ position: bigint; at: Date }>,
): Promise<{ position: bigint; at: Date }> {
  const found = await db().notificationCursor.findUnique({ where: { name } });
  if (found) return found;
  // First run: news starts now, not with the history already recorded.
  const first = await start();
  await db().notificationCursor.createMany({ data: [{ name, ...first }], skipDuplicates: true });
  return (await db().notificationCursor.findUnique({ where: { name } }))!;
}

async function advance(name: string, position: bigint, at: Date): Promise<void> {
  await db()
    .$executeRaw`UPDATE notification_cursor SET position = GREATEST(position, ${position}), at = GREATEST(at, ${at}) WHERE name = ${name}`;
}

interface Delivery {
  hookId: string | null;
  target: string;
  url: string;
  body: string;
  supersedeKey?: string;
  seq?: bigint;
}

/** The event and its deliveries, or nothing when another process made it first. */
async function record(
  key: string,
  kind: string,
  repositoryId: string | null,
  branch: string | null,
  payload: NewsPayload,
  at: Date,
  deliveries: Delivery[],
): Promise<boolean> {
  return db().$transaction(async (tx: Tx) => {
    const made = await tx.$queryRaw<{ id: string }[]>`
      INSERT INTO notification_event (key, kind, repository_id, branch, payload, at)
      VALUES (${key}, ${kind}, ${repositoryId}, ${branch}, ${JSON.stringify(payload)}::jsonb, ${at})
      ON CONFLICT (key) DO NOTHING RETURNING id`;
    const eventId = made[0]?.id;
    if (!eventId) return false;
    const now = new Date();
    for (const d of deliveries) {
      if (d.supersedeKey) {
        await tx.notificationDelivery.updateMany({
          where: { supersedeKey: d.supersedeKey, seq: { lt: d.seq }, status: "pending" },
          data: {
            status: "superseded",
            nextAttemptAt: null,
            error: "a newer status for this commit and context came first: not sent",
          },
        });
      }
    }
    if (deliveries.length) {
      await tx.notificationDelivery.createMany({
        data: deliveries.map((d) => ({ ...d, eventId, nextAttemptAt: now })),
        skipDuplicates: true,
      });
    }
    return true;
  });
}

function hookWants(hook: NotificationHook, kind: string, branch: string, at: Date): boolean {
  return (
    hook.enabled &&
    hook.events.includes(kind) &&
    branchMatches(hook.branchFilter, branch) &&
    hook.createdAt.getTime() <= at.getTime()
  );
}

const toHooks = (hooks: NotificationHook[], p: ReadinessPayload | LaneFailedPayload, at: Date): Delivery[] =>
  hooks
    .filter((h) => hookWants(h, p.event, p.branch, at))
    .map((h) => ({ hookId: h.id, target: h.id, url: h.url, body: bodyFor(h.format as HookFormat, p) }));

async function readinessEvents(hooks: NotificationHook[]): Promise<number> {
  const c = await cursor("readiness", async () => {
    const [row] = await db().$queryRaw<{ max: bigint | null }[]>`SELECT max(id) AS max FROM readiness_change`;
    return { position: row?.max ?? 0n, at: new Date() };
  });
  // The recorder commits ids in ascending order, so the cursor alone misses nothing.
  const rows = await readinessChangesAfter(c.position, BATCH);
  if (rows.length === 0) return 0;
  const repos = new Map(
    (await db().repository.findMany({ select: { id: true, name: true } })).map((r) => [r.name, r.id]),
  );
  const base = publicBase();
  const forge = forgeConfig();
  let made = 0;
  for (const r of rows) {
    const key = `readiness:${r.id}`;
    const payload: ReadinessPayload = {
      version: PAYLOAD_VERSION,
      event: r.gate === null ? "readiness.changed" : "gate.changed",
      id: key,
      at: r.at.toISOString(),
      repository: r.repository,
      branch: r.branch,
      commit: r.commitSha,
      commitSubject: r.commitSubject,
      gate: r.gate,
      ready: r.ready,
      missing: r.missing,
      initial: r.initial,
      run: r.runId ? { id: r.runId, url: pageUrl(base, `/runs/${r.runId}`) } : null,
      url: pageUrl(base, branchHref(r.branch)),
    };
    // The first verdict is a starting point: no news, but the forge gets the commit's state.
    const deliveries = r.initial ? [] : toHooks(hooks, payload, r.at);
    const status = forge && r.repository === env().PROOFBOARD_TARGET_NAME ? statusRequest(forge, payload) : null;
    if (status)
      deliveries.push({
        hookId: null,
        target: "forge",
        ...status,
        supersedeKey: `${r.commitSha} ${statusContext(r.gate)}`,
        seq: BigInt(r.id),
      });
    if (await record(key, payload.event, repos.get(r.repository) ?? null, r.branch, payload, r.at, deliveries)) made++;
  }
  await advance("readiness", BigInt(rows.at(-1)!.id), c.at);
  return made;
}

interface FailedRow {
  id: string;
  repository_id: string;
  repository: string;
  repository_url: string;
  branch_name: string;
  commit_sha: string;
  lane: string;
  status: "failed" | "timed_out";
  failure_kind: string | null;
  reason: string | null;
  attempt: number;
  finished_at: Date;
}

/** The release gates a lane belongs to at its commit; null when the catalog cannot be read now (try again later). */
async function releaseGates(r: FailedRow): Promise<string[] | null> {
  try {
    const { catalog } = await catalogAt(
      { id: r.repository_id, name: r.repository, url: r.repository_url },
      r.commit_sha,
    );
    return catalog.gates.filter((g) => g.release && g.lanes.includes(r.lane)).map((g) => g.id);
  } catch (err) {
    if (err instanceof CatalogError) return [];
    return null;
  }
}

/** A run that ended failed or timed out: a verdict on the commit. error and lost are infrastructure, retried by Proofboard itself. */
async function failedLaneEvents(hooks: NotificationHook[]): Promise<number> {
  const c = await cursor("failed-runs", () => Promise.resolve({ position: 0n, at: new Date() }));
  const since = new Date(c.at.getTime() - RUN_LOOKBACK_MS);
  const rows = await db().$queryRaw<FailedRow[]>`
    SELECT r.id::text AS id, r.repository_id, repo.name AS repository, repo.url AS repository_url, r.branch_name, r.commit_sha, r.lane,
           r.status::text AS status, r.failure_kind::text AS failure_kind, r.reason, r.attempt, r.finished_at
    FROM run r JOIN repository repo ON repo.id = r.repository_id
    WHERE r.status IN ('failed', 'timed_out') AND r.finished_at > ${since}
      AND NOT EXISTS (SELECT 1 FROM notification_event e WHERE e.key = 'run:' || r.id::text)
    ORDER BY r.finished_at LIMIT ${BATCH}`;
  const base = publicBase();
  let made = 0;
  let latest = c.at;
  for (const r of rows) {
    const gates = await releaseGates(r);
    if (gates === null) continue;
    if (r.finished_at > latest) latest = r.finished_at;
    const key = `run:${r.id}`;
    const payload: LaneFailedPayload = {
      version: PAYLOAD_VERSION,
      event: "lane.failed",
      id: key,
      at: r.finished_at.toISOString(),
      repository: r.repository,
      branch: r.branch_name,
      commit: r.commit_sha,
      lane: r.lane,
      gates,
      status: r.status,
      failureKind: r.failure_kind,
      reason: r.reason,
      attempt: r.attempt,
      run: { id: r.id, url: pageUrl(base, `/runs/${r.id}`) },
      url: pageUrl(base, branchHref(r.branch_name)),
    };
    const deliveries = gates.length ? toHooks(hooks, payload, r.finished_at) : [];
    if (await record(key, "lane.failed", r.repository_id, r.branch_name, payload, r.finished_at, deliveries)) made++;
  }
  // Nothing is left behind the cursor but the look-back: move it on, so the scan stays short.
  if (rows.length < BATCH) latest = new Date(Math.max(latest.getTime(), Date.now() - RUN_LOOKBACK_MS));
  await advance("failed-runs", 0n, latest);
  return made;
}

/** Events since the cursors. With no hook enabled and no forge configured, the cursors only move on. */
export async function makeEvents(): Promise<{ readiness: number; failedLanes: number }> {
  const hooks = await db().notificationHook.findMany({ where: { enabled: true } });
  if (hooks.length === 0 && !forgeConfig()) {
    await cursor("readiness", () => Promise.resolve({ position: 0n, at: new Date() }));
    await cursor("failed-runs", () => Promise.resolve({ position: 0n, at: new Date() }));
    await db()
      .$executeRaw`UPDATE notification_cursor SET position = GREATEST(position, (SELECT coalesce(max(id), 0) FROM readiness_change)) WHERE name = 'readiness'`;
    await db().$executeRaw`UPDATE notification_cursor SET at = GREATEST(at, ${new Date()}) WHERE name = 'failed-runs'`;
    return { readiness: 0, failedLanes: 0 };
  }
  return { readiness: await readinessEvents(hooks), failedLanes: await failedLaneEvents(hooks) };
}
