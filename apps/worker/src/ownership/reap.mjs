// Plain JavaScript on purpose: the guardian (guardian.mjs) runs it with bare `node`, after the
// worker that started it is gone, so it cannot rely on the worker's TypeScript loader.
import { readdir, readFile, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The environment entry every process of one attempt carries (see ownership/attempt.ts). */
export const OWNER_VARIABLE = "PROOFBOARD_OWNER";

async function cgroupPids(cgroup) {
  const text = await readFile(path.join(cgroup, "cgroup.procs"), "utf8").catch(() => "");
  return text.split("\n").filter(Boolean).map(Number);
}

function kill(pid) {
  try {
    process.kill(pid, "SIGKILL");
    return true;
  } catch {
    return false;
  }
}

/**
 * Ends every process of a cgroup, descendants that detached or called setsid included, then
 * removes it. cgroup.kill (Linux 5.14+) does it in one step; without it the members are killed
 * until none is left (a fork between reading and killing is caught by the next pass).
 */
export async function reapCgroup(cgroup) {
  const before = await cgroupPids(cgroup);
  const killFile = await writeFile(path.join(cgroup, "cgroup.kill"), "1").then(
    () => true,
    () => false,
  );
  for (let pass = 0; pass < 100; pass++) {
    const pids = await cgroupPids(cgroup);
    if (!pids.length) break;
    if (!killFile || pass > 10) pids.forEach(kill);
    await sleep(20);
  }
  await rmdir(cgroup).catch(() => undefined);
  return before;
}

function exiting(pid) {
  return readFile(`/proc/${pid}/stat`, "utf8").then(
    (s) => /^[ZX]$/.test(s.slice(s.lastIndexOf(")") + 2, s.lastIndexOf(")") + 3)),
    () => true,
  );
}

/** Pids whose environment holds exactly `PROOFBOARD_OWNER=<token>`: a token, never a prefix. */
export async function pidsOwnedBy(token) {
  const entry = `${OWNER_VARIABLE}=${token}`;
  const found = [];
  for (const name of await readdir("/proc").catch(() => [])) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const environ = await readFile(`/proc/${name}/environ`).catch(() => null);
    if (environ && environ.toString("utf8").split("\0").includes(entry)) found.push(Number(name));
  }
  return found;
}

/** Ends what one attempt owns: its cgroup when it has one, and every process carrying its token. */
export async function reapAttempt(owned) {
  const killed = new Set(owned.cgroup ? await reapCgroup(owned.cgroup) : []);
  // A few passes: a process may fork between the scan and the kill.
  for (let pass = 0; pass < 3; pass++) {
    const pids = await pidsOwnedBy(owned.token);
    if (!pids.length) break;
    for (const pid of pids) if (!(await exiting(pid)) && kill(pid)) killed.add(pid);
    await sleep(30);
  }
  return killed.size;
}
