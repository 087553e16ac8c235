import { mkdir, open, readFile, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { buildKernel, cachedKernel, upgradeToVmlinux } from "./kernel";
import { ensureInitrd } from "./initrd";

export interface GuestAssets {
  /** uncompressed ELF vmlinux booted through its PVH entry (a bzImage when no decompressor is installed) */
  kernel: string;
  /** gzip'd newc initramfs: static busybox and /init */
  initrd: string;
  /** the guest's `uname -r` */
  kernelVersion: string;
}

const LOCK = ".build.lock";
/** Longer than any kernel build seen (~5 s here); an older lock is one whose holder hung. */
const LOCK_STALE_MS = 10 * 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Serialises builds across processes (test files run in parallel workers, and a worker and a
 * dev server may share the cache) so the ~100 MB kernel package is downloaded once.
 */
async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const path = join(dir, LOCK);
  for (;;) {
    try {
      const fh = await open(path, "wx");
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const holder = Number((await readFile(path, "utf8").catch(() => "")).trim());
    const age = Date.now() - ((await stat(path).catch(() => null))?.mtimeMs ?? Date.now());
    // An empty lock is one being written right now, unless it has been empty for long.
    const stale = holder > 0 ? !alive(holder) || age > LOCK_STALE_MS : age > 5_000;
    if (stale) await rm(path, { force: true });
    else await new Promise((r) => setTimeout(r, 200));
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}

const inFlight = new Map<string, Promise<GuestAssets>>();

async function build(cacheDir: string, log: (line: string) => void): Promise<GuestAssets> {
  await mkdir(cacheDir, { recursive: true });
  let kernel = await cachedKernel(cacheDir);
  if (!kernel || kernel.kind === "bzImage") {
    kernel = await withLock(cacheDir, async () => {
      const k = await cachedKernel(cacheDir);
      if (!k) return buildKernel(cacheDir, log);
      return k.kind === "bzImage" ? ((await upgradeToVmlinux(cacheDir, k, log)) ?? k) : k;
    });
  }
  const initrd = await ensureInitrd(cacheDir, log);
  return { kernel: kernel.path, initrd, kernelVersion: kernel.release };
}

/**
 * Returns the guest kernel and initramfs in `cacheDir`, building what is missing. Idempotent and
 * cheap once built (a manifest read and a hash of busybox plus init.sh); every file is written
 * under a temporary name and renamed, so an interrupted build never leaves a usable-looking asset.
 */
export function ensureGuestAssets(
  cacheDir: string,
  log: (line: string) => void = () => undefined,
): Promise<GuestAssets> {
  const key = resolve(cacheDir);
  let p = inFlight.get(key);
  if (!p) {
    p = build(key, log).finally(() => inFlight.delete(key));
    inFlight.set(key, p);
  }
  return p;
}
