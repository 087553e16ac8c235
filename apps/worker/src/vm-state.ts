import { createWriteStream } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * What a held cluster's operations (the demo's test-cluster stand-in, a site's own tooling) can
 * know about the VMs the worker booted: one `<node>.json` per VM in PROOFBOARD_VM_STATE, and the
 * VM's serial bytes as they came in `<node>.log`. The state file is rewritten, never edited in
 * place, so a reader never sees half of one.
 */
export interface VmStateFile {
  name: string;
  /** QEMU's pid while it runs */
  pid: number | null;
  /** a held guest's shell session port (its `ssh`) and that session's window-size port; QEMU listens on both */
  shellSocket: string | null;
  winsizeSocket: string | null;
  /** every byte of the VM's serial console so far */
  serialLog: string;
  bootedAt: string;
  /** set once QEMU has exited: how the guest's verdict came out */
  exit: { code: number | null; signal: string | null; passed: boolean } | null;
}

export interface VmStateWriter {
  /** the serial bytes, as they arrive (never blocks the reader of QEMU's socket) */
  serial(data: Buffer): void;
  booted(pid: number, sockets: { session: string; winsize: string } | null): Promise<void>;
  exited(exit: VmStateFile["exit"]): Promise<void>;
}

export function vmStateWriter(dir: string, name: string): VmStateWriter {
  const serialLog = path.join(dir, `${name}.log`);
  const log = createWriteStream(serialLog, { flags: "a" });
  // A full disk must not stop the console itself, which goes to Postgres.
  log.on("error", () => undefined);
  let state: VmStateFile = {
    name,
    pid: null,
    shellSocket: null,
    winsizeSocket: null,
    serialLog,
    bootedAt: new Date().toISOString(),
    exit: null,
  };
  const save = async () => {
    const file = path.join(dir, `${name}.json`);
    await writeFile(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
    await rename(`${file}.tmp`, file);
  };
  return {
    serial: (data) => void log.write(data),
    booted: async (pid, sockets) => {
      state = { ...state, pid, shellSocket: sockets?.session ?? null, winsizeSocket: sockets?.winsize ?? null };
      await save();
    },
    exited: async (exit) => {
      state = { ...state, pid: null, exit };
      await save();
      await new Promise<void>((r) => log.end(r));
    },
  };
}
