import type { AuthUser, Role } from "./roles";

/**
 * Who may do what, as pure rules (the API applies them to every procedure). Each procedure needs
 * one access level; a request brings a user (or none) and how it proved who it is: a browser
 * session, or an API token whose scope caps what the user's role would allow.
 */

/** What a procedure needs. open: anyone (logging in); account: any logged-in user (their own tokens). */
export type Access = "open" | "read" | "account" | "operate" | "admin";
export const ACCESS_LEVELS = ["open", "read", "account", "operate", "admin"] as const satisfies readonly Access[];

export const TOKEN_SCOPES = ["read", "operate", "admin"] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** How the request authenticated: a session cookie, or a token of some scope. */
export type Credential = { kind: "session" } | { kind: "token"; scope: TokenScope; tokenId: string };

export interface Caller {
  user: AuthUser | null;
  credential: Credential | null;
}

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };
const SCOPE_ROLE: Record<TokenScope, Role> = { read: "viewer", operate: "operator", admin: "admin" };
const NEEDS: Record<"read" | "operate" | "admin", Role> = { read: "viewer", operate: "operator", admin: "admin" };

/** The role a request acts with: its user's, capped by its token's scope. */
export function effectiveRole(caller: Caller): Role | null {
  if (!caller.user) return null;
  const own = caller.user.role;
  if (caller.credential?.kind !== "token") return own;
  const cap = SCOPE_ROLE[caller.credential.scope];
  return RANK[cap] < RANK[own] ? cap : own;
}

export function atLeast(role: Role | null, needed: Role): boolean {
  return role !== null && RANK[role] >= RANK[needed];
}

/** The widest token scope a user may hold: a viewer's tokens only read. */
export function maxScopeFor(role: Role): TokenScope {
  return role === "admin" ? "admin" : role === "operator" ? "operate" : "read";
}

export function scopeWithin(scope: TokenScope, max: TokenScope): boolean {
  return RANK[SCOPE_ROLE[scope]] <= RANK[SCOPE_ROLE[max]];
}

export interface Refusal {
  code: "UNAUTHORIZED" | "FORBIDDEN";
  message: string;
}

const ROLE_WORD: Record<Role, string> = { viewer: "a viewer", operator: "an operator", admin: "an admin" };
const HOW_TO_LOG_IN = "log in on the web page, or run `proofboard login` for the CLI (or set PROOFBOARD_TOKEN)";

function whoIs(caller: Caller): string {
  const user = caller.user!;
  const cred = caller.credential;
  const article = cred?.kind === "token" && /^[aeiou]/.test(cred.scope) ? "an" : "a";
  return cred?.kind === "token"
    ? `${user.name} (${user.role}, with ${article} ${cred.scope} token)`
    : `${user.name} (${user.role})`;
}

/**
 * Why this caller may not use a procedure that needs `access` (null: they may). `what` names the
 * procedure for the message. Reads are open to anonymous callers when `publicReads` is set.
 */
export function refusal(access: Access, caller: Caller, what: string, publicReads: boolean): Refusal | null {
  if (access === "open") return null;
  if (access === "read" && publicReads) return null;
  if (!caller.user) {
    const need = access === "read" || access === "account" ? "a login" : ROLE_WORD[NEEDS[access]];
    return { code: "UNAUTHORIZED", message: `not logged in: ${what} needs ${need}; ${HOW_TO_LOG_IN}` };
  }
  if (access === "account" || access === "read") return null;
  const needed = NEEDS[access];
  if (atLeast(effectiveRole(caller), needed)) return null;
  const own = atLeast(caller.user.role, needed);
  const fix = own ? `use a token with the ${maxScopeFor(needed)} scope, or the web page` : "ask an admin for the role";
  return { code: "FORBIDDEN", message: `${whoIs(caller)} may not do this: ${what} needs ${ROLE_WORD[needed]}; ${fix}` };
}
