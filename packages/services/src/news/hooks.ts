import { randomBytes, randomUUID } from "node:crypto";
import { db, type NotificationHook } from "@proofboard/db";
import { env } from "@proofboard/env";
import { NotFoundError } from "../errors";
import { refusedHookHost } from "./local-address";
import {
  bodyFor,
  HOOK_FORMATS,
  NEWS_EVENTS,
  pageUrl,
  PAYLOAD_VERSION,
  type HookFormat,
  type NewsEvent,
  type PingPayload,
} from "./payloads";

/** Webhook subscriptions: admins add, list, disable, delete, rotate the secret, ping. */

export class NewsInputError extends Error {}

const MAX_URL = 2000;

/** Only http(s), no credentials in it (the secret signs; a URL is shown on the page), no fragment. */
export function checkHookUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new NewsInputError(`not a URL: ${JSON.stringify(raw.slice(0, 80))}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new NewsInputError(`only http:// and https:// URLs can receive news, not ${url.protocol}`);
  if (!url.hostname) throw new NewsInputError("the URL has no host");
  const local = refusedHookHost(url);
  if (local) throw new NewsInputError(local);
  if (url.username || url.password)
    throw new NewsInputError("no user or password in the URL: the receiver checks the signature instead");
  url.hash = "";
  if (url.href.length > MAX_URL) throw new NewsInputError(`the URL is longer than ${MAX_URL} characters`);
  return url.href;
}

/**
 * How a URL is shown after it was added: scheme, host and the first path segment. A Slack webhook's
 * path is its secret, and the page (and the audit log's readers) need only to tell hooks apart.
 */
export function shownUrl(href: string): string {
  const url = new URL(href);
  const [first, ...rest] = url.pathname.split("/").filter(Boolean);
  return `${url.origin}${first ? `/${first}` : "/"}${rest.length || url.search ? "/…" : ""}`;
}

const SECRET = /^[\x21-\x7e]{16,200}$/;

function newSecret(): string {
  return `pbwh_${randomBytes(24).toString("base64url")}`;
}

function checkSecret(given: string | undefined): string {
  if (given === undefined || given === "") return newSecret();
  if (!SECRET.test(given))
    throw new NewsInputError(
      "a secret is 16-200 printable characters without spaces (or leave it empty for a generated one)",
    );
  return given;
}

const PATTERN = /^[^\x00-\x1f\x7f,]{1,200}$/;

/** Comma-separated branch patterns, `*` matching anything (release/* takes release/2026.11); empty: all. */
export function checkBranchFilter(raw: string | null | undefined): string | null {
  const parts = (raw ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) return null;
  if (parts.length > 20) throw new NewsInputError("at most 20 branch patterns");
  for (const p of parts)
    if (!PATTERN.test(p)) throw new NewsInputError(`not a branch pattern: ${JSON.stringify(p.slice(0, 80))}`);
  return parts.join(",");
}

export function branchMatches(filter: string | null, branch: string): boolean {
  if (!filter) return true;
  return filter.split(",").some((p) =>
    new RegExp(
      `^${p
        .split("*")
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*")}$`,
      "s",
    ).test(branch),
  );
}

export interface HookInput {
  name: string;
  url: string;
  secret?: string;
  format: HookFormat;
  events: NewsEvent[];
  branchFilter?: string | null;
}

export interface HookInfo {
  id: string;
  name: string;
  url: string;
  format: HookFormat;
  events: NewsEvent[];
  branchFilter: string | null;
  enabled: boolean;
  createdBy: string | null;
  createdAt: string;
  /** the secret's first characters, so a person can tell which one a receiver holds */
  secretHint: string;
  counts: { pending: number; delivered: number; failed: number };
  lastDelivery: { status: string; at: string; responseStatus: number | null } | null;
}

const hint = (secret: string) => `${secret.slice(0, secret.startsWith("pbwh_") ? 9 : 4)}…`;

function checkInput(input: HookInput) {
  const name = input.name.trim();
  if (!/^[^\x00-\x1f\x7f]{1,64}$/.test(name))
    throw new NewsInputError("a name is 1-64 characters, no control characters");
  if (!HOOK_FORMATS.includes(input.format)) throw new NewsInputError(`format is one of ${HOOK_FORMATS.join(", ")}`);
  const events = [...new Set(input.events)];
  if (events.length === 0 || events.some((e) => !NEWS_EVENTS.includes(e)))
    throw new NewsInputError(`events: one or more of ${NEWS_EVENTS.join(", ")}`);
  return {
    name,
    url: checkHookUrl(input.url),
    format: input.format,
    events,
    branchFilter: checkBranchFilter(input.branchFilter),
  };
}

/** The new hook and its secret: the one time the secret leaves the server. */
export async function createHook(input: HookInput, createdBy: string): Promise<{ hook: HookInfo; secret: string }> {
  const data = checkInput(input);
  const secret = checkSecret(input.secret);
  const row = await db().notificationHook.create({ data: { ...data, secret, createdBy } });
  return { hook: (await hookInfos([row]))[0]!, secret };
}

async function hookInfos(rows: NotificationHook[]): Promise<HookInfo[]> {
  const ids = rows.map((r) => r.id);
  const counts = ids.length
    ? await db().notificationDelivery.groupBy({
        by: ["target", "status"],
        where: { target: { in: ids } },
        _count: { _all: true },
      })
    : [];
  const last = ids.length
    ? await db().notificationDelivery.findMany({
        where: { target: { in: ids } },
        orderBy: { createdAt: "desc" },
        distinct: ["target"],
        select: { target: true, status: true, createdAt: true, lastAttemptAt: true, responseStatus: true },
      })
    : [];
  return rows.map((r) => {
    const of = (status: string) =>
      counts
        .filter((c) => c.target === r.id && (c.status === status || (status === "pending" && c.status === "sending")))
        .reduce((n, c) => n + c._count._all, 0);
    const l = last.find((d) => d.target === r.id);
    return {
      id: r.id,
      name: r.name,
      url: shownUrl(r.url),
      format: r.format as HookFormat,
      events: r.events as NewsEvent[],
      branchFilter: r.branchFilter,
      enabled: r.enabled,
      createdBy: r.createdBy,
      createdAt: r.createdAt.toISOString(),
      secretHint: hint(r.secret),
      counts: { pending: of("pending"), delivered: of("delivered"), failed: of("failed") },
      lastDelivery: l
        ? { status: l.status, at: (l.lastAttemptAt ?? l.createdAt).toISOString(), responseStatus: l.responseStatus }
        : null,
    };
  });
}

export async function listHooks(): Promise<HookInfo[]> {
  return hookInfos(await db().notificationHook.findMany({ orderBy: { createdAt: "asc" } }));
}

async function hookById(id: string): Promise<NotificationHook> {
  const hook = await db().notificationHook.findUnique({ where: { id } });
  if (!hook) throw new NotFoundError("hook", id);
  return hook;
}

/** A disabled hook keeps its deliveries; those still pending wait until it is enabled again. */
export async function setHookEnabled(id: string, enabled: boolean): Promise<HookInfo> {
  await hookById(id);
  const row = await db().notificationHook.update({ where: { id }, data: { enabled } });
  return (await hookInfos([row]))[0]!;
}

export async function deleteHook(id: string): Promise<void> {
  await hookById(id);
  await db().notificationHook.delete({ where: { id } });
}

/** A new secret, shown once; deliveries signed from now on use it. */
export async function rotateHookSecret(id: string, given?: string): Promise<{ secret: string }> {
  await hookById(id);
  const secret = checkSecret(given);
  await db().notificationHook.update({ where: { id }, data: { secret } });
  return { secret };
}

export function publicBase(): string {
  return env().PROOFBOARD_PUBLIC_URL ?? env().PROOFBOARD_API_URL;
}

/** A test message to one hook, sent by the next tick of the delivery loop (whether the hook is enabled or not: it is a test). */
export async function pingHook(id: string): Promise<{ deliveryId: string }> {
  const hook = await hookById(id);
  const key = `ping:${randomUUID()}`;
  const at = new Date();
  const payload: PingPayload = {
    version: PAYLOAD_VERSION,
    event: "ping",
    id: key,
    at: at.toISOString(),
    repository: null,
    hook: { id: hook.id, name: hook.name },
    url: pageUrl(publicBase(), "/news"),
  };
  const event = await db().notificationEvent.create({ data: { key, kind: "ping", payload: { ...payload }, at } });
  const delivery = await db().notificationDelivery.create({
    data: {
      eventId: event.id,
      hookId: hook.id,
      target: hook.id,
      url: hook.url,
      body: bodyFor(hook.format as HookFormat, payload),
      nextAttemptAt: at,
    },
  });
  return { deliveryId: delivery.id };
}
