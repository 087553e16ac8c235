import { TRPCError } from "@trpc/server";
import { z } from "zod";
import {
  createHook,
  deleteHook,
  forgeSummary,
  HOOK_FORMATS,
  listDeliveries,
  listHooks,
  NEWS_EVENTS,
  NewsInputError,
  pingHook,
  redeliver,
  rotateHookSecret,
  setHookEnabled,
} from "@proofboard/services";
import { env } from "@proofboard/env";
import { adminProcedure, router } from "../trpc";

const id = z.uuid();
/** Optional: empty means "generate one". */
const secret = z.string().max(200).optional();

function asInputError(err: unknown): never {
  if (err instanceof NewsInputError) throw new TRPCError({ code: "BAD_REQUEST", message: err.message });
  throw err;
}

/** Outgoing news: webhook subscriptions, their deliveries, and the forge's commit statuses. Admins only. */
export const newsRouter = router({
  hooks: adminProcedure.query(async () => ({
    hooks: await listHooks(),
    forge: forgeSummary(),
    publicUrl: env().PROOFBOARD_PUBLIC_URL ?? null,
  })),

  /** The secret is in the answer once; afterwards only its first characters are shown. */
  create: adminProcedure
    .input(
      z.object({
        name: z.string().min(1).max(64),
        url: z.string().min(1).max(2000),
        secret,
        format: z.enum(HOOK_FORMATS),
        events: z.array(z.enum(NEWS_EVENTS)).min(1).max(NEWS_EVENTS.length),
        branchFilter: z.string().max(1000).nullish(),
      }),
    )
    .mutation(({ input, ctx }) => createHook(input, ctx.user.name).catch(asInputError)),

  setEnabled: adminProcedure
    .input(z.object({ id, enabled: z.boolean() }))
    .mutation(({ input }) => setHookEnabled(input.id, input.enabled)),

  delete: adminProcedure.input(z.object({ id })).mutation(async ({ input }) => {
    await deleteHook(input.id);
    return { ok: true };
  }),

  rotateSecret: adminProcedure
    .input(z.object({ id, secret }))
    .mutation(({ input }) => rotateHookSecret(input.id, input.secret).catch(asInputError)),

  /** Sends a test message to the hook at the loop's next tick. */
  ping: adminProcedure.input(z.object({ id })).mutation(({ input }) => pingHook(input.id)),

  /** A hook's deliveries (or the forge's: target "forge"), newest first. */
  deliveries: adminProcedure
    .input(z.object({ target: z.union([id, z.literal("forge")]), limit: z.number().int().min(1).max(200).default(50) }))
    .query(({ input }) => listDeliveries(input.target, input.limit)),

  redeliver: adminProcedure.input(z.object({ id })).mutation(({ input }) => redeliver(input.id)),
});
