import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@proofboard/db";
import { resetEnvCache } from "@proofboard/env";
import { closeQueues, createRedis, keyPrefix, laneQueue } from "@proofboard/jobs";
import { listConsoles, readConsole, requestRun, runById, ensureRepository, syncRepository } from "@proofboard/services";
import { startWorker, type RunningWorker } from "@proofboard/worker";
import { makeRepo, resetDb, waitFor } from "./helpers";

/**
 * Lane secrets on the real stack: the worker host's file gives the lane its variables; the lane
 * prints them whole, in pieces across writes, on both streams, in test-driver lines and in a serial
 * log, and fails with one in its last line. The stored consoles, the run row, every other table,
 * everything under the test's Redis prefix (job data, live streams) and the worker's log hold the
 * mask and never the value.
 */
const TOKEN = "tok-5ecret.*V4lue(x)";
const SCOPED = "sc0ped-only-for-leaky";
const SHARED = "host-wins-over-catalog";

const catalog = `version: 1
name: secrets
lanes:
  - name: leaky
    description: prints its secrets
    command: [bash, lanes/leaky.sh]
    group: publishable
    host: tcg
    timeoutSeconds: 60
    consoles: [node01]
    serialLogs: "work/serial/*.log"
    env: { SHARED: from-the-catalog }
  - { name: other, description: another lane, command: [bash, -c, 'echo "scoped=\${SCOPED:-unset} token-length=\${#TOKEN}"'], group: publishable, host: tcg, timeoutSeconds: 60 }
gates: []
`;
const leakyScript = `printf 'whole: %s\\n' "$TOKEN"
printf 'pieces: %s' "\${TOKEN:0:7}"; sleep 0.3; printf '%s' "\${TOKEN:7:5}"; sleep 0.3; printf '%s end\\n' "\${TOKEN:12}"
printf 'stderr: %s\\n' "$SCOPED" >&2
printf 'shared starts %s, run %s\\n' "\${SHARED:0:4}" "\${PROOFBOARD_RUN_ID:+set}"
printf 'node01 # driver line %s\\n' "$TOKEN" >&2
mkdir -p work/serial
printf 'serial %s' "\${SCOPED:0:3}" >> work/serial/node02.log; sleep 0.3; printf '%s\\n' "\${SCOPED:3}" >> work/serial/node02.log
printf 'PROOFBOARD_METRIC %s 1 ms\\n' "$TOKEN"
printf 'login failed with %s\\n' "$TOKEN" >&2
exit 3
`;

const dir = mkdtempSync(path.join(os.tmpdir(), "pb-lane-secrets-"));
const secretsFile = path.join(dir, "lane-secrets");
const lines: string[] = [];
let worker: RunningWorker;

beforeAll(async () => {
  await resetDb();
  await laneQueue("tcg").obliterate({ force: true });
  writeFileSync(secretsFile, `# test secrets\nTOKEN=${TOKEN}\nSHARED=${SHARED}\n\n[leaky]\nSCOPED=${SCOPED}\n`, {
    mode: 0o600,
  });
  process.env.PROOFBOARD_LANE_SECRETS = secretsFile;
  resetEnvCache();
  const target = makeRepo({ "proofboard.yaml": catalog, "lanes/leaky.sh": leakyScript });
  await syncRepository(await ensureRepository("secrets", target.dir));
  const empty = mkdtempSync(path.join(os.tmpdir(), "pb-probe-empty-"));
  worker = await startWorker({
    hostName: "secrets-tcg",
    control: false,
    slots: 2,
    probeRoots: { dev: empty, sys: empty },
    log: (l) => lines.push(l),
  });
});

afterAll(async () => {
  await worker?.stop();
  delete process.env.PROOFBOARD_LANE_SECRETS;
  resetEnvCache();
  await closeQueues();
  await disconnectDb();
});

const ended = (id: string) =>
  waitFor(`run ${id} to end`, async () => {
    const r = await runById(id);
    return ["queued", "running"].includes(r.status) ? null : r;
  });

/** Every value under the test's Redis prefix, whatever its type, as one text. */
async function everythingInRedis(): Promise<string> {
  const redis = createRedis();
  try {
    const keys = await redis.keys(`${keyPrefix()}:*`);
    const parts: string[] = [];
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === "string") parts.push(String(await redis.getBuffer(key)));
      else if (type === "hash") parts.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === "list") parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === "set") parts.push(JSON.stringify(await redis.smembers(key)));
      else if (type === "zset") parts.push(JSON.stringify(await redis.zrange(key, "0", "-1")));
      else if (type === "stream")
        parts.push((await redis.xrangeBuffer(key, "-", "+")).flatMap(([, f]) => f.map((x) => x.toString())).join("\n"));
    }
    expect(keys.length).toBeGreaterThan(0);
    return parts.join("\n");
  } finally {
    redis.disconnect();
  }
}

describe("lane secrets", () => {
  it("reach the lane's environment and are masked in every console, the run row, the database, Redis and the log", async () => {
    const queued = await requestRun({ repository: "secrets", branch: "main", lane: "leaky" });
    // Job data goes to Redis before the lane runs: only the run's id.
    const jobs = await laneQueue("tcg").getJobs(["waiting", "active", "completed", "failed", "delayed"]);
    expect(jobs.map((j) => j.data)).toContainEqual({ runId: queued.id });
    const run = await ended(queued.id);
    expect(run.status).toBe("failed");
    expect(run.reason).toBe("exited with 3: login failed with ***");

    const harness = (await readConsole(run.id, "harness")).data.toString();
    expect(harness).toContain("whole: ***\n");
    expect(harness).toContain("pieces: *** end\n");
    expect(harness).toContain("stderr: ***\n");
    // the catalog's SHARED is overridden by the host's (its first 4 bytes alone are not a secret); PROOFBOARD_* still set
    expect(harness).toContain("shared starts host, run set\n");
    expect(harness).toContain("PROOFBOARD_METRIC *** 1 ms\n");
    expect((await listConsoles(run.id)).map((c) => c.name).sort()).toEqual(["harness", "node01", "node02"]);
    expect((await readConsole(run.id, "node01")).data.toString()).toContain("driver line ***");
    expect((await readConsole(run.id, "node02")).data.toString()).toBe("serial ***\n");

    // Nothing anywhere holds a value: console chunks (bytes), every table's rows (as text), Redis, the log.
    for (const secret of [TOKEN, SCOPED, SHARED]) {
      const [chunks] = await db().$queryRawUnsafe<{ n: bigint }[]>(
        `SELECT count(*) AS n FROM console_chunk WHERE position($1::bytea IN data) > 0`,
        Buffer.from(secret),
      );
      expect(chunks!.n).toBe(0n);
      const tables = await db().$queryRawUnsafe<{ t: string }[]>(
        `SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'`,
      );
      for (const { t } of tables) {
        const [rows] = await db().$queryRawUnsafe<{ n: bigint }[]>(
          `SELECT count(*) AS n FROM "${t}" x WHERE strpos(x::text, $1) > 0`,
          secret,
        );
        expect(rows!.n, `table ${t}`).toBe(0n);
      }
      expect(await everythingInRedis()).not.toContain(secret);
      expect(lines.join("\n")).not.toContain(secret);
    }
    expect(JSON.stringify(await db().runMetric.findMany({ where: { runId: run.id } }))).not.toContain(TOKEN);
    expect(lines).toContain(`lane secrets ${secretsFile}: every lane: TOKEN, SHARED; leaky: SCOPED`);
  });

  it("give a lane its own section only", async () => {
    const run = await ended((await requestRun({ repository: "secrets", branch: "main", lane: "other" })).id);
    expect(run.status).toBe("passed");
    expect((await readConsole(run.id, "harness")).data.toString()).toBe(`scoped=unset token-length=${TOKEN.length}\n`);
  });

  it("a secrets file open to others stops a worker's start-up, saying what to run", async () => {
    chmodSync(secretsFile, 0o644);
    try {
      await expect(
        startWorker({ hostName: "never-secrets", control: false, slots: 1, log: () => undefined }),
      ).rejects.toThrow(
        `${secretsFile}: the lane secrets file is open to group or others (mode 0644); it must be 0600 or stricter: run chmod 600 ${secretsFile}`,
      );
      expect(await db().host.count({ where: { name: "never-secrets" } })).toBe(0);
    } finally {
      chmodSync(secretsFile, 0o600);
    }
  });
});
