import { copyFile, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { downloadDeb, extractVmlinuz, kernelCandidates } from "./apt";
import { extractVmlinux, MissingDecompressorError } from "./bzimage";

export interface KernelManifest {
  /** `uname -r` of the guest, e.g. 6.12.117+deb12-amd64 */
  release: string;
  package: string;
  version: string;
  /**
   * vmlinux: the uncompressed ELF, booted through PVH (~2.4 s to init under TCG here).
   * bzImage: kept when this machine lacks the payload's decompressor; microvm boots it too,
   * decompressing in the guest (~4 s with zstd, ~6 s with xz).
   */
  kind: "vmlinux" | "bzImage";
  /** file name inside the cache folder */
  file: string;
  size: number;
}

export type CachedKernel = KernelManifest & { path: string };

const MANIFEST = "kernel.json";

async function writeManifest(cacheDir: string, m: KernelManifest): Promise<CachedKernel> {
  const tmp = join(cacheDir, `.${MANIFEST}.tmp-${process.pid}`);
  const { release, package: pkg, version, kind, file, size } = m;
  await writeFile(tmp, `${JSON.stringify({ release, package: pkg, version, kind, file, size }, null, 2)}\n`);
  await rename(tmp, join(cacheDir, MANIFEST));
  return { ...m, path: join(cacheDir, m.file) };
}

/** The cached kernel, if the manifest and the file it names agree; the manifest is written last, so a half-built kernel is never named. */
export async function cachedKernel(cacheDir: string): Promise<CachedKernel | null> {
  try {
    const m = JSON.parse(await readFile(join(cacheDir, MANIFEST), "utf8")) as KernelManifest;
    if (typeof m.file !== "string" || m.file.includes("/") || (m.kind !== "vmlinux" && m.kind !== "bzImage"))
      return null;
    const path = join(cacheDir, m.file);
    if ((await stat(path)).size !== m.size) return null;
    return { ...m, path };
  } catch {
    return null;
  }
}

/** Leftovers of a build that was killed (a .deb of ~100 MB among them); only call this holding the build lock. */
async function sweepPartials(cacheDir: string): Promise<void> {
  for (const f of await readdir(cacheDir)) {
    if (f.startsWith(".kernel-build-") || (f.startsWith(".") && f.includes(".tmp-")))
      await rm(join(cacheDir, f), { recursive: true, force: true });
  }
}

/**
 * Turns a cached bzImage into a vmlinux once the decompressor it needs is installed, without
 * downloading anything. Returns null while the tool is still missing.
 */
export async function upgradeToVmlinux(
  cacheDir: string,
  k: CachedKernel,
  log: (line: string) => void,
): Promise<CachedKernel | null> {
  await sweepPartials(cacheDir);
  const file = `vmlinux-${k.release}`;
  const partial = join(cacheDir, `.${file}.tmp-${process.pid}`);
  try {
    const { format, size } = await extractVmlinux(await readFile(k.path), partial);
    await rename(partial, join(cacheDir, file));
    log(`extracted ${file} (${format}, ${(size / 1e6).toFixed(1)} MB)`);
    const next = await writeManifest(cacheDir, { ...k, kind: "vmlinux", file, size });
    await rm(k.path, { force: true });
    return next;
  } catch (e) {
    if (e instanceof MissingDecompressorError) return null;
    throw e;
  }
}

/**
 * Downloads the newest plain Debian kernel package into a temporary folder (the host's /boot
 * and package database are never touched), keeps only its kernel, and records it.
 */
export async function buildKernel(cacheDir: string, log: (line: string) => void): Promise<CachedKernel> {
  await sweepPartials(cacheDir);
  const pkg = (await kernelCandidates(log))[0];
  if (!pkg) throw new Error("apt knows no plain linux-image-*-amd64 package");
  const tmp = await mkdtemp(join(cacheDir, ".kernel-build-"));
  try {
    log(`downloading ${pkg.name} ${pkg.version}`);
    const deb = await downloadDeb(pkg, tmp);
    const vmlinuz = await extractVmlinuz(deb, tmp);
    // The ~100 MB package goes as soon as the small bzImage is out of it.
    await rm(deb, { force: true });
    const base = { release: vmlinuz.release, package: pkg.name, version: pkg.version };
    const file = `vmlinux-${vmlinuz.release}`;
    try {
      const { format, size } = await extractVmlinux(await readFile(vmlinuz.path), join(tmp, file));
      log(`extracted ${file} (${format}, ${(size / 1e6).toFixed(1)} MB)`);
      await rename(join(tmp, file), join(cacheDir, file));
      return await writeManifest(cacheDir, { ...base, kind: "vmlinux", file, size });
    } catch (e) {
      if (!(e instanceof MissingDecompressorError)) throw e;
      log(
        `${e.message}; booting the compressed bzImage instead (slower; becomes a vmlinux once the tool is installed)`,
      );
      const bz = `vmlinuz-${vmlinuz.release}`;
      await copyFile(vmlinuz.path, join(tmp, bz));
      await rename(join(tmp, bz), join(cacheDir, bz));
      return await writeManifest(cacheDir, {
        ...base,
        kind: "bzImage",
        file: bz,
        size: (await stat(join(cacheDir, bz))).size,
      });
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
