import { createHash, randomBytes } from "node:crypto";
import { db } from "@proofboard/db";
import type { AuthUser } from "./roles";

export const SESSION_COOKIE = "pb_session";
export const SESSION_SECONDS = 7 * 24 * 60 * 60;
/** 32 random bytes in base64url, no padding. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** Only the hash is stored, so reading the session table does not let anyone log in. */
function sessionId(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Returns the token for the cookie; it is never stored. */
export async function createSession(userId: string): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  await db().session.create({
    data: { id: sessionId(token), userId, expiresAt: new Date(Date.now() + SESSION_SECONDS * 1000) },
  });
  return token;
}

export async function userForToken(token: string | null | undefined): Promise<AuthUser | null> {
  // A cookie is client input: anything not shaped like our token never reaches the database.
  if (!token || !TOKEN.test(token)) return null;
  const id = sessionId(token);
  const session = await db().session.findUnique({ where: { id }, include: { user: true } });
  if (!session) return null;
  if (session.expiresAt.getTime() <= Date.now()) {
    await db().session.deleteMany({ where: { id } });
    return null;
  }
  return { id: session.user.id, name: session.user.name, role: session.user.role };
}

export async function deleteSession(token: string | null | undefined): Promise<void> {
  if (!token || !TOKEN.test(token)) return;
  await db().session.deleteMany({ where: { id: sessionId(token) } });
}

/** The pb_session value from a Cookie header, or null; other cookies and malformed pairs are ignored. */
export function sessionTokenFromCookie(header: string | null | undefined): string | null {
  for (const pair of (header ?? "").split(";")) {
    const i = pair.indexOf("=");
    if (i > 0 && pair.slice(0, i).trim() === SESSION_COOKIE) return pair.slice(i + 1).trim() || null;
  }
  return null;
}

/** Secure is added only over https: local development runs on plain http and must still log in. */
export function sessionCookie(token: string, opts: { secure?: boolean } = {}): string {
  return `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${SESSION_SECONDS}${opts.secure ? "; Secure" : ""}`;
}

export function clearedSessionCookie(opts: { secure?: boolean } = {}): string {
  return `${SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0${opts.secure ? "; Secure" : ""}`;
}
