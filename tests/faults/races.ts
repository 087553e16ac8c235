import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { db } from "@proofboard/db";
import { isTerminal, type RunStatus } from "@proofboard/domain";
import { resetEnvCache } from "@proofboard/env";
import { aliveKey, createRedis, decodeLiveEntries, liveKey } from "@proofboard/jobs";
import { appendChunk, cancelRun, FencedOut, finishRun, markLostRuns, requestRun } from "@proofboard/services";
import type { FaultContext, FaultScenario } from "./scenario";
import { registerTarget, waitUntil } from "./support";

type Redis = ReturnType<typeof createRedis>;
type Race = "cancel×completion" | "cancel×timeout" | "completion×lost";

const ALLOWED: Record<Race, RunStatus[]> = {
  "cancel×completion": ["passed", "canceled"],
  "cancel×timeout": ["timed_out", "canceled"],
  "completion×lost": ["passed", "lost"],
};
const TIMEOUT_SECONDS = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** uniformly in ±`ms` */
const jitter = (ms: number) => Math.round((Math.random() * 2 - 1) * ms);

function catalog(flagDir: string): string {
  // ends the moment the suite creates its flag file: completion happens when the race wants it
  const onFlag = `echo ready; while [ ! -e ${flagDir}/$PROOFBOARD_RUN_ID ]; do sleep 0.005; done; echo done`;
  const lane = (name: string, script: string, timeout: number) =>
    `  - { name: ${name}, description: race lane, command: ${JSON.stringify(["bash", "-c", script])}, group: regression-guard, host: tcg, timeoutSeconds: ${timeout} }`;
  return `version: 1
name: races
profiles: []
lanes:
${lane("on-flag", onFlag, 120)}
${lane("hang", "echo ready; exec sleep 300", TIMEOUT_SECONDS)}
gates:
  - { id: release, name: Release, description: all, release: true, lanes: [on-flag] }
`;
}

async function statusEvents(redis: Redis, runId: string): Promise<string[]> {
  const entries = decodeLiveEntries(await redis.xrangeBuffer(liveKey(runId), "-", "+"));
  return entries.flatMap((e) => (e.event.type === "status" ? [e.event.status] : []));
}

/** The moment the lane's process printed (its first chunk on the live stream). */
async function untilReady(ctx: FaultContext, redis: Redis, runId: string): Promise<number> {
  await waitUntil(
    `run ${runId} to print`,
    async () =>
      decodeLiveEntries(await redis.xrangeBuffer(liveKey(runId), "-", "+")).some(
        (e) => e.event.type === "chunk" && e.event.data.includes("ready"),
      ),
    30_000,
    ctx.signal,
  );
  return Date.now();
}

/**
 * After the race: one final state in Postgres that stays put, the stream's only final status event
 * equal to it, and a late finish with the run's fence (or an older one) refused.
 */
async function judge(
  ctx: FaultContext,
  redis: Redis,
  race: Race,
  runId: string,
): Promise<{ status: string; problems: string[] }> {
  const problems: string[] = [];
  const settled = await waitUntil(
    `run ${runId} to settle`,
    async () => {
      const row = await db().run.findUniqueOrThrow({ where: { id: runId } });
      const final = (await statusEvents(redis, runId)).filter((s) => isTerminal(s as RunStatus));
      return isTerminal(row.status) && final.length > 0 && row;
    },
    20_000,
    ctx.signal,
  );
  // whatever lost the race has had time to write, or to try
  await sleep(1500);
  const row = await db().run.findUniqueOrThrow({ where: { id: runId } });
  const final = (await statusEvents(redis, runId)).filter((s) => isTerminal(s as RunStatus));
  if (row.status !== settled.status) problems.push(`status changed after settling: ${settled.status} → ${row.status}`);
  if (!ALLOWED[race].includes(row.status)) problems.push(`ended ${row.status}, not one of ${ALLOWED[race].join("/")}`);
  if (final.length !== 1 || final[0] !== row.status)
    problems.push(`final status events on the stream [${final.join(", ")}] vs Postgres ${row.status}`);
  for (const fence of [row.fence, row.fence - 1]) {
    const late = await finishRun(
      { runId, fence },
      { status: "failed", failureKind: "test", exitCode: 1, reason: "a late write from the attempt that lost" },
    );
    if (late) problems.push(`a late finish with fence ${fence} was accepted`);
  }
  const harness = await db().console.findUnique({ where: { runId_name: { runId, name: "harness" } } });
  if (harness) {
    const appended = await appendChunk(
      { runId, fence: row.fence },
      harness.id,
      Number(harness.length),
      Buffer.from("late bytes\n"),
    ).then(
      () => true,
      (err) => !(err instanceof FencedOut),
    );
    if (appended) problems.push("late console bytes with the run's fence were accepted");
  }
  const after = await db().run.findUniqueOrThrow({ where: { id: runId } });
  if (after.status !== row.status) problems.push(`a late write changed ${row.status} to ${after.status}`);
  return { status: row.status, problems };
}

export const races: FaultScenario = {
  id: "races",
  fault:
    "races, each ~10× with jittered timing: cancel × completion, cancel × timeout, completion × reconciler's lost mark",
  mustHold:
    "exactly one final state per run, the same in Postgres and in the live stream's one final status event; a late finish (or console bytes) with the old fence refused",
  // CI: ~70 s for 10 rounds; --full runs 30
  budgetSeconds: 420,
  async run(ctx) {
    const rounds = ctx.full ? 30 : 10;
    const flagDir = mkdtempSync(path.join(os.tmpdir(), "pb-faults-races-"));
    const savedRetries = process.env.PROOFBOARD_INFRA_RETRIES;
    // a lost run is not retried here: the retry would only take the slot the next race needs
    process.env.PROOFBOARD_INFRA_RETRIES = "0";
    resetEnvCache();
    const redis = createRedis();
    const tally = new Map<string, number>();
    const problems: string[] = [];
    const record = (race: Race, r: { status: string; problems: string[] }) => {
      tally.set(`${race} ${r.status}`, (tally.get(`${race} ${r.status}`) ?? 0) + 1);
      problems.push(...r.problems.map((p) => `${race}: ${p}`));
    };
    const flag = (runId: string) => writeFileSync(path.join(flagDir, runId), "");
    const request = (lane: string) =>
      requestRun({ repository: ctx.targetName, branch: "main", lane, requestedBy: "fault suite" });
    try {
      await registerTarget(ctx, { "proofboard.yaml": catalog(flagDir) });
      const worker = await ctx.spawnWorker({
        hostName: "faults-races",
        slots: 2,
        env: { PROOFBOARD_INFRA_RETRIES: "0" },
      });
      const host = await db().host.findUniqueOrThrow({ where: { name: worker.hostName } });

      const cancelVsCompletion = async () => {
        const run = await request("on-flag");
        await untilReady(ctx, redis, run.id);
        const j = jitter(150);
        await Promise.all([
          sleep(Math.max(0, -j)).then(() => flag(run.id)),
          sleep(Math.max(0, j)).then(() => cancelRun(run.id, "fault suite")),
        ]);
        record("cancel×completion", await judge(ctx, redis, "cancel×completion", run.id));
      };
      const cancelVsTimeout = async () => {
        const run = await request("hang");
        const ready = await untilReady(ctx, redis, run.id);
        // the worker's deadline was set just before the lane started printing
        await sleep(Math.max(0, ready + TIMEOUT_SECONDS * 1000 - 100 + jitter(300) - Date.now()));
        await cancelRun(run.id, "fault suite");
        record("cancel×timeout", await judge(ctx, redis, "cancel×timeout", run.id));
      };
      const completionVsLost = async () => {
        // the host must be alive again (its own heartbeat) before a run starts, or the worker's reconciler marks it at once
        await waitUntil(
          "the host's heartbeat",
          async () => {
            const h = await db().host.findUniqueOrThrow({ where: { id: host.id } });
            return h.lastHeartbeatAt.getTime() > Date.now() - 3000 && (await redis.exists(aliveKey(host.id))) === 1;
          },
          15_000,
          ctx.signal,
        );
        const run = await request("on-flag");
        await untilReady(ctx, redis, run.id);
        const j = jitter(150);
        const markLost = async () => {
          await db().host.update({ where: { id: host.id }, data: { lastHeartbeatAt: new Date(Date.now() - 60_000) } });
          await redis.del(aliveKey(host.id));
          await markLostRuns(Number(ctx.env.PROOFBOARD_HOST_TIMEOUT_SECONDS));
        };
        await Promise.all([sleep(Math.max(0, -j)).then(() => flag(run.id)), sleep(Math.max(0, j)).then(markLost)]);
        record("completion×lost", await judge(ctx, redis, "completion×lost", run.id));
      };

      // the first two on separate slots side by side; the third alone, since it makes the whole host look dead
      for (let i = 0; i < rounds; i++) await Promise.all([cancelVsCompletion(), cancelVsTimeout()]);
      for (let i = 0; i < rounds; i++) await completionVsLost();
    } finally {
      redis.disconnect();
      rmSync(flagDir, { recursive: true, force: true });
      if (savedRetries === undefined) delete process.env.PROOFBOARD_INFRA_RETRIES;
      else process.env.PROOFBOARD_INFRA_RETRIES = savedRetries;
      resetEnvCache();
    }
    const counts = (race: Race) => ALLOWED[race].map((s) => `${tally.get(`${race} ${s}`) ?? 0} ${s}`).join(" / ");
    const refused = rounds * 3 * 3;
    return {
      ok: problems.length === 0,
      happened: [
        `${rounds}× cancel×completion: ${counts("cancel×completion")}`,
        `${rounds}× cancel×timeout: ${counts("cancel×timeout")}`,
        `${rounds}× completion×lost: ${counts("completion×lost")}`,
        problems.length
          ? `PROBLEMS: ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? ` (+${problems.length - 5})` : ""}`
          : `each run one final state, equal in Postgres and its stream; ${refused} late fenced writes (finish, console bytes) refused`,
      ].join("; "),
      recoverySeconds: null,
    };
  },
};
