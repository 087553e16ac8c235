import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { db, type Repository } from "@proofboard/db";
import { env } from "@proofboard/env";
import { checkRefName } from "@proofboard/git";
import { syncRepository, type SyncSummary } from "./sync";

/**
 * Push webhooks: a signed "something moved" from the forge makes Proofboard sync now instead of at
 * the next poll. The payload is only a trigger and a hint; branches and commits still come from git.
 */

export const WEBHOOK_PROVIDERS = ["github", "gitea", "gitlab"] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

export function isWebhookProvider(s: string): s is WebhookProvider {
  return (WEBHOOK_PROVIDERS as readonly string[]).includes(s);
}

/** A push payload lists at most a few commits; anything bigger is not a forge talking to us. */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

export interface WebhookResponse {
  status: number;
  body: string;
  contentType: "application/json" | "text/plain";
}

const text = (status: number, body: string): WebhookResponse => ({ status, body, contentType: "text/plain" });
const json = (status: number, value: unknown): WebhookResponse => ({
  status,
  body: JSON.stringify(value),
  contentType: "application/json",
});

/** Names from outside are echoed in one-line answers: no control characters, bounded length. */
export function showName(s: string): string {
  const clean = s.replace(/[\x00-\x1f\x7f]/g, "?");
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}

type Check<T> = { ok: true; value: T } | { ok: false; reason: string };

function hmacMatches(rawBody: Buffer, secret: string, hex: string): boolean {
  const expected = createHmac("sha256", secret).update(rawBody).digest();
  const given = Buffer.from(hex, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function hubSignature(headers: Headers, rawBody: Buffer, secret: string): string | null {
  const header = headers.get("x-hub-signature-256");
  if (header === null) return "unsigned: no X-Hub-Signature-256 header (set the webhook's secret)";
  const hex = /^sha256=([0-9a-f]{64})$/i.exec(header.trim())?.[1];
  if (!hex) return "X-Hub-Signature-256 is not sha256=<64 hex digits>";
  return hmacMatches(rawBody, secret, hex)
    ? null
    : "X-Hub-Signature-256 does not match the body (wrong secret or altered body)";
}

/** Null when the request comes from someone holding the secret, else why it is refused. */
export function checkWebhookSignature(
  provider: WebhookProvider,
  headers: Headers,
  rawBody: Buffer,
  secret: string,
): string | null {
  if (provider === "github") return hubSignature(headers, rawBody, secret);
  if (provider === "gitea") {
    const header = headers.get("x-gitea-signature");
    if (header === null) return hubSignature(headers, rawBody, secret);
    if (!/^[0-9a-f]{64}$/i.test(header.trim())) return "X-Gitea-Signature is not 64 hex digits";
    return hmacMatches(rawBody, secret, header.trim())
      ? null
      : "X-Gitea-Signature does not match the body (wrong secret or altered body)";
  }
  // GitLab signs nothing: it sends the secret itself. Hashing both sides first gives timingSafeEqual
  // equal lengths without revealing the secret's length through an early return.
  const token = headers.get("x-gitlab-token");
  if (token === null) return "unsigned: no X-Gitlab-Token header (set the webhook's secret token)";
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  return timingSafeEqual(digest(token), digest(secret)) ? null : "X-Gitlab-Token does not match the secret";
}

const DELIVERY_HEADERS: Record<WebhookProvider, string[]> = {
  github: ["x-github-delivery"],
  gitea: ["x-gitea-delivery"],
  // Idempotency-Key only exists since GitLab 17.4; the event UUID is older.
  gitlab: ["x-gitlab-event-uuid", "idempotency-key"],
};

/** The id the forge gives each delivery; it becomes a primary key and part of answers, so it is bounded. */
export function webhookDeliveryId(provider: WebhookProvider, headers: Headers): Check<string> {
  const names = DELIVERY_HEADERS[provider];
  const id = names.map((n) => headers.get(n)?.trim()).find((v) => v);
  if (!id) return { ok: false, reason: `no delivery id: ${names.join(" or ")} header is missing` };
  if (!/^[\x21-\x7e]{1,200}$/.test(id))
    return { ok: false, reason: "delivery id must be 1 to 200 printable ASCII characters" };
  return { ok: true, value: id };
}

export type WebhookEvent = { kind: "ping" } | { kind: "push" } | { kind: "delete" } | { kind: "other"; name: string };

const EVENT_HEADER: Record<WebhookProvider, string> = {
  github: "x-github-event",
  gitea: "x-gitea-event",
  gitlab: "x-gitlab-event",
};

export function webhookEvent(provider: WebhookProvider, headers: Headers): Check<WebhookEvent> {
  const name = headers.get(EVENT_HEADER[provider])?.trim();
  if (!name) return { ok: false, reason: `no event: ${EVENT_HEADER[provider]} header is missing` };
  if (provider === "gitlab")
    return { ok: true, value: name === "Push Hook" ? { kind: "push" } : { kind: "other", name } };
  if (name === "push" || name === "delete" || (name === "ping" && provider === "github"))
    return { ok: true, value: { kind: name } };
  return { ok: true, value: { kind: "other", name } };
}

/** What the payload claims: a branch, its new head (null once deleted) and which repository. */
export interface BranchChange {
  branch: string;
  after: string | null;
  repository: { name: string; urls: string[] };
}

export type ParsedChange = { ok: true; change: BranchChange } | { ok: false; status: 202 | 400; message: string };

const URL_FIELDS = ["clone_url", "html_url", "ssh_url", "git_http_url", "git_ssh_url", "web_url"] as const;
const NAME_FIELDS = ["full_name", "path_with_namespace"] as const;
// All zeros (a deleted branch) is a full SHA too.
const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function strings(objects: (Record<string, unknown> | undefined)[], fields: readonly string[]): string[] {
  const out: string[] = [];
  for (const o of objects) for (const f of fields) if (typeof o?.[f] === "string" && o[f]) out.push(o[f]);
  return out;
}

/**
 * Reads only the fields Proofboard uses, each checked, so a hostile value is refused or stays a
 * string; GitHub and Gitea put them under `repository`, GitLab mostly under `project`.
 */
export function parseBranchChange(kind: "push" | "delete", rawBody: Buffer): ParsedChange {
  const bad = (message: string): ParsedChange => ({ ok: false, status: 400, message });
  let payload: Record<string, unknown> | undefined;
  try {
    payload = record(JSON.parse(rawBody.toString("utf8")));
  } catch {
    return bad("body is not JSON");
  }
  if (!payload) return bad("body is not a JSON object");
  if (typeof payload.ref !== "string" || !payload.ref) return bad("ref is missing");
  const ref = payload.ref;
  let branch: string;
  let after: string | null = null;
  if (kind === "delete") {
    if (payload.ref_type === "tag")
      return { ok: false, status: 202, message: `ignored: ${showName(ref)} is a tag; only branches are followed` };
    if (payload.ref_type !== "branch") return bad('ref_type is not "branch" or "tag"');
    branch = ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : ref;
  } else {
    if (ref.startsWith("refs/tags/"))
      return { ok: false, status: 202, message: `ignored: ${showName(ref)} is a tag; only branches are followed` };
    if (!ref.startsWith("refs/heads/")) return bad(`ref ${JSON.stringify(showName(ref))} is not refs/heads/<branch>`);
    branch = ref.slice("refs/heads/".length);
    if (typeof payload.after !== "string" || !FULL_SHA.test(payload.after))
      return bad("after is not a full commit SHA (40 or 64 lowercase hex digits)");
    if (payload.deleted !== undefined && typeof payload.deleted !== "boolean") return bad("deleted is not a boolean");
    after = payload.deleted === true || /^0+$/.test(payload.after) ? null : payload.after;
  }
  const check = checkRefName(branch);
  if (!check.ok) return bad(`branch ${JSON.stringify(showName(branch))} ${check.reason}`);
  const holders = [record(payload.repository), record(payload.project)];
  const urls = strings(holders, URL_FIELDS);
  const name = strings(holders, NAME_FIELDS)[0] ?? urls[0];
  if (!name) return bad("the payload names no repository (repository.clone_url, full_name, ...)");
  return { ok: true, change: { branch, after, repository: { name, urls } } };
}

/** One spelling per repository: no credentials, no trailing "/" or ".git", any case. */
export function normalizeRepoUrl(url: string): string {
  let s = url
    .trim()
    .toLowerCase()
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/, "$1");
  for (let prev = ""; prev !== s;) {
    prev = s;
    s = s.replace(/\/+$/, "").replace(/\.git$/, "");
  }
  return s;
}

const lastSegment = (s: string) => s.split(/[/:]/).pop() ?? s;

/**
 * A registered URL equal to one the forge sent; or a local path (the demo target, a mirror on
 * disk) named like the repository, since the forge cannot know our path.
 */
export function repositoryMatches(registeredUrl: string, repository: BranchChange["repository"]): boolean {
  const url = normalizeRepoUrl(registeredUrl);
  if (repository.urls.some((u) => normalizeRepoUrl(u) === url)) return true;
  const local = registeredUrl.startsWith("/") || /^file:\/\//i.test(registeredUrl);
  return local && lastSegment(url) === lastSegment(normalizeRepoUrl(repository.name));
}

class SyncFailed extends Error {}

/** Checks, records the delivery (replays refused), then syncs every repository the payload names. */
export async function handleWebhook(
  provider: WebhookProvider,
  headers: Headers,
  rawBody: Buffer,
): Promise<WebhookResponse> {
  const secret = env().PROOFBOARD_WEBHOOK_SECRET;
  if (!secret) return text(503, "webhooks are off: set PROOFBOARD_WEBHOOK_SECRET");
  if (rawBody.length > MAX_WEBHOOK_BODY_BYTES) return text(413, `body is ${rawBody.length} bytes; the limit is 1 MiB`);
  // Nothing of the body is read before this: unauthenticated bytes never reach the JSON parser.
  const refused = checkWebhookSignature(provider, headers, rawBody, secret);
  if (refused) return text(401, refused);
  const id = webhookDeliveryId(provider, headers);
  if (!id.ok) return text(400, id.reason);
  const event = webhookEvent(provider, headers);
  if (!event.ok) return text(400, event.reason);

  const { count } = await db().webhookDelivery.createMany({ data: [{ id: id.value, provider }], skipDuplicates: true });
  if (count === 0) return text(409, `delivery ${id.value} was already received`);
  try {
    return await act(event.value, rawBody);
  } catch (err) {
    // A forge's "Redeliver" reuses the delivery id; forget deliveries we failed on so it is not refused.
    await db()
      .webhookDelivery.delete({ where: { id: id.value } })
      .catch(() => undefined);
    if (err instanceof SyncFailed) return text(502, err.message);
    throw err;
  }
}

async function act(event: WebhookEvent, rawBody: Buffer): Promise<WebhookResponse> {
  if (event.kind === "ping") return text(200, "pong");
  if (event.kind === "other") return text(202, `ignored: ${showName(event.name)} events are not followed`);
  const parsed = parseBranchChange(event.kind, rawBody);
  if (!parsed.ok) return text(parsed.status, parsed.message);
  const { change } = parsed;
  const repos = (await db().repository.findMany({ orderBy: { name: "asc" } })).filter((r) =>
    repositoryMatches(r.url, change.repository),
  );
  if (repos.length === 0) return text(202, `ignored: no repository registered for ${showName(change.repository.name)}`);
  const results = [];
  for (const repo of repos) results.push(await follow(repo, change));
  return json(200, results.length === 1 ? results[0] : results);
}

async function follow(repo: Repository, change: BranchChange) {
  let summary: SyncSummary;
  try {
    summary = await syncRepository(repo, "push");
    // syncRepository joins a sync already in flight, whose fetch may predate this push: if the
    // branch does not look like the payload says yet, one fresh sync settles it (git still decides).
    if (!(await reflects(repo, change))) summary = merged(summary, await syncRepository(repo, "push"));
  } catch {
    throw new SyncFailed(`sync of ${repo.name} failed; its error is kept as the repository's last sync error`);
  }
  return { repository: repo.name, added: summary.added, moved: summary.moved, deleted: summary.deleted };
}

async function reflects(repo: Repository, change: BranchChange): Promise<boolean> {
  const branch = await db().branch.findUnique({
    where: { repositoryId_name: { repositoryId: repo.id, name: change.branch } },
  });
  if (change.after === null) return !branch || branch.deletedAt !== null;
  return branch?.headSha === change.after && branch.deletedAt === null;
}

function merged(a: SyncSummary, b: SyncSummary): SyncSummary {
  const union = (x: string[], y: string[]) => [...new Set([...x, ...y])];
  return {
    ...b,
    added: union(a.added, b.added),
    moved: union(a.moved, b.moved),
    deleted: union(a.deleted, b.deleted),
    rejected: b.rejected,
  };
}
