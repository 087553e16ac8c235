import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The demo's test-cluster stand-in against a state folder as the worker writes it (no guests
 * here: the held-cluster paths, ssh and stop, run against real guests in
 * tests/integration/operations.test.ts).
 */
const SCRIPT = fileURLToPath(new URL("../template/lanes/test-cluster.mjs", import.meta.url));

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "pb-test-cluster-"));
  const node = (name: string, log: string, exit: object | null) => {
    writeFileSync(join(dir, `${name}.log`), log);
    const state = {
      name,
      pid: null,
      shellSocket: null,
      winsizeSocket: null,
      serialLog: join(dir, `${name}.log`),
      bootedAt: new Date().toISOString(),
      exit,
    };
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(state));
  };
  node("node01", "boot\r\n\x1b[32m[  OK  ]\x1b[0m chainfire\r\nRESULT: PASS node01 (1 services healthy)\r\n", {
    code: 0,
    signal: null,
    passed: true,
  });
  node("node02", "boot\r\nRESULT: FAIL node02 (1 unhealthy)\r\n", { code: 3, signal: null, passed: false });
  return dir;
}

function cluster(dir: string | null, ...args: string[]) {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "" };
  if (dir) env.PROOFBOARD_VM_STATE = dir;
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { env, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("lanes/test-cluster.mjs", () => {
  it("status: each VM, how it ended and the verdict line its guest printed", () => {
    const r = cluster(stateDir(), "status");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^NODE +STATE +PID +UP +SSH +GUEST VERDICT\n/);
    expect(r.out).toMatch(/node01 +exited \(passed\) +- +- +- +RESULT: PASS node01 \(1 services healthy\)/);
    expect(r.out).toMatch(/node02 +exited \(failed, QEMU exit 3\) .*RESULT: FAIL node02/);
  });

  it("logs NODE: that VM's serial bytes as they came", () => {
    const r = cluster(stateDir(), "logs", "node02");
    expect([r.code, r.out]).toEqual([0, "boot\r\nRESULT: FAIL node02 (1 unhealthy)\r\n"]);
  });

  it("refuses nodes the cluster does not have, hostile names included, and says which it has", () => {
    const dir = stateDir();
    for (const name of ["../node01", "node01/../../etc/passwd", "node03", "-rf", "node01\n"]) {
      const r = cluster(dir, "logs", name);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`unknown node ${JSON.stringify(name)}; this cluster has: node01, node02`);
    }
    const ssh = cluster(dir, "ssh", "node01");
    expect([ssh.code, ssh.err]).toEqual([
      255,
      "test-cluster: ssh: node01 is not running, or not held (no ssh channel)\n",
    ]);
  });

  it("says what is wrong without a cluster or with a wrong command", () => {
    expect(cluster(null, "status")).toMatchObject({
      code: 2,
      err: expect.stringContaining("PROOFBOARD_VM_STATE is unset"),
    });
    for (const args of [[], ["reboot"], ["status", "node01"], ["logs"], ["logs", ""], ["ssh", "node01", "uptime"]]) {
      expect(cluster(stateDir(), ...args)).toMatchObject({
        code: 2,
        err: expect.stringContaining("usage: test-cluster status | logs NODE | ssh NODE | stop | clean"),
      });
    }
  });

  it("stop leaves VMs that already exited as they ended", () => {
    const r = cluster(stateDir(), "stop");
    expect(r.code).toBe(0);
    expect(r.out).toContain("node01: already stopped (RESULT: PASS node01 (1 services healthy))");
    expect(r.out).toContain("node02: already stopped (RESULT: FAIL node02 (1 unhealthy))");
  });
});
