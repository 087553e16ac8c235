import { TRPCError } from "@trpc/server";
import { z } from "zod";
import {
  apiTokenOwner,
  atLeast,
  AuthInputError,
  createApiToken,
  listApiTokens,
  MAX_TOKEN_DAYS,
  maxScopeFor,
  revokeApiToken,
  scopeWithin,
  TOKEN_SCOPES,
  USER_NAME,
  type ApiTokenInfo,
  type AuthUser,
  type TokenScope,
} from "@proofboard/auth";
import { db } from "@proofboard/db";
import { accountProcedure, callerOf, router, type Context } from "../trpc";

const scope = z.enum(TOKEN_SCOPES);
const days = z.number().int().min(1).max(MAX_TOKEN_DAYS);
const userName = z.string().regex(USER_NAME, { error: "not a user name" });

/** Someone else's tokens are an admin's business. */
function refuseUnlessAdmin(user: AuthUser, what: string): void {
  if (!atLeast(user.role, "admin")) {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: `${user.name} (${user.role}) may not ${what}: that needs an admin`,
    });
  }
}

/** A new token never reaches further than its user's role, nor than the token that asked for it. */
export function refuseWideScope(
  ctx: Pick<Context, "credential">,
  owner: { name: string; role: AuthUser["role"] },
  wanted: TokenScope,
): void {
  const max = maxScopeFor(owner.role);
  if (!scopeWithin(wanted, max)) {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: `${owner.name} is ${owner.role === "viewer" ? "a viewer" : `an ${owner.role}`}: their tokens may have the ${max} scope at most, not ${wanted}`,
    });
  }
  const cred = ctx.credential;
  if (cred?.kind === "token" && !scopeWithin(wanted, cred.scope)) {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: `a ${cred.scope} token cannot make ${wanted === "operate" || wanted === "admin" ? "an" : "a"} ${wanted} token; use the web page or \`proofboard login\``,
    });
  }
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** Dates as ISO text: the API has no transformer, so what the type says is what the wire carries. */
export function tokenDto(t: ApiTokenInfo) {
  return {
    ...t,
    createdAt: t.createdAt.toISOString(),
    expiresAt: t.expiresAt.toISOString(),
    lastUsedAt: iso(t.lastUsedAt),
    revokedAt: iso(t.revokedAt),
  };
}

function asInputError(err: unknown): never {
  if (err instanceof AuthInputError) throw new TRPCError({ code: "BAD_REQUEST", message: err.message });
  throw err;
}

/** API tokens: made by a user for themselves (an admin for anyone), listed, revoked. */
export const tokensRouter = router({
  list: accountProcedure
    .input(z.object({ user: userName.or(z.literal("*")).optional() }).optional())
    .query(async ({ input, ctx }) => {
      const who = input?.user ?? ctx.user.name;
      if (who !== ctx.user.name) refuseUnlessAdmin(ctx.user, "see other people's tokens");
      if (who === "*") return (await listApiTokens(null)).map(tokenDto);
      const u = await db().user.findUnique({ where: { name: who }, select: { id: true } });
      if (!u) throw new TRPCError({ code: "NOT_FOUND", message: `unknown user ${who}` });
      return (await listApiTokens(u.id)).map(tokenDto);
    }),

  /** The token is in the answer once; only its hash is kept. */
  create: accountProcedure
    .input(z.object({ name: z.string().min(1).max(64), scope, days: days.default(90), user: userName.optional() }))
    .mutation(async ({ input, ctx }) => {
      const me = callerOf(ctx).user!;
      const forName = input.user ?? me.name;
      if (forName !== me.name) refuseUnlessAdmin(ctx.user, "make tokens for someone else");
      const owner = await db().user.findUnique({ where: { name: forName } });
      if (!owner) throw new TRPCError({ code: "NOT_FOUND", message: `unknown user ${forName}` });
      refuseWideScope(ctx, owner, input.scope);
      const made = await createApiToken({
        userId: owner.id,
        name: input.name,
        scope: input.scope,
        days: input.days,
        createdById: me.id,
      }).catch(asInputError);
      return { token: made.token, info: tokenDto(made.info) };
    }),

  revoke: accountProcedure.input(z.object({ id: z.uuid() })).mutation(async ({ input, ctx }) => {
    const owner = await apiTokenOwner(input.id);
    if (!owner) throw new TRPCError({ code: "NOT_FOUND", message: `unknown token ${input.id}` });
    if (owner !== ctx.user.id) refuseUnlessAdmin(ctx.user, "revoke someone else's token");
    await revokeApiToken(input.id);
    return { ok: true };
  }),
});
