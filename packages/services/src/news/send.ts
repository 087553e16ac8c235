import { db } from "@proofboard/db";
import { forgeConfig, forgeHeaders } from "./forge";
import { refusedDeliveryHost } from "./local-address";
import { signature } from "./payloads";

/**
 * The delivery loop's sending half: claim due deliveries (FOR UPDATE SKIP LOCKED, so web processes
 * never take the same row), POST each once, record the answer. 2xx is delivered; anything else is
 * tried again after 30 s, 2 min, 10 min, 1 h, 3 h, 6 h, then failed. Redirects are not followed.
 */

export const RETRY_DELAYS_SECONDS = [30, 120, 600, 3600, 3 * 3600, 6 * 3600];
export const MAX_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;
export const SEND_TIMEOUT_MS = 10_000;
export const EXCERPT_BYTES = 2048;
/** A claimed row whose sender died is taken over after this long. */
const LEASE_MS = SEND_TIMEOUT_MS * 6;

interface Claimed {
  id: string;
  kind: string;
  target: string;
  url: string;
  body: string;
  attempts: number;
  secret: string | null;
  supersede_key: string | null;
  seq: bigint | null;
}

export interface Outcome {
  delivered: boolean;
  responseStatus: number | null;
  excerpt: string | null;
  error: string | null;
}

/** At most EXCERPT_BYTES of the answer, as text without NULs (it is stored and shown as data). */
async function readExcerpt(res: Response): Promise<{ text: string; error: string | null }> {
  if (!res.body) return { text: "", error: null };
  const reader: ReadableStreamDefaultReader<Uint8Array> = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let error: string | null = null;
  try {
    while (size < EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch (err) {
    error = `the answer's body did not arrive whole: ${describe(err)}`;
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  const bytes = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES);
  return { text: new TextDecoder("utf-8").decode(bytes).replace(/\u0000/g, ""), error };
}

function describe(err: unknown): string {
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError"))
    return `no answer within ${SEND_TIMEOUT_MS / 1000} s`;
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  const text = cause?.message ?? (err instanceof Error ? err.message : String(err));
  return `${cause?.code && !text.includes(cause.code) ? `${cause.code}: ` : ""}${text}`
    .replace(/[\x00-\x1f\x7f]/g, " ")
    .slice(0, 300);
}

/** One POST; never throws. */
export async function post(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs = SEND_TIMEOUT_MS,
): Promise<Outcome> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    return { delivered: false, responseStatus: null, excerpt: null, error: describe(err) };
  }
  const { text, error } = await readExcerpt(res);
  const ok = res.status >= 200 && res.status < 300;
  if (ok) return { delivered: true, responseStatus: res.status, excerpt: text, error };
  const location = res.headers.get("location");
  const why =
    res.status >= 300 && res.status < 400
      ? `redirect${location ? ` to ${location.replace(/[\x00-\x1f\x7f]/g, " ").slice(0, 200)}` : ""} not followed: give the final URL`
      : `HTTP ${res.status}`;
  return { delivered: false, responseStatus: res.status, excerpt: text, error: why };
}

async function claim(limit: number): Promise<Claimed[]> {
  const now = new Date();
  const lease = new Date(now.getTime() + LEASE_MS);
  return db().$queryRaw<Claimed[]>`
    UPDATE notification_delivery d
    SET status = 'sending', attempts = d.attempts + 1, last_attempt_at = ${now}, next_attempt_at = ${lease}
    FROM notification_event e
    WHERE e.id = d.event_id AND d.id IN (
      SELECT x.id FROM notification_delivery x
      JOIN notification_event xe ON xe.id = x.event_id
      LEFT JOIN notification_hook h ON h.id = x.hook_id
      WHERE x.status IN ('pending', 'sending') AND x.next_attempt_at <= ${now}
        AND (x.target = 'forge' OR h.enabled OR xe.kind = 'ping')
      ORDER BY x.next_attempt_at LIMIT ${limit}
      FOR UPDATE OF x SKIP LOCKED)
    RETURNING d.id::text AS id, e.kind, d.target, d.url, d.body, d.attempts, d.supersede_key, d.seq,
      (SELECT secret FROM notification_hook h WHERE h.id = d.hook_id) AS secret`;
}

async function deliver(row: Claimed): Promise<Outcome | "superseded"> {
  const common = { "content-type": "application/json", "user-agent": "Proofboard-News/1" };
  if (row.target === "forge") {
    if (row.supersede_key !== null) {
      const newer = await db().notificationDelivery.count({
        where: { supersedeKey: row.supersede_key, seq: { gt: row.seq ?? 0n } },
      });
      if (newer > 0) return "superseded";
    }
    const forge = forgeConfig();
    if (!forge)
      return {
        delivered: false,
        responseStatus: null,
        excerpt: null,
        error: "PROOFBOARD_FORGE is not set any more: not sent",
      };
    return post(row.url, { ...common, ...forgeHeaders(forge) }, row.body);
  }
  if (row.secret === null)
    return { delivered: false, responseStatus: null, excerpt: null, error: "the hook was deleted" };
  const refused = await refusedDeliveryHost(new URL(row.url));
  if (refused) return { delivered: false, responseStatus: null, excerpt: null, error: refused };
  const timestamp = Math.floor(Date.now() / 1000);
  return post(
    row.url,
    {
      ...common,
      "x-proofboard-event": row.kind,
      "x-proofboard-delivery": row.id,
      "x-proofboard-timestamp": String(timestamp),
      "x-proofboard-signature": signature(row.secret, timestamp, row.body),
    },
    row.body,
  );
}

async function settle(
  row: Claimed,
  outcome: Outcome | "superseded",
): Promise<"delivered" | "retry" | "failed" | "superseded"> {
  // Only the claim that is still current writes (a sender past its lease lost the row to another).
  const mine = { id: row.id, status: "sending", attempts: row.attempts };
  if (outcome === "superseded") {
    await db().notificationDelivery.updateMany({
      where: mine,
      data: {
        status: "superseded",
        nextAttemptAt: null,
        error: "a newer status for this commit and context came first: not sent",
      },
    });
    return "superseded";
  }
  const answer = { responseStatus: outcome.responseStatus, responseExcerpt: outcome.excerpt, error: outcome.error };
  if (outcome.delivered) {
    await db().notificationDelivery.updateMany({
      where: mine,
      data: { ...answer, status: "delivered", deliveredAt: new Date(), nextAttemptAt: null },
    });
    return "delivered";
  }
  const giveUp = row.attempts >= MAX_ATTEMPTS || (row.secret === null && row.target !== "forge");
  const delay = RETRY_DELAYS_SECONDS[Math.min(row.attempts, RETRY_DELAYS_SECONDS.length) - 1]!;
  await db().notificationDelivery.updateMany({
    where: mine,
    data: giveUp
      ? { ...answer, status: "failed", nextAttemptAt: null }
      : { ...answer, status: "pending", nextAttemptAt: new Date(Date.now() + delay * 1000) },
  });
  return giveUp ? "failed" : "retry";
}

/** Sends what is due, a batch at a time, in parallel; returns how each ended. */
export async function sendDue(
  limit = 20,
): Promise<{ delivered: number; retry: number; failed: number; superseded: number }> {
  const counts = { delivered: 0, retry: 0, failed: 0, superseded: 0 };
  const rows = await claim(limit);
  const ends = await Promise.all(rows.map(async (row) => settle(row, await deliver(row))));
  for (const end of ends) counts[end]++;
  return counts;
}
