import { mkdir, readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { LaneVms } from "@proofboard/domain";
import { bootVm, packCpio, type CpioEntry, type RunningVm } from "@proofboard/vm";
import type { Redis } from "ioredis";
import { announceStatus } from "@proofboard/jobs";
import { holdUntil, startHold } from "@proofboard/services";
import type { HeldOperations } from "./operations";
import type { RunConsoles } from "./run-consoles";
import { vmStateWriter } from "./vm-state";

export interface GuestAssets {
  kernel: string;
  initrd: string;
  accel: "kvm" | "tcg";
}

/** The VMs the worker booted for one run: one serial console each, pass or fail by exit status. */
export interface LaneVmSet {
  /** one `<node>.json` and `<node>.log` per VM (see vm-state.ts): the lane's and its operations' PROOFBOARD_VM_STATE */
  stateDir: string;
  /** resolves when every VM has exited, with the ones that did not pass */
  failures: Promise<string[]>;
  /** resolves when every VM has exited */
  allExited: Promise<void>;
  write(console: string, data: Buffer): boolean;
  killAll(): Promise<void>;
  /**
   * Ends a hold the way its holder would: interrupt whatever runs at the prompt and `exit` the
   * shell, so each guest still reports its verdict by exit status; a guest that does not stop
   * within HOLD_EXIT_WAIT_MS is killed (and does not pass).
   */
  endHold(): Promise<void>;
}

/**
 * How long a guest gets to leave its shell and reboot after a hold. Under TCG on a busy host
 * (several guests, a build beside them) that took over 5 s, and a guest killed for being slow
 * fails a run whose checks passed.
 */
const HOLD_EXIT_WAIT_MS = { kvm: 10_000, tcg: 30_000 } as const;

/** A folder of the commit, packed for the guests at /proofboard/<folder>: the commit's content decides their checks. */
async function overlayOf(worktree: string, folder: string): Promise<Buffer> {
  const entries: CpioEntry[] = [{ path: "proofboard", type: "dir", mode: 0o755 }];
  const parts = folder.split("/").filter(Boolean);
  for (let i = 1; i <= parts.length; i++)
    entries.push({ path: `proofboard/${parts.slice(0, i).join("/")}`, type: "dir", mode: 0o755 });
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(path.join(worktree, rel), { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) {
        entries.push({ path: `proofboard/${r}`, type: "dir", mode: 0o755 });
        await walk(r);
      } else if (e.isFile() && (await stat(path.join(worktree, r))).size < 1 << 20) {
        entries.push({
          path: `proofboard/${r}`,
          type: "file",
          mode: 0o644,
          data: await readFile(path.join(worktree, r)),
        });
      }
    }
  };
  await walk(parts.join("/")).catch(() => undefined);
  return packCpio(entries);
}

export async function startLaneVms(o: {
  vms: LaneVms;
  worktree: string;
  workDir: string;
  assets: GuestAssets;
  hold: boolean;
  consoles: RunConsoles;
  /** the attempt that owns the QEMU processes */
  owner?: { wrap: (argv: readonly string[]) => string[]; env: Record<string, string> };
}): Promise<LaneVmSet> {
  const overlay = o.vms.overlay ? await overlayOf(o.worktree, o.vms.overlay) : undefined;
  const append = [o.vms.services.length ? `pb.services=${o.vms.services.join(",")}` : "", o.hold ? "pb.hold=1" : ""]
    .filter(Boolean)
    .join(" ");
  const running = new Map<string, RunningVm>();
  await mkdir(o.workDir, { recursive: true });
  const booted = await Promise.allSettled(
    o.vms.nodes.map(async (name) => {
      const writer = o.consoles.writer(name, "vm");
      const state = vmStateWriter(o.workDir, name);
      const vm = await bootVm({
        name,
        kernel: o.assets.kernel,
        initrd: o.assets.initrd,
        append,
        memoryMiB: o.vms.memoryMiB,
        accel: o.assets.accel,
        workDir: o.workDir,
        onSerial: (d) => {
          writer.write(d);
          state.serial(d);
        },
        extraInitrd: overlay,
        // a held guest serves a shell on its second serial port: the cluster's `ssh NODE`
        shellSockets: o.hold,
        owner: o.owner,
      });
      running.set(name, vm);
      await state.booted(vm.pid, vm.shellSockets).catch(() => undefined);
      void vm.exited
        .then((e) => state.exited({ code: e.code, signal: e.signal, passed: e.passed }))
        .catch(() => undefined);
      return vm;
    }),
  );
  const failures = Promise.all(
    booted.map(async (b, i) => {
      const name = o.vms.nodes[i]!;
      if (b.status === "rejected") return `${name}: could not boot: ${(b.reason as Error).message}`;
      const exit = await b.value.exited;
      if (exit.passed) return null;
      if (exit.unhealthy !== null)
        return exit.unhealthy === 127 ? `${name}: its init failed` : `${name}: ${exit.unhealthy} service(s) unhealthy`;
      return `${name}: ${exit.signal ? `stopped by ${exit.signal}` : `QEMU exited ${exit.code}`}`;
    }),
  ).then((all) => all.filter((f): f is string => f !== null));
  const allExited = Promise.all(booted.flatMap((b) => (b.status === "fulfilled" ? [b.value.exited] : []))).then(
    () => undefined,
  );
  return {
    stateDir: o.workDir,
    failures,
    allExited,
    endHold: async () => {
      await Promise.all(
        [...running.values()].map(async (vm) => {
          vm.write(Buffer.from("\x03\nexit\n"));
          const stopped = await Promise.race([
            vm.exited.then(() => true),
            new Promise<boolean>((r) => setTimeout(() => r(false), HOLD_EXIT_WAIT_MS[o.assets.accel])),
          ]);
          if (!stopped) await vm.kill();
        }),
      );
    },
    write: (console, data) => {
      const vm = running.get(console);
      vm?.write(data);
      return !!vm;
    },
    killAll: async () => {
      await Promise.all([...running.values()].map((vm) => vm.kill()));
    },
  };
}

export interface VmVerdict {
  failures: string[];
  timedOut: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * After the harness: wait for the VMs' verdicts (bounded by the lane's timeout), or, when the run
 * is held, keep them up for their holder until the hold ends (timer, button, or every guest exited).
 */
export async function vmPhase(
  vms: LaneVmSet,
  o: {
    runId: string;
    fence: { runId: string; fence: number };
    hold: number;
    deadline: number;
    abort: AbortSignal;
    holdEnd: Promise<void>;
    redis: Redis;
    /** what the holder runs on the held cluster (status, logs, ssh, stop, clean) */
    operations?: HeldOperations | null;
  },
): Promise<VmVerdict> {
  const aborted = new Promise<void>((r) =>
    o.abort.aborted ? r() : o.abort.addEventListener("abort", () => r(), { once: true }),
  );
  if (o.hold > 0 && !o.abort.aborted) {
    o.operations?.open();
    await startHold(o.fence, o.hold);
    // Clients refetch the run on a status event and see the hold begin.
    await announceStatus(o.redis, o.runId, "running");
    const ended = (async () => {
      for (;;) {
        const until = await holdUntil(o.runId);
        if (!until || until.getTime() <= Date.now()) return;
        await sleep(Math.min(1000, until.getTime() - Date.now()));
      }
    })();
    await Promise.race([ended, o.holdEnd, aborted, vms.allExited]);
    // Operations go first (an ssh session ends its guest shell), then the guests report their verdicts.
    await o.operations?.closeAll();
    await vms.endHold();
    await startHold(o.fence, 0);
    await o.operations?.abandonRequested("the hold ended before it could start");
    return { failures: await vms.failures, timedOut: false };
  }
  const left = Math.max(0, o.deadline - Date.now());
  let timedOut = false;
  await Promise.race([vms.allExited, aborted, sleep(left).then(() => (timedOut = true))]);
  await vms.killAll();
  return { failures: await vms.failures, timedOut: timedOut && !o.abort.aborted };
}
