import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@proofboard/db";
import { closeQueues } from "@proofboard/jobs";
import { advanceWaiting, ensureRepository, syncRepository } from "@proofboard/services";
import { startWorker, type RunningWorker } from "@proofboard/worker";
// @trpc/server resolves from the CLI package, not from the repository root, so the server lives there.
import { serveApi, type ApiServer } from "../../apps/cli/testing/api-server";
import { catalogYaml, makeRepo, resetDb, waitFor } from "./helpers";
import { operatorCaller } from "../support/callers";
import { cliArgv } from "../support/cli";

/**
 * "A verdict stands until a newer result replaces it" (issue #11), through the API a browser and the
 * CLI use, with a real worker running the lanes: a rerun of a passed lane keeps the branch READY
 * until its own result is in; a failed lane being rerun stays missing and is not queued twice.
 */

// The gated lane waits for a token file and exits with the code written in it: the test decides
// when a run ends and how, so "while the rerun runs" is a state the test holds, not a race.
const gateScript = `#!/bin/bash
while [ ! -e "$1" ]; do sleep 0.1; done
code=$(cat "$1"); rm -f "$1"; exit "$code"
`;

let worker: RunningWorker;
let api: ApiServer;
let tokenDir: string;
let token: string;
const caller = await operatorCaller("verdict-test");

/** Lets the gated lane's waiting run end with this exit code. */
const release = (code: number) => writeFileSync(token, String(code));

async function runOf(id: string) {
  return db().run.findUniqueOrThrow({ where: { id } });
}

async function until(id: string, statuses: string[]) {
  return waitFor(`run ${id} to be ${statuses.join(" or ")}`, async () => {
    const run = await runOf(id);
    return statuses.includes(run.status) ? run : null;
  });
}

const branch = () => caller.branches.get({ name: "main" });
const overviewRow = async () => (await caller.branches.list()).branches.find((b) => b.name === "main")!;
const gatedRuns = () => db().run.count({ where: { lane: "gated" } });

/** `proofboard status main` as a person runs it: a separate process, over HTTP only. */
function status(): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      cliArgv(["status", "main"]),
      {
        cwd: path.resolve(import.meta.dirname, "../.."),
        timeout: 60_000,
        env: {
          ...process.env,
          PROOFBOARD_API_URL: api.url,
          PROOFBOARD_REPOSITORY: "itest",
          PROOFBOARD_CONFIG_DIR: tokenDir,
          NO_COLOR: "1",
        },
      },
      (error, stdout) => resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, out: stdout }),
    );
  });
}

beforeAll(async () => {
  await resetDb();
  tokenDir = mkdtempSync(path.join(os.tmpdir(), "pb-verdict-gate-"));
  token = path.join(tokenDir, "go");
  const target = makeRepo({
    "proofboard.yaml": catalogYaml(
      [
        { name: "steady", command: ["true"] },
        { name: "gated", command: ["bash", "lanes/gated.sh", token] },
        { name: "after", command: ["true"], needs: ["gated"] },
      ],
      ["steady", "gated"],
    ),
    "lanes/gated.sh": gateScript,
  });
  await syncRepository(await ensureRepository("itest", target.dir));
  worker = await startWorker({ hostName: "verdict-host", control: false, slots: 2, log: () => undefined });
  api = await serveApi();
});

afterAll(async () => {
  await api?.close();
  await worker?.stop();
  await closeQueues();
  await disconnectDb();
  rmSync(tokenDir, { recursive: true, force: true });
});

describe("a verdict stands until a newer result replaces it", () => {
  it("keeps main READY while a passed lane is rerun, and NOT READY once the rerun fails", async () => {
    release(0);
    const { runs: first } = await caller.runs.rerunMissing({ branch: "main" });
    expect(first.map((r) => r.lane).sort()).toEqual(["gated", "steady"]);
    for (const run of first) expect((await until(run.id, ["passed", "failed"])).status).toBe("passed");
    expect((await branch()).releaseReady).toBe(true);

    // The rerun waits for its token: it stays running as long as the test wants.
    const rerun = await caller.runs.rerun({ branch: "main", lane: "gated" });
    await until(rerun.id, ["running"]);
    const during = await branch();
    expect(during.releaseReady).toBe(true);
    expect(during.missing).toEqual([]);
    expect(during.verdict?.kind).toBe("ready");
    const gated = during.lanes.find((l) => l.name === "gated")!.readiness!;
    expect(gated).toMatchObject({
      state: "passed",
      flaky: false,
      headRun: { status: "passed" },
      rerun: { id: rerun.id, status: "running" },
    });
    expect(during.gates[0]).toMatchObject({ green: true, missing: [] });
    // The overview says the same: the row is READY and its gate green, with the rerun shown.
    const row = await overviewRow();
    expect(row.releaseReady).toBe(true);
    expect(row.gates[0]).toMatchObject({ green: true, missing: [] });
    expect(row.gates[0]!.lanes.find((l) => l.lane === "gated")).toMatchObject({
      state: "passed",
      rerun: { id: rerun.id, status: "running" },
    });
    // Nothing is missing, so "rerun what is missing" queues nothing, least of all the lane under way.
    const before = await gatedRuns();
    expect(await caller.runs.rerunMissing({ branch: "main" })).toEqual({ runs: [], note: null });
    expect(await gatedRuns()).toBe(before);
    // The CLI: exit 0 (READY), the lane's state says both.
    const cli = await status();
    expect(cli.code).toBe(0);
    expect(cli.out).toMatch(/^verdict\s+READY$/m);
    expect(cli.out).toMatch(new RegExp(`^  gated\\s+passed · re-running\\s.*rerun ${rerun.id} running`, "m"));

    release(1);
    expect((await until(rerun.id, ["passed", "failed"])).status).toBe("failed");
    const after = await branch();
    expect(after.releaseReady).toBe(false);
    expect(after.missing).toEqual(["gated"]);
    expect(after.lanes.find((l) => l.name === "gated")!.readiness).toMatchObject({
      state: "failed",
      rerun: null,
      headRun: { id: rerun.id },
    });
    expect((await overviewRow()).releaseReady).toBe(false);
  });

  it("keeps a failed lane missing while it is rerun, queues no duplicate, and marks the pass that follows flaky", async () => {
    const rerun = await caller.runs.rerun({ branch: "main", lane: "gated" });
    await until(rerun.id, ["running"]);
    const during = await branch();
    expect(during.releaseReady).toBe(false);
    expect(during.missing).toEqual(["gated"]);
    expect(during.lanes.find((l) => l.name === "gated")!.readiness).toMatchObject({
      state: "failed",
      rerun: { id: rerun.id, status: "running" },
    });
    const cli = await status();
    expect(cli.code).toBe(1);
    expect(cli.out).toMatch(/^ {2}gated\s+failed · re-running\s/m);
    // Its verdict may still change: the estimate waits for the rerun instead of calling it failed.
    expect(during.verdict?.kind).toBe("pending");
    const before = await gatedRuns();
    expect(await caller.runs.rerunMissing({ branch: "main" })).toEqual({ runs: [], note: null });
    expect(await gatedRuns()).toBe(before);

    release(0);
    expect((await until(rerun.id, ["passed", "failed"])).status).toBe("passed");
    const passed = await branch();
    expect(passed.releaseReady).toBe(true);
    expect(passed.lanes.find((l) => l.name === "gated")!.readiness).toMatchObject({
      state: "passed",
      flaky: true,
      rerun: null,
    });

    // A pass after a failure on one commit stays flaky, through another rerun and its pass.
    const again = await caller.runs.rerun({ branch: "main", lane: "gated" });
    await until(again.id, ["running"]);
    expect((await branch()).lanes.find((l) => l.name === "gated")!.readiness).toMatchObject({
      state: "passed",
      flaky: true,
      rerun: { id: again.id },
    });
    release(0);
    await until(again.id, ["passed", "failed"]);
    const end = await branch();
    expect(end.releaseReady).toBe(true);
    expect(end.lanes.find((l) => l.name === "gated")!.readiness).toMatchObject({
      state: "passed",
      flaky: true,
      rerun: null,
      headRun: { id: again.id },
    });
  });

  it("lets a lane that needs another go by that lane's standing verdict: passed while rerun, waited for when failed", async () => {
    const rerun = await caller.runs.rerun({ branch: "main", lane: "gated" });
    await until(rerun.id, ["running"]);
    // gated passed and is being rerun: what needs it starts now, as readiness counts gated green
    const after = await caller.runs.rerun({ branch: "main", lane: "after" });
    expect(after.status).toBe("queued");
    expect((await until(after.id, ["passed", "failed", "skipped"])).status).toBe("passed");
    release(1);
    expect((await until(rerun.id, ["passed", "failed"])).status).toBe("failed");

    // gated failed and is being rerun: what needs it waits for that rerun instead of being skipped
    const again = await caller.runs.rerun({ branch: "main", lane: "gated" });
    await until(again.id, ["running"]);
    const waiting = await caller.runs.rerun({ branch: "main", lane: "after" });
    expect(waiting.status).toBe("waiting");
    const row = await runOf(waiting.id);
    await advanceWaiting(row.repositoryId, row.commitSha);
    expect((await runOf(waiting.id)).status).toBe("waiting");
    release(0);
    expect((await until(again.id, ["passed", "failed"])).status).toBe("passed");
    expect((await until(waiting.id, ["passed", "failed", "skipped"])).status).toBe("passed");
  });
});
