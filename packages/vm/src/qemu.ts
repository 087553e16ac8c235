import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pad4 } from "./initrd";
import { openSerialPort } from "./serial-thread";
import { logger } from "@proofboard/log";

export type Accel = "kvm" | "tcg";

export const QEMU_BINARY = "qemu-system-x86_64";
/** The guest's /init writes here to fail; QEMU then exits (value << 1) | 1. */
const DEBUG_EXIT = "isa-debug-exit,iobase=0xf4,iosize=0x04";
/** VM names become a kernel parameter, a hostname and a file name: nothing that could split or escape any of them. */
const VM_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** sun_path holds 108 bytes including the NUL. */
const MAX_SOCKET_PATH = 107;

export interface QemuArgvOptions {
  name: string;
  kernel: string;
  initrd: string;
  /** extra kernel parameters, e.g. `pb.services=chainfire,iam pb.hold=1` */
  append?: string;
  memoryMiB?: number;
  accel: Accel;
  serialSocket: string;
  /**
   * Two more serial ports on unix sockets QEMU listens on, for a held guest's shell sessions (the
   * demo's test-cluster stand-in reaches them as its `ssh NODE`): ttyS1 carries the session,
   * ttyS2 its window size ("ROWS COLS" lines; a serial line has no other way to say it). microvm
   * creates only the first port itself; each gets its own IRQ.
   */
  shellSockets?: { session: string; winsize: string };
  /** guest TSC rate under TCG; see kernelCmdline */
  tscKhz?: number;
}

/**
 * - loglevel=6 keeps KERN_NOTICE, so the `Linux version` banner and warnings show while the
 *   ~250 info lines of a full boot (about a second under TCG) stay out; `quiet` hides the banner.
 * - panic=0 halts on a panic instead of resetting: a reset is how the guest says "pass".
 * - reboot=t makes `reboot -f` a triple fault, which QEMU -no-reboot turns into exit status 0.
 * - tsc_early_khz: under TCG the kernel cannot calibrate the TSC on microvm (no HPET, no PM
 *   timer, and the PIT calibration fails) and hangs in most boots; the guest TSC runs at the
 *   host's rate, so the host's rate keeps guest sleeps true to the wall clock.
 */
export function kernelCmdline(o: Pick<QemuArgvOptions, "name" | "append" | "accel" | "tscKhz">): string {
  const parts = ["console=ttyS0", "loglevel=6", "panic=0", "reboot=t", "tsc=reliable"];
  if (o.accel === "tcg") parts.push(`tsc_early_khz=${Math.round(o.tscKhz ?? 2_000_000)}`);
  parts.push(`pb.node=${o.name}`);
  if (o.append?.trim()) parts.push(o.append.trim());
  return parts.join(" ");
}

/** QEMU splits option values on commas; a literal comma is written twice. */
function qemuOptValue(s: string): string {
  return s.replaceAll(",", ",,");
}

function checkName(name: string): void {
  if (!VM_NAME.test(name)) throw new Error(`invalid VM name ${JSON.stringify(name)}`);
}

/** The QEMU command line, one argv element per argument (the -append value is one element). */
export function qemuArgv(o: QemuArgvOptions): string[] {
  checkName(o.name);
  if (o.append && /[\0\n\r]/.test(o.append)) throw new Error("kernel parameters must be one line");
  // Either would let a crash exit QEMU with status 0, i.e. look like a pass.
  if (o.append && /(^|\s)(panic|reboot)=/.test(o.append))
    throw new Error("panic= and reboot= carry the pass/fail protocol and cannot be overridden");
  const memory = o.memoryMiB ?? 256;
  if (!Number.isInteger(memory) || memory < 64 || memory > 65536) throw new Error(`invalid memory size ${memory} MiB`);
  return [
    QEMU_BINARY,
    "-name",
    o.name,
    // pit/pic/rtc: without them the microvm kernel hung in 2 of 3 TCG boots (STACK.md)
    "-M",
    "microvm,pit=on,pic=on,rtc=on",
    "-accel",
    o.accel,
    "-cpu",
    o.accel === "kvm" ? "host" : "max",
    "-m",
    String(memory),
    "-smp",
    "1",
    "-no-reboot",
    "-display",
    "none",
    "-monitor",
    "none",
    "-nodefaults",
    "-no-user-config",
    "-kernel",
    o.kernel,
    "-initrd",
    o.initrd,
    "-append",
    kernelCmdline(o),
    "-chardev",
    `socket,id=ser0,path=${qemuOptValue(o.serialSocket)}`,
    "-serial",
    "chardev:ser0",
    ...(o.shellSockets
      ? [
          "-chardev",
          `socket,id=sh0,path=${qemuOptValue(o.shellSockets.session)},server=on,wait=off`,
          "-device",
          "isa-serial,chardev=sh0,iobase=0x2f8,irq=3",
          "-chardev",
          `socket,id=ws0,path=${qemuOptValue(o.shellSockets.winsize)},server=on,wait=off`,
          "-device",
          "isa-serial,chardev=ws0,iobase=0x3e8,irq=5",
        ]
      : []),
    "-device",
    DEBUG_EXIT,
  ];
}

export interface VmExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** only a guest that reset itself (its pass path) and was not stopped from outside */
  passed: boolean;
  /** unhealthy services the guest reported through isa-debug-exit (1..126); 127 means its /init itself failed */
  unhealthy: number | null;
  /** QEMU's own diagnostics (never the guest's output), the last 16 KB */
  qemuStderr: string;
}

export interface RunningVm {
  name: string;
  pid: number;
  argv: string[];
  /** the guest's shell session and window-size ports (see QemuArgvOptions), QEMU listening; null unless asked for */
  shellSockets: { session: string; winsize: string } | null;
  /** bytes for the guest's serial input; queued until QEMU has connected */
  write(data: Buffer): void;
  exited: Promise<VmExit>;
  /** SIGTERM to QEMU's process group, SIGKILL after 3 s; resolves once it has exited */
  kill(): Promise<void>;
}

export interface BootOptions {
  name: string;
  kernel: string;
  /** the base initramfs file */
  initrd: string;
  append?: string;
  memoryMiB?: number;
  accel: Accel;
  workDir: string;
  onSerial: (data: Buffer) => void;
  /** an overlay cpio (plain or gzip'd) appended to the base initramfs; later archives win */
  extraInitrd?: Buffer;
  /** give the guest its shell session ports (see QemuArgvOptions.shellSockets) */
  shellSockets?: boolean;
  /** who owns the QEMU process: the argv actually spawned and extra environment (the worker's attempt ownership) */
  owner?: { wrap(argv: readonly string[]): string[]; env: Record<string, string> };
}

let tscKhzCache: Promise<number> | undefined;
/** The host TSC rate in kHz from /proc/cpuinfo, which a TCG guest's TSC follows. */
export function hostTscKhz(): Promise<number> {
  tscKhzCache ??= readFile("/proc/cpuinfo", "utf8").then(
    (t) => {
      const mhz = Number(/^cpu MHz\s*:\s*([\d.]+)/m.exec(t)?.[1]);
      return Number.isFinite(mhz) && mhz > 100 ? Math.round(mhz * 1000) : 2_000_000;
    },
    () => 2_000_000,
  );
  return tscKhzCache;
}

/**
 * Boots one guest. The worker is the serial socket's server and listens before QEMU starts, so
 * not one early byte is lost (QEMU as server drops what it prints before a client connects);
 * the socket is read on a thread of its own, since QEMU drops what it cannot hand over
 * (see serial-thread.ts).
 */
export async function bootVm(o: BootOptions): Promise<RunningVm> {
  // The name becomes file names below, before qemuArgv would check it.
  checkName(o.name);
  await mkdir(o.workDir, { recursive: true });
  let sockDir: string | null = null;
  // The longest socket name decides: when it fits sun_path, they all do.
  const longest = join(o.workDir, `${o.name}.${o.shellSockets ? "winsize" : "serial"}`);
  if (Buffer.byteLength(longest) > MAX_SOCKET_PATH) sockDir = await mkdtemp(join(tmpdir(), "pbvm-"));
  const sockPath = (suffix: string) => join(sockDir ?? o.workDir, `${o.name}.${suffix}`);
  const sock = sockPath("serial");
  const shellSocks = o.shellSockets ? { session: sockPath("shell"), winsize: sockPath("winsize") } : null;
  let initrd = o.initrd;
  let ownInitrd = false;
  if (o.extraInitrd) {
    initrd = join(o.workDir, `${o.name}.initrd`);
    await writeFile(initrd, Buffer.concat([pad4(await readFile(o.initrd)), o.extraInitrd]));
    ownInitrd = true;
  }
  for (const p of Object.values(shellSocks ?? {})) await rm(p, { force: true });
  const argv = qemuArgv({
    ...o,
    initrd,
    serialSocket: sock,
    shellSockets: shellSocks ?? undefined,
    tscKhz: await hostTscKhz(),
  });

  let connected = false;
  let serialClosed: () => void = () => undefined;
  const serialDone = new Promise<void>((r) => (serialClosed = r));
  const port = await openSerialPort(sock, {
    onConnected: () => (connected = true),
    onData(d) {
      try {
        o.onSerial(d);
      } catch (e) {
        logger("vm").error("a serial console's consumer threw; reading goes on", { vm: o.name, err: e });
      }
    },
    onEnded: () => serialClosed(),
  });

  const cleanup = async () => {
    await port.close();
    await rm(sock, { force: true });
    for (const p of Object.values(shellSocks ?? {})) await rm(p, { force: true });
    if (sockDir) await rm(sockDir, { recursive: true, force: true });
    if (ownInitrd) await rm(initrd, { force: true });
  };

  const [bin, ...args] = (o.owner ? o.owner.wrap(argv) : argv) as [string, ...string[]];
  // detached: QEMU leads its own process group, so kill() reaches it and anything it forks.
  const child = spawn(bin, args, {
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
    // eslint-disable-next-line no-restricted-properties -- passes the environment through to QEMU as spawn would; reads no setting
    env: { ...process.env, ...o.owner?.env },
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
  } catch (e) {
    await cleanup();
    throw e;
  }
  const pid = child.pid!;
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString("utf8")).slice(-16_384)));
  let stopping = false;

  const exited = new Promise<VmExit>((resolve) => {
    // "close", not "exit": QEMU's last stderr lines (the signal note below) arrive after "exit".
    child.once("close", (code, signal) => {
      // The last console bytes may still be in the socket when QEMU is gone: drain before closing.
      const drained = connected
        ? Promise.race([serialDone, new Promise((r) => setTimeout(r, 2000))])
        : Promise.resolve();
      void drained.then(async () => {
        await cleanup().catch(() => undefined);
        // QEMU exits 0 on SIGTERM/SIGINT/SIGHUP too; its "terminating on signal" note tells them apart from a guest reset.
        const killed = stopping || /terminating on signal/.test(stderr);
        const passed = code === 0 && signal === null && !killed;
        const unhealthy = code !== null && code >= 3 && code % 2 === 1 ? (code - 1) >> 1 : null;
        resolve({ code, signal, passed, unhealthy, qemuStderr: stderr });
      });
    });
  });

  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // already gone
    }
  };
  let done = false;
  void exited.then(() => (done = true));

  return {
    name: o.name,
    pid,
    argv,
    shellSockets: shellSocks,
    write(data: Buffer) {
      port.write(data);
    },
    exited,
    async kill() {
      if (!done) {
        stopping = true;
        signalGroup("SIGTERM");
        const hard = setTimeout(() => signalGroup("SIGKILL"), 3000);
        await exited;
        clearTimeout(hard);
      }
    },
  };
}
