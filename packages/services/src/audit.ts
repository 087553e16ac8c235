import { db, type Prisma } from "@proofboard/db";
import { logger } from "@proofboard/log";

/**
 * The audit log: who changed what, when and from where. Everything stored here came from outside
 * (names, addresses, inputs), so it is bounded and stripped of what PostgreSQL or a terminal
 * would choke on before it is written, and secrets never reach it.
 */

export const AUDIT_INPUT_MAX_BYTES = 2048;
const MAX_STRING = 200;
const MAX_ITEMS = 20;
const MAX_KEYS = 30;
const MAX_DEPTH = 5;
/** Keys whose values are secrets: kept as "[redacted]", never stored. */
const SECRET_KEY = /pass(word|wd|phrase)?|token|secret|cookie|authorization|credential|api[-_]?key|private[-_]?key/i;

/** A lone surrogate cannot be stored as JSONB or TEXT. */
function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

/** One line of text: no control characters (PostgreSQL refuses NUL; terminals obey escapes), well-formed, bounded. */
export function auditText(value: string, max = MAX_STRING): string {
  const clean = wellFormed(value).replace(/[\x00-\x1f\x7f-\x9f]/g, "?");
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

function sanitize(value: unknown, depth: number): Prisma.InputJsonValue | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return auditText(value);
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "boolean") return value;
  if (typeof value !== "object") return `[${typeof value}]`;
  if (depth >= MAX_DEPTH) return "[nested too deep]";
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((v) => sanitize(v, depth + 1));
    return value.length > MAX_ITEMS ? [...items, `[${value.length - MAX_ITEMS} more]`] : items;
  }
  const out: Record<string, Prisma.InputJsonValue | null> = {};
  const entries = Object.entries(value);
  for (const [key, v] of entries.slice(0, MAX_KEYS)) {
    out[auditText(key, 64)] = SECRET_KEY.test(key) ? "[redacted]" : sanitize(v, depth + 1);
  }
  if (entries.length > MAX_KEYS) out["[more keys]"] = entries.length - MAX_KEYS;
  return out;
}

/**
 * An input as data for the log: secrets redacted, strings and lists cut, at most 2 KB of JSON;
 * a bigger one is kept as the start of its JSON text, marked as cut.
 */
export function auditInput(value: unknown, opts: { omit?: readonly string[] } = {}): Prisma.InputJsonValue | null {
  let input = value;
  if (opts.omit && input && typeof input === "object" && !Array.isArray(input)) {
    const copy: Record<string, unknown> = { ...(input as Record<string, unknown>) };
    for (const key of opts.omit) {
      const v = copy[key];
      if (v !== undefined) copy[key] = typeof v === "string" ? `[${v.length} characters, not stored]` : "[not stored]";
    }
    input = copy;
  }
  const clean = sanitize(input, 0);
  if (clean === null) return null;
  const text = JSON.stringify(clean);
  if (Buffer.byteLength(text, "utf8") <= AUDIT_INPUT_MAX_BYTES) return clean;
  // Cut by characters until it fits in bytes: multi-byte text must not overshoot.
  let preview = text.slice(0, AUDIT_INPUT_MAX_BYTES - 100);
  while (Buffer.byteLength(preview, "utf8") > AUDIT_INPUT_MAX_BYTES - 100)
    preview = preview.slice(0, Math.floor(preview.length * 0.9));
  return { cut: true, bytes: Buffer.byteLength(text, "utf8"), preview: wellFormed(preview) };
}

export interface AuditEventInput {
  actor: string;
  userId?: string | null;
  role: string;
  address: string;
  action: string;
  runId?: string | null;
  branch?: string | null;
  lane?: string | null;
  repository?: string | null;
  summary?: string | null;
  input?: Prisma.InputJsonValue | null;
  outcome: string;
}

const optionalText = (s: string | null | undefined, max = MAX_STRING) =>
  typeof s === "string" && s ? auditText(s, max) : null;

/**
 * Writes one row. The log must never cost the action it records: a failed write is logged and
 * swallowed (the caller's mutation already happened, or was already refused).
 */
export async function recordAuditEvent(ev: AuditEventInput): Promise<void> {
  try {
    await db().auditEvent.create({
      data: {
        actor: auditText(ev.actor, 100),
        userId: ev.userId ?? null,
        role: auditText(ev.role, 32),
        address: auditText(ev.address, 64),
        action: auditText(ev.action, 100),
        runId: optionalText(ev.runId, 64),
        branch: optionalText(ev.branch, 255),
        lane: optionalText(ev.lane),
        repository: optionalText(ev.repository),
        summary: optionalText(ev.summary, 500),
        input: ev.input ?? undefined,
        outcome: auditText(ev.outcome, 64),
      },
    });
  } catch (err) {
    logger("audit").error("audit event not recorded", { action: ev.action, actor: ev.actor, err });
  }
}

export type AuditEventRow = Awaited<ReturnType<typeof listAuditEvents>>[number];

/** Where the previous page ended: its last row's time and id, since several rows can share a millisecond. */
export interface AuditCursor {
  at: Date;
  id?: string;
}

/** "<ISO time>~<id>" (a row's cursor) or a bare ISO time; null when it is neither. */
export function parseAuditCursor(s: string): AuditCursor | null {
  const [iso = "", id] = s.split("~", 2);
  const at = new Date(iso);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(iso) || Number.isNaN(at.getTime())) return null;
  if (id !== undefined && !/^[0-9a-f-]{36}$/i.test(id)) return null;
  return { at, id };
}

export const auditCursor = (row: { at: Date; id: string }) => `${row.at.toISOString()}~${row.id}`;

/** Newest first, a page at a time, from just after the previous page's last row. */
export async function listAuditEvents(q: {
  before?: AuditCursor;
  limit: number;
  actor?: string;
  action?: string;
  runId?: string;
}) {
  const before = q.before;
  return db().auditEvent.findMany({
    where: {
      ...(before
        ? { OR: [{ at: { lt: before.at } }, ...(before.id ? [{ at: before.at, id: { lt: before.id } }] : [])] }
        : {}),
      ...(q.actor ? { actor: q.actor } : {}),
      ...(q.action ? { action: { startsWith: q.action } } : {}),
      ...(q.runId ? { runId: q.runId } : {}),
    },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take: q.limit,
  });
}

/** What a run page says happened to the run: successful actions only, keystrokes and resizes left out. */
export const NOT_SHOWN_ON_RUN = ["runs.input", "operations.resize"] as const;

export async function auditEventsForRun(runId: string) {
  return db().auditEvent.findMany({
    where: { runId, outcome: "ok", action: { notIn: [...NOT_SHOWN_ON_RUN] } },
    orderBy: { at: "desc" },
    take: 50,
    select: { at: true, actor: true, action: true, summary: true },
  });
}

/** The first X-Forwarded-For / X-Real-IP address (the trusted proxy's), else "local": as the API's context has it. */
export function requestAddress(headers: Headers): string {
  const forwarded = headers.get("x-forwarded-for")?.split(",")[0]?.trim() || headers.get("x-real-ip")?.trim();
  return forwarded ? forwarded.replace(/[^\x21-\x7e]/g, "").slice(0, 64) || "local" : "local";
}

/**
 * A webhook delivery as an audit row: the forge is the actor. The branch is read from the payload
 * only once the delivery got past the signature check (any answer but 401/413/503).
 */
export async function recordWebhookAudit(
  provider: string,
  headers: Headers,
  rawBody: Buffer,
  status: number,
  answer: string,
): Promise<void> {
  const signed = ![401, 413, 503].includes(status);
  let branch: string | null = null;
  if (signed) {
    try {
      const ref = (JSON.parse(rawBody.toString("utf8")) as { ref?: unknown }).ref;
      if (typeof ref === "string") branch = ref.replace(/^refs\/heads\//, "");
    } catch {
      // not JSON: the answer already says so
    }
  }
  const outcome =
    status < 300 ? "ok" : status === 401 ? "refused: UNAUTHORIZED" : status < 500 ? `refused: ${status}` : "error";
  await recordAuditEvent({
    actor: provider,
    role: "webhook",
    address: requestAddress(headers),
    action: `webhook.${provider}`,
    branch,
    summary: `${status} ${answer}`,
    outcome,
  });
}
