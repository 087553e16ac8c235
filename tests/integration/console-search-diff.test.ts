import { execFile } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@proofboard/db";
import type { RunStatus } from "@proofboard/domain";
import { appendChunk, ensureRepository, openConsole, searchRunConsoles, syncRepository } from "@proofboard/services";
// @trpc/server resolves from the CLI package, not from the repository root, so the server lives there.
import { serveApi, type ApiServer } from "../../apps/cli/testing/api-server";
import { catalogYaml, insertRun, makeRepo, resetDb } from "./helpers";
import { operatorCaller } from "../support/callers";
import { cliArgv } from "../support/cli";

/** Search across a run's stored consoles and the per-VM diff against the lane's last good run, on real PostgreSQL and git. */
const caller = await operatorCaller("test");
const T0 = Date.parse("2026-11-01T00:00:00Z");
const ESC = "\x1b";
let repositoryId = "";
const sha: string[] = [];

/**
 * A run as the worker leaves it: claimed (running), every console appended chunk by chunk through
 * the fenced write path, then ended. `cut` bytes per chunk puts chunk edges mid-word, mid-escape
 * and mid-UTF-8.
 */
async function storedRun(o: {
  sha: string;
  lane: string;
  status: RunStatus;
  minute: number;
  consoles: Record<string, Buffer>;
  cut?: number;
}) {
  const queuedAt = new Date(T0 + o.minute * 60_000);
  const run = await insertRun({ repositoryId, sha: o.sha, lane: o.lane, status: "running", queuedAt });
  for (const [name, bytes] of Object.entries(o.consoles)) {
    const id = await openConsole(run.id, name, name === "harness" ? "harness" : "vm");
    const cut = o.cut ?? 64 * 1024;
    for (let at = 0; at < bytes.length; at += cut)
      await appendChunk({ runId: run.id, fence: run.fence }, id, at, bytes.subarray(at, at + cut));
  }
  await db().run.update({
    where: { id: run.id },
    data: { status: o.status, finishedAt: new Date(queuedAt.getTime() + 120_000) },
  });
  return run.id;
}

const serial = (lines: string[]) => Buffer.from(lines.map((l) => `${l}\r\n`).join(""), "utf8");

/** A demo guest's serial console (kernel, services, verdict); `boot` varies what differs between any two boots. */
function guest(
  node: string,
  boot: { clock: number; pid: number; mac: string; ip: string; at: string },
  fiberlb: "ok" | "failed",
) {
  const t = (s: number) => `[${(s + boot.clock).toFixed(6).padStart(12)}]`;
  return serial([
    `${t(0)} Linux version 6.12.117+deb12-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.12.117-1~deb12u1`,
    `${t(0.038)} Kernel command line: console=ttyS0 loglevel=6 panic=0 reboot=t tsc=reliable pb.node=${node}`,
    `${t(0.249)} audit: type=2000 audit(${1796075422 + boot.pid}.096:1): state=initialized audit_enabled=0 res=1`,
    `${t(0.56)} virtio_net virtio0 eth0: mac ${boot.mac} at 0xfe00${boot.pid}`,
    `${boot.at} chainfire[${boot.pid}]: raft: elected leader term 3 on ${boot.ip}:2379 (in ${(boot.clock + 1.5).toFixed(2)} seconds)`,
    "",
    `UltraCloud guest ${node} (kernel 6.12.117+deb12-amd64)`,
    `${ESC}[32m[  OK  ]${ESC}[0m deployer: healthy (install plan generation 42 applied)`,
    fiberlb === "ok"
      ? `${ESC}[32m[  OK  ]${ESC}[0m fiberlb: healthy (2 listeners, 6/6 backends up)`
      : `${ESC}[1;31m[FAILED]${ESC}[0m fiberlb: listener reconcile drops backends`,
    `${ESC}[32m[  OK  ]${ESC}[0m plasmavmc: healthy (kvm capacity 8 vcpus, 0 failed domains)`,
    fiberlb === "ok" ? `RESULT: PASS ${node} (3 services healthy)` : `RESULT: FAIL ${node} (1 unhealthy)`,
    ...(fiberlb === "ok" ? [`${t(2.133)} reboot: Restarting system`] : []),
  ]);
}

const BOOT_A = { clock: 0, pid: 812, mac: "52:54:00:12:34:01", ip: "10.0.2.15", at: "2026-11-01T00:00:03.120Z" };
const BOOT_B = { clock: 0.731, pid: 907, mac: "52:54:00:ab:cd:ef", ip: "10.0.2.16", at: "2026-11-01T01:02:44Z" };

/** Mid-line invalid UTF-8, NUL and colours around the text searched for. */
const ODD = Buffer.concat([
  Buffer.from(`boot\n\xff\xfe ${ESC}[1;31mKernel PANIC${ESC}[0m\x00 - not syncing \xe2\x82\n`, "latin1"),
  Buffer.from(`${ESC}]0;title\x07100% _done_ (.*) kernel panic\n`, "latin1"),
]);

let bad = "";
let good = "";

beforeAll(async () => {
  await resetDb();
  const target = makeRepo({
    "proofboard.yaml": catalogYaml([
      { name: "matrix", command: ["true"] },
      { name: "lonely", command: ["true"] },
    ]),
  });
  sha.push(target.git("rev-parse", "HEAD"));
  sha.push(
    target.commit({ "components/fiberlb.toml": "healthy = false\n" }, "fiberlb: rework listener reconcile loop"),
  );
  const repo = await ensureRepository("itest", target.dir);
  repositoryId = repo.id;
  await syncRepository(repo);

  good = await storedRun({
    sha: sha[0]!,
    lane: "matrix",
    status: "passed",
    minute: 0,
    consoles: {
      harness: serial(["start all VMs", "(finished: start all VMs, in 0.41 seconds)"]),
      node01: guest("node01", BOOT_A, "ok"),
      node02: guest("node02", BOOT_A, "ok"),
    },
  });
  bad = await storedRun({
    sha: sha[1]!,
    lane: "matrix",
    status: "failed",
    minute: 60,
    cut: 7,
    consoles: {
      harness: serial([
        "start all VMs",
        "node01: must succeed: curl -sf http://fiberlb.internal/",
        "(finished: start all VMs, in 3.38 seconds)",
      ]),
      node01: guest("node01", BOOT_B, "failed"),
      node02: guest("node02", BOOT_B, "ok"),
      node03: ODD,
    },
  });
});

let api: ApiServer;

afterAll(async () => {
  await api?.close();
  await disconnectDb();
});

describe("consoles.search", () => {
  it("counts per console in the run page's order, with each match's line, offset and the line as shown", async () => {
    const r = await caller.consoles.search({ runId: bad, query: "FIBERLB" });
    expect(r.consoles.map((c) => [c.name, c.count])).toEqual([
      ["harness", 1],
      ["node01", 1],
      ["node02", 1],
      ["node03", 0],
    ]);
    expect(r.total).toBe(3);
    const node01 = r.consoles[1]!;
    // Stored 7 bytes a chunk: "fiberlb" and its colours were cut across chunks, and still found.
    expect(node01.matches).toEqual([
      expect.objectContaining({
        line: 9,
        text: "[FAILED] fiberlb: listener reconcile drops backends",
        start: 9,
        end: 16,
      }),
    ]);
    const bytes = guest("node01", BOOT_B, "failed");
    expect(bytes.subarray(node01.matches[0]!.offset).toString("utf8")).toMatch(/^\x1b\[1;31m\[FAILED\]/);
    expect(node01).toMatchObject({ complete: true, bytes: bytes.length, length: bytes.length });
    expect(r.bytes).toBe(r.consoles.reduce((n, c) => n + c.length, 0));
  });

  it("finds text among invalid UTF-8, NUL and escapes, one stored slice at a time", async () => {
    for (const sliceBytes of [1, 16, 4 << 20]) {
      const r = await searchRunConsoles(bad, "kernel panic", { sliceBytes });
      const node03 = r.consoles.find((c) => c.name === "node03")!;
      expect(node03.count).toBe(2);
      expect(node03.matches.map((m) => [m.line, m.offset, m.text.slice(m.start, m.end)])).toEqual([
        [2, 5, "Kernel PANIC"],
        [3, 50, "kernel panic"],
      ]);
      expect(node03.matches[0]!.text).toBe("\ufffd\ufffd Kernel PANIC - not syncing \ufffd");
    }
  });

  it("takes regex and LIKE metacharacters literally and refuses control characters with a reason", async () => {
    const count = async (query: string) =>
      (await caller.consoles.search({ runId: bad, query })).consoles.find((c) => c.name === "node03")!.count;
    expect(await count("100% _done_ (.*)")).toBe(1);
    expect(await count("%")).toBe(1);
    expect(await count("_")).toBe(2);
    expect(await count(".*")).toBe(1);
    expect(await count("[a-z]")).toBe(0);
    for (const query of [`${ESC}[1;31m`, "kernel\u0000", "two\nlines", ""]) {
      await expect(caller.consoles.search({ runId: bad, query })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    }
    await expect(caller.consoles.search({ runId: bad, query: "\u0000" })).rejects.toThrow(/control character/);
    await expect(caller.consoles.search({ runId: bad, query: "x".repeat(201) })).rejects.toThrow(/longer than 200/);
  });

  it("covers a console larger than one slice, counting every occurrence and listing the first 20", async () => {
    const lines = Array.from({ length: 60_000 }, (_, i) =>
      i % 1000 === 999 ? `line ${i + 1}: NEEDLE found` : `line ${i + 1}: ${"x".repeat(90)}`,
    );
    const big = Buffer.from(`${lines.join("\n")}\n`);
    expect(big.length).toBeGreaterThan(5 << 20);
    const run = await storedRun({
      sha: sha[1]!,
      lane: "lonely",
      status: "failed",
      minute: 200,
      consoles: { node01: big },
    });
    const r = await caller.consoles.search({ runId: run, query: "needle" });
    expect(r.consoles[0]).toMatchObject({ name: "node01", count: 60, complete: true, bytes: big.length });
    expect(r.consoles[0]!.matches).toHaveLength(20);
    expect(r.consoles[0]!.matches[19]).toMatchObject({ line: 20_000, text: "line 20000: NEEDLE found" });
  });

  it("says which run is unknown", async () => {
    await expect(
      caller.consoles.search({ runId: "00000000-0000-0000-0000-000000000000", query: "x" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(caller.consoles.search({ runId: "../../etc/passwd", query: "x" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});

describe("consoles.diff", () => {
  it("is identical when two boots differ only in clocks, timestamps, pids, addresses and durations", async () => {
    const d = await caller.consoles.diff({ runId: bad, console: "node02" });
    expect(d).toMatchObject({
      kind: "identical",
      lines: 12,
      limited: null,
      good: { id: good, commitSha: sha[0], scope: "ancestor" },
    });
  });

  it("shows the first real difference with context, both runs' line numbers and the plain text", async () => {
    const d = await caller.consoles.diff({ runId: bad, console: "node01" });
    if (d.kind !== "different") throw new Error(`expected a difference, got ${d.kind}`);
    expect(d.firstDifference).toEqual({ runLine: 9, goodLine: 9 });
    expect(d.hunks).toHaveLength(1);
    const shown = d.hunks[0]!.lines.map((l) => `${l.op} ${l.goodLine ?? "-"} ${l.runLine ?? "-"} ${l.text}`);
    expect(shown).toEqual([
      "= 6 6 ",
      "= 7 7 UltraCloud guest node01 (kernel 6.12.117+deb12-amd64)",
      "= 8 8 [  OK  ] deployer: healthy (install plan generation 42 applied)",
      "- 9 - [  OK  ] fiberlb: healthy (2 listeners, 6/6 backends up)",
      "+ - 9 [FAILED] fiberlb: listener reconcile drops backends",
      "= 10 10 [  OK  ] plasmavmc: healthy (kvm capacity 8 vcpus, 0 failed domains)",
      "- 11 - RESULT: PASS node01 (3 services healthy)",
      "- 12 - [    2.133000] reboot: Restarting system",
      "+ - 11 RESULT: FAIL node01 (1 unhealthy)",
    ]);
  });

  it("stays bounded when the consoles have nothing in common", async () => {
    const noise = Buffer.from(
      Array.from({ length: 50_000 }, (_, i) => `${i.toString(36)} unrelated ${"y".repeat(i % 50)}\n`).join(""),
    );
    const other = await storedRun({
      sha: sha[1]!,
      lane: "matrix",
      status: "timed_out",
      minute: 400,
      consoles: { node01: noise },
    });
    const started = Date.now();
    const d = await caller.consoles.diff({ runId: other, console: "node01" });
    expect(Date.now() - started).toBeLessThan(5000);
    if (d.kind !== "different") throw new Error(`expected a difference, got ${d.kind}`);
    expect(d.firstDifference).toEqual({ runLine: 1, goodLine: 1 });
    expect(d.hunks[0]!.lines).toHaveLength(60);
    expect(d.hunks[0]!.omitted).toBeGreaterThan(900);
    expect(d.hunks[0]!.lines.filter((l) => l.op === "-")).toHaveLength(12);
  });

  it("diffs with the run the comparison picks, even a pass that finished 18 s after the failure", async () => {
    const failed = await storedRun({
      sha: sha[1]!,
      lane: "late",
      status: "failed",
      minute: 500,
      consoles: { node01: guest("node01", BOOT_B, "failed") },
    });
    const late = await storedRun({
      sha: sha[0]!,
      lane: "late",
      status: "passed",
      minute: 500.3,
      consoles: { node01: guest("node01", BOOT_A, "ok") },
    });
    const cmp = await caller.history.compare({ runId: failed });
    expect(cmp).toMatchObject({ good: { id: late }, scope: "ancestor", when: "after", gapSeconds: 18 });
    const d = await caller.consoles.diff({ runId: failed, console: "node01" });
    expect(d).toMatchObject({ kind: "different", good: { id: late, scope: "ancestor", when: "after" } });
  });

  it("says when the console is not in the good run, when there is no good run, and which console is unknown", async () => {
    expect(await caller.consoles.diff({ runId: bad, console: "node03" })).toMatchObject({
      kind: "absent-in-good",
      goodConsoles: ["harness", "node01", "node02"],
    });
    const lonely = await storedRun({
      sha: sha[1]!,
      lane: "lonely",
      status: "failed",
      minute: 300,
      consoles: { node01: serial(["only failures here"]) },
    });
    expect(await caller.consoles.diff({ runId: lonely, console: "node01" })).toMatchObject({
      kind: "no-good-run",
      good: null,
      run: { lane: "lonely" },
    });
    await expect(caller.consoles.diff({ runId: bad, console: "node09" })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: 'unknown console: "node09"',
    });
    await expect(caller.consoles.diff({ runId: bad, console: "../harness" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(caller.consoles.diff({ runId: "nope", console: "node01" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});

/** The CLI as a person runs it: a separate process, over HTTP, no database access of its own. */
function cli(args: string[], apiUrl = api.url): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      cliArgv(args),
      {
        cwd: path.resolve(import.meta.dirname, "../.."),
        timeout: 60_000,
        env: {
          ...process.env,
          PROOFBOARD_API_URL: apiUrl,
          DATABASE_URL: "postgresql://nobody@127.0.0.1:1/none",
          REDIS_URL: "redis://127.0.0.1:1",
        },
      },
      (error, out, err) => resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, out, err }),
    );
  });
}

describe("proofboard search and diff", () => {
  beforeAll(async () => {
    api = await serveApi();
  });

  it("search prints each console's count and grep-like NAME:LINE: lines", async () => {
    const r = await cli(["search", bad, "fiberlb"]);
    expect(r.code).toBe(0);
    expect(r.out.split("\n")).toEqual([
      "harness: 1 match",
      "harness:2: node01: must succeed: curl -sf http://fiberlb.internal/",
      "node01: 1 match",
      "node01:9: [FAILED] fiberlb: listener reconcile drops backends",
      "node02: 1 match",
      "node02:9: [  OK  ] fiberlb: healthy (2 listeners, 6/6 backends up)",
      "node03: no match",
      "",
    ]);
    expect(r.err).toMatch(/^3 matches in 3 of 4 consoles/);
    const json = JSON.parse((await cli(["search", "--json", bad, "kernel panic"])).out) as { total: number };
    expect(json.total).toBe(2);
    // "c" is three times on node01's "[FAILED] fiberlb: listener reconcile drops backends": that line is listed once
    const many = await cli(["search", bad, "c"]);
    const listed = many.out.split("\n").filter((l) => /^[a-z0-9]+:\d+: /.test(l));
    expect(listed.filter((l) => l.startsWith("node01:9: "))).toEqual([
      "node01:9: [FAILED] fiberlb: listener reconcile drops backends",
    ]);
    expect(new Set(listed.map((l) => l.split(": ")[0])).size).toBe(listed.length);
    expect(many.out).toMatch(/^node01: (\d+) matches on (\d+) lines/m);
    const [, count, lines] = /^node01: (\d+) matches on (\d+) lines/m.exec(many.out)!;
    expect(Number(count)).toBeGreaterThan(Number(lines));
  });

  it("diff prints unified hunks per console, and says which consoles match", async () => {
    const r = await cli(["diff", bad]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`last good run: ${good} (${sha[0]!.slice(0, 10)} on main, nearest passing ancestor)`);
    expect(r.out).toContain("node01: first difference at line 9\n");
    expect(r.out).toContain("@@ -6,7 +6,6 @@\n \n UltraCloud guest node01");
    expect(r.out).toContain(
      "-[  OK  ] fiberlb: healthy (2 listeners, 6/6 backends up)\n+[FAILED] fiberlb: listener reconcile drops backends\n",
    );
    expect(r.out).toContain("node02: same after normalisation (12 lines)");
    expect(r.out).toContain("node03: not in the last good run (it has: harness, node01, node02)");
    const one = JSON.parse((await cli(["diff", bad, "--console", "node02", "--json"])).out) as { kind: string };
    expect(one.kind).toBe("identical");
  });

  it("exits 2 naming an unknown run, console or bad text, and 3 when the API is unreachable", async () => {
    const unknown = await cli(["search", "--", "-rf", "x"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err.trim()).toMatch(/^proofboard: not a run id: "-rf"/);
    const console = await cli(["diff", bad, "--console", "node09"]);
    expect([console.code, console.err.trim()]).toEqual([
      2,
      `proofboard: unknown console "node09" of run ${bad.slice(0, 8)}; it has: harness, node01, node02, node03`,
    ]);
    const hostile = await cli(["search", bad, "\x1b[31m"]);
    expect(hostile.code).toBe(2);
    expect(hostile.err).toMatch(/^proofboard: query: search text contains a control character/);
    const down = await cli(["search", bad, "x"], "http://127.0.0.1:1");
    expect(down.code).toBe(3);
  });
});
