import { createHash } from "node:crypto";
import { access, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { packCpio, parentDirs, type CpioEntry } from "./cpio";

/** The guest's PID 1, a busybox sh script kept as a plain file so it can be read and linted on its own. */
export const INIT_SCRIPT = fileURLToPath(new URL("../../../scripts/guest/init.sh", import.meta.url));
/** busybox-static's binary; Debian's dynamic busybox would find no libc in the guest. */
export const BUSYBOX = "/bin/busybox";
/** Bumped when the archive layout changes, so cached initrds built by older code are not reused. */
const LAYOUT_VERSION = "1";

/** True for an ELF without a PT_INTERP program header, i.e. one that needs no dynamic loader. */
export function isStaticElf(b: Buffer): boolean {
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) return false;
  const phoff = Number(b.readBigUInt64LE(0x20));
  const phentsize = b.readUInt16LE(0x36);
  const phnum = b.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 4 > b.length) return false;
    if (b.readUInt32LE(at) === 3) return false;
  }
  return true;
}

/** Pads to a multiple of 4 with NULs: the kernel skips them, and an uncompressed cpio appended later must start 4-aligned. */
export function pad4(b: Buffer): Buffer {
  const extra = (4 - (b.length % 4)) % 4;
  return extra ? Buffer.concat([b, Buffer.alloc(extra)]) : b;
}

function baseEntries(busybox: Buffer, init: Buffer): CpioEntry[] {
  const dirs = [
    "bin",
    "sbin",
    "usr/bin",
    "usr/sbin",
    "dev",
    "etc",
    "proc",
    "sys",
    "tmp",
    "run",
    "root",
    "proofboard/components",
  ];
  return [
    ...parentDirs(dirs),
    ...dirs.map((d): CpioEntry => ({ path: d, type: "dir", mode: 0o755 })),
    // The kernel opens /dev/console for init's stdio before any devtmpfs exists.
    { path: "dev/console", type: "char", mode: 0o600, rdevMajor: 5, rdevMinor: 1 },
    { path: "bin/busybox", type: "file", mode: 0o755, data: busybox },
    { path: "bin/sh", type: "symlink", mode: 0o777, target: "busybox" },
    { path: "init", type: "file", mode: 0o755, data: init },
  ];
}

/**
 * Builds (or finds) the base initramfs: static busybox plus /init. Its name carries a hash of
 * its inputs, so editing init.sh or upgrading busybox yields a new file instead of a stale hit.
 */
export async function ensureInitrd(cacheDir: string, log: (line: string) => void): Promise<string> {
  const [busybox, init] = await Promise.all([readFile(BUSYBOX), readFile(INIT_SCRIPT)]);
  const key = createHash("sha256").update(LAYOUT_VERSION).update(busybox).update(init).digest("hex").slice(0, 16);
  const path = join(cacheDir, `initrd-${key}.cpio.gz`);
  try {
    await access(path);
    return path;
  } catch {
    // not built yet
  }
  if (!isStaticElf(busybox)) throw new Error(`${BUSYBOX} is not a static binary: apt-get install busybox-static`);
  const archive = pad4(gzipSync(packCpio(baseEntries(busybox, init)), { level: 9 }));
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, archive);
  await rename(tmp, path);
  log(`built ${path} (${(archive.length / 1e6).toFixed(2)} MB)`);
  return path;
}

/** Service names become file names in the guest and words of its kernel command line. */
const SERVICE = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * An overlay initramfs (uncompressed newc) with one `/proofboard/components/<service>.toml` per
 * entry: the guest's health checks read these, so a commit's component files decide pass or fail.
 */
export function componentOverlay(components: Record<string, string | Buffer>): Buffer {
  const entries: CpioEntry[] = [
    { path: "proofboard", type: "dir", mode: 0o755 },
    { path: "proofboard/components", type: "dir", mode: 0o755 },
  ];
  for (const [service, toml] of Object.entries(components)) {
    if (!SERVICE.test(service)) throw new Error(`invalid service name ${JSON.stringify(service)}`);
    entries.push({ path: `proofboard/components/${service}.toml`, type: "file", mode: 0o644, data: Buffer.from(toml) });
  }
  return packCpio(entries);
}

export function isServiceName(s: string): boolean {
  return SERVICE.test(s);
}
