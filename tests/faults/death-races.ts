import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { RunStatus } from "@proofboard/domain";
import { createRedis } from "@proofboard/jobs";
import { cancelRun, requestRun } from "@proofboard/services";
import { jitter, judgeRace, onFlagScript, raceLane, RaceTally, sleep, untilReady, watchStatuses } from "./race-judge";
import type { FaultScenario, WorkerProc } from "./scenario";
import { registerTarget } from "./support";

type Race = "cancel×death" | "completion×death" | "timeout×death";

const ALLOWED: Record<Race, RunStatus[]> = {
  "cancel×death": ["canceled", "lost"],
  "completion×death": ["passed", "lost"],
  "timeout×death": ["timed_out", "lost"],
};
const TIMEOUT_SECONDS = 2;
const HOST = "faults-death";

function catalog(flagDir: string): string {
  return `version: 1
name: death-races
profiles: []
lanes:
${raceLane("on-flag", onFlagScript(flagDir), 120)}
${raceLane("hang", "echo ready; exec sleep 300", TIMEOUT_SECONDS)}
gates: []
`;
}

/**
 * The worker itself dies (SIGKILL) in the middle of a cancel, a completion or a timeout of its run;
 * the next worker under its host name finds what is left. Whichever side wins, the run ends once,
 * the same in PostgreSQL, on the live stream (if its final event was sent at all) and on a run page
 * that watched it, and nothing the dead attempt might still write is accepted.
 */
export const deathRaces: FaultScenario = {
  id: "death-races",
  fault: "the worker SIGKILLed in the middle of a cancel, a completion and a timeout of its run (~4× each, jittered)",
  mustHold:
    "one final state per run, the same in Postgres, on the live stream and on a watching run page; late writes with the old fence refused",
  // CI: 12 races, each ending in a worker restart (~3 s); --full runs 30
  budgetSeconds: 300,
  async run(ctx) {
    const rounds = ctx.full ? 10 : 4;
    const flagDir = mkdtempSync(path.join(os.tmpdir(), "pb-faults-death-"));
    const redis = createRedis();
    const tally = new RaceTally<Race>();
    // a lost run is not retried here: the retry would only take the slot the next race needs
    const spawn = () => ctx.spawnWorker({ hostName: HOST, slots: 1, env: { PROOFBOARD_INFRA_RETRIES: "0" } });
    let worker: WorkerProc | null = null;
    const restarts: number[] = [];
    const request = (lane: string) =>
      requestRun({ repository: ctx.targetName, branch: "main", lane, requestedBy: "fault suite" });

    /**
     * `action` at `at` ms after the lane printed, a SIGKILL of the worker around `kill` ms after
     * that (±150 ms, so either may come first); then the next worker starts.
     */
    const race = async (
      name: Race,
      lane: string,
      action: (runId: string) => Promise<unknown>,
      at: number,
      kill = 0,
    ) => {
      const run = await request(lane);
      const watcher = watchStatuses(run.id);
      const ready = await untilReady(ctx, redis, run.id);
      const start = at - (Date.now() - ready);
      const j = kill + jitter(150);
      const doomed = worker!;
      await Promise.all([
        sleep(Math.max(0, start)).then(() => action(run.id)),
        sleep(Math.max(0, start + j)).then(() => doomed.kill("SIGKILL")),
      ]);
      await doomed.exited;
      const t0 = Date.now();
      worker = await spawn();
      restarts.push((Date.now() - t0) / 1000);
      tally.record(name, await judgeRace(ctx, redis, run.id, ALLOWED[name], { finalEventMayBeMissing: true, watcher }));
    };
    const flag = async (runId: string) => writeFileSync(path.join(flagDir, runId), "");
    try {
      await registerTarget(ctx, { "proofboard.yaml": catalog(flagDir) });
      worker = await spawn();
      for (let i = 0; i < rounds && !ctx.signal.aborted; i++) {
        await race("cancel×death", "on-flag", (id) => cancelRun(id, "fault suite"), 0);
        // the lane sees its flag within 5 ms; the verdict is stored some 100–300 ms later
        await race("completion×death", "on-flag", flag, 0, 80);
        // the worker set its deadline just before the lane printed
        await race("timeout×death", "hang", async () => undefined, TIMEOUT_SECONDS * 1000 - 100);
      }
    } finally {
      redis.disconnect();
      rmSync(flagDir, { recursive: true, force: true });
    }
    const counts = (r: Race) => `${rounds}× ${r}: ${tally.outcomes(r, ALLOWED[r])}`;
    const slowest = Math.max(...restarts);
    return {
      ok: tally.problems.length === 0,
      happened: [
        counts("cancel×death"),
        counts("completion×death"),
        counts("timeout×death"),
        tally.summary(
          `each run one final state, equal in Postgres, its stream and a watching page; the next worker settled the dead one's run within ${slowest.toFixed(1)} s of starting`,
        ),
      ].join("; "),
      recoverySeconds: Number(slowest.toFixed(1)),
    };
  },
};
