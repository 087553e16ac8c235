import { constants } from "node:fs";
import { access, open } from "node:fs/promises";
import { bootVm, type Accel } from "./qemu";

export interface AccelChoice {
  accel: Accel;
  /** why, in words for a host-capabilities page */
  reason: string;
}

export interface KvmProbe {
  kernel: string;
  initrd: string;
  /** where the probe VM's socket lives for its ~1 s of life */
  workDir: string;
}

const PROBE_TIMEOUT_MS = 10_000;

async function kvmOpens(): Promise<boolean> {
  try {
    const fh = await open("/dev/kvm", constants.O_RDWR);
    await fh.close();
    return true;
  } catch {
    return false;
  }
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

/**
 * A /dev/kvm that opens is not always one that runs a stock kernel: PVM ("kvm_pvm", a
 * paging-based KVM for nested clouds) accepts the open but only runs PVM-built guests, and
 * QEMU then aborts or hangs. Without a hardware module loaded we do not trust it.
 */
async function pvmOnly(): Promise<boolean> {
  const [pvm, intel, amd] = await Promise.all(
    ["kvm_pvm", "kvm_intel", "kvm_amd"].map((m) => exists(`/sys/module/${m}`)),
  );
  return pvm === true && !intel && !amd;
}

/** Boots the real guest once under KVM with pb.probe=1 (banner, then pass) and believes only that. */
export async function probeKvm(probe: KvmProbe): Promise<{ ok: boolean; detail: string }> {
  let vm;
  try {
    vm = await bootVm({
      name: "kvm-probe",
      kernel: probe.kernel,
      initrd: probe.initrd,
      append: "pb.probe=1",
      accel: "kvm",
      workDir: probe.workDir,
      onSerial: () => undefined,
    });
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  }
  const timer = setTimeout(() => void vm.kill(), PROBE_TIMEOUT_MS);
  const exit = await vm.exited;
  clearTimeout(timer);
  if (exit.passed) return { ok: true, detail: "" };
  const why =
    exit.qemuStderr
      .trim()
      .split("\n")
      .find((l) => l.includes("error")) ?? `exit ${exit.signal ?? exit.code}`;
  return { ok: false, detail: why.slice(0, 200) };
}

const probed = new Map<string, Promise<AccelChoice>>();

/**
 * Picks KVM only when it demonstrably works: `forced` (the worker's PROOFBOARD_VM_ACCEL) overrides,
 * /dev/kvm must open read-write, and with `probe` a real guest must boot under it (memoised per kernel).
 */
export async function detectAccel(probe?: KvmProbe, forced?: Accel): Promise<AccelChoice> {
  if (forced === "kvm" || forced === "tcg") return { accel: forced, reason: `PROOFBOARD_VM_ACCEL=${forced}` };
  if (!(await kvmOpens())) return { accel: "tcg", reason: "/dev/kvm cannot be opened read-write" };
  if (await pvmOnly())
    return { accel: "tcg", reason: "/dev/kvm is PVM (kvm_pvm), which runs only PVM-built guest kernels" };
  if (!probe) return { accel: "kvm", reason: "/dev/kvm opens read-write" };
  let p = probed.get(probe.kernel);
  if (!p) {
    p = probeKvm(probe).then(({ ok, detail }) =>
      ok
        ? { accel: "kvm" as const, reason: "a guest booted under KVM" }
        : { accel: "tcg" as const, reason: `a guest failed to boot under KVM: ${detail}` },
    );
    probed.set(probe.kernel, p);
  }
  return p;
}

/** "kvm" when KVM works here (see detectAccel), else "tcg". */
export async function accelFor(probe?: KvmProbe, forced?: Accel): Promise<Accel> {
  return (await detectAccel(probe, forced)).accel;
}
