import { TRPCError } from "@trpc/server";
import { z } from "zod";
import {
  clearedSessionCookie,
  deleteSession,
  login,
  MAX_PASSWORD_LENGTH,
  sessionCookie,
  userForToken,
} from "@proofboard/auth";
import { clearLoginFailures, recordLoginFailure, refuseLockedLogin } from "../middleware/login-limit";
import { publicProcedure, router } from "../trpc";

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
  me: publicProcedure.query(({ ctx }) => ctx.user),

  login: publicProcedure.input(credentials).mutation(async ({ input, ctx }) => {
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

  logout: publicProcedure.mutation(async ({ ctx }) => {
    const jar = cookieJar(ctx.resHeaders);
    await deleteSession(ctx.sessionToken);
    // Cleared even when the session was already gone, so a stale cookie stops being sent.
    jar.append("set-cookie", clearedSessionCookie({ secure: ctx.secure }));
    return null;
  }),
});
