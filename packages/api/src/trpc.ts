import { initTRPC, TRPCError } from "@trpc/server";
import { canOperate, sessionTokenFromCookie, userForToken, type AuthUser } from "@proofboard/auth";
import { CatalogError } from "@proofboard/domain";
import { ConfigError, ConflictError, NotFoundError } from "@proofboard/services";
import { auditMutations } from "./middleware/audit";
import { rateLimitMutations } from "./middleware/rate-limit";

/** The one initTRPC of Proofboard. */
export interface Context {
  /** who asked, for run records: the user's name when logged in, else "cli" or "web" */
  actor: string;
  /** the logged-in user; null is anonymous, which may still read and rerun (see the trust work) */
  user: AuthUser | null;
  /** the session cookie's token, kept only so logout can end that session */
  sessionToken?: string | null;
  /** the response's headers, so a mutation can set or clear the session cookie */
  resHeaders?: Headers;
  /** whether the request came over https, so the session cookie gets Secure only where it can work */
  secure?: boolean;
  /** where the request came from: the first X-Forwarded-For / X-Real-IP address (a trusted proxy's), else "local" */
  address?: string;
}

export async function createContext(opts?: { req?: Request; resHeaders?: Headers }): Promise<Context> {
  const req = opts?.req;
  const agent = req?.headers.get("user-agent") ?? "";
  const sessionToken = sessionTokenFromCookie(req?.headers.get("cookie"));
  const user = await userForToken(sessionToken);
  const secure = req ? new URL(req.url).protocol === "https:" || req.headers.get("x-forwarded-proto") === "https" : false;
  const actor = user?.name ?? (agent.startsWith("proofboard-cli") ? "cli" : "web");
  const forwarded = req?.headers.get("x-forwarded-for")?.split(",")[0]?.trim() || req?.headers.get("x-real-ip")?.trim();
  // An address is data for the audit log and rate limits: bounded, no control characters.
  const address = forwarded ? forwarded.replace(/[^\x21-\x7e]/g, "").slice(0, 64) || "local" : "local";
  return { actor, user, sessionToken, resHeaders: opts?.resHeaders, secure, address };
}

const t = initTRPC.context<Context>().create();

/** Domain errors become errors a person can act on, with the right code. */
export function toTRPCError(cause: unknown): unknown {
  if (cause instanceof NotFoundError) return new TRPCError({ code: "NOT_FOUND", message: cause.message, cause });
  if (cause instanceof CatalogError) return new TRPCError({ code: "BAD_REQUEST", message: cause.message, cause });
  if (cause instanceof ConfigError) return new TRPCError({ code: "PRECONDITION_FAILED", message: cause.message, cause });
  if (cause instanceof ConflictError) return new TRPCError({ code: "CONFLICT", message: cause.message, cause });
  return cause;
}

const errorMapping = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const mapped = toTRPCError(result.error.cause);
    if (mapped instanceof TRPCError) throw mapped;
  }
  return result;
});

export const router = t.router;
// The audit log comes first: it records every mutation, including those the later middlewares refuse.
export const publicProcedure = t.procedure.use(auditMutations).use(errorMapping).use(rateLimitMutations);

/** Holding a lane's VMs and typing into their consoles: an operator or an admin, nobody else. */
export const operatorProcedure = publicProcedure.use(({ ctx, next }) => {
  const user = ctx.user;
  if (!user) throw new TRPCError({ code: "UNAUTHORIZED", message: "log in as an operator to do this" });
  if (!canOperate(user.role)) {
    throw new TRPCError({ code: "FORBIDDEN", message: `${user.name} is a ${user.role}; holding and typing need an operator` });
  }
  return next({ ctx: { ...ctx, user } });
});

/** The audit log and whatever else only an admin may read. */
export const adminProcedure = publicProcedure.use(({ ctx, next }) => {
  const user = ctx.user;
  if (!user) throw new TRPCError({ code: "UNAUTHORIZED", message: "log in as an admin to see this" });
  if (user.role !== "admin") throw new TRPCError({ code: "FORBIDDEN", message: `${user.name} is a ${user.role}; this needs an admin` });
  return next({ ctx: { ...ctx, user } });
});
