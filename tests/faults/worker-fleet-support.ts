import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import { createUser } from "@proofboard/auth";
import { db } from "@proofboard/db";
import { ensureRepository, readConsole, runById, syncRepository } from "@proofboard/services";
import { makeRepo } from "../support/target-repo";

/**
 * The target the worker faults run: a lane whose children detach (setsid) or stay in the group and
 * print their pids (alone, or beside a real guest), and a lane with one real guest that can be held.
 */
export const fleetCatalog = `version: 1
name: fleet-faults
lanes:
  - name: detaches
    description: leaves children behind, one of them in a session of its own
    command: [bash, -c, "setsid sleep 1001 </dev/null >/dev/null 2>&1 & a=$!; sleep 1002 </dev/null >/dev/null 2>&1 & echo \\"pids $$ $a $!\\"; sleep 600"]
    group: regression-guard
    host: tcg
    timeoutSeconds: 900
  - name: detaches-beside-guest
    description: the same, beside a real guest kept for its holder
    command: [bash, -c, "setsid sleep 1001 </dev/null >/dev/null 2>&1 & a=$!; sleep 1002 </dev/null >/dev/null 2>&1 & echo \\"pids $$ $a $!\\"; sleep 600"]
    group: regression-guard
    host: tcg
    timeoutSeconds: 900
    vms: { nodes: [node01], services: [chainfire], overlay: components }
  - name: held
    description: one guest, held for its holder
    command: [bash, -c, "echo harness done"]
    group: publishable
    host: tcg
    timeoutSeconds: 300
    vms: { nodes: [node01], services: [chainfire], overlay: components }
gates: []
`;

export async function fleetTarget(name: string): Promise<void> {
  const target = makeRepo({ "proofboard.yaml": fleetCatalog, "components/chainfire.toml": "healthy = true\n" });
  await syncRepository(await ensureRepository(name, target.dir));
}

export async function holder(): Promise<string> {
  const existing = await db().user.findFirst({ where: { name: "fault-holder" } });
  return (existing ?? (await createUser({ name: "fault-holder", password: "fault-holder-password", role: "operator" })))
    .id;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms: number): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await sleep(100);
  }
}

/** Running, not a zombie its adopter has yet to reap. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2));
  } catch {
    return false;
  }
}

/** The pids a `detaches` lane printed (once its guests, if any, are booting): the lane's shell, its setsid child, its plain child. */
export async function lanePids(runId: string): Promise<number[]> {
  return until(
    `run ${runId} to print its pids`,
    async () => {
      const c = await readConsole(runId, "harness").catch(() => null);
      const m = c ? /pids (\d+) (\d+) (\d+)/.exec(c.data.toString("utf8")) : null;
      return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
    },
    240_000,
  );
}

/** QEMU processes on the machine; with `parent`, only those that process started (its own guests). */
export async function qemuPids(parent?: number): Promise<number[]> {
  const found: number[] = [];
  for (const e of await readdir("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    const cmd = await readFile(`/proc/${e}/cmdline`, "utf8").catch(() => "");
    if (!cmd.startsWith("qemu-system-x86_64\0") && !cmd.includes("/qemu-system-x86_64\0")) continue;
    if (parent !== undefined) {
      // the fields after the command name, which may itself hold spaces or parentheses: state, ppid, ...
      const stat = await readFile(`/proc/${e}/stat`, "utf8").catch(() => "");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== parent) continue;
    }
    found.push(Number(e));
  }
  return found;
}

/** The guardian a worker started (its child running guardian.mjs). */
export function guardianOf(workerPid: number): number | null {
  try {
    const out = execFileSync("pgrep", ["-P", String(workerPid), "-f", "ownership/guardian.mjs"], {
      encoding: "utf8",
    }).trim();
    return out ? Number(out.split("\n")[0]) : null;
  } catch {
    return null;
  }
}

export async function runOn(runId: string): Promise<{ status: string; host: string | null }> {
  const r = await runById(runId);
  const host = r.hostId ? ((await db().host.findUnique({ where: { id: r.hostId } }))?.name ?? null) : null;
  return { status: r.status, host };
}
