import { mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { downloadDeb, extractVmlinuz, kernelCandidates } from "./apt";
import { extractVmlinux, MissingDecompressorError } from "./bzimage";

export interface KernelManifest {
  /** `uname -r` of the guest, e.g. 6.12.117+deb12-amd64 */
  release: string;
  package: string;
  version: string;
  /** file name of the uncompressed kernel inside the cache folder */
  file: string;
  size: number;
}

const MANIFEST = "kernel.json";

/** The cached kernel, if the manifest and the file it names agree; the manifest is written last, so a half-built kernel is never named. */
export async function cachedKernel(cacheDir: string): Promise<(KernelManifest & { path: string }) | null> {
  try {
    const m = JSON.parse(await readFile(join(cacheDir, MANIFEST), "utf8")) as KernelManifest;
    if (typeof m.file !== "string" || m.file.includes("/")) return null;
    const path = join(cacheDir, m.file);
    if ((await stat(path)).size !== m.size) return null;
    return { ...m, path };
  } catch {
    return null;
  }
}

/**
 * Downloads the newest plain Debian kernel package into a temporary folder (the host's /boot
 * and package database are never touched), keeps only its uncompressed vmlinux, and records it.
 */
export async function buildKernel(cacheDir: string, log: (line: string) => void): Promise<KernelManifest & { path: string }> {
  const candidates = await kernelCandidates(log);
  const tried: string[] = [];
  // The newest kernel may need a decompressor this machine lacks (6.12 is zstd, 6.1 is xz);
  // an older candidate is better than no guest, so a few are tried before giving up.
  for (const pkg of candidates.slice(0, 3)) {
    const tmp = await mkdtemp(join(cacheDir, ".kernel-build-"));
    try {
      log(`downloading ${pkg.name} ${pkg.version}`);
      const deb = await downloadDeb(pkg, tmp);
      const vmlinuz = await extractVmlinuz(deb, tmp);
      // The ~100 MB .deb goes as soon as the small bzImage is out of it.
      await rm(deb, { force: true });
      const file = `vmlinux-${vmlinuz.release}`;
      const partial = join(tmp, file);
      const { format, size } = await extractVmlinux(await readFile(vmlinuz.path), partial);
      log(`extracted ${file} (${format}, ${(size / 1e6).toFixed(1)} MB)`);
      await rename(partial, join(cacheDir, file));
      const manifest: KernelManifest = { release: vmlinuz.release, package: pkg.name, version: pkg.version, file, size };
      const manifestTmp = join(tmp, MANIFEST);
      await writeFile(manifestTmp, `${JSON.stringify(manifest, null, 2)}\n`);
      await rename(manifestTmp, join(cacheDir, MANIFEST));
      return { ...manifest, path: join(cacheDir, file) };
    } catch (e) {
      if (!(e instanceof MissingDecompressorError)) throw e;
      tried.push(`${pkg.name}: ${e.message}`);
      log(`skipping ${pkg.name}: ${e.message}`);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  throw new Error(`no usable kernel package: ${tried.join("; ") || "none found"}`);
}
