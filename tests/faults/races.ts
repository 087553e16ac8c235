import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { db } from "@proofboard/db";
import type { RunStatus } from "@proofboard/domain";
import { resetEnvCache } from "@proofboard/env";
import { aliveKey, createRedis } from "@proofboard/jobs";
import { cancelRun, markLostRuns, requestRun } from "@proofboard/services";
import { jitter, judgeRace, onFlagScript, raceLane, RaceTally, sleep, untilReady } from "./race-judge";
import type { FaultScenario } from "./scenario";
import { registerTarget, waitUntil } from "./support";

type Race = "cancel×completion" | "cancel×timeout" | "completion×lost";

const ALLOWED: Record<Race, RunStatus[]> = {
  "cancel×completion": ["passed", "canceled"],
  "cancel×timeout": ["timed_out", "canceled"],
  "completion×lost": ["passed", "lost"],
};
const TIMEOUT_SECONDS = 2;

function catalog(flagDir: string): string {
  return `version: 1
name: races
profiles: []
lanes:
${raceLane("on-flag", onFlagScript(flagDir), 120)}
${raceLane("hang", "echo ready; exec sleep 300", TIMEOUT_SECONDS)}
gates:
  - { id: release, name: Release, description: all, release: true, lanes: [on-flag] }
`;
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
    const tally = new RaceTally<Race>();
    const record = async (race: Race, runId: string) =>
      tally.record(race, await judgeRace(ctx, redis, runId, ALLOWED[race]));
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
        await record("cancel×completion", run.id);
      };
      const cancelVsTimeout = async () => {
        const run = await request("hang");
        const ready = await untilReady(ctx, redis, run.id);
        // the worker's deadline was set just before the lane started printing
        await sleep(Math.max(0, ready + TIMEOUT_SECONDS * 1000 - 100 + jitter(300) - Date.now()));
        await cancelRun(run.id, "fault suite");
        await record("cancel×timeout", run.id);
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
        await record("completion×lost", run.id);
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
    const counts = (race: Race) => tally.outcomes(race, ALLOWED[race]);
    const refused = rounds * 3 * 3;
    return {
      ok: tally.problems.length === 0,
      happened: [
        `${rounds}× cancel×completion: ${counts("cancel×completion")}`,
        `${rounds}× cancel×timeout: ${counts("cancel×timeout")}`,
        `${rounds}× completion×lost: ${counts("completion×lost")}`,
        tally.summary(
          `each run one final state, equal in Postgres and its stream; ${refused} late fenced writes (finish, console bytes) refused`,
        ),
      ].join("; "),
      recoverySeconds: null,
    };
  },
};
