import { execFile, spawnSync } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, statSync, chmodSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@proofboard/db";
import { createApiToken } from "@proofboard/auth";
import { operatorCaller, testUser } from "../support/callers";
import { closeQueues } from "@proofboard/jobs";
import { ensureRepository, readConsole, syncRepository } from "@proofboard/services";
import { startWorker, type RunningWorker } from "@proofboard/worker";
// @trpc/server resolves from the CLI package, not from the repository root, so the server lives there.
import { serveApi, type ApiServer } from "../../apps/cli/testing/api-server";
import { catalogYaml, insertRun, makeRepo, resetDb } from "./helpers";
import { cliArgv } from "../support/cli";

/** The CLI run as a person runs it, as a separate process, against the real API over HTTP. */

const root = path.resolve(import.meta.dirname, "../..");
const HOSTILE = "$(touch${IFS}pwned)";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** NUL, invalid UTF-8, a multibyte character split across writes, escapes: what `console` must pass through untouched. */
const BYTES = [
  Buffer.from("begin\n"),
  Buffer.from([0x00, 0x00, 0xff, 0xfe, 0xc3, 0x28, 0x80]),
  Buffer.from("€").subarray(0, 2),
  Buffer.from("€").subarray(2),
  Buffer.from("\x1b]52;c;cHduZWQ=\x07\r\n"),
  Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 131) % 256)),
  Buffer.from("end\n"),
];
const bytesScript = `
const parts = ${JSON.stringify(BYTES.map((b) => b.toString("base64")))};
let i = 0;
const next = () => {
  if (i === parts.length) return;
  process.stdout.write(Buffer.from(parts[i++], "base64"), () => setTimeout(next, 150));
};
next();
`;

let worker: RunningWorker;
let api: ApiServer;
let target: ReturnType<typeof makeRepo>;
/** An operator's token for the commands that change things; the config folder is the test's own, never ~/.config. */
let operatorToken = "";
/** The failed multi-console run, for the RUN prefix and console name tests. */
let clusterRunId = "";
const configDir = mkdtempSync(path.join(os.tmpdir(), "pb-cli-config-"));

beforeAll(async () => {
  await resetDb();
  target = makeRepo({
    "proofboard.yaml": catalogYaml(
      [
        { name: "hello", command: ["bash", "lanes/hello.sh"] },
        { name: "bytes", command: ["node", "lanes/bytes.cjs"] },
        { name: "fails", command: ["bash", "-c", "echo broken >&2; exit 3"] },
        { name: "after-fails", command: ["true"], needs: ["fails"] },
        { name: "cluster", command: ["bash", "lanes/cluster.sh"], consoles: ["node04"] },
      ],
      ["hello", "bytes"],
    ),
    "lanes/hello.sh": "#!/bin/bash\necho hello from $PROOFBOARD_LANE\n",
    "lanes/bytes.cjs": bytesScript,
    // a multi-VM lane through `nix build -L` in a pipe: node03 fails, node04 was declared and never speaks
    "lanes/cluster.sh": [
      "#!/bin/bash",
      "d=vm-test-run-cluster",
      'echo "$d> node03: starting vm" >&2',
      'echo "$d> node03 # [    1.2] systemd[1]: Starting flaredb.service" >&2',
      'echo "$d> node03 # [FAILED] Failed to start flaredb.service" >&2',
      'echo "$d> !!! RequestedAssertionFailed: unit flaredb.service is failed" >&2',
      "exit 1",
    ].join("\n"),
  });
  target.git("update-ref", `refs/heads/${HOSTILE}`, "HEAD");
  target.git("update-ref", "refs/heads/-rf", "HEAD");
  const repo = await ensureRepository("clitest", target.dir);
  await syncRepository(repo);
  worker = await startWorker({ hostName: "clitest-host", control: false, slots: 2, log: () => undefined });
  api = await serveApi();
  const operator = await testUser("operator", "cli-operator");
  operatorToken = (
    await createApiToken({ userId: operator.id, name: "cli test", scope: "operate", days: 1, createdById: null })
  ).token;
});

afterAll(async () => {
  await api?.close();
  await worker?.stop();
  await closeQueues();
  await disconnectDb();
});

interface Result {
  code: number;
  stdout: Buffer;
  out: string;
  err: string;
}

/** argv straight to node, never through a shell; the database and Redis are pointed nowhere to prove the CLI only speaks HTTP. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      cliArgv(args),
      {
        cwd: root,
        encoding: "buffer",
        maxBuffer: 64 << 20,
        timeout: 60_000,
        env: {
          ...process.env,
          PROOFBOARD_API_URL: api.url,
          PROOFBOARD_REPOSITORY: "clitest",
          DATABASE_URL: "postgresql://nobody@127.0.0.1:1/none",
          REDIS_URL: "redis://127.0.0.1:1",
          PROOFBOARD_TOKEN: operatorToken,
          PROOFBOARD_CONFIG_DIR: configDir,
          ...env,
        },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, out: stdout.toString("utf8"), err: stderr.toString("utf8") });
      },
    );
  });
}

const errLines = (r: Result) => r.err.split("\n").filter(Boolean);

describe("proofboard CLI against the real API", () => {
  it("branches --json lists main and the hostile branch, verbatim", async () => {
    const r = await cli(["branches", "--json"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const view = JSON.parse(r.out) as {
      repository: { name: string };
      branches: { name: string; releaseReady: boolean }[];
    };
    expect(view.repository.name).toBe("clitest");
    expect(view.branches.map((b) => b.name).sort()).toEqual([HOSTILE, "-rf", "main"].sort());
    expect(view.branches.every((b) => !b.releaseReady)).toBe(true);
  });

  it("branches --filter keeps the names containing the text, taken literally", async () => {
    const r = await cli(["branches", "--filter", "$(TOUCH", "--json"]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { branches: { name: string }[] }).branches.map((b) => b.name)).toEqual([HOSTILE]);
    const none = await cli(["branches", "--filter", "-rf*"]);
    expect(none.code).toBe(0);
    expect(none.out.trim()).toBe('no branch name in clitest contains "-rf*"');
  });

  it("branches prints a plain table with the verdict, the gate and the missing lanes", async () => {
    const r = await cli(["branches"]);
    expect(r.code).toBe(0); // every branch is NOT READY: branches lists many and stays 0
    expect(r.out).not.toContain("\x1b[");
    const row = r.out.split("\n").find((l) => l.startsWith(`${HOSTILE} `));
    expect(row).toMatch(/NOT READY\s+[0-9a-f]{10}\s+✗\s+hello, bytes$/);
    expect(r.out).toMatch(/^BRANCH\s+VERDICT\s+HEAD\s+release\s+MISSING$/m);
  });

  it("status names the gate and each lane's state, exit 1 while NOT READY (with --json too)", async () => {
    const r = await cli(["status", "main"]);
    expect(r.code).toBe(1);
    expect(r.err).toBe("");
    expect(r.out).toMatch(/^verdict\s+NOT READY$/m);
    expect(r.out).toContain("gate Release [release], release gate");
    expect(r.out).toMatch(/^ {2}hello\s+never run/m);
    expect(r.out).toMatch(/^next\s+release lanes have not run on this commit: proofboard missing main$/m);
    expect(r.out).toContain("missing: hello, bytes");
    const json = await cli(["status", "main", "--json"]);
    expect(json.code).toBe(1);
    expect((JSON.parse(json.out) as { releaseReady: boolean }).releaseReady).toBe(false);
    const help = await cli(["help", "status"]);
    expect(help.out).toContain("(exit 1 unless READY, 2 if its catalog cannot be read)");
    expect(help.out).toContain("branches exits 0 whatever the verdicts");
  });

  it("lanes shows the catalog at a branch's head, then its gates", async () => {
    const r = await cli(["lanes", "--branch", "main"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^hello\s+tcg\s+regression-guard\s+-\s+1m 00s$/m);
    expect(r.out).toMatch(/^release\s+Release\s+yes\s+hello, bytes$/m);
  });

  it("rerun --wait prints only the run id on stdout and exits 0 when the run passed", async () => {
    const r = await cli(["rerun", "main", "hello", "--wait"]);
    expect(r.code).toBe(0);
    const id = r.out.trim();
    expect(id).toMatch(UUID);
    expect(r.out).toBe(`${id}\n`);
    expect(r.err).toMatch(/: passed in /);
    const run = await db().run.findUniqueOrThrow({ where: { id } });
    expect(run.status).toBe("passed");
    expect(run.requestedBy).toBe("cli-operator"); // the token reached the API: the run says who asked
  });

  it("rerun --wait exits 1 when the run fails", async () => {
    const r = await cli(["rerun", "main", "fails", "--wait", "--json"]);
    expect(r.code).toBe(1);
    const run = JSON.parse(r.out) as { status: string; exitCode: number };
    expect(run).toMatchObject({ status: "failed", exitCode: 3 });
    expect(r.err).toContain("failed");
  });

  it("rerun --wait follows a run that waits for the lanes it needs to its end, and console --follow waits with it", async () => {
    const r = await cli(["rerun", "main", "after-fails", "--wait", "--json"]);
    // It waited (not exited at "waiting"): its need failed, so it ended skipped, with the reason.
    expect(r.err).toMatch(/attempt \d+, run by cli-operator: waiting/);
    const run = JSON.parse(r.out) as { id: string; status: string; reason: string };
    expect(run.status).toBe("skipped");
    expect(run.reason).toContain("fails");
    expect(r.code).toBe(1);
    const followed = await cli(["console", run.id, "--follow"]);
    expect(followed.code).toBe(2);
    expect(errLines(followed)).toEqual([
      `proofboard: unknown console "harness" of run ${run.id.slice(0, 8)}; it has no consoles`,
    ]);
  });

  it("console writes the stored bytes exactly, followed live and read back", async () => {
    const queued = await cli(["rerun", "main", "bytes"]);
    expect(queued.code).toBe(0);
    const id = queued.out.trim();
    const expected = Buffer.concat(BYTES);

    const followed = await cli(["console", id, "--follow"]);
    expect(followed.code).toBe(0);
    expect(followed.stdout.equals(expected)).toBe(true);

    const stored = await readConsole(id, "harness");
    expect(stored.data.equals(expected)).toBe(true);
    const read = await cli(["console", id, "--console", "harness"]);
    expect(read.code).toBe(0);
    expect(read.stdout.equals(stored.data)).toBe(true);
  });

  it("run shows each console's verdict and first failure, and says which declared console never printed", async () => {
    const id = (await cli(["rerun", "--wait", "main", "cluster"])).out.trim();
    expect(id).toMatch(UUID);
    clusterRunId = id;
    const r = await cli(["run", id]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^node03 \*\s+failed\s+\d+\s+2\s+2: \[FAILED\] Failed to start flaredb.service$/m);
    expect(r.out).toMatch(/^node04\s+no output\s+0\s+0\s*$/m);
    expect(r.out).toMatch(
      /^node04: no output captured \(expected from proofboard\.yaml@[0-9a-f]{10}, the consoles of lane cluster; looked for test-driver lines\)$/m,
    );
    expect(r.out).toContain(`first failure: node03 line 2 (proofboard console ${id} --console node03)`);
    const silent = await cli(["console", id, "--console", "node04"]);
    expect([silent.code, silent.stdout.length]).toEqual([0, 0]);
    expect(errLines(silent)).toEqual([
      expect.stringMatching(/^node04: no output captured \(expected from proofboard\.yaml@/),
    ]);
    const node03 = await cli(["console", id, "--console", "node03"]);
    expect(node03.out).toBe(
      "[    1.2] systemd[1]: Starting flaredb.service\n[FAILED] Failed to start flaredb.service\n",
    );
  });

  it("run exits 1 for a run that has not passed yet, and says what a queued run waits for", async () => {
    const repo = await db().repository.findFirstOrThrow({ where: { name: "clitest" } });
    const head = (await db().branch.findFirstOrThrow({ where: { repositoryId: repo.id, name: "main" } })).headSha;
    const queued = await insertRun({
      repositoryId: repo.id,
      sha: head,
      lane: "kvm-only",
      status: "queued",
      queuedAt: new Date(),
      hostClass: "nested-kvm",
    });
    try {
      const r = await cli(["run", queued.id]);
      expect(r.code).toBe(1);
      expect(r.out.split("\n")[1]).toBe("queued: waiting for a host with nested KVM: none is online");
      const json = await cli(["run", queued.id, "--json"]);
      expect([json.code, (JSON.parse(json.out) as { waiting: string }).waiting]).toEqual([
        1,
        "waiting for a host with nested KVM: none is online",
      ]);
    } finally {
      await db().run.delete({ where: { id: queued.id } });
    }
  });

  it("status turns READY once every release lane passed on the head commit, exit 0", async () => {
    const r = await cli(["status", "main"]);
    expect(r.out).toMatch(/^verdict\s+READY$/m);
    expect(r.out).toContain("missing: nothing");
    expect(r.code).toBe(0);
    expect((await cli(["status", "main", "--json"])).code).toBe(0);
  });

  it("runs lists the runs in a table and as JSON", async () => {
    const table = await cli(["runs", "--branch", "main", "--lane", "hello"]);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(
      /^ID\s+LANE\s+BRANCH\s+SHA\s+STATUS\s+ATTEMPT\s+DURATION\s+QUEUED\s+HOST\s+STARTED BY\s+REASON$/m,
    );
    expect(table.out).toMatch(
      /^[0-9a-f-]{36}\s+hello\s+main\s+[0-9a-f]{10}\s+passed\s+1\s+\d+s\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+clitest-host\s+run by cli-operator$/m,
    );
    const json = await cli(["runs", "--json", "--limit", "2"]);
    expect((JSON.parse(json.out) as unknown[]).length).toBe(2);
  });

  it("sync prints its summary; a pass on the older commit then shows as stale, never counted", async () => {
    const before = target.git("rev-parse", "main");
    target.commit({ CHANGELOG: "next\n" }, "a newer commit");
    const r = await cli(["sync"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("synced: 3 branches");
    expect(r.out).toMatch(/^moved\s+main$/m);
    const status = await cli(["status", "main"]);
    expect(status.code).toBe(1);
    expect(status.out).toMatch(/^verdict\s+NOT READY$/m);
    expect(status.out).toMatch(
      new RegExp(`^  hello\\s+never run\\s+-\\s+-\\s+stale \\(passed on ${before.slice(0, 10)}\\)$`, "m"),
    );
  });

  it("missing queues what the release gates still miss on the new head, and then nothing more", async () => {
    const r = await cli(["missing", "main"]);
    expect(r.code).toBe(0);
    const lanes = r.out
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split(" ")[1]);
    expect(lanes.sort()).toEqual(["bytes", "hello"]);
    const again = await cli(["missing", "main"]);
    expect(again.out).toContain("nothing to queue");
    expect((await cli(["missing", "main", "--gate", "nosuch"])).code).toBe(2);
  });

  it("an unknown branch, lane or run is one line on stderr naming it, exit 2", async () => {
    const branch = await cli(["status", "nope"]);
    expect(branch.code).toBe(2);
    expect(errLines(branch)).toEqual(['proofboard: unknown branch: "nope"']);

    const lane = await cli(["rerun", "main", "nolane"]);
    expect(lane.code).toBe(2);
    expect(errLines(lane)).toEqual(['proofboard: unknown lane: "nolane"']);

    const run = await cli(["console", "00000000-0000-0000-0000-000000000000"]);
    expect(run.code).toBe(2);
    expect(errLines(run)).toEqual(['proofboard: unknown run: "00000000-0000-0000-0000-000000000000"']);
    expect(run.stdout.length).toBe(0);
  });

  it("an empty repository and a control character in a filter are refused, not taken as 'the default' or 'no match'", async () => {
    const empty = await cli(["status", "main", "--repository", ""]);
    expect([empty.code, errLines(empty)[0]]).toEqual([
      2,
      "proofboard: --repository needs a name; leave it out for the server's default repository",
    ]);
    const admin = await testUser("admin", "cli-actor-admin");
    const token = (
      await createApiToken({ userId: admin.id, name: "cli actor", scope: "admin", days: 1, createdById: null })
    ).token;
    const actor = await cli(["audit", "--actor", "a\x01"], { PROOFBOARD_TOKEN: token });
    expect([actor.code, errLines(actor)]).toEqual([2, ["proofboard: actor: must not contain control characters"]]);
    // the API says the same to any client
    const caller = await operatorCaller();
    await expect(caller.branches.list({ repository: "" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("an unknown command or option is a usage error, exit 2", async () => {
    for (const args of [
      ["frobnicate"],
      ["status", "main", "--bogus"],
      ["status", "-rf"],
      ["runs", "--limit", "many"],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toMatch(/^proofboard: .*\nusage: proofboard /);
    }
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("rerun BRANCH LANE [--wait] [--json]");
  });

  it("an unreachable API is one line naming the URL and how to start it, exit 3", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const r = await cli(["branches"], { PROOFBOARD_API_URL: `http://127.0.0.1:${port}` });
    expect(r.code).toBe(3);
    expect(errLines(r)).toHaveLength(1);
    expect(r.err).toContain(`http://127.0.0.1:${port}/api/trpc/branches.list`);
    expect(r.err).toContain("bash scripts/start.sh");
  });

  it("hostile branch names are data: after --, verbatim, and nothing runs them", async () => {
    const status = await cli(["status", "--", HOSTILE]);
    // Their head is the commit main's release lanes passed on: READY, so exit 0.
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/^verdict\s+READY$/m);
    expect(status.out).toMatch(new RegExp(`^branch\\s+${HOSTILE.replace(/[$(){}]/g, "\\$&")}$`, "m"));

    const dash = await cli(["status", "--", "-rf"]);
    expect(dash.code).toBe(0);
    expect(dash.out).toMatch(/^branch\s+-rf$/m);

    const rerun = await cli(["rerun", "--wait", "--", HOSTILE, "hello"]);
    expect(rerun.code).toBe(0);
    const run = await db().run.findUniqueOrThrow({ where: { id: rerun.out.trim() } });
    expect(run.branchName).toBe(HOSTILE);

    const byOption = await cli(["runs", `--branch=${HOSTILE}`, "--json"]);
    expect((JSON.parse(byOption.out) as { branch: string }[]).map((r) => r.branch)).toEqual([HOSTILE]);

    expect(findPwned()).toEqual([]);
  });

  it("hosts names the runs the target sent back to waiting, their hostile text escaped on stderr", async () => {
    const repo = await db().repository.findFirstOrThrow({ where: { name: "clitest" } });
    const reason = `the catalog at ${HOSTILE} cannot be read:\n\u001b[2J\u0007 line 1\r\u009b31m`;
    const waiting = await insertRun({
      repositoryId: repo.id,
      sha: "0".repeat(40),
      branch: `${HOSTILE}\u001b]0;owned\u0007`,
      lane: "hello",
      status: "waiting",
      queuedAt: new Date(),
      reason,
    });
    try {
      const r = await cli(["hosts"]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^HOST\s+STATE/m);
      expect(r.out).not.toContain(HOSTILE);
      const line = errLines(r).find((l) => l.startsWith(`  ${waiting.id.slice(0, 8)} hello on `));
      expect(line).toBeDefined();
      // Control characters arrive as visible escapes, never as bytes a terminal would act on.
      expect(r.err).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      expect(line).toContain(HOSTILE);
      expect(line).toContain("cannot be read:");
      expect(errLines(r).some((l) => /^warning: \d+ runs? waits? on the target/.test(l))).toBe(true);
      expect(findPwned()).toEqual([]);
    } finally {
      await db().run.delete({ where: { id: waiting.id } });
    }
  });
});

describe("RUN as a unique prefix, and a console the run lacks", () => {
  /** Paths the API was asked for since `from`: what did reach a URL. */
  const pathsSince = (from: number) => api.paths.slice(from);

  it("takes 8+ hex digits, dashed or not, any case, in run, console, search, diff and audit", async () => {
    const id = clusterRunId;
    for (const prefix of [
      id.slice(0, 8),
      id.slice(0, 14).toUpperCase(),
      id.replaceAll("-", ""),
      id.replaceAll("-", "").slice(0, 20),
    ]) {
      const r = await cli(["run", prefix]);
      expect([r.code, r.out.split("  ")[0]], prefix).toEqual([1, id]); // the cluster run failed: exit 1, as with the full id
    }
    const node03 = await cli(["console", id.slice(0, 8), "--console", "node03"]);
    expect([node03.code, node03.out]).toEqual([
      0,
      "[    1.2] systemd[1]: Starting flaredb.service\n[FAILED] Failed to start flaredb.service\n",
    ]);
    const search = await cli(["search", id.slice(0, 9), "flaredb", "--json"]);
    expect(search.code).toBe(0);
    expect((JSON.parse(search.out) as { total: number }).total).toBeGreaterThan(0);
    const diff = await cli(["diff", id.slice(0, 8)]);
    expect(diff.code).toBe(0);
    expect(diff.out).toContain("no pass of cluster on any branch, before or after this run");
    const admin = await testUser("admin", "cli-admin");
    const adminToken = (
      await createApiToken({ userId: admin.id, name: "cli test admin", scope: "admin", days: 1, createdById: null })
    ).token;
    const audit = await cli(["audit", "--run", id.slice(0, 8), "--json"], { PROOFBOARD_TOKEN: adminToken });
    expect(audit.code).toBe(0);
    expect((JSON.parse(audit.out) as { runId: string | null }[]).every((e) => e.runId === id)).toBe(true);
  });

  it("a full id never asks the server to resolve it", async () => {
    const from = api.paths.length;
    expect((await cli(["run", clusterRunId, "--json"])).code).toBe(1);
    expect(pathsSince(from).some((p) => p.includes("runs.resolve"))).toBe(false);
    const viaPrefix = api.paths.length;
    await cli(["run", clusterRunId.slice(0, 8), "--json"]);
    expect(pathsSince(viaPrefix).some((p) => p.includes("runs.resolve"))).toBe(true);
  });

  it("refuses hostile, short and non-hex prefixes as one escaped line, exit 2, before any URL path", async () => {
    const cases: [string, RegExp][] = [
      ["'; drop table run; --", /^proofboard: not a run id: "'; drop table run; --"; a run id is hex digits/],
      ["../x", /^proofboard: not a run id: "\.\.\/x"/],
      ["../../etc/passwd", /^proofboard: not a run id: /],
      ["1234abc", /^proofboard: run id prefix "1234abc" is too short: give at least 8 hex digits$/],
      ["zzzzzzzz", /^proofboard: not a run id: "zzzzzzzz"/],
      ["\x1b[31m1234abcd\u202e", /^proofboard: not a run id: "\\u001b\[31m1234abcd\\u202e"/],
      ["a".repeat(300), /^proofboard: not a run id: "a{40}…"/],
    ];
    const runs = await db().run.count();
    const from = api.paths.length;
    for (const [arg, message] of cases) {
      const r = await cli(["run", arg]);
      expect([r.code, r.out], arg).toEqual([2, ""]);
      expect(errLines(r), arg).toEqual([expect.stringMatching(message)]);
      expect(r.err).not.toMatch(/[\x1b\u202e]/);
    }
    for (const args of [
      ["console", "../x"],
      ["console", "1234abc", "--follow"],
      ["search", "'; drop", "x"],
      ["diff", "1234abc"],
    ]) {
      const r = await cli(args);
      expect([r.code, r.out], args.join(" ")).toEqual([2, ""]);
      expect(errLines(r)).toHaveLength(1);
    }
    expect(await db().run.count()).toBe(runs);
    // Only tRPC calls went out, the prefix in their query string: no console path was built from it.
    expect(pathsSince(from).filter((p) => !p.startsWith("/api/trpc/"))).toEqual([]);
  }, 180_000); // eleven CLI processes, ~3 s each on a busy 2-core machine

  it("an ambiguous prefix lists the matching ids (up to 5), an unknown one is named; both exit 2", async () => {
    const repo = await db().repository.findUniqueOrThrow({ where: { name: "clitest" } });
    const sha = target.git("rev-parse", "main");
    const ids = [
      ...[1, 2, 3, 4, 5, 6].map((n) => `abcdef01-0000-4000-8000-00000000000${n}`),
      "abcdef02-0000-4000-8000-000000000001",
      "abcdef02-0000-4000-8000-000000000002",
    ];
    await db().run.createMany({
      data: ids.map((id, i) => ({
        id,
        repositoryId: repo.id,
        commitSha: sha,
        branchName: "main",
        lane: "prefix-probe",
        attempt: i + 1,
        argv: ["true"],
        timeoutSeconds: 60,
        hostClass: "tcg",
        catalogSource: "test",
        status: "passed" as const,
        queuedAt: new Date("2000-01-01"),
        exitCode: 0,
      })),
    });
    try {
      const many = await cli(["run", "abcdef01"]);
      expect(many.code).toBe(2);
      expect(errLines(many)).toEqual([
        `proofboard: run id prefix "abcdef01" is ambiguous: it matches ${ids.slice(0, 5).join(", ")} and more`,
      ]);
      const two = await cli(["console", "ABCDEF02-0000"]);
      expect(two.code).toBe(2);
      expect(errLines(two)).toEqual([
        `proofboard: run id prefix "ABCDEF02-0000" is ambiguous: it matches ${ids[6]}, ${ids[7]}`,
      ]);
      const one = await cli(["run", "abcdef02-0000-4000-8000-0000000000", "--json"]);
      expect(one.code).toBe(2); // still two
      const exact = await cli(["run", ids[6]!.replaceAll("-", ""), "--json"]); // all 32 digits, undashed: one run
      expect([exact.code, (JSON.parse(exact.out) as { id: string }).id]).toEqual([0, ids[6]]);
      const unknown = await cli(["search", "abcdef03", "x"]);
      expect(unknown.code).toBe(2);
      expect(errLines(unknown)).toEqual(['proofboard: unknown run: "abcdef03"']);
    } finally {
      await db().run.deleteMany({ where: { id: { in: ids } } });
    }
  });

  it("console --console NAME the run lacks lists the run's consoles, exit 2", async () => {
    const id = clusterRunId;
    const names = (JSON.parse((await cli(["run", id, "--json"])).out) as { consoles: { name: string }[] }).consoles.map(
      (c) => c.name,
    );
    expect(names).toEqual(expect.arrayContaining(["harness", "node03", "node04"]));
    const has = `of run ${id.slice(0, 8)}; it has: ${names.join(", ")}`;
    // node05 is a valid name the server is asked for; nodeX (a capital) is invalid and never leaves the CLI.
    for (const name of ["node05", "nodeX"]) {
      for (const command of ["console", "diff"]) {
        const r = await cli([command, id.slice(0, 8), "--console", name]);
        expect([r.code, r.out], `${command} ${name}`).toEqual([2, ""]);
        expect(errLines(r), `${command} ${name}`).toEqual([`proofboard: unknown console "${name}" ${has}`]);
      }
    }
    // The download address says the same to any client: a 404 naming the consoles the run has.
    for (const name of ["node05", "nodeX", "..%2Fx"]) {
      const res = await fetch(`${api.url}/api/runs/${id}/consoles/${name}/raw`);
      expect([res.status, (await res.text()).trim()], name).toEqual([
        404,
        `unknown console: ${JSON.stringify(decodeURIComponent(name))} ${has}`,
      ]);
    }
    const followed = await cli(["console", id, "--console", "node99", "--follow"]);
    expect(errLines(followed)).toEqual([`proofboard: unknown console "node99" ${has}`]);
  });

  it("a hostile console name is refused with the run's consoles, escaped, and never reaches a URL path", async () => {
    const id = clusterRunId;
    const from = api.paths.length;
    for (const [name, shown] of [
      ["../x", '"../x"'],
      ["node03/../../../etc/passwd", '"node03/../../../etc/passwd"'],
      ["\x1b]52;c;cHduZWQ=\x07\u009b31m\u202e", '"\\u001b]52;c;cHduZWQ=\\u0007\\x9b31m\\u202e"'],
      ["n".repeat(300), `"${"n".repeat(64)}…"`],
      ["Node03", '"Node03"'],
    ] as const) {
      const r = await cli(["console", id, "--console", name]);
      expect([r.code, r.out], name).toEqual([2, ""]);
      expect(errLines(r), name).toEqual([
        expect.stringMatching(/^proofboard: unknown console .* of run [0-9a-f]{8}; it has: harness, /),
      ]);
      expect(errLines(r)[0]).toContain(`unknown console ${shown} of run ${id.slice(0, 8)};`);
      expect(r.err).not.toMatch(/[\x1b\x07\u009b\u202e]/);
    }
    expect(pathsSince(from).filter((p) => !p.startsWith("/api/trpc/"))).toEqual([]);
  });
});

describe("proofboard missing on a branch whose head catalog is invalid", () => {
  it("exits 2 with the catalog's file:line message instead of 'nothing to queue'", async () => {
    target.git("checkout", "-q", "-b", "bad-catalog", "main");
    target.commit(
      { "proofboard.yaml": 'version: 1\nname: bad\nlanes:\n  - { name: x, command: ["$(touch pwned)"] }\n' },
      "an invalid catalog",
    );
    target.git("checkout", "-q", "main");
    const repo = await ensureRepository("clitest", target.dir);
    await syncRepository(repo);
    try {
      const r = await cli(["missing", "bad-catalog"]);
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      expect(errLines(r)).toHaveLength(1);
      expect(errLines(r)[0]).toMatch(/^proofboard: proofboard\.yaml@[0-9a-f]{10}:4: lanes\[0\]\.\w+: /);
      // status shows the branch and the catalog's error, and exits 2: no verdict, not NOT READY
      const s = await cli(["status", "bad-catalog"]);
      expect(s.code).toBe(2);
      expect(s.out).toMatch(/verdict +NOT READY/);
      expect(s.out).toMatch(/catalog error: proofboard\.yaml@[0-9a-f]{10}:4: lanes\[0\]\.\w+: /);
      expect((await cli(["status", "bad-catalog", "--json"])).code).toBe(2);
      expect(findPwned()).toEqual([]);
    } finally {
      target.git("branch", "-D", "bad-catalog");
      await syncRepository(repo);
    }
  });
});

describe("proofboard login, tokens and refusals", () => {
  const asNobody = { PROOFBOARD_TOKEN: "" };

  it("refuses to change anything anonymously, saying how to log in (exit 4)", async () => {
    const r = await cli(["rerun", "main", "hello"], asNobody);
    expect(r.code).toBe(4);
    expect(errLines(r)).toEqual([
      expect.stringMatching(/^proofboard: not logged in: runs\.rerun needs an operator; .*proofboard login/),
    ]);
    expect((await cli(["branches", "--json"], asNobody)).code).toBe(0);
    const bad = await cli(["whoami"], { PROOFBOARD_TOKEN: "pb_x\r\nX-Injected: 1" });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("PROOFBOARD_TOKEN is not a Proofboard API token");
  });

  it("logs in with a password on stdin, keeps the token owner-only, acts with it and logs out", async () => {
    await db().user.deleteMany({ where: { name: "cli-olga" } });
    const { createUser } = await import("@proofboard/auth");
    await createUser({ name: "cli-olga", password: "correct horse battery", role: "operator" });
    const dir = mkdtempSync(path.join(os.tmpdir(), "pb-cli-login-"));
    const env = { PROOFBOARD_TOKEN: "", PROOFBOARD_CONFIG_DIR: dir };
    const wrong = await cliWithStdin(["login", "--name", "cli-olga"], "not the password\n", env);
    expect(wrong.code).toBe(4);
    expect(wrong.err).toContain("unknown user or wrong password");
    const ok = await cliWithStdin(["login", "--name", "cli-olga", "--days", "7"], "correct horse battery\n", env);
    expect(ok.err).toMatch(/^logged in as cli-olga \(operator\) with an operate token until .*credentials\.json\n$/);
    expect(ok.code).toBe(0);
    const file = path.join(dir, "credentials.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).not.toContain("correct horse");
    expect((await cli(["whoami"], env)).out).toMatch(
      /^cli-olga \(operator\) via an operate token \(the token proofboard login stored for cli-olga\), acting as operator\n$/,
    );
    const queued = await cli(["rerun", "main", "hello", "--json"], env);
    expect(queued.code).toBe(0);
    expect((JSON.parse(queued.out) as { requestedBy: string }).requestedBy).toBe("cli-olga");
    expect((await cli(["tokens"], env)).out).toMatch(/cli on .* operate +active/);
    // Readable by others: refused, with the fix.
    chmodSync(file, 0o644);
    const open = await cli(["whoami"], env);
    expect(open.code).toBe(2);
    expect(open.err).toContain(`run: chmod 600 ${file}`);
    chmodSync(file, 0o600);
    expect((await cli(["logout"], env)).err).toMatch(/^logged out: token for cli-olga revoked and forgotten/);
    expect((await cli(["whoami"], env)).out).toMatch(/^anonymous at /);
    expect(await db().apiToken.count({ where: { user: { name: "cli-olga" }, revokedAt: null } })).toBe(0);
  });
});

/** Like cli(), with bytes on stdin (a password, as a script would pipe it). */
function cliWithStdin(args: string[], stdin: string, env: Record<string, string>): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      cliArgv(args),
      {
        cwd: root,
        encoding: "buffer",
        timeout: 60_000,
        env: { ...process.env, PROOFBOARD_API_URL: api.url, PROOFBOARD_REPOSITORY: "clitest", ...env },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, out: stdout.toString("utf8"), err: stderr.toString("utf8") });
      },
    );
    child.stdin!.end(stdin);
  });
}

/** Anywhere a command substitution could have run: this checkout, the target, the test data, the temp folder. */
function findPwned(): string[] {
  const found: string[] = [];
  for (const [dir, depth] of [
    [root, "8"],
    [target.dir, "8"],
    ["/tmp/proofboard-test-data", "12"],
    [os.tmpdir(), "3"],
    [os.homedir(), "1"],
  ] as const) {
    const r = spawnSync(
      "find",
      [dir, "-maxdepth", depth, "-name", "node_modules", "-prune", "-o", "-name", "pwned", "-print"],
      { encoding: "utf8" },
    );
    found.push(...r.stdout.split("\n").filter(Boolean));
  }
  return found;
}
