import type { RouterInputs, RouterOutputs } from "~/trpc/types";

/**
 * The web's copy of the access rules it needs to offer the right choices (packages/auth holds the
 * real ones; the server refuses anything these would wrongly allow, with a message to show).
 */

export type Role = RouterOutputs["users"]["list"][number]["role"];
export type Scope = RouterInputs["tokens"]["create"]["scope"];
export type TokenRow = RouterOutputs["tokens"]["list"][number];

export const ROLES = ["viewer", "operator", "admin"] as const satisfies readonly Role[];
export const SCOPES = ["read", "operate", "admin"] as const satisfies readonly Scope[];

export const ROLE_CAN: Record<Role, string> = {
  viewer: "can look at everything, change nothing",
  operator: "can also rerun, cancel, sync, hold VMs and type into their consoles",
  admin: "can also manage users, read the audit log and revoke anyone's token",
};

export const SCOPE_CAN: Record<Scope, string> = {
  read: "read only",
  operate: "read, rerun, cancel, sync, hold",
  admin: "everything you can do",
};

/** Same rule as the server's maxScopeFor: a token never reaches further than its user's role. */
export function scopesFor(role: Role): Scope[] {
  const max = role === "admin" ? 3 : role === "operator" ? 2 : 1;
  return SCOPES.slice(0, max);
}

export type TokenState = "active" | "expired" | "revoked";

export function tokenState(t: Pick<TokenRow, "expiresAt" | "revokedAt">, now: number): TokenState {
  if (t.revokedAt) return "revoked";
  return Date.parse(t.expiresAt) <= now ? "expired" : "active";
}

/** Mirrors of the server's input rules, so the form says what is wrong before asking. */
export const USER_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._@:-]{0,63}$/;
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_TOKEN_DAYS = 366;

/**
 * A refusal's message as the server wrote it. Input the server's schema rejected arrives as a JSON
 * list of issues; those are joined into one line instead of shown as JSON.
 */
export function errorText(error: { message: string }): string {
  const m = error.message;
  if (!m.startsWith("[")) return m;
  try {
    const issues = JSON.parse(m) as { message?: unknown; path?: unknown }[];
    const parts = issues.map((i) => {
      const where = Array.isArray(i.path) && i.path.length > 0 ? `${i.path.join(".")}: ` : "";
      return `${where}${typeof i.message === "string" ? i.message : "invalid"}`;
    });
    return parts.length > 0 ? parts.join("; ") : m;
  } catch {
    return m;
  }
}
