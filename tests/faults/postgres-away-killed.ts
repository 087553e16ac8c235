import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { db } from "@proofboard/db";
import { markLostRuns, readConsole, requestRun, runById } from "@proofboard/services";
import { readSpoolRecords } from "../../apps/worker/src/spool";
import { flagLaneScript } from "../support/flag-lane";
import { PgProxy } from "../support/pg-proxy";
import type { FaultContext, FaultResult, FaultScenario } from "./scenario";
import { catalogYaml, registerTarget, secondsSince, waitUntil } from "./support";

const HOST = "cut-off-dies";

/**
 * A worker dies while PostgreSQL is away from it, after its lane ended: the verdict and the last
 * bytes are only in its spool file. The database comes back and a reconciler looks every 2 s for
 * longer than the host timeout; then a new worker starts under the host name. The run must keep
 * its own verdict on attempt 1 (no lost, no retry), with every byte the lane printed and its figure.
 */
async function run(ctx: FaultContext): Promise<FaultResult> {
  const dir = path.join(ctx.env.PROOFBOARD_DATA_DIR!, "postgres-away-killed");
  mkdirSync(dir, { recursive: true });
  const flag = path.join(dir, "flag");
  const witness = path.join(dir, "printed");
  await registerTarget(ctx, {
    "proofboard.yaml": catalogYaml([{ name: "ends-offline", command: ["node", "lanes/lane.cjs", flag, witness] }]),
    "lanes/lane.cjs": flagLaneScript,
  });
  const spoolDir = path.join(ctx.env.PROOFBOARD_DATA_DIR!, "worker", HOST, "spool");
  const proxy = PgProxy.to(ctx.env.DATABASE_URL!);
  await proxy.listen();
  try {
    const doomed = await ctx.spawnWorker({
      hostName: HOST,
      slots: 1,
      env: { DATABASE_URL: proxy.via(ctx.env.DATABASE_URL!) },
    });
    const r = await requestRun({ repository: ctx.targetName, branch: "main", lane: "ends-offline" });
    await waitUntil(
      "the lane's first stored bytes",
      async () => (await readConsole(r.id, "harness").catch(() => null))?.data.length,
      60_000,
      ctx.signal,
    );
    proxy.cut();
    await new Promise((res) => setTimeout(res, 1000));
    writeFileSync(flag, "");
    const spooled = await waitUntil(
      "the verdict in the spool file",
      async () => {
        for (const f of existsSync(spoolDir) ? readdirSync(spoolDir) : []) {
          const records = await readSpoolRecords(path.join(spoolDir, f)).catch(() => []);
          const v = records.find((x) => x.record.t === "verdict");
          if (v?.record.t === "verdict") return { status: v.record.outcome.status, records: records.length };
        }
        return null;
      },
      60_000,
      ctx.signal,
    );
    doomed.kill("SIGKILL");
    await doomed.exited;
    await proxy.listen();
    // The database is back; reconcilers look as the web and other workers do, past the host timeout.
    const lost: string[] = [];
    for (const backAt = Date.now(); Date.now() - backAt < 12_000;) {
      lost.push(...(await markLostRuns(8)).lost);
      await new Promise((res) => setTimeout(res, 2000));
    }
    const restartedAt = Date.now();
    const next = await ctx.spawnWorker({ hostName: HOST, slots: 1 });
    const ended = await waitUntil(
      "the run to end",
      async () => {
        const x = await runById(r.id);
        return ["queued", "running"].includes(x.status) ? null : x;
      },
      60_000,
      ctx.signal,
    );
    const recovered = secondsSince(restartedAt);
    const printed = readFileSync(witness);
    const stored = await readConsole(r.id, "harness", 0, 64 << 20);
    const exact = stored.data.equals(printed);
    const runs = await db().run.count({ where: { lane: "ends-offline" } });
    const figures = await db().runMetric.count({ where: { runId: r.id } });
    const line = next.output().match(/spool left by the previous worker: ([^\n]*?) host=/)?.[1] ?? "(no line)";
    next.kill("SIGINT");
    const ok =
      spooled.status === "passed" &&
      lost.length === 0 &&
      ended.status === "passed" &&
      ended.attempt === 1 &&
      runs === 1 &&
      exact &&
      figures === 1;
    return {
      ok,
      happened: `lane ended with the database away; its spool held ${spooled.records} records, verdict ${spooled.status}; worker SIGKILLed; database back 12 s with a reconciler every 2 s: ${lost.length ? `run taken for lost (${lost.length})` : "run kept"}; next worker: "${line}"; run ${ended.status} on attempt ${ended.attempt}, ${runs} run(s) of the lane, ${figures} figure(s); console ${exact ? "byte-exact" : `differs (${stored.data.length} of ${printed.length} bytes)`} (${printed.length} bytes)`,
      recoverySeconds: recovered,
    };
  } finally {
    proxy.cut();
  }
}

export const postgresAwayKilled: FaultScenario = {
  id: "postgres-away-killed",
  fault: "a worker SIGKILLed while PostgreSQL is away from it, its lane ended; the database back, a new worker",
  mustHold:
    "the run keeps its own verdict on its attempt (not lost, no retry), every byte and its figure stored from the spool file",
  budgetSeconds: 180,
  run,
};
