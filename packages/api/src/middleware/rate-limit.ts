import { experimental_standaloneMiddleware, TRPCError } from "@trpc/server";
import { env, type Rate } from "@proofboard/env";
import type { Context } from "../trpc";
import { hit, waitText, windowText, type Window } from "./counter";

/**
 * Changes per logged-in user (anonymous: per actor, "web" or "cli") and per client address, in
 * Redis so every web process shares the count. The user's bucket ignores the address, so a client
 * that invents a new X-Forwarded-For on every request still runs out.
 */

/** A held console's keystrokes and terminal resizes: many a second while an operator types, and operator-only. */
const UNCOUNTED = new Set(["runs.input", "operations.resize"]);

interface Bucket {
  key: string;
  rate: Rate;
  who: string;
}

function buckets(ctx: Context): Bucket[] {
  const e = env();
  const list: Bucket[] = [];
  if (e.PROOFBOARD_MUTATION_RATE) {
    const who = ctx.user ? `user ${ctx.user.name}` : `anonymous ${ctx.actor} clients`;
    list.push({
      key: `mutations:${ctx.user ? `user:${ctx.user.id}` : `actor:${ctx.actor}`}`,
      rate: e.PROOFBOARD_MUTATION_RATE,
      who,
    });
  }
  // "local" is every client when no proxy names them: the per-user count still applies to each.
  if (e.PROOFBOARD_MUTATION_RATE_PER_ADDRESS && ctx.address && ctx.address !== "local") {
    list.push({
      key: `mutations:address:${ctx.address}`,
      rate: e.PROOFBOARD_MUTATION_RATE_PER_ADDRESS,
      who: `address ${ctx.address}`,
    });
  }
  return list;
}

function tooManyChanges(bucket: Bucket, window: Window): TRPCError {
  return new TRPCError({
    code: "TOO_MANY_REQUESTS",
    message: `rate limit: ${bucket.rate.limit} changes per ${windowText(bucket.rate.seconds)} for ${bucket.who}; try again in ${waitText(window.retryAfterSeconds)}`,
  });
}

export const rateLimitMutations = experimental_standaloneMiddleware<{ ctx: Context }>().create(
  async ({ ctx, type, path, next }) => {
    if (type !== "mutation" || UNCOUNTED.has(path)) return next();
    for (const bucket of buckets(ctx)) {
      const window = await hit(bucket.key, bucket.rate);
      if (window && window.count > bucket.rate.limit) {
        ctx.resHeaders?.set("retry-after", String(window.retryAfterSeconds));
        throw tooManyChanges(bucket, window);
      }
    }
    return next();
  },
);
