import { Redis } from "ioredis";
import { db } from "@proofboard/db";
import { controlQueue, knownRunJobIds } from "@proofboard/jobs";
import { cancelRun, epochKey, requestRun, syncSchedules } from "@proofboard/services";
import type { FaultScenario } from "./scenario";
import { registerTarget, secondsSince, waitUntil } from "./support";

/** queued runs waiting behind the busy slot (--full: as many as the catalog has) */
const QUEUED = 3;
const QUEUED_FULL = 20;
const lane = (name: string, command: string[], extra = "") =>
  `  - { name: ${name}, description: lane ${name}, command: ${JSON.stringify(command)}, group: regression-guard, host: tcg, timeoutSeconds: 300${extra} }`;
// the schedule never fires during the suite: only its scheduler's presence in Redis matters
const catalog = `version: 1
name: redis-emptied
profiles: []
lanes:
${lane("occupy", ["sleep", "240"])}
${Array.from({ length: QUEUED_FULL }, (_, i) => lane(`queued-${i}`, ["bash", "-c", `echo queued ${i}`])).join("\n")}
${lane("nightly", ["true"], ', triggers: { schedule: "0 3 1 1 *", branches: [main] }')}
gates:
  - { id: release, name: Release, description: all, release: true, lanes: [occupy] }
`;

/** Deletes every key under the prefix (SCAN + DEL, never FLUSHALL: the shared Redis holds other suites' data). */
async function emptyPrefix(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    cursor = next;
    if (keys.length) deleted += await redis.del(...keys);
  } while (cursor !== "0");
  return deleted;
}

export const redisEmptied: FaultScenario = {
  id: "redis-emptied",
  fault: "Redis emptied (every key of the suite's prefix deleted) under a busy worker",
  mustHold:
    "within 30 s every queued run has its BullMQ job again and every lane scheduler and the sync scheduler exist; the queued runs then pass",
  budgetSeconds: 120,
  async run(ctx) {
    const { repo } = await registerTarget(ctx, { "proofboard.yaml": catalog });
    await syncSchedules(repo, 30);
    await ctx.spawnWorker({ hostName: "faults-redis", slots: 1 });
    const occupy = await requestRun({ repository: ctx.targetName, branch: "main", lane: "occupy" });
    await waitUntil(
      "the occupying lane to run",
      async () => (await db().run.findUniqueOrThrow({ where: { id: occupy.id } })).status === "running",
      30_000,
      ctx.signal,
    );
    const count = ctx.full ? QUEUED_FULL : QUEUED;
    const queued = [];
    for (let i = 0; i < count; i++)
      queued.push(await requestRun({ repository: ctx.targetName, branch: "main", lane: `queued-${i}` }));
    const ids = queued.map((r) => r.id);
    const wanted = [`sync-${repo.id}`, `lane:${repo.id}:nightly`];
    const complete = async () => {
      const keys = new Set((await controlQueue().getJobSchedulers()).map((s) => s.key));
      const known = await knownRunJobIds();
      return wanted.every((k) => keys.has(k)) && ids.every((id) => known.has(id));
    };
    const redis = new Redis(ctx.env.REDIS_URL!);
    try {
      await waitUntil(
        "queued jobs, schedulers and the worker's epoch before the fault",
        async () => (await complete()) && (await redis.exists(epochKey())) === 1,
        30_000,
        ctx.signal,
      );
      const t0 = Date.now();
      const deleted = await emptyPrefix(redis, ctx.env.PROOFBOARD_REDIS_PREFIX!);
      const leftAfterDelete = await complete();
      ctx.log(`deleted ${deleted} key(s); complete right after the delete: ${leftAfterDelete}`);
      const recovered = await waitUntil("queued jobs and schedulers rebuilt", complete, 60_000, ctx.signal).then(
        () => secondsSince(t0),
        () => null,
      );
      ctx.log(`rebuilt after ${recovered ?? "never"} s`);
      // the slot frees once the occupying lane is canceled: the rebuilt jobs must then run
      await cancelRun(occupy.id, "fault suite");
      const ended = await waitUntil(
        "the queued runs to end",
        async () => {
          const rows = await db().run.findMany({ where: { id: { in: ids } }, select: { status: true } });
          return rows.every((r) => !["queued", "running", "waiting"].includes(r.status)) && rows;
        },
        60_000,
        ctx.signal,
      ).catch(() => null);
      const passed = ended?.filter((r) => r.status === "passed").length ?? 0;
      const ok = deleted > 0 && recovered !== null && recovered <= 30 && passed === count;
      return {
        ok,
        happened: `${deleted} keys deleted; ${count} queued jobs and ${wanted.length} schedulers back after ${recovered ?? "never (60 s)"} s; ${passed}/${count} queued runs then passed`,
        recoverySeconds: recovered,
      };
    } finally {
      redis.disconnect();
    }
  },
};
