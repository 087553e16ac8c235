import { db } from "@proofboard/db";
import { isTerminal, type RunStatus } from "@proofboard/domain";
import { createRedis, decodeLiveEntries, liveKey } from "@proofboard/jobs";
import { appendChunk, FencedOut, finishRun, followRun } from "@proofboard/services";
import type { FaultContext } from "./scenario";
import { waitUntil } from "./support";

export type Redis = ReturnType<typeof createRedis>;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** uniformly in ±`ms` */
export const jitter = (ms: number) => Math.round((Math.random() * 2 - 1) * ms);

/** A tcg lane of the race catalogs: argv is `bash -c script`. */
export const raceLane = (name: string, script: string, timeout: number) =>
  `  - { name: ${name}, description: race lane, command: ${JSON.stringify(["bash", "-c", script])}, group: regression-guard, host: tcg, timeoutSeconds: ${timeout} }`;

/** Prints "ready", then ends the moment the suite creates the run's flag file: completion happens when the race wants it. */
export const onFlagScript = (flagDir: string) =>
  `echo ready; while [ ! -e ${flagDir}/$PROOFBOARD_RUN_ID ]; do sleep 0.005; done; echo done`;

async function statusEvents(redis: Redis, runId: string): Promise<string[]> {
  const entries = decodeLiveEntries(await redis.xrangeBuffer(liveKey(runId), "-", "+"));
  return entries.flatMap((e) => (e.event.type === "status" ? [e.event.status] : []));
}

/** The moment the lane's process printed (its first chunk on the live stream). */
export async function untilReady(ctx: FaultContext, redis: Redis, runId: string): Promise<number> {
  await waitUntil(
    `run ${runId} to print`,
    async () =>
      decodeLiveEntries(await redis.xrangeBuffer(liveKey(runId), "-", "+")).some(
        (e) => e.event.type === "chunk" && e.event.data.includes("ready"),
      ),
    30_000,
    ctx.signal,
  );
  return Date.now();
}

/** What a run page is told: the statuses followRun gives from now until the run ends (or `ms` pass). */
export function watchStatuses(runId: string, ms = 60_000): Promise<RunStatus[]> {
  const seen: RunStatus[] = [];
  const stop = AbortSignal.timeout(ms);
  return (async () => {
    for await (const e of followRun(runId, {}, stop)) if (e.kind === "status") seen.push(e.status);
    return seen;
  })().catch(() => seen);
}

export interface JudgeOptions {
  /**
   * A worker killed between storing its verdict and publishing it leaves no final status event on
   * the live stream; viewers then learn it from PostgreSQL (`watcher` checks they do).
   */
  finalEventMayBeMissing?: boolean;
  /** a viewer started before the race (watchStatuses): its final status must be Postgres's */
  watcher?: Promise<RunStatus[]>;
}

/**
 * After a race: one final state in Postgres, one of `allowed`, that stays put; the stream's only
 * final status event equal to it; what a viewer was told ending in it; and a late finish (or
 * console bytes) with the run's fence or an older one refused.
 */
export async function judgeRace(
  ctx: FaultContext,
  redis: Redis,
  runId: string,
  allowed: readonly RunStatus[],
  o: JudgeOptions = {},
): Promise<{ status: string; problems: string[] }> {
  const problems: string[] = [];
  const settled = await waitUntil(
    `run ${runId} to settle`,
    async () => {
      const row = await db().run.findUniqueOrThrow({ where: { id: runId } });
      const final = (await statusEvents(redis, runId)).filter((s) => isTerminal(s as RunStatus));
      return isTerminal(row.status) && (final.length > 0 || o.finalEventMayBeMissing) && row;
    },
    20_000,
    ctx.signal,
  );
  // whatever lost the race has had time to write, or to try
  await sleep(1500);
  const row = await db().run.findUniqueOrThrow({ where: { id: runId } });
  const final = (await statusEvents(redis, runId)).filter((s) => isTerminal(s as RunStatus));
  if (row.status !== settled.status) problems.push(`status changed after settling: ${settled.status} → ${row.status}`);
  if (!allowed.includes(row.status)) problems.push(`ended ${row.status}, not one of ${allowed.join("/")}`);
  const finalOk = final.length === 1 ? final[0] === row.status : final.length === 0 && o.finalEventMayBeMissing;
  if (!finalOk) problems.push(`final status events on the stream [${final.join(", ")}] vs Postgres ${row.status}`);
  if (o.watcher) {
    const told = [...new Set((await o.watcher).filter((s) => isTerminal(s)))];
    if (told.length !== 1 || told[0] !== row.status)
      problems.push(`a viewer was told [${told.join(", ")}] as the end, Postgres says ${row.status}`);
  }
  for (const fence of [row.fence, row.fence - 1]) {
    const late = await finishRun(
      { runId, fence },
      { status: "failed", failureKind: "test", exitCode: 1, reason: "a late write from the attempt that lost" },
    );
    if (late) problems.push(`a late finish with fence ${fence} was accepted`);
  }
  const harness = await db().console.findUnique({ where: { runId_name: { runId, name: "harness" } } });
  if (harness) {
    const appended = await appendChunk(
      { runId, fence: row.fence },
      harness.id,
      Number(harness.length),
      Buffer.from("late bytes\n"),
    ).then(
      () => true,
      (err) => !(err instanceof FencedOut),
    );
    if (appended) problems.push("late console bytes with the run's fence were accepted");
  }
  const after = await db().run.findUniqueOrThrow({ where: { id: runId } });
  if (after.status !== row.status) problems.push(`a late write changed ${row.status} to ${after.status}`);
  return { status: row.status, problems };
}

/** Counts outcomes per race and gathers every problem, named by its race. */
export class RaceTally<R extends string> {
  private readonly counts = new Map<string, number>();
  readonly problems: string[] = [];

  record(race: R, r: { status: string; problems: string[] }): void {
    this.counts.set(`${race} ${r.status}`, (this.counts.get(`${race} ${r.status}`) ?? 0) + 1);
    this.problems.push(...r.problems.map((p) => `${race}: ${p}`));
  }

  /** "3 passed / 2 canceled" over the allowed outcomes */
  outcomes(race: R, allowed: readonly string[]): string {
    return allowed.map((s) => `${this.counts.get(`${race} ${s}`) ?? 0} ${s}`).join(" / ");
  }

  summary(ok: string): string {
    const p = this.problems;
    return p.length ? `PROBLEMS: ${p.slice(0, 5).join("; ")}${p.length > 5 ? ` (+${p.length - 5})` : ""}` : ok;
  }
}
