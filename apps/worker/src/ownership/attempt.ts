import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { attemptCgroupBase } from "./cgroup";
import { OWNER_VARIABLE, reapAttempt, type OwnedAttempt } from "./reap.mjs";

/**
 * Joins the attempt's cgroup, then becomes the command: argv stays argv (positional parameters of
 * a fixed script), and the process is a member before it can fork anything.
 */
const JOIN_SCRIPT =
  'echo $$ > "$0" || { echo "proofboard: cannot join the attempt cgroup ($0)" >&2; exit 125; }; exec "$@"';

/** What one attempt of a run owns: every process started with its env and argv wrapper. */
export interface AttemptOwnership {
  readonly id: string;
  /** add to the environment of everything the attempt starts */
  readonly env: Record<string, string>;
  /** the argv to spawn instead of `argv`, so the process starts inside the attempt's cgroup */
  wrap: (argv: readonly string[]) => string[];
  /** ends whatever of the attempt still runs (detached children too) and forgets it */
  end(): Promise<number>;
}

/**
 * Exact ownership of what a worker starts. Each attempt gets a cgroup of its own (where the host
 * allows) and a random token in the environment of every process it starts, recorded in a ledger
 * under the worker's folder before anything starts. A guardian process ends an attempt's processes
 * the moment its worker dies; a worker starting under the same host name ends whatever its dead
 * predecessor's ledger still lists: by cgroup and token, never by a name or path prefix.
 */
export class Ownership {
  private guardian: ChildProcess | null = null;
  private readonly owned = new Map<string, OwnedAttempt>();
  private closing = false;

  private constructor(
    private readonly ledger: string,
    private readonly cgroupBase: string | null,
    readonly mode: string,
    private readonly log: (line: string) => void,
  ) {}

  static async start(o: {
    workDir: string;
    cgroupSetting?: string;
    log: (line: string) => void;
  }): Promise<{ ownership: Ownership; reaped: number }> {
    const { base, why } = await attemptCgroupBase(o.cgroupSetting);
    const mode = base ? `per-attempt cgroups (${why}) and owner tokens` : `owner tokens only (${why})`;
    const ownership = new Ownership(path.join(o.workDir, "owned"), base, mode, o.log);
    await mkdir(ownership.ledger, { recursive: true });
    const reaped = await ownership.reapPredecessor();
    ownership.spawnGuardian();
    return { ownership, reaped };
  }

  /** Ends what the ledger lists: attempts a dead worker under this host name left behind. */
  private async reapPredecessor(): Promise<number> {
    let killed = 0;
    for (const file of await readdir(this.ledger)) {
      const at = path.join(this.ledger, file);
      const owned = await readFile(at, "utf8").then(
        (t) => JSON.parse(t) as OwnedAttempt,
        () => null,
      );
      if (owned && typeof owned.token === "string") killed += await reapAttempt(owned);
      await rm(at, { force: true });
    }
    return killed;
  }

  private spawnGuardian(): void {
    const script = fileURLToPath(new URL("./guardian.mjs", import.meta.url));
    // Own session: a signal to the worker's process group does not reach it.
    const g = spawn(process.execPath, [script], { detached: true, stdio: ["pipe", "ignore", "inherit"] });
    g.stdin.on("error", () => undefined);
    g.on("exit", () => {
      if (this.closing) return;
      this.log("guardian exited; starting a new one");
      this.spawnGuardian();
    });
    this.guardian = g;
    for (const o of this.owned.values()) this.tell({ own: o });
  }

  private tell(msg: object): void {
    this.guardian?.stdin?.write(`${JSON.stringify(msg)}\n`);
  }

  async attempt(id: string): Promise<AttemptOwnership> {
    const token = randomUUID();
    let cgroup: string | null = null;
    if (this.cgroupBase) {
      cgroup = path.join(this.cgroupBase, id.replace(/[^A-Za-z0-9._-]/g, "_"));
      await mkdir(cgroup, { recursive: true });
    }
    const owned: OwnedAttempt = { id, token, cgroup };
    // Recorded before anything starts: a worker killed a moment later still leaves its ledger.
    const file = path.join(this.ledger, `${owned.id.replace(/[^A-Za-z0-9._-]/g, "_")}.json`);
    await writeFile(`${file}.tmp`, JSON.stringify(owned));
    await rename(`${file}.tmp`, file);
    this.owned.set(id, owned);
    this.tell({ own: owned });
    const procs = cgroup ? path.join(cgroup, "cgroup.procs") : null;
    return {
      id,
      env: { [OWNER_VARIABLE]: token },
      wrap: (argv) => (procs ? ["/bin/sh", "-c", JOIN_SCRIPT, procs, ...argv] : [...argv]),
      end: async () => {
        const killed = await reapAttempt(owned);
        this.owned.delete(id);
        this.tell({ release: id });
        await rm(file, { force: true });
        return killed;
      },
    };
  }

  /** Graceful stop: the worker has ended its attempts itself; the guardian goes too. */
  async close(): Promise<void> {
    this.closing = true;
    for (const o of this.owned.values()) await reapAttempt(o).catch(() => 0);
    this.guardian?.stdin?.end();
    this.guardian = null;
  }
}
