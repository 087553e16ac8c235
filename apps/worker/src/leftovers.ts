import { readdir, readFile } from "node:fs/promises";

/**
 * QEMU runs in its own process group, so a worker that crashed leaves its guests running. A new
 * worker on the host finds them by the worker's folder in their argv (the serial socket lives
 * there) and stops them: no QEMU survives its run.
 */
export async function killLeftoverVms(workDir: string): Promise<number> {
  let killed = 0;
  for (const entry of await readdir("/proc").catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const cmdline = await readFile(`/proc/${pid}/cmdline`).catch(() => null);
    if (!cmdline) continue;
    const argv = cmdline.toString("utf8").split("\0");
    if (!argv[0]?.endsWith("qemu-system-x86_64") || !argv.some((a) => a.includes(workDir))) continue;
    try {
      process.kill(pid, "SIGKILL");
      killed++;
    } catch {
      // gone meanwhile
    }
  }
  return killed;
}
