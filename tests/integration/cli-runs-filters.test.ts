import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "@proofboard/auth";
import { db, disconnectDb } from "@proofboard/db";
import type { RunStatus } from "@proofboard/domain";
import { ensureRepository, registerHost, syncRepository } from "@proofboard/services";
import { serveApi, type ApiServer } from "../../apps/cli/testing/api-server";
import { testUser } from "../support/callers";
import { catalogYaml, insertRun, makeRepo, resetDb } from "./helpers";
import { cliArgv } from "../support/cli";

/**
 * `proofboard runs` with the runs page's filters, as a separate process against the real API over
 * HTTP: what each flag lists, the host's name and the failure reason in the table, paging with
 * --before, and hostile values refused as usage errors (exit 2) without reaching a shell or SQL.
 */
const root = path.resolve(import.meta.dirname, "../..");
let api: ApiServer;
let token = "";
const configDir = mkdtempSync(path.join(os.tmpdir(), "pb-cli-runs-config-"));
const byStatus: Partial<Record<RunStatus, string>> = {};

beforeAll(async () => {
  await resetDb();
  const target = makeRepo({ "proofboard.yaml": catalogYaml([{ name: "alpha", command: ["true"] }]) });
  const repo = await ensureRepository("clifilters", target.dir);
  await syncRepository(repo);
  const host = await registerHost({ name: "kvm-01", classes: ["kvm", "tcg"], capabilities: {}, slots: 1 });
  const statuses: [RunStatus, string, string | null][] = [
    ["passed", "manual", "host"],
    ["failed", "push", "host"],
    ["timed_out", "schedule", "host"],
    ["lost", "retry", "host"],
    ["queued", "manual", null],
  ];
  for (const [i, [status, trigger, on]] of statuses.entries()) {
    const r = await insertRun({
      repositoryId: repo.id,
      sha: "b".repeat(40),
      lane: "alpha",
      status,
      queuedAt: new Date(Date.UTC(2026, 10, 2, 0, i)),
    });
    await db().run.update({
      where: { id: r.id },
      data: {
        trigger,
        requestedBy: trigger === "manual" ? "olga" : trigger,
        hostId: on ? host.id : null,
        reason: status === "passed" ? null : `${status} because\nof reasons`,
      },
    });
    byStatus[status] = r.id;
  }
  const viewer = await testUser("viewer", "cli-runs-viewer");
  token = (
    await createApiToken({ userId: viewer.id, name: "cli runs filters", scope: "read", days: 1, createdById: null })
  ).token;
  api = await serveApi();
});

afterAll(async () => {
  await api?.close();
  await disconnectDb();
});

function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      cliArgv(args),
      {
        cwd: root,
        timeout: 60_000,
        env: {
          ...process.env,
          PROOFBOARD_API_URL: api.url,
          PROOFBOARD_REPOSITORY: "clifilters",
          PROOFBOARD_TOKEN: token,
          PROOFBOARD_CONFIG_DIR: configDir,
          DATABASE_URL: "postgresql://nobody@127.0.0.1:1/none",
          REDIS_URL: "redis://127.0.0.1:1",
        },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, out: stdout, err: stderr }),
    );
  });
}

const idsOf = async (args: string[]) => {
  const r = await cli(["runs", "--json", ...args]);
  expect(r.err).toBe("");
  return (JSON.parse(r.out) as { id: string }[]).map((x) => x.id);
};

describe("proofboard runs filters", () => {
  it("--status failed lists failed, timed out and lost runs, never the passed one", async () => {
    expect(await idsOf(["--status", "failed"])).toEqual([byStatus.lost, byStatus.timed_out, byStatus.failed]);
    expect(await idsOf(["--status", "timed_out,passed"])).toEqual([byStatus.timed_out, byStatus.passed]);
  });

  it("--requester, --host, --lane and --branch narrow the list", async () => {
    expect(await idsOf(["--requester", "push"])).toEqual([byStatus.failed]);
    expect(await idsOf(["--requester", "olga"])).toEqual([byStatus.queued, byStatus.passed]);
    expect(await idsOf(["--host", "kvm-01", "--status", "active"])).toEqual([]);
    expect(await idsOf(["--host", "kvm-01", "--lane", "alpha", "--branch", "main"])).toHaveLength(4);
  });

  it("pages with --before, by a full id or a prefix", async () => {
    const first = await idsOf(["--limit", "2"]);
    expect(first).toEqual([byStatus.queued, byStatus.lost]);
    expect(await idsOf(["--limit", "2", "--before", first[1]!])).toEqual([byStatus.timed_out, byStatus.failed]);
    expect(await idsOf(["--limit", "2", "--before", first[1]!.slice(0, 12)])).toEqual([
      byStatus.timed_out,
      byStatus.failed,
    ]);
  });

  it("the table names the host (or the class a queued run waits for) and the reason on one line", async () => {
    const r = await cli(["runs", "--status", "failed,queued"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^ID\s+LANE\s+BRANCH\s+SHA\s+STATUS\s+ATTEMPT\s+DURATION\s+QUEUED\s+HOST\s+STARTED BY\s+REASON$/m,
    );
    expect(r.out).toMatch(
      new RegExp(
        `^${byStatus.lost}\\s.*\\skvm-01\\s+automatic retry after an infrastructure fault\\s+lost because of reasons$`,
        "m",
      ),
    );
    expect(r.out).toMatch(
      new RegExp(`^${byStatus.queued}\\s.*\\s\\(tcg\\)\\s+rerun by olga\\s+queued because of reasons$`, "m"),
    );
  });

  it("refuses hostile values as usage errors, naming the valid statuses", async () => {
    const bad = await cli(["runs", "--status", "failed' OR '1'='1"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/status must be one or more of failed, active, stopped/);
    for (const args of [
      ["--host", "kvm\u001b[31m"],
      ["--requester", "x".repeat(500)],
      ["--before", "not-a-run"],
    ]) {
      const r = await cli(["runs", ...args]);
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
    }
    expect(await idsOf(["--requester", "$(touch pwned)"])).toEqual([]);
  });

  it("documents the filters in its help", async () => {
    const help = await cli(["runs", "--help"]);
    expect(help.out).toContain(
      "proofboard runs [--status S] [--lane L] [--branch B] [--requester WHO] [--host NAME] [--before RUN] [--limit N] [--json]",
    );
    expect(help.out).toMatch(/--status S\s+failed \(failed, timed_out, lost, error\)/);
  });

  it("a queued automatic retry says who started it once, and when it starts as its reason", async () => {
    const repo = await db().repository.findFirstOrThrow({ where: { name: "clifilters" } });
    const r = await insertRun({
      repositoryId: repo.id,
      sha: "b".repeat(40),
      lane: "alpha",
      status: "queued",
      queuedAt: new Date(Date.UTC(2026, 10, 2, 0, 9)),
    });
    await db().run.update({
      where: { id: r.id },
      data: {
        trigger: "retry",
        triggerDetail: "2 of 3",
        requestedBy: "automatic retry",
        reason: "automatic retry 2 of 3 after an infrastructure fault; starts in 30 s",
      },
    });
    const out = (await cli(["runs", "--status", "queued", "--limit", "1"])).out;
    expect(out).toMatch(
      new RegExp(`^${r.id}\\s.*\\s+automatic retry 2 of 3 after an infrastructure fault\\s+starts in 30 s$`, "m"),
    );
    expect(out.match(/automatic retry/g)).toHaveLength(1);
  });
});
