import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@proofboard/db";
import { closeQueues, laneQueue } from "@proofboard/jobs";
import { branchMetrics, ensureRepository, requestRun, runById, syncRepository } from "@proofboard/services";
import { startWorker, type RunningWorker } from "@proofboard/worker";
import { makeRepo, resetDb, waitFor } from "./helpers";

/** A benchmark lane reports figures on its output; they are stored per run and compared across commits. */
const catalog = `version: 1
name: bench
lanes:
  - { name: bench, description: storage benchmark, command: [bash, lanes/bench.sh], group: benchmark, host: tcg, timeoutSeconds: 60 }
gates: []
`;
const script = (mibs: number) => `echo "fio: done"
printf 'PROOFBOARD_METRIC seq_write=%s MiB/s\\n' ${mibs}
printf 'PROOFBOARD_METRIC p99_latency=3.1 ms\\nPROOFBOARD_METRIC bogus=abc\\nnot a metric=1\\n'
`;

let worker: RunningWorker;
let target: ReturnType<typeof makeRepo>;

beforeAll(async () => {
  await resetDb();
  await laneQueue("tcg").obliterate({ force: true });
  target = makeRepo({ "proofboard.yaml": catalog, "lanes/bench.sh": script(400) });
  await syncRepository(await ensureRepository("bench", target.dir));
  worker = await startWorker({ hostName: "bench-host", control: false, slots: 1, log: () => undefined });
});

afterAll(async () => {
  await worker?.stop();
  await closeQueues();
  await disconnectDb();
});

async function benchOnHead(): Promise<string> {
  const run = await requestRun({ repository: "bench", branch: "main", lane: "bench" });
  await waitFor("the benchmark", async () => (await runById(run.id)).status === "passed");
  return run.id;
}

describe("benchmark metrics", () => {
  it("stores the figures a lane reports, and flags a regression across commits", async () => {
    const first = await benchOnHead();
    expect(
      await db().runMetric.findMany({
        where: { runId: first },
        orderBy: { name: "asc" },
        select: { name: true, value: true, unit: true },
      }),
    ).toEqual([
      { name: "p99_latency", value: 3.1, unit: "ms" },
      { name: "seq_write", value: 400, unit: "MiB/s" },
    ]);
    const repo = await db().repository.findUniqueOrThrow({ where: { name: "bench" } });
    for (const mibs of [410, 405]) {
      target.commit({ "lanes/bench.sh": script(mibs) }, `bench ${mibs}`);
      await syncRepository(repo);
      await benchOnHead();
    }
    let write = (await branchMetrics(repo.id, "main")).find((s) => s.name === "seq_write")!;
    expect(write.points.map((p) => p.value)).toEqual([400, 410, 405]);
    expect(write.regression).toBe(false);

    target.commit({ "lanes/bench.sh": script(300) }, "a slower storage path");
    await syncRepository(repo);
    await benchOnHead();
    write = (await branchMetrics(repo.id, "main")).find((s) => s.name === "seq_write")!;
    expect(write.points.at(-1)?.value).toBe(300);
    expect(write.regression).toBe(true);
    expect((await branchMetrics(repo.id, "main")).find((s) => s.name === "p99_latency")?.regression).toBe(false);
  });
});
