import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Redis } from "ioredis";
import { db } from "@proofboard/db";
import { announceStatus } from "@proofboard/jobs";
import {
  addMarkers,
  advanceWaiting,
  appendChunk,
  closeConsole,
  FencedOut,
  finishRun,
  openConsole,
  recordMetrics,
  retagConsole,
  retryAfterInfrastructureFault,
} from "@proofboard/services";
import { formatBytes, readSpoolRecords } from "./spool";
import type { SpoolRecord } from "./spool-records";

type Chunk = Extract<SpoolRecord, { t: "chunk" }>;
type Close = Extract<SpoolRecord, { t: "close" }>;
type Verdict = Extract<SpoolRecord, { t: "verdict" }>;

export interface ReplayReport {
  runId: string;
  attempt: number;
  /** console bytes stored now */
  bytes: number;
  /** the verdict stored now, if any */
  verdict: string | null;
  /** what happened, for the worker's log */
  summary: string;
}

const FILE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(\d+)\.spool$/;

/**
 * Stores what dead or stopped predecessors under this host name still owed PostgreSQL, from the
 * spool files they left, then deletes the files. Runs after the host name is taken (so no live
 * worker writes these files) and before its orphaned runs are ended: an attempt whose lane had
 * ended gets its own verdict instead of being lost and retried. Every write is fenced by the
 * attempt, so nothing lands on a run that has moved on; a verdict lands only when every byte
 * before it did.
 */
export async function replaySpools(dir: string, redis: Redis): Promise<ReplayReport[]> {
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [];
    throw err;
  });
  const reports: ReplayReport[] = [];
  for (const name of names.sort()) {
    const file = path.join(dir, name);
    const m = FILE.exec(name);
    if (m) {
      const claim = { runId: m[1]!, fence: Number(m[2]) };
      reports.push(
        await replayFile(file, claim, redis).catch((err: unknown) => ({
          runId: claim.runId,
          attempt: claim.fence,
          bytes: 0,
          verdict: null,
          summary:
            err instanceof FencedOut
              ? "not stored: the attempt no longer owns the run"
              : `not stored: ${(err instanceof Error ? err.message : String(err)).trim().split("\n").at(-1)}`.slice(
                  0,
                  500,
                ),
        })),
      );
    }
    await rm(file, { force: true, recursive: true });
  }
  return reports;
}

async function replayFile(file: string, claim: { runId: string; fence: number }, redis: Redis): Promise<ReplayReport> {
  const report = { runId: claim.runId, attempt: claim.fence, bytes: 0, verdict: null };
  const run = await db().run.findUnique({ where: { id: claim.runId }, select: { fence: true, status: true } });
  if (!run) return { ...report, summary: "not stored: no such run" };
  if (run.fence !== claim.fence || run.status !== "running")
    return { ...report, summary: `not stored: the attempt no longer owns the run (${run.status})` };
  const consoles = new Map<string, { chunks: { record: Chunk; data: Buffer }[]; close: Close | null }>();
  let verdict: Verdict | null = null;
  for (const { record, data } of await readSpoolRecords(file)) {
    if (record.t === "verdict") {
      verdict = record;
      continue;
    }
    const c = consoles.get(record.console) ?? { chunks: [], close: null };
    consoles.set(record.console, c);
    if (record.t === "chunk") c.chunks.push({ record, data });
    else c.close = record;
  }
  let bytes = 0;
  const gaps: string[] = [];
  for (const [name, c] of consoles) {
    const ref = (c.close ?? c.chunks[0]!.record) satisfies { kind: string; expectedFrom: string | null };
    const id = await openConsole(claim.runId, name, ref.kind, ref.expectedFrom);
    if (ref.kind !== "declared") await retagConsole(claim, id, ref.kind);
    let length = Number((await db().console.findUniqueOrThrow({ where: { id }, select: { length: true } })).length);
    let whole = true;
    // In offset order: bytes moved from memory to the file when PostgreSQL went away come after later ones.
    for (const { record, data } of c.chunks.sort((a, b) => a.record.offset - b.record.offset)) {
      if (record.offset + data.length > length) {
        if (record.offset !== length) {
          gaps.push(`${name} lacks bytes ${length}–${record.offset}`);
          whole = false;
          break;
        }
        await appendChunk(claim, id, record.offset, data, new Date(record.at), record.newlinesBefore);
        length += data.length;
        bytes += data.length;
      }
      await addMarkers(claim, id, record.markers, new Date(record.at));
    }
    if (whole && c.close) {
      await addMarkers(claim, id, c.close.markers, new Date(c.close.at));
      await closeConsole(claim, id, { lines: c.close.lines, verdict: c.close.verdict });
    }
  }
  report.bytes = bytes;
  const stored = `${formatBytes(bytes)} of console stored`;
  if (!verdict) return { ...report, summary: `${stored}; the lane had not ended` };
  if (gaps.length) return { ...report, summary: `${stored}; verdict not stored: ${gaps.join(", ")}` };
  if (verdict.metrics.length) await recordMetrics(claim.runId, verdict.metrics);
  if (!(await finishRun(claim, verdict.outcome)))
    return { ...report, summary: `${stored}; verdict not stored: the run had already ended` };
  await announceStatus(redis, claim.runId, verdict.outcome.status, true);
  await advanceWaiting(verdict.repositoryId, verdict.commitSha);
  if (verdict.outcome.failureKind === "infrastructure")
    await retryAfterInfrastructureFault(await db().run.findUniqueOrThrow({ where: { id: claim.runId } }));
  return { ...report, verdict: verdict.outcome.status, summary: `${stored}; verdict ${verdict.outcome.status} stored` };
}
