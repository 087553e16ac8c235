import { createHash, randomBytes } from "node:crypto";
import { db } from "@proofboard/db";
import type { TokenScope } from "./access";
import type { AuthUser } from "./roles";
import { AuthInputError } from "./users";

/**
 * API tokens: `pb_` and 32 random bytes in base64url. Shown once when made; only the sha256 is
 * stored, so the table does not let anyone in. A token acts as its user, capped by its scope,
 * until it expires or is revoked.
 */

export const API_TOKEN = /^pb_[A-Za-z0-9_-]{43}$/;
export const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._@:-]{0,63}$/;
export const MAX_TOKEN_DAYS = 366;
/** lastUsedAt is a hint for people, not a log: writing it on every request would cost a row update per call. */
const LAST_USED_RESOLUTION_MS = 60_000;

const hashOf = (token: string) => createHash("sha256").update(token).digest("hex");

export interface ApiTokenInfo {
  id: string;
  user: string;
  name: string;
  prefix: string;
  scope: TokenScope;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export type TokenLookup =
  { ok: true; user: AuthUser; scope: TokenScope; tokenId: string } | { ok: false; reason: string };

export async function createApiToken(o: {
  userId: string;
  name: string;
  scope: TokenScope;
  days: number;
  createdById: string | null;
}): Promise<{ token: string; info: ApiTokenInfo }> {
  if (!TOKEN_NAME.test(o.name)) {
    throw new AuthInputError(
      `invalid token name ${JSON.stringify(o.name.slice(0, 80))}: 1-64 of letters, digits, space . _ @ : -`,
    );
  }
  if (!Number.isInteger(o.days) || o.days < 1 || o.days > MAX_TOKEN_DAYS)
    throw new AuthInputError(`a token lasts 1 to ${MAX_TOKEN_DAYS} days`);
  const token = `pb_${randomBytes(32).toString("base64url")}`;
  const row = await db().apiToken.create({
    data: {
      userId: o.userId,
      name: o.name,
      scope: o.scope,
      hash: hashOf(token),
      prefix: token.slice(0, 10),
      createdById: o.createdById,
      expiresAt: new Date(Date.now() + o.days * 86_400_000),
    },
    include: { user: { select: { name: true } }, createdBy: { select: { name: true } } },
  });
  return { token, info: infoOf(row) };
}

type Row = Awaited<ReturnType<ReturnType<typeof db>["apiToken"]["findFirstOrThrow"]>> & {
  user: { name: string };
  createdBy: { name: string } | null;
};

function infoOf(r: Row): ApiTokenInfo {
  return {
    id: r.id,
    user: r.user.name,
    name: r.name,
    prefix: r.prefix,
    scope: r.scope,
    createdBy: r.createdBy?.name ?? null,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    lastUsedAt: r.lastUsedAt,
    revokedAt: r.revokedAt,
  };
}

/** A bearer token's user and scope, or why it does not count (said to the caller: no secrets in it). */
export async function userForApiToken(token: string): Promise<TokenLookup> {
  if (!API_TOKEN.test(token)) return { ok: false, reason: "the bearer token is not a Proofboard API token (pb_…)" };
  const row = await db().apiToken.findUnique({ where: { hash: hashOf(token) }, include: { user: true } });
  if (!row) return { ok: false, reason: "unknown API token (deleted, or from another Proofboard)" };
  if (row.revokedAt)
    return { ok: false, reason: `API token ${row.prefix}… (${row.name}) was revoked ${row.revokedAt.toISOString()}` };
  if (row.expiresAt.getTime() <= Date.now())
    return { ok: false, reason: `API token ${row.prefix}… (${row.name}) expired ${row.expiresAt.toISOString()}` };
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db().apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  }
  return {
    ok: true,
    user: { id: row.user.id, name: row.user.name, role: row.user.role },
    scope: row.scope,
    tokenId: row.id,
  };
}

/** A user's tokens (every user's when userId is null), newest first; revoked and expired ones too, marked. */
export async function listApiTokens(userId: string | null): Promise<ApiTokenInfo[]> {
  const rows = await db().apiToken.findMany({
    where: userId ? { userId } : {},
    orderBy: { createdAt: "desc" },
    take: 500,
    include: { user: { select: { name: true } }, createdBy: { select: { name: true } } },
  });
  return rows.map(infoOf);
}

export async function apiTokenOwner(id: string): Promise<string | null> {
  return (await db().apiToken.findUnique({ where: { id }, select: { userId: true } }))?.userId ?? null;
}

/** Idempotent: revoking a revoked token keeps its first revocation time. */
export async function revokeApiToken(id: string): Promise<void> {
  await db().apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
}
