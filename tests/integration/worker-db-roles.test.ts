import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@proofboard/db";
import { repoRoot } from "@proofboard/env";
import { closeQueues } from "@proofboard/jobs";
import { ensureRepository, readConsole, requestRun, runById, syncRepository } from "@proofboard/services";
import { addWebLogin, addWorkerRole, urlFor } from "../../packages/db/src/roles";
import { catalogYaml, insertRun, makeRepo, resetDb, waitFor } from "./helpers";
import { stopChild } from "../support/processes";

/**
 * Web and workers on their own PostgreSQL roles (README: Database roles): a worker's role changes
 * only the runs it claimed and appends only to their consoles. Roles are cluster-wide, so this
 * test's login roles carry its database's name and are dropped at the end.
 */
const adminUrl = process.env.DATABASE_URL!;
const tag = new URL(adminUrl).pathname
  .slice(1)
  .replace(/[^a-z0-9_]/g, "_")
  .slice(-30);
const roleA = `pbt_${tag}_a`;
const roleB = `pbt_${tag}_b`;
const roleWeb = `pbt_${tag}_web`;
const pw = "test-password";
const clients: pg.Client[] = [];
let worker: ChildProcess | undefined;
const workerLog: string[] = [];
/** worker A's run with a stored console, from the row-level security test */
let passedRunId = "";

async function connectAs(role: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: urlFor(adminUrl, role, pw) });
  await c.connect();
  clients.push(c);
  return c;
}

async function asAdmin<T>(fn: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

async function dropTestRoles(admin: pg.Client): Promise<void> {
  for (const r of [roleA, roleB, roleWeb]) await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(r)}`);
}

beforeAll(async () => {
  await resetDb();
  await asAdmin(async (admin) => {
    await dropTestRoles(admin);
    await addWorkerRole(admin, "roles-host-a", pw, roleA);
    await addWorkerRole(admin, "roles-host-b", pw, roleB);
    // a login role in the web's group role: the cluster's proofboard_web itself is left as it is
    await addWebLogin(admin, pw, roleWeb);
  });
  const target = makeRepo({
    "proofboard.yaml": catalogYaml([
      { name: "first", command: ["bash", "-c", "echo first lane as a worker role"] },
      { name: "second", command: ["bash", "-c", "echo second lane after first"], needs: ["first"] },
    ]),
  });
  await syncRepository(await ensureRepository("itest", target.dir));
}, 120_000);

afterAll(async () => {
  await stopChild(worker);
  for (const c of clients) await c.end().catch(() => undefined);
  await asAdmin(dropTestRoles);
  await closeQueues();
  await disconnectDb();
});

describe("a worker on its own database role", () => {
  it(
    "runs lanes to passed with their consoles stored, queues what waited on them, and never hits a missing grant",
    { timeout: 120_000 },
    async () => {
      worker = spawn(process.execPath, ["--import", "tsx", "apps/worker/src/main.ts"], {
        cwd: repoRoot,
        env: {
          ...process.env,
          DATABASE_URL: urlFor(adminUrl, roleA, pw),
          PROOFBOARD_DATA_DIR: path.join(process.env.PROOFBOARD_DATA_DIR!, "db-roles"),
          PROOFBOARD_HOST_NAME: "roles-host-a",
          PROOFBOARD_WORKER_SLOTS: "1",
          PROOFBOARD_LOG_FORMAT: "text",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      for (const stream of [worker.stdout!, worker.stderr!])
        stream.on("data", (d: Buffer) => workerLog.push(...d.toString().split("\n").filter(Boolean)));
      try {
        // "second" needs "first": both are requested, second waits; the worker queues it once first passed.
        const second = await requestRun({ repository: "itest", branch: "main", lane: "second" });
        expect(second.status).toBe("waiting");
        const done = await waitFor(
          "second to end",
          async () => {
            const r = await runById(second.id);
            return ["passed", "failed", "error", "skipped", "lost"].includes(r.status) ? r : null;
          },
          90_000,
        );
        expect({ status: done.status, reason: done.reason }).toEqual({ status: "passed", reason: null });
        const first = await db().run.findFirstOrThrow({ where: { lane: "first" } });
        expect(first.status).toBe("passed");
        for (const r of [first, done]) expect((await runById(r.id)).workerRole).toBe(roleA);
        expect((await readConsole(first.id, "harness")).data.toString()).toContain("first lane as a worker role");
        expect((await readConsole(done.id, "harness")).data.toString()).toContain("second lane after first");
        const host = await db().host.findUniqueOrThrow({ where: { name: "roles-host-a" } });
        expect(host.workerRole).toBe(roleA);
        expect(workerLog.filter((l) => /permission denied|row-level security/.test(l))).toEqual([]);
      } catch (err) {
        console.error(`worker log (last 40 lines):\n${workerLog.slice(-40).join("\n")}`);
        throw err;
      } finally {
        const exited = new Promise((resolve) => worker!.once("exit", resolve));
        worker.kill("SIGINT");
        await exited;
      }
    },
  );
});

describe("row-level security between workers", () => {
  const claimSql = `UPDATE run SET status = 'running', fence = fence + 1, host_id = $2, worker_role = current_user, started_at = now()
    WHERE id = $1::uuid AND status = 'queued' RETURNING fence`;
  const appendSql = `WITH owner AS (SELECT 1 FROM run WHERE id = $1::uuid AND fence = $2 AND status = 'running'),
    grown AS (UPDATE console SET length = length + 3 WHERE id = $3 AND length = $4 AND EXISTS (SELECT 1 FROM owner) RETURNING id, expires_on)
    INSERT INTO console_chunk (console_id, expires_on, "offset", length, data) SELECT id, expires_on, $4, 3, $5 FROM grown`;
  const finishSql = `UPDATE run SET status = 'passed', exit_code = 0, finished_at = now(), lane_ended_at = coalesce(lane_ended_at, now())
    WHERE id = $1::uuid AND fence = $2 AND status = 'running'`;
  // holds.ts startHold: the hold starts where the lane ended
  const holdSql = `UPDATE run SET hold_until = now() + interval '1 minute', lane_ended_at = coalesce(lane_ended_at, now()) WHERE id = $1::uuid AND fence = $2`;
  const registerSql = `INSERT INTO host (id, name, classes, capabilities, slots, started_at, last_heartbeat_at)
    VALUES ($1, $2, ARRAY['tcg'], '{}', 1, now(), now()) RETURNING worker_role`;

  it("lets worker A claim and write its run; worker B is refused on A's run, consoles and host; the web sees and cancels all", async () => {
    const repo = await db().repository.findUniqueOrThrow({ where: { name: "itest" } });
    const sha = (await db().branch.findFirstOrThrow({ where: { repositoryId: repo.id, name: "main" } })).headSha;
    const runA = await insertRun({ repositoryId: repo.id, sha, lane: "first", status: "queued", queuedAt: new Date() });
    const runB = await insertRun({
      repositoryId: repo.id,
      sha,
      lane: "second",
      status: "queued",
      queuedAt: new Date(),
    });
    const [a, b, web] = [await connectAs(roleA), await connectAs(roleB), await connectAs(roleWeb)];
    const hostA = `host-${randomUUID()}`;
    const hostB = `host-${randomUUID()}`;
    expect((await a.query(registerSql, [hostA, "sql-host-a"])).rows[0].worker_role).toBe(roleA);
    expect((await b.query(registerSql, [hostB, "sql-host-b"])).rows[0].worker_role).toBe(roleB);

    // A claims its run, opens a console and appends to it: the real statements of fenced.ts.
    const fenceA = (await a.query(claimSql, [runA.id, hostA])).rows[0].fence as number;
    const consoleA = (
      await a.query(`INSERT INTO console (id, run_id, name) VALUES ($1, $2, 'harness') RETURNING id`, [
        randomUUID(),
        runA.id,
      ])
    ).rows[0].id as string;
    expect((await a.query(appendSql, [runA.id, fenceA, consoleA, 0, Buffer.from("abc")])).rowCount).toBe(1);
    const fenceB = (await b.query(claimSql, [runB.id, hostB])).rows[0].fence as number;

    // B, even with A's run id and fence: nothing of A's changes.
    expect((await b.query(claimSql, [runA.id, hostB])).rowCount).toBe(0);
    expect((await b.query(finishSql, [runA.id, fenceA])).rowCount).toBe(0);
    expect((await b.query(holdSql, [runA.id, fenceA])).rowCount).toBe(0);
    await expect(b.query(`UPDATE run SET cancel_requested_at = now() WHERE id = $1`, [runA.id])).rejects.toThrow(
      /permission denied/,
    );
    expect((await b.query(`UPDATE run SET reason = 'taken' WHERE id = $1`, [runA.id])).rowCount).toBe(0);
    expect((await b.query(appendSql, [runA.id, fenceA, consoleA, 3, Buffer.from("xyz")])).rowCount).toBe(0);
    await expect(
      b.query(
        `INSERT INTO console_chunk (console_id, expires_on, "offset", length, data)
         SELECT id, expires_on, 3, 3, 'xyz' FROM console WHERE id = $1`,
        [consoleA],
      ),
    ).rejects.toThrow(/row-level security/);
    expect((await b.query(`UPDATE console SET closed = true WHERE run_id = $1`, [runA.id])).rowCount).toBe(0);
    await expect(
      b.query(`INSERT INTO console (id, run_id, name) VALUES ($1, $2, 'fake')`, [randomUUID(), runA.id]),
    ).rejects.toThrow(/row-level security/);
    await expect(
      b.query(
        `INSERT INTO console_marker (console_id, "offset", line, kind, text, at) VALUES ($1, 0, 1, 'panic', 'x', now())`,
        [consoleA],
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      b.query(`INSERT INTO run_metric (run_id, name, value) VALUES ($1, 'fake', 1)`, [runA.id]),
    ).rejects.toThrow(/row-level security/);
    expect(
      (await b.query(`UPDATE host SET last_heartbeat_at = now() - interval '1 hour' WHERE id = $1`, [hostA])).rowCount,
    ).toBe(0);
    // Hostile: B hands its own run to A, or rewrites what a run executes.
    await expect(b.query(`UPDATE run SET worker_role = $2 WHERE id = $1`, [runB.id, roleA])).rejects.toThrow(
      /row-level security/,
    );
    await expect(
      b.query(`UPDATE run SET status = 'queued', worker_role = $2 WHERE id = $1`, [runB.id, roleA]),
    ).rejects.toThrow(/row-level security/);
    await expect(b.query(`UPDATE run SET argv = ARRAY['sh', '-c', 'evil'] WHERE id = $1`, [runB.id])).rejects.toThrow(
      /permission denied/,
    );
    await expect(b.query(`DELETE FROM console_chunk WHERE console_id = $1`, [consoleA])).rejects.toThrow(
      /permission denied/,
    );
    await expect(b.query(`SELECT password_hash FROM "user"`)).rejects.toThrow(/permission denied/);
    // Retention is the web's: a worker cannot drop weeks of console bytes, nor a partition by hand.
    await expect(b.query(`SELECT * FROM console_chunk_drop_expired(current_date + 5000)`)).rejects.toThrow(
      /permission denied/,
    );
    await expect(b.query(`DROP TABLE console_chunk_kept`)).rejects.toThrow(/must be owner/);
    // B queues runs of its own (a retry, a scheduled lane), never one saying a person asked for it.
    const newRunSql = `INSERT INTO run (id, repository_id, commit_sha, branch_name, lane, attempt, argv, timeout_seconds, host_class, catalog_source, requested_by, "trigger")
      VALUES ($1, $2, $3, 'main', 'worker-queued', $4, ARRAY['true'], 60, 'tcg', 'test', $5, $6)`;
    expect((await b.query(newRunSql, [randomUUID(), repo.id, sha, 90, "automatic retry", "retry"])).rowCount).toBe(1);
    await expect(b.query(newRunSql, [randomUUID(), repo.id, sha, 91, "olga", "manual"])).rejects.toThrow(
      /row-level security/,
    );
    // B's own run is B's to finish.
    expect((await b.query(finishSql, [runB.id, fenceB])).rowCount).toBe(1);

    // A's run is intact, and still A's to finish and close.
    const stored = await readConsole(runA.id, "harness");
    expect(stored.data.toString()).toBe("abc");
    expect((await runById(runA.id)).status).toBe("running");
    expect((await a.query(holdSql, [runA.id, fenceA])).rowCount).toBe(1);
    expect((await a.query(`UPDATE console SET closed = true WHERE run_id = $1`, [runA.id])).rowCount).toBe(1);

    // The web reads every run's consoles and cancels any run.
    expect(
      (await web.query(`SELECT count(*)::int AS n FROM console_chunk WHERE console_id = $1`, [consoleA])).rows[0].n,
    ).toBe(1);
    expect(
      (await web.query(`UPDATE run SET cancel_requested_at = now() WHERE id = ANY($1::uuid[])`, [[runA.id, runB.id]]))
        .rowCount,
    ).toBe(2);
    expect((await a.query(finishSql, [runA.id, fenceA])).rowCount).toBe(1);
    expect((await runById(runA.id)).status).toBe("passed");
    passedRunId = runA.id;
  });

  it(
    "the web's own services need no ownership: users, sessions, requests, cancels, audit, and the reconciler ending a dead worker's run",
    { timeout: 60_000 },
    async () => {
      // A run of worker A on a host that stopped heartbeating: no worker role may end it, the web's reconciler does.
      const repo = await db().repository.findUniqueOrThrow({ where: { name: "itest" } });
      const sha = (await db().branch.findFirstOrThrow({ where: { repositoryId: repo.id, name: "main" } })).headSha;
      const host = await db().host.update({
        where: { name: "sql-host-a" },
        data: { lastHeartbeatAt: new Date(Date.now() - 3600_000) },
      });
      const stale = await insertRun({
        repositoryId: repo.id,
        sha,
        lane: "second",
        status: "running",
        queuedAt: new Date(),
      });
      await db().run.update({ where: { id: stale.id }, data: { hostId: host.id, workerRole: roleA } });
      const b = await connectAs(roleB);
      expect(
        (await b.query(`UPDATE run SET status = 'lost', failure_kind = 'infrastructure' WHERE id = $1`, [stale.id]))
          .rowCount,
      ).toBe(0);

      const child = spawn(process.execPath, ["--import", "tsx", "tests/support/web-role-child.ts", passedRunId], {
        cwd: repoRoot,
        env: { ...process.env, DATABASE_URL: urlFor(adminUrl, roleWeb, pw) },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let errOut = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (errOut += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      expect({ code, errOut }).toEqual({ code: 0, errOut: "" });
      const result = JSON.parse(out.trim().split("\n").at(-1)!) as {
        user: string;
        lost: string[];
        retried: string[];
        canceled: string[];
        audited: number;
        consoleText: string;
        recorded: number;
        compacted: number;
        dropped: number;
      };
      expect(result.user).toMatch(/^web-role-/);
      expect(result.lost).toEqual([stale.id]);
      expect(result.retried).toHaveLength(1);
      expect(result.canceled).toEqual(["canceled", "canceled"]);
      expect(result.audited).toBe(1);
      expect(result.consoleText).toBe("abc");
      expect(result.recorded).toBeGreaterThan(0);
      expect(result.compacted).toBeGreaterThan(0);
      expect(result.dropped).toBeGreaterThan(0);
      expect((await runById(stale.id)).status).toBe("lost");
    },
  );
});
