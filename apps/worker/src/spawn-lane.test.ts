import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Ownership } from "./ownership/attempt";
import { commandError, runLaneProcess } from "./spawn-lane";

const dirs: string[] = [];
/** Alive and not a zombie waiting for whoever adopted it to reap it. */
const running = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2));
  } catch {
    return false;
  }
};
const temp = async () => {
  const d = await mkdtemp(path.join(tmpdir(), "pb-spawn-"));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("commandError", () => {
  it("finds commands as exec would, so a wrapped lane still reports a missing program", async () => {
    const dir = await temp();
    await writeFile(path.join(dir, "not-executable"), "#!/bin/sh\n");
    await chmod(path.join(dir, "not-executable"), 0o644);
    expect(await commandError("sh", dir, process.env.PATH)).toBeNull();
    expect((await commandError("nix-surely-absent", dir, process.env.PATH)) as NodeJS.ErrnoException).toMatchObject({
      code: "ENOENT",
    });
    expect((await commandError("./not-executable", dir, process.env.PATH)) as NodeJS.ErrnoException).toMatchObject({
      code: "EACCES",
    });
    expect((await commandError("./missing", dir, process.env.PATH)) as NodeJS.ErrnoException).toMatchObject({
      code: "ENOENT",
    });
  });
});

describe.each([
  ["detected cgroup", undefined],
  ["owner tokens only", "off"],
])("a lane inside its attempt (%s)", (_, setting) => {
  it("keeps argv as data through the ownership wrapper, and ending the attempt ends a setsid child", async () => {
    const workDir = await temp();
    const { ownership } = await Ownership.start({ workDir, cgroupSetting: setting, log: () => undefined });
    try {
      const owner = await ownership.attempt(`spawn-test-${process.pid}-${Date.now()}.1`);
      const hostile = `$(touch ${workDir}/pwned); echo "\`id\`" ; rm -rf ${workDir}/nothing`;
      let out = "";
      const printed = await runLaneProcess({
        argv: ["printf", "%s", hostile],
        cwd: workDir,
        env: { PATH: process.env.PATH ?? "", ...owner.env },
        timeoutMs: 10_000,
        onOutput: (d) => (out += d.toString()),
        wrap: owner.wrap,
      });
      expect(printed.exitCode).toBe(0);
      expect(out).toBe(hostile);
      expect(existsSync(path.join(workDir, "pwned"))).toBe(false);

      const pidFile = path.join(workDir, "child.pid");
      await runLaneProcess({
        // The lane exits only once its child leads a session of its own (field 6 of stat): until then the
        // lane's own process-group kill would take the child with it, and nothing would be left to own.
        argv: [
          "sh",
          "-c",
          `setsid sleep 1003 </dev/null >/dev/null 2>&1 & c=$!; while [ "$(cut -d' ' -f6 /proc/$c/stat)" != "$c" ]; do sleep 0.01; done; echo $c > ${pidFile}`,
        ],
        cwd: workDir,
        env: { PATH: process.env.PATH ?? "", ...owner.env },
        timeoutMs: 10_000,
        onOutput: () => undefined,
        wrap: owner.wrap,
      });
      const pid = Number(readFileSync(pidFile, "utf8"));
      expect(running(pid)).toBe(true);
      expect(await owner.end()).toBeGreaterThanOrEqual(1);
      await new Promise((r) => setTimeout(r, 100));
      expect(running(pid)).toBe(false);
    } finally {
      await ownership.close();
    }
  });
});

describe("runLaneProcess backpressure", () => {
  /** prints 32 MiB as fast as the pipe takes it, then leaves a file saying its writes all went through */
  const printer = (doneFile: string) => [
    "node",
    "-e",
    `const b = Buffer.alloc(1 << 20, 120); let n = 0;
     const next = () => (n++ < 32 ? process.stdout.write(b, next) : require("fs").writeFileSync(${JSON.stringify(doneFile)}, "done"));
     next();`,
  ];

  it("leaves the pipes unread while the output is saturated, so the lane waits on its writes; nothing is lost", async () => {
    const dir = await temp();
    const doneFile = path.join(dir, "done");
    let saturated = true;
    let relieve = () => undefined as void;
    const relieved = new Promise<void>((r) => (relieve = r));
    let got = 0;
    const run = runLaneProcess({
      argv: printer(doneFile),
      cwd: dir,
      env: { PATH: process.env.PATH ?? "" },
      timeoutMs: 60_000,
      onOutput: (d) => (got += d.length),
      backpressure: {
        get saturated() {
          return saturated;
        },
        whenRelieved: () => relieved,
      },
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(existsSync(doneFile)).toBe(false);
    expect(got).toBeLessThan(4 << 20);
    saturated = false;
    relieve();
    expect((await run).exitCode).toBe(0);
    expect(got).toBe(32 << 20);
    expect(existsSync(doneFile)).toBe(true);
  });

  it("reads what is left once the lane times out, so a paused pipe never holds its end", async () => {
    const dir = await temp();
    let got = 0;
    const result = await runLaneProcess({
      argv: printer(path.join(dir, "done")),
      cwd: dir,
      env: { PATH: process.env.PATH ?? "" },
      timeoutMs: 1000,
      graceMs: 500,
      onOutput: (d) => (got += d.length),
      backpressure: { saturated: true, whenRelieved: () => new Promise(() => undefined) },
    });
    expect(result.timedOut).toBe(true);
    expect(got).toBeGreaterThan(0);
  });

  it("stops at once a lane whose run was canceled while it was being set up (the signal already aborted)", async () => {
    const dir = await temp();
    const canceled = new AbortController();
    canceled.abort("cancel");
    const t0 = Date.now();
    const result = await runLaneProcess({
      argv: ["bash", "-c", `sleep 30; touch "$1"`, "lane", path.join(dir, "ran")],
      cwd: dir,
      env: { PATH: process.env.PATH ?? "" },
      timeoutMs: 60_000,
      graceMs: 500,
      onOutput: () => undefined,
      signal: canceled.signal,
    });
    expect(result.canceled).toBe(true);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(existsSync(path.join(dir, "ran"))).toBe(false);
  });
});
