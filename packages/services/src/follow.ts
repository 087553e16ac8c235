import { isTerminal, type RunStatus } from "@proofboard/domain";
import { db } from "@proofboard/db";
import { liveHub } from "@proofboard/jobs";
import { consoleAnchor, readConsoleById } from "./consoles";

export type FollowEvent =
  | { kind: "bytes"; console: string; offset: number; data: Buffer; marks: [number, number][] }
  | { kind: "status"; status: RunStatus }
  /** the run's worker keeps bytes on disk while PostgreSQL is unreachable; spooledBytes null: all stored again */
  | { kind: "buffering"; host: string; spooledBytes: number | null }
  /** a large console is sent from here on, not from its first byte (see `tailBytes`) */
  | { kind: "start"; console: string; offset: number; newlinesBefore: number };

/**
 * Follows a run's consoles from the given byte offsets to the end of the run. Storage is read
 * first and the live stream tailed after; a live chunk that starts past what was sent means
 * bytes went missing on the way, so the hole is refilled from storage, never skipped.
 */
async function stillHeld(runId: string): Promise<boolean> {
  const run = await db().run.findUnique({ where: { id: runId }, select: { holdUntil: true } });
  return !!run?.holdUntil && run.holdUntil.getTime() > Date.now();
}

/**
 * With `tailBytes`, a console the caller has nothing of and that is longer than that starts at the
 * chunk where its last `tailBytes` begin: a page opens a 1 GiB console at its end, not its start.
 */
export async function* followRun(
  runId: string,
  from: Record<string, number>,
  signal?: AbortSignal,
  opts: { tailBytes?: number | null } = {},
): AsyncGenerator<FollowEvent> {
  const sent = new Map(Object.entries(from));
  const consoleIds = new Map<string, string>();
  const hub = liveHub();
  let live: ReturnType<typeof hub.subscribe> | null = null;
  try {
    const lastId = await hub.latestId(runId);
    const run = await db().run.findUnique({ where: { id: runId }, select: { status: true } });
    if (!run) return;
    yield { kind: "status", status: run.status };

    const refill = async function* (name: string, upTo = Infinity): AsyncGenerator<FollowEvent> {
      let id = consoleIds.get(name);
      if (!id) {
        const c = await db().console.findUnique({ where: { runId_name: { runId, name } }, select: { id: true } });
        if (!c) return;
        id = c.id;
        consoleIds.set(name, id);
      }
      for (;;) {
        const offset = sent.get(name) ?? 0;
        if (offset >= upTo) return;
        const { data, marks } = await readConsoleById(id, offset, 1 << 20);
        if (data.length === 0) return;
        const part = Number.isFinite(upTo) ? data.subarray(0, upTo - offset) : data;
        sent.set(name, offset + part.length);
        yield {
          kind: "bytes",
          console: name,
          offset,
          data: part,
          marks: marks.filter(([o]) => o < offset + part.length),
        };
      }
    };
    const refillAll = async function* (): AsyncGenerator<FollowEvent> {
      const names = await db().console.findMany({ where: { runId }, select: { name: true }, orderBy: { name: "asc" } });
      for (const { name } of names) yield* refill(name);
    };

    if (opts.tailBytes) {
      const tailBytes = opts.tailBytes;
      const long = await db().console.findMany({
        where: { runId, length: { gt: tailBytes } },
        select: { id: true, name: true, length: true },
      });
      for (const c of long) {
        if (sent.has(c.name)) continue;
        const start = await consoleAnchor(c.id, { offset: Number(c.length) - tailBytes });
        consoleIds.set(c.name, c.id);
        sent.set(c.name, start.offset);
        if (start.offset > 0) yield { kind: "start", console: c.name, ...start };
      }
    }
    yield* refillAll();
    if (isTerminal(run.status) && !(await stillHeld(runId))) return;

    let quietSince = Date.now();
    live = hub.subscribe(runId, lastId);
    // A viewer who leaves frees its place at once, not after the current wait.
    signal?.addEventListener("abort", () => live?.close(), { once: true });
    while (!signal?.aborted) {
      const entries = await live.read(2000);
      for (const { event } of entries) {
        if (event.type === "status") {
          yield { kind: "status", status: event.status as RunStatus };
          if (isTerminal(event.status as RunStatus)) {
            yield* refillAll();
            // Held VMs keep talking after the lane's verdict; follow them until the hold ends.
            if (!(await stillHeld(runId))) return;
          }
          continue;
        }
        if (event.type === "buffering") {
          yield { kind: "buffering", host: event.host, spooledBytes: event.spooledBytes };
          continue;
        }
        const have = sent.get(event.console) ?? 0;
        const end = event.offset + event.data.length;
        if (end <= have) continue;
        if (event.offset > have) yield* refill(event.console, event.offset);
        const start = sent.get(event.console) ?? 0;
        if (start < event.offset) continue; // storage was behind too; the next refill catches up
        const part = event.data.subarray(start - event.offset);
        sent.set(event.console, end);
        yield { kind: "bytes", console: event.console, offset: start, data: part, marks: [[start, event.at]] };
      }
      if (entries.length) quietSince = Date.now();
      // Redis is transport: if it lost the end of the run, Postgres still knows.
      if (Date.now() - quietSince > 5000) {
        quietSince = Date.now();
        // PostgreSQL away (the worker spools meanwhile): keep tailing the live stream, ask again later.
        const now = await db()
          .run.findUnique({ where: { id: runId }, select: { status: true } })
          .catch(() => undefined);
        if (now === undefined) continue;
        yield* refillAll();
        if (!now || (isTerminal(now.status) && !(await stillHeld(runId)))) {
          if (now) yield { kind: "status", status: now.status };
          return;
        }
      }
    }
  } finally {
    live?.close();
  }
}
