import { initTRPC, TRPCError } from "@trpc/server";
import { CatalogError } from "@proofboard/domain";
import { ConfigError, NotFoundError } from "@proofboard/services";

/** The one initTRPC of Proofboard. */
export interface Context {
  /** who asked; access control arrives with the hold/trust work */
  actor: string;
}

export async function createContext(opts?: { req?: Request }): Promise<Context> {
  const agent = opts?.req?.headers.get("user-agent") ?? "";
  return { actor: agent.startsWith("proofboard-cli") ? "cli" : "web" };
}

const t = initTRPC.context<Context>().create();

/** Domain errors become errors a person can act on, with the right code. */
export function toTRPCError(cause: unknown): unknown {
  if (cause instanceof NotFoundError) return new TRPCError({ code: "NOT_FOUND", message: cause.message, cause });
  if (cause instanceof CatalogError) return new TRPCError({ code: "BAD_REQUEST", message: cause.message, cause });
  if (cause instanceof ConfigError) return new TRPCError({ code: "PRECONDITION_FAILED", message: cause.message, cause });
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
export const publicProcedure = t.procedure.use(errorMapping);
