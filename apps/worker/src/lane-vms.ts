import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { LaneVms } from "@proofboard/domain";
import { bootVm, packCpio, type CpioEntry, type RunningVm } from "@proofboard/vm";
import type { RunConsoles } from "./run-consoles";

export interface GuestAssets {
  kernel: string;
  initrd: string;
  accel: "kvm" | "tcg";
}

/** The VMs the worker booted for one run: one serial console each, pass or fail by exit status. */
export interface LaneVmSet {
  /** resolves when every VM has exited, with the ones that did not pass */
  failures: Promise<string[]>;
  write(console: string, data: Buffer): boolean;
  killAll(): Promise<void>;
}

/** A folder of the commit, packed for the guests at /proofboard/<folder>: the commit's content decides their checks. */
async function overlayOf(worktree: string, folder: string): Promise<Buffer> {
  const entries: CpioEntry[] = [{ path: "proofboard", type: "dir", mode: 0o755 }];
  const parts = folder.split("/").filter(Boolean);
  for (let i = 1; i <= parts.length; i++) entries.push({ path: `proofboard/${parts.slice(0, i).join("/")}`, type: "dir", mode: 0o755 });
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(path.join(worktree, rel), { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) {
        entries.push({ path: `proofboard/${r}`, type: "dir", mode: 0o755 });
        await walk(r);
      } else if (e.isFile() && (await stat(path.join(worktree, r))).size < 1 << 20) {
        entries.push({ path: `proofboard/${r}`, type: "file", mode: 0o644, data: await readFile(path.join(worktree, r)) });
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
}): Promise<LaneVmSet> {
  const overlay = o.vms.overlay ? await overlayOf(o.worktree, o.vms.overlay) : undefined;
  const append = [o.vms.services.length ? `pb.services=${o.vms.services.join(",")}` : "", o.hold ? "pb.hold=1" : ""].filter(Boolean).join(" ");
  const running = new Map<string, RunningVm>();
  const booted = await Promise.allSettled(
    o.vms.nodes.map(async (name) => {
      const writer = o.consoles.writer(name, "vm");
      const vm = await bootVm({
        name,
        kernel: o.assets.kernel,
        initrd: o.assets.initrd,
        append,
        memoryMiB: o.vms.memoryMiB,
        accel: o.assets.accel,
        workDir: o.workDir,
        onSerial: (d) => writer.write(d),
        extraInitrd: overlay,
      });
      running.set(name, vm);
      return vm;
    }),
  );
  const failures = Promise.all(
    booted.map(async (b, i) => {
      const name = o.vms.nodes[i]!;
      if (b.status === "rejected") return `${name}: could not boot: ${(b.reason as Error).message}`;
      const exit = await b.value.exited;
      return exit.passed ? null : `${name}: ${exit.signal ? `stopped by ${exit.signal}` : `exited ${exit.code}`}`;
    }),
  ).then((all) => all.filter((f): f is string => f !== null));
  return {
    failures,
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
