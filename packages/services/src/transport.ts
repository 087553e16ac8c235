import { randomUUID } from "node:crypto";
import { createRedis, keyPrefix } from "@proofboard/jobs";
import { requeueForgottenRuns } from "./reconciler";
import { ensureSchedulers } from "./schedules";

type Redis = ReturnType<typeof createRedis>;

/**
 * Redis is transport only. A sentinel key, set once Redis holds everything Postgres implies,
 * tells whether Redis lost its data (a flush, a restart without persistence, a new instance):
 * when it is missing, the job schedulers and the queued runs' jobs are rebuilt from Postgres.
 * Every process that can (the web and each worker) watches it; rebuilding is idempotent.
 */
export function epochKey(): string {
  return `${keyPrefix()}:epoch`;
}

export interface TransportRebuild {
  schedulers: string[];
  requeued: string[];
}

/** Rebuilds Redis's share from Postgres, then marks Redis as complete again. */
export async function rebuildTransport(redis: Redis, syncEverySeconds: number): Promise<TransportRebuild> {
  const schedulers = await ensureSchedulers(syncEverySeconds);
  const requeued = await requeueForgottenRuns();
  // Set only after the rebuild: a process that dies half-way leaves the key missing for the next.
  await redis.set(epochKey(), randomUUID(), "NX");
  return { schedulers, requeued };
}

export interface TransportWatch {
  /** resolves after the first check (and rebuild, if one was due) */
  ready: Promise<void>;
  stop(): void;
}

/**
 * Checks the sentinel every `everyMs` (2 s: well inside the promised 30 s) and rebuilds when it is
 * gone. Schedulers are also re-ensured every `repairEveryMs` as a second net, e.g. for a partial loss.
 */
export function watchTransport(o: {
  syncEverySeconds: number;
  log: (line: string) => void;
  everyMs?: number;
  repairEveryMs?: number;
}): TransportWatch {
  const redis = createRedis();
  // A Redis that is down is reported by the checks below; the connection's own error would only repeat it.
  redis.on("error", () => undefined);
  let lastRepair = Date.now();
  let busy = false;
  const check = async () => {
    if (busy) return;
    busy = true;
    try {
      if (!(await redis.exists(epochKey()))) {
        const r = await rebuildTransport(redis, o.syncEverySeconds);
        lastRepair = Date.now();
        o.log(
          `transport: Redis had no epoch; rebuilt ${r.schedulers.length} job scheduler(s) and requeued ${r.requeued.length} run(s) from Postgres`,
        );
      } else if (Date.now() - lastRepair > (o.repairEveryMs ?? 30_000)) {
        lastRepair = Date.now();
        await ensureSchedulers(o.syncEverySeconds);
      }
    } catch (err) {
      o.log(`transport check failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      busy = false;
    }
  };
  const ready = check();
  const timer = setInterval(() => void check(), o.everyMs ?? 2000);
  timer.unref();
  return {
    ready,
    stop() {
      clearInterval(timer);
      redis.disconnect();
    },
  };
}
