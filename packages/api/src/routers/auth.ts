import { TRPCError } from "@trpc/server";
import { z } from "zod";
import {
  AuthInputError,
  clearedSessionCookie,
  createApiToken,
  effectiveRole,
  MAX_TOKEN_DAYS,
  maxScopeFor,
  TOKEN_SCOPES,
  verifyCredentials,
  deleteSession,
  login,
  MAX_PASSWORD_LENGTH,
  sessionCookie,
  userForToken,
} from "@proofboard/auth";
import { clearLoginFailures, recordLoginFailure, refuseLockedLogin } from "../middleware/login-limit";
import { callerOf, openProcedure, router } from "../trpc";
import { refuseWideScope, tokenDto } from "./tokens";

/**
 * Bounds only: the name's real shape is checked by login(), which answers a malformed name exactly
 * like an unknown one, so the form cannot be used to probe which names exist.
 */
const credentials = z.object({ name: z.string().max(200), password: z.string().max(MAX_PASSWORD_LENGTH) });

/**
 * Set-Cookie only reaches the browser on a non-streamed response: the web app sends these two
 * mutations over a plain httpLink, because a streamed batch has already sent its headers.
 */
function cookieJar(headers: Headers | undefined): Headers {
  if (!headers) throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "this transport cannot set cookies" });
  return headers;
}

export const authRouter = router({
  /** Who this request is, and with what: a session, or a token whose scope caps the role it acts with. */
  me: openProcedure.query(({ ctx }) => {
    if (!ctx.user) return null;
    const caller = callerOf(ctx);
    const token = caller.credential?.kind === "token" ? { scope: caller.credential.scope } : null;
    return { ...ctx.user, actingRole: effectiveRole(caller) ?? ctx.user.role, token };
  }),

  login: openProcedure.input(credentials).mutation(async ({ input, ctx }) => {
    const jar = cookieJar(ctx.resHeaders);
    const address = ctx.address ?? "local";
    await refuseLockedLogin(input.name, address);
    const token = await login(input.name, input.password);
    const user = token ? await userForToken(token) : null;
    if (!token || !user) {
      await recordLoginFailure(input.name, address);
      throw new TRPCError({ code: "UNAUTHORIZED", message: "unknown user or wrong password" });
    }
    await clearLoginFailures(input.name);
    // Logging in again (e.g. as someone else) replaces the session instead of leaving it behind.
    await deleteSession(ctx.sessionToken);
    jar.append("set-cookie", sessionCookie(token, { secure: ctx.secure }));
    return user;
  }),

  /**
   * `proofboard login`: a name and password buy an API token (the widest the role allows unless
   * asked for less), under the same failed-login limits as the web form.
   */
  issueToken: openProcedure
    .input(
      credentials.extend({
        tokenName: z.string().min(1).max(64),
        scope: z.enum(TOKEN_SCOPES).optional(),
        days: z.number().int().min(1).max(MAX_TOKEN_DAYS).default(90),
      }),
    )
    .mutation(async ({ input, ctx }) => {
      const address = ctx.address ?? "local";
      await refuseLockedLogin(input.name, address);
      const user = await verifyCredentials(input.name, input.password);
      if (!user) {
        await recordLoginFailure(input.name, address);
        throw new TRPCError({ code: "UNAUTHORIZED", message: "unknown user or wrong password" });
      }
      await clearLoginFailures(input.name);
      const scope = input.scope ?? maxScopeFor(user.role);
      refuseWideScope({ credential: null }, user, scope);
      const made = await createApiToken({
        userId: user.id,
        name: input.tokenName,
        scope,
        days: input.days,
        createdById: user.id,
      }).catch((err: unknown) => {
        if (err instanceof AuthInputError) throw new TRPCError({ code: "BAD_REQUEST", message: err.message });
        throw err;
      });
      return { token: made.token, info: tokenDto(made.info), user };
    }),

  logout: openProcedure.mutation(async ({ ctx }) => {
    const jar = cookieJar(ctx.resHeaders);
    await deleteSession(ctx.sessionToken);
    // Cleared even when the session was already gone, so a stale cookie stops being sent.
    jar.append("set-cookie", clearedSessionCookie({ secure: ctx.secure }));
    return null;
  }),
});
