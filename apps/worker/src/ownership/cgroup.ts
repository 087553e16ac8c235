import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, readFile, rmdir } from "node:fs/promises";
import path from "node:path";

/** The cgroup v2 mount point, from this process's mountinfo. */
async function cgroup2Mount(): Promise<string | null> {
  const info = await readFile("/proc/self/mountinfo", "utf8").catch(() => "");
  for (const line of info.split("\n")) {
    const [left, right] = line.split(" - ");
    if (right?.startsWith("cgroup2 ")) return left?.split(" ")[4] ?? null;
  }
  return null;
}

/** This process's own cgroup v2 path ("0::/path" in /proc/self/cgroup). */
async function ownCgroup(): Promise<string | null> {
  const text = await readFile("/proc/self/cgroup", "utf8").catch(() => "");
  const line = text.split("\n").find((l) => l.startsWith("0::"));
  return line ? line.slice(3) : null;
}

/** A process can really be moved into a child of `base`: tried, not assumed. */
function canJoin(probe: string): boolean {
  const r = spawnSync("/bin/sh", ["-c", 'echo $$ > "$0"', path.join(probe, "cgroup.procs")], {
    stdio: "ignore",
    timeout: 5000,
  });
  return r.status === 0;
}

/**
 * Where attempts get their cgroups: `proofboard` beside the worker's own cgroup v2, when the host
 * lets the worker create one and move processes into it (root, or a delegated systemd unit).
 * `setting` is PROOFBOARD_CGROUP: unset to detect, "off" for none, or a cgroup v2 folder to use.
 */
export async function attemptCgroupBase(setting: string | undefined): Promise<{ base: string | null; why: string }> {
  if (setting === "off") return { base: null, why: "PROOFBOARD_CGROUP=off" };
  let base = setting;
  if (!base) {
    const [mount, own] = await Promise.all([cgroup2Mount(), ownCgroup()]);
    if (!mount || own === null) return { base: null, why: "no cgroup v2 hierarchy is mounted" };
    base = path.join(mount, own, "proofboard");
  }
  const probe = path.join(base, `probe-${randomUUID()}`);
  try {
    await mkdir(probe, { recursive: true });
  } catch (err) {
    return { base: null, why: `cannot create cgroups under ${base}: ${(err as Error).message}` };
  }
  const ok = canJoin(probe);
  await rmdir(probe).catch(() => undefined);
  return ok
    ? { base, why: `cgroup v2 at ${base}` }
    : { base: null, why: `cannot move processes into cgroups under ${base}` };
}
