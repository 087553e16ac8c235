import { db, type Repository } from "@proofboard/db";
import { ensureRepository, syncRepository } from "@proofboard/services";
import { clearRedisPrefix } from "../support/database";
import { makeRepo } from "../support/target-repo";
import type { FaultContext } from "./scenario";

export { catalogYaml, cloneOf, makeRepo } from "../support/target-repo";

/** Polls `fn` every 100 ms until it returns something truthy; throws naming `what` after `ms` or once the budget is spent. */
export async function waitUntil<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms: number,
  signal?: AbortSignal,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (signal?.aborted) throw new Error(`budget spent waiting for ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const secondsSince = (t0: number): number => Math.round((Date.now() - t0) / 100) / 10;

/** Every table emptied (the schema stays) and every key under the suite's prefix gone: each scenario starts clean. */
export async function resetFaultData(redisPrefix: string, redisUrl: string): Promise<void> {
  const tables = await db().$queryRaw<{ tablename: string }[]>`
    SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`;
  if (tables.length)
    await db().$executeRawUnsafe(`TRUNCATE ${tables.map((t) => `"${t.tablename}"`).join(", ")} CASCADE`);
  await clearRedisPrefix(redisPrefix, redisUrl);
}

/** A real git target with `files` on main, registered under the name a worker's own sync picks, and synced. */
export async function registerTarget(
  ctx: FaultContext,
  files: Record<string, string>,
): Promise<{ target: ReturnType<typeof makeRepo>; repo: Repository }> {
  const target = makeRepo(files);
  const repo = await ensureRepository(ctx.targetName, target.dir);
  await syncRepository(repo);
  return { target, repo };
}
