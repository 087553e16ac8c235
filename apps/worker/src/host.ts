import { execFile } from "node:child_process";
import { access, constants, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { HostClass } from "@proofboard/domain";

const run = promisify(execFile);

export interface HostCapabilities {
  kvm: boolean;
  /** why /dev/kvm does not count, when it exists but cannot run ordinary guests */
  kvmNote: string | null;
  nestedVirtualization: boolean;
  cpus: number;
  memoryBytes: number;
  qemuVersion: string | null;
  kernel: string;
}

/** Where the probe looks; tests point it at a prepared folder standing in for / . */
export interface ProbeRoots {
  dev: string;
  sys: string;
}

const defaultRoots: ProbeRoots = { dev: "/dev", sys: "/sys" };

async function readable(p: string): Promise<string | null> {
  return readFile(p, "utf8").then(
    (s) => s.trim(),
    () => null,
  );
}

/** Measured, not declared: what this host can really do. */
export async function measureHost(roots: ProbeRoots = defaultRoots): Promise<HostCapabilities> {
  const kvmOpens = await access(path.join(roots.dev, "kvm"), constants.R_OK | constants.W_OK).then(
    () => true,
    () => false,
  );
  // A PVM-only /dev/kvm (kvm_pvm without kvm_intel/kvm_amd) runs only PVM-built kernels: not KVM for lanes.
  const modules = await Promise.all(
    ["kvm_pvm", "kvm_intel", "kvm_amd"].map((m) =>
      access(path.join(roots.sys, "module", m)).then(
        () => true,
        () => false,
      ),
    ),
  );
  const pvmOnly = modules[0] === true && !modules[1] && !modules[2];
  const kvm = kvmOpens && !pvmOnly;
  const kvmNote = kvmOpens && pvmOnly ? "/dev/kvm is PVM (kvm_pvm): ordinary guests cannot run on it" : null;
  const nestedFlags = await Promise.all(
    ["kvm_intel", "kvm_amd"].map((m) => readable(path.join(roots.sys, "module", m, "parameters", "nested"))),
  );
  const nestedVirtualization = kvm && nestedFlags.some((v) => v === "Y" || v === "1");
  const qemuVersion = await run("qemu-system-x86_64", ["--version"], { timeout: 5000 }).then(
    (r) => /version ([\d.]+)/.exec(r.stdout)?.[1] ?? r.stdout.split("\n")[0] ?? null,
    () => null,
  );
  return {
    kvm,
    kvmNote,
    nestedVirtualization,
    cpus: os.cpus().length,
    memoryBytes: os.totalmem(),
    qemuVersion,
    kernel: os.release(),
  };
}

/** A host serves its own class and every less demanding one. */
export function hostClasses(c: HostCapabilities): HostClass[] {
  if (c.nestedVirtualization) return ["nested-kvm", "kvm", "tcg"];
  if (c.kvm) return ["kvm", "tcg"];
  return ["tcg"];
}
