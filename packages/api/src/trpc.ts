import { initTRPC, TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import {
  effectiveRole,
  refusal,
  sessionTokenFromCookie,
  userForApiToken,
  userForToken,
  type Access,
  type AuthUser,
  type Caller,
  type Credential,
} from "@proofboard/auth";
import { CatalogError } from "@proofboard/domain";
import { env } from "@proofboard/env";
import { RedisUnavailableError } from "@proofboard/jobs";
import {
  ConfigError,
  ConflictError,
  ConsoleDroppedError,
  ForbiddenError,
  NotFoundError,
  TargetFetchError,
} from "@proofboard/services";
import { plainIssues } from "./input-issues";
import { auditMutations } from "./middleware/audit";
import { rateLimitMutations } from "./middleware/rate-limit";

/** The one initTRPC of Proofboard. */
export interface Context {
  /** who asked, for run records: the user's name when logged in, else "cli" or "web" */
  actor: string;
  /** the logged-in user (their own role; a token's scope may cap what they can do here); null is anonymous */
  user: AuthUser | null;
  /** how the user proved who they are: a session cookie (assumed when absent and user is set) or an API token */
  credential?: Credential | null;
  /** a bearer token was sent but does not count (unknown, expired, revoked): said instead of acting anonymously */
  authError?: string | null;
  /** the session cookie's token, kept only so logout can end that session */
  sessionToken?: string | null;
  /** the response's headers, so a mutation can set or clear the session cookie */
  resHeaders?: Headers;
  /** whether the request came over https, so the session cookie gets Secure only where it can work */
  secure?: boolean;
  /** where the request came from: the first X-Forwarded-For / X-Real-IP address (a trusted proxy's), else "local" */
  address?: string;
}

/** What each procedure declares: the access it needs (see packages/auth/src/access.ts). */
export interface ProcedureMeta {
  access: Access;
}

/** Who a request is: an API token (Authorization: Bearer) wins over a session cookie. */
export async function authenticate(
  req: Request | undefined,
): Promise<Pick<Context, "user" | "credential" | "authError" | "sessionToken">> {
  const authorization = req?.headers.get("authorization");
  if (authorization) {
    // Sent but unusable: said as such, never quietly treated as anonymous.
    const bearer = authorization.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    if (!bearer)
      return {
        user: null,
        credential: null,
        authError: "the Authorization header is not `Bearer pb_…`",
        sessionToken: null,
      };
    const found = await userForApiToken(bearer);
    if (!found.ok) return { user: null, credential: null, authError: found.reason, sessionToken: null };
    return {
      user: found.user,
      credential: { kind: "token", scope: found.scope, tokenId: found.tokenId },
      sessionToken: null,
    };
  }
  const sessionToken = sessionTokenFromCookie(req?.headers.get("cookie"));
  const user = await userForToken(sessionToken);
  return { user, credential: user ? { kind: "session" } : null, sessionToken };
}

export async function createContext(opts?: { req?: Request; resHeaders?: Headers }): Promise<Context> {
  const req = opts?.req;
  const agent = req?.headers.get("user-agent") ?? "";
  const who = await authenticate(req);
  const secure = req
    ? new URL(req.url).protocol === "https:" || req.headers.get("x-forwarded-proto") === "https"
    : false;
  const actor = who.user?.name ?? (agent.startsWith("proofboard-cli") ? "cli" : "web");
  const forwarded = req?.headers.get("x-forwarded-for")?.split(",")[0]?.trim() || req?.headers.get("x-real-ip")?.trim();
  // An address is data for the audit log and rate limits: bounded, no control characters.
  const address = forwarded ? forwarded.replace(/[^\x21-\x7e]/g, "").slice(0, 64) || "local" : "local";
  return { actor, ...who, resHeaders: opts?.resHeaders, secure, address };
}

export function callerOf(ctx: Pick<Context, "user" | "credential">): Caller {
  return { user: ctx.user, credential: ctx.credential ?? (ctx.user ? { kind: "session" } : null) };
}

/** Whether anonymous callers may read: PROOFBOARD_READ_ACCESS=public (the default) or login. */
export function readsArePublic(): boolean {
  return env().PROOFBOARD_READ_ACCESS === "public";
}

/** The reason this caller may not use a procedure needing `access` (null: they may). */
export function accessRefusal(ctx: Context, access: Access, what: string): TRPCError | null {
  if (ctx.authError && access !== "open") {
    return new TRPCError({
      code: "UNAUTHORIZED",
      message: `${ctx.authError}; make a new one with \`proofboard login\``,
    });
  }
  const r = refusal(access, callerOf(ctx), what, readsArePublic());
  return r ? new TRPCError(r) : null;
}

const t = initTRPC.context<Context>().meta<ProcedureMeta>().create();

/** Domain errors become errors a person can act on, with the right code. */
export function toTRPCError(cause: unknown): unknown {
  if (cause instanceof NotFoundError) return new TRPCError({ code: "NOT_FOUND", message: cause.message, cause });
  if (cause instanceof ConsoleDroppedError) return new TRPCError({ code: "NOT_FOUND", message: cause.message, cause });
  if (cause instanceof CatalogError) return new TRPCError({ code: "BAD_REQUEST", message: cause.message, cause });
  if (cause instanceof ConfigError)
    return new TRPCError({ code: "PRECONDITION_FAILED", message: cause.message, cause });
  if (cause instanceof ConflictError) return new TRPCError({ code: "CONFLICT", message: cause.message, cause });
  if (cause instanceof ForbiddenError) return new TRPCError({ code: "FORBIDDEN", message: cause.message, cause });
  if (cause instanceof TargetFetchError) return new TRPCError({ code: "BAD_GATEWAY", message: cause.message, cause });
  // Holds' keystrokes, operations, hold ends: they need Redis to reach the worker, and say so at once.
  if (cause instanceof RedisUnavailableError)
    return new TRPCError({
      code: "SERVICE_UNAVAILABLE",
      message: `${cause.message}; try again once Redis answers`,
      cause,
    });
  return cause;
}

const errorMapping = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    // A refused input says what is wrong in words ("status must be one or more of …"), on the wire
    // and in server-side calls alike, not as the issues' JSON tRPC makes its message of.
    const { code, cause } = result.error;
    if (code === "BAD_REQUEST" && cause instanceof ZodError)
      throw new TRPCError({ code, message: plainIssues(cause), cause });
    const mapped = toTRPCError(result.error.cause);
    if (mapped instanceof TRPCError) throw mapped;
  }
  return result;
});

export const router = t.router;

/** Every procedure declares its access; one without is refused, so a forgotten rule fails closed. */
const authorize = t.middleware(({ ctx, meta, path, next }) => {
  if (!meta?.access) throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: `${path} declares no access rule` });
  const refused = accessRefusal(ctx, meta.access, path);
  if (refused) throw refused;
  return next();
});

// The audit log comes first: it records every mutation, including those the later middlewares refuse.
const base = t.procedure.use(auditMutations).use(errorMapping).use(authorize).use(rateLimitMutations);

/** Logging in and saying who you are: anyone. */
export const openProcedure = base.meta({ access: "open" });
/** Reading: anyone, or only logged-in users when PROOFBOARD_READ_ACCESS=login. */
export const readProcedure = base.meta({ access: "read" });

/** Past authorize the user is known; the role downstream checks see is the one this request acts with. */
const acting = base.use(({ ctx, next }) => {
  const user = ctx.user!;
  return next({ ctx: { ...ctx, user: { ...user, role: effectiveRole(callerOf(ctx)) ?? user.role } } });
});

/** Any logged-in user, on their own things (their tokens). */
export const accountProcedure = acting.meta({ access: "account" });
/** Rerunning, cancelling, syncing, holding, typing, operations: an operator or an admin. */
export const operatorProcedure = acting.meta({ access: "operate" });
/** Users, other people's tokens, the audit log, other people's holds: an admin. */
export const adminProcedure = acting.meta({ access: "admin" });
