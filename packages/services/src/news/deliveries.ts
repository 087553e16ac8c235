import { db } from "@proofboard/db";
import { ConflictError, NotFoundError } from "../errors";
import { makeEvents } from "./events";
import { headline, type NewsPayload } from "./payloads";
import { sendDue } from "./send";

export interface DeliveryInfo {
  id: string;
  event: string;
  eventId: string;
  branch: string | null;
  /** what the event says, in one line (plain text) */
  summary: string;
  url: string;
  status: string;
  attempts: number;
  responseStatus: number | null;
  /** at most 2 KB of the answer, as text */
  responseExcerpt: string | null;
  error: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** The newest deliveries of one hook, or of the forge's commit statuses (target "forge"). */
export async function listDeliveries(target: string, limit = 50): Promise<DeliveryInfo[]> {
  if (
    target !== "forge" &&
    !(await db().notificationHook.findUnique({ where: { id: target }, select: { id: true } }))
  ) {
    throw new NotFoundError("hook", target);
  }
  const rows = await db().notificationDelivery.findMany({
    where: { target },
    orderBy: { createdAt: "desc" },
    take: Math.min(Math.max(limit, 1), 200),
    include: { event: true },
  });
  return rows.map((d) => ({
    id: d.id,
    event: d.event.kind,
    eventId: d.event.key,
    branch: d.event.branch,
    summary: headline(d.event.payload as unknown as NewsPayload),
    // the forge's URL names only the repository and commit; a hook's is shown as on the hook
    url: d.target === "forge" ? d.url : "",
    status: d.status,
    attempts: d.attempts,
    responseStatus: d.responseStatus,
    responseExcerpt: d.responseExcerpt,
    error: d.error,
    createdAt: d.createdAt.toISOString(),
    lastAttemptAt: iso(d.lastAttemptAt),
    nextAttemptAt: iso(d.nextAttemptAt),
    deliveredAt: iso(d.deliveredAt),
  }));
}

/** Sends a delivery again now, with the same body and a full set of retries (a new signature and timestamp). */
export async function redeliver(id: string): Promise<{ target: string }> {
  const d = await db().notificationDelivery.findUnique({ where: { id } });
  if (!d) throw new NotFoundError("delivery", id);
  if (d.status === "sending") throw new ConflictError("this delivery is being sent right now");
  if (d.status === "superseded")
    throw new ConflictError("a newer status for this commit and context was sent: sending this one would overwrite it");
  await db().notificationDelivery.updateMany({
    where: { id, status: { not: "sending" } },
    data: { status: "pending", attempts: 0, nextAttemptAt: new Date() },
  });
  return { target: d.target };
}

/** Events (and their deliveries) are kept this long once nothing of them is left to send. */
export const NEWS_KEEP_DAYS = 90;
let lastPrune = 0;

/** Forgets old news, at most hourly per process; what still waits to be sent stays whatever its age. */
export async function pruneNews(keepDays = NEWS_KEEP_DAYS): Promise<number> {
  const before = new Date(Date.now() - keepDays * 86_400_000);
  return db().$executeRaw`DELETE FROM notification_event e WHERE e.created_at < ${before}
    AND NOT EXISTS (SELECT 1 FROM notification_delivery d WHERE d.event_id = e.id AND d.status IN ('pending', 'sending'))`;
}

let ticking = false;

/** One turn of the web process's news loop: new events, then what is due. Never two at once in a process. */
export async function newsTick(): Promise<{ events: number; delivered: number; retry: number; failed: number } | null> {
  if (ticking) return null;
  ticking = true;
  try {
    if (Date.now() - lastPrune > 3_600_000) {
      lastPrune = Date.now();
      await pruneNews();
    }
    const made = await makeEvents();
    const sent = await sendDue();
    return {
      events: made.readiness + made.failedLanes,
      delivered: sent.delivered,
      retry: sent.retry,
      failed: sent.failed,
    };
  } finally {
    ticking = false;
  }
}
