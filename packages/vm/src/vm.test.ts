import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectAccel } from "./accel";
import { ensureGuestAssets, type GuestAssets } from "./assets";
import { componentOverlay } from "./initrd";
import { run } from "./proc";
import { bootVm, type RunningVm } from "./qemu";

/** The product's cache: tests and the worker share it, so the kernel is downloaded once per machine. */
const CACHE = fileURLToPath(new URL("../../../.proofboard/guest", import.meta.url));
/** Fewer services than the default keeps each boot short; the logic is the same for 2 or 13. */
const SERVICES = "pb.services=chainfire,flaredb,fiberlb";

let assets: GuestAssets;
let workDir: string;
const started: RunningVm[] = [];

beforeAll(async () => {
  assets = await ensureGuestAssets(CACHE, (l) => console.log(`[guest assets] ${l}`));
  workDir = await mkdtemp(join(tmpdir(), "pb-vm-test-"));
}, 300_000);

afterAll(async () => {
  await Promise.all(started.map((vm) => vm.kill()));
  await rm(workDir, { recursive: true, force: true });
});

/** Boots under TCG (what CI machines have) and records the serial bytes with the time each arrived. */
async function boot(name: string, opts: { append?: string; overlay?: Buffer } = {}) {
  const t0 = performance.now();
  const chunks: Buffer[] = [];
  let firstByteMs = -1;
  let resultMs = -1;
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const text = () => Buffer.concat(chunks).toString("utf8");
  const vm = await bootVm({
    name,
    ...assets,
    accel: "tcg",
    append: [SERVICES, opts.append].filter(Boolean).join(" "),
    workDir,
    extraInitrd: opts.overlay,
    onSerial: (d) => {
      if (firstByteMs < 0) firstByteMs = performance.now() - t0;
      chunks.push(d);
      const all = text();
      if (resultMs < 0 && all.includes("RESULT:")) resultMs = performance.now() - t0;
      for (const w of waiters.splice(0)) {
        if (w.re.test(all)) w.resolve();
        else waiters.push(w);
      }
    },
  });
  started.push(vm);
  const waitFor = (re: RegExp, ms = 30_000) =>
    new Promise<void>((resolve, reject) => {
      if (re.test(text())) return resolve();
      const timer = setTimeout(
        () => reject(new Error(`no ${re} on ${name}'s console within ${ms} ms:\n${text()}`)),
        ms,
      );
      waiters.push({ re, resolve: () => (clearTimeout(timer), resolve()) });
    });
  return {
    vm,
    text,
    waitFor,
    timings: () => ({ firstByteMs: Math.round(firstByteMs), resultMs: Math.round(resultMs) }),
  };
}

describe("real guests under QEMU (TCG)", () => {
  it("boots a real kernel whose /init reports PASS through exit status 0", async () => {
    const g = await boot("node01");
    const exit = await g.vm.exited;
    const out = g.text();
    console.log(
      `TCG boot: first serial byte ${g.timings().firstByteMs} ms, RESULT ${g.timings().resultMs} ms after spawn`,
    );
    expect(out).toMatch(/Linux version \d+\.\d+\.\d+/);
    expect(out).toContain(`UltraCloud guest node01 (kernel ${assets.kernelVersion})`);
    expect(out).toMatch(/\[ {2}OK {2}\].* chainfire: healthy/);
    expect(out).toContain("RESULT: PASS node01");
    expect(exit).toMatchObject({ code: 0, signal: null, passed: true });
    expect(existsSync(join(workDir, "node01.serial"))).toBe(false);
  }, 60_000);

  it("loses no console byte while the thread that consumes it is blocked", async () => {
    // Masking digits leaves what two boots of the same guest share: every other byte must match.
    const shape = (s: string) => s.replace(/\d+/g, "N").split("\n");
    const calm = await boot("node01");
    await calm.vm.exited;
    // The worker's event loop stalls like this under load (GC, database writes, guests booting);
    // reading on it, QEMU dropped ": " from "Kernel command line: " with 300 ms stalls.
    const stall = setInterval(() => {
      const until = Date.now() + 400;
      while (Date.now() < until);
    }, 450);
    try {
      const busy = await boot("node01");
      await busy.vm.exited;
      expect(busy.text()).toContain("Kernel command line: console=ttyS0 ");
      expect(shape(busy.text())).toEqual(shape(calm.text()));
    } finally {
      clearInterval(stall);
    }
  }, 90_000);

  it("fails through a non-zero exit status when the commit marks a service unhealthy", async () => {
    const overlay = componentOverlay({
      fiberlb: 'name = "fiberlb"\nhealthy = false\nreason = "listener reconcile drops backends after node failover"\n',
      chainfire: "healthy = true\n",
    });
    const g = await boot("node01", { overlay });
    const exit = await g.vm.exited;
    expect(g.text()).toMatch(/\[FAILED\].* fiberlb: listener reconcile drops backends after node failover/);
    expect(g.text()).toMatch(/\[ {2}OK {2}\].* chainfire: healthy/);
    expect(g.text()).toContain("RESULT: FAIL node01 (1 unhealthy)");
    expect(exit).toMatchObject({ code: 3, passed: false, unhealthy: 1 });
    expect(existsSync(join(workDir, "node01.initrd"))).toBe(false);
  }, 60_000);

  it("keeps three parallel guests' consoles apart", async () => {
    const names = ["node01", "node02", "node03"];
    const guests = await Promise.all(names.map((n) => boot(n)));
    const exits = await Promise.all(guests.map((g) => g.vm.exited));
    guests.forEach((g, i) => {
      const mine = names[i]!;
      expect(g.text()).toContain(`UltraCloud guest ${mine} `);
      expect(g.text()).toContain(`pb.node=${mine}`);
      expect(g.text()).toContain(`RESULT: PASS ${mine}`);
      for (const other of names.filter((n) => n !== mine)) expect(g.text()).not.toContain(other);
      expect(exits[i]!.passed).toBe(true);
    });
    console.log(`3 parallel TCG boots: ${guests.map((g) => JSON.stringify(g.timings())).join(" ")}`);
  }, 90_000);

  it("holds: a shell on the serial console answers what is typed, and kill() leaves no QEMU", async () => {
    const g = await boot("node01", { append: "pb.hold=1" });
    await g.waitFor(/RESULT: PASS node01/);
    await g.waitFor(/node01:\/# /);
    g.vm.write(Buffer.from("echo hello-from-test\n"));
    // the command's output on a line of its own, not just the terminal echoing what was typed
    await g.waitFor(/\r?\nhello-from-test\r?\n/, 10_000);
    g.vm.write(Buffer.from("echo $((6 * 7))-from-guest\n"));
    await g.waitFor(/\n42-from-guest\r?\n/, 10_000);

    const sock = join(workDir, "node01.serial");
    expect((await run("pgrep", ["-f", sock])).stdout.toString().trim()).toBe(String(g.vm.pid));
    const t = performance.now();
    await g.vm.kill();
    const exit = await g.vm.exited;
    console.log(`kill() took ${Math.round(performance.now() - t)} ms`);
    expect(exit.passed).toBe(false);
    expect(existsSync(`/proc/${g.vm.pid}`)).toBe(false);
    expect((await run("pgrep", ["-f", sock])).code).toBe(1);
    expect(existsSync(sock)).toBe(false);
  }, 60_000);

  it("reports a QEMU that cannot start as an error exit, never a pass", async () => {
    const vm = await bootVm({
      name: "broken",
      kernel: join(workDir, "no-such-kernel"),
      initrd: assets.initrd,
      accel: "tcg",
      workDir,
      onSerial: () => undefined,
    });
    const exit = await vm.exited;
    expect(exit.passed).toBe(false);
    expect(exit.code).not.toBe(0);
    expect(exit.qemuStderr).toMatch(/no-such-kernel/);
  }, 30_000);
});

describe("accelerator choice", () => {
  it("picks KVM only when a real guest boots under it", async () => {
    const choice = await detectAccel({ ...assets, workDir });
    console.log(`accelerator on this host: ${choice.accel} (${choice.reason})`);
    if (choice.accel === "tcg") return expect(choice.reason).not.toBe("");
    const t0 = performance.now();
    let first = -1;
    const vm = await bootVm({
      name: "kvm01",
      ...assets,
      accel: "kvm",
      workDir,
      onSerial: () => void (first < 0 && (first = performance.now() - t0)),
    });
    started.push(vm);
    expect((await vm.exited).passed).toBe(true);
    console.log(
      `KVM boot: first serial byte ${Math.round(first)} ms, exit ${Math.round(performance.now() - t0)} ms after spawn`,
    );
  }, 60_000);

  it("follows PROOFBOARD_VM_ACCEL when the worker passes it", async () => {
    expect(await detectAccel(undefined, "tcg")).toEqual({ accel: "tcg", reason: "PROOFBOARD_VM_ACCEL=tcg" });
    expect((await detectAccel(undefined, "kvm")).accel).toBe("kvm");
  });
});
