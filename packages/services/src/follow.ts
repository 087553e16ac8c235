import { isTerminal, type RunStatus } from "@proofboard/domain";
import { db } from "@proofboard/db";
import { liveHub } from "@proofboard/jobs";
import { consoleAnchor } from "./consoles";
import { readConsoleShared } from "./console-read-cache";

export type FollowEvent =
  /**
   * `shared`: `data` is the very Buffer every viewer in this process reaching these bytes is given
   * (a whole live chunk, a whole shared read of storage), so what is made of it (its wire
   * encoding) can be made once for all of them.
   */
  | { kind: "bytes"; console: string; offset: number; data: Buffer; marks: [number, number][]; shared?: boolean }
  | { kind: "status"; status: RunStatus }
  /** the run's worker keeps bytes on disk while PostgreSQL is unreachable; spooledBytes null: all stored again */
  | { kind: "buffering"; host: string; spooledBytes: number | null }
  /** a large console is sent from here on, not from its first byte (see `tailBytes`) */
  | { kind: "start"; console: string; offset: number; newlinesBefore: number }
  /** this viewer fell behind the live console and was moved ahead: bytes from..to were not sent (they are stored) */
  | { kind: "skipped"; console: string; from: number; to: number; newlinesBefore: number };

async function consoleIdOf(runId: string, name: string): Promise<string | null> {
  const c = await db().console.findUnique({ where: { runId_name: { runId, name } }, select: { id: true } });
  return c?.id ?? null;
}

async function stillHeld(runId: string): Promise<boolean> {
  const run = await db().run.findUnique({ where: { id: runId }, select: { holdUntil: true } });
  return !!run?.holdUntil && run.holdUntil.getTime() > Date.now();
}

/**
 * Follows a run's consoles from the given byte offsets to the end of the run. Storage is read
 * first and the live stream tailed after; a live chunk that starts past what was sent means
 * bytes went missing on the way, so the hole is refilled from storage.
 * With `tailBytes`, a console the caller has nothing of and that is longer than that starts at the
 * chunk where its last `tailBytes` begin: a page opens a 1 GiB console at its end, not its start.
 * With `skipBehind`, a viewer too slow for a live console (the live hub had to drop chunks from its
 * queue) is moved ahead to the chunk where the live bytes are, told what it skipped, instead of
 * reading every byte it missed from storage while the console runs away from it. Without it (the
 * CLI, downloads, tests) every byte is sent, however long it takes.
 */
export async function* followRun(
  runId: string,
  from: Record<string, number>,
  signal?: AbortSignal,
  opts: { tailBytes?: number | null; skipBehind?: boolean | null } = {},
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
      const id = consoleIds.get(name) ?? (await consoleIdOf(runId, name));
      if (!id) return;
      consoleIds.set(name, id);
      for (;;) {
        const offset = sent.get(name) ?? 0;
        if (offset >= upTo) return;
        const { data, marks } = await readConsoleShared(id, offset, 1 << 20);
        if (data.length === 0) return;
        const part = offset + data.length > upTo ? data.subarray(0, upTo - offset) : data;
        sent.set(name, offset + part.length);
        yield {
          kind: "bytes",
          console: name,
          offset,
          data: part,
          marks: marks.filter(([o]) => o < offset + part.length),
          shared: part === data,
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

    /** where the live chunks of a console this viewer fell behind on can be taken up again, numbered */
    const skipAhead = async function* (name: string, liveOffset: number): AsyncGenerator<FollowEvent> {
      const id = consoleIds.get(name) ?? (await consoleIdOf(runId, name));
      if (!id) return;
      consoleIds.set(name, id);
      const have = sent.get(name) ?? 0;
      const anchor = await consoleAnchor(id, { offset: liveOffset });
      if (anchor.offset <= have) return;
      sent.set(name, anchor.offset);
      yield { kind: "skipped", console: name, from: have, to: anchor.offset, newlinesBefore: anchor.newlinesBefore };
    };

    let quietSince = Date.now();
    live = hub.subscribe(runId, lastId);
    let droppedSeen = 0;
    // A viewer who leaves frees its place at once, not after the current wait.
    signal?.addEventListener("abort", () => live?.close(), { once: true });
    while (!signal?.aborted) {
      const entries = await live.read(2000);
      // The hub dropped chunks from this viewer's queue since the last read: it is behind the console.
      const behind = opts.skipBehind && live.droppedBytes > droppedSeen;
      droppedSeen = live.droppedBytes;
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
        if (behind && event.offset > have) yield* skipAhead(event.console, event.offset);
        if (event.offset > (sent.get(event.console) ?? 0)) yield* refill(event.console, event.offset);
        const start = sent.get(event.console) ?? 0;
        if (start < event.offset) continue; // storage was behind too; the next refill catches up
        const whole = start === event.offset;
        const part = whole ? event.data : event.data.subarray(start - event.offset);
        sent.set(event.console, end);
        // A joined chunk says when each of its pieces was stored; the part sent starts at `start`.
        const marks = event.marks ?? [[event.offset, event.at]];
        const from = marks.filter(([o]) => o <= start).at(-1) ?? marks[0]!;
        yield {
          kind: "bytes",
          console: event.console,
          offset: start,
          data: part,
          marks: [[start, from[1]], ...marks.filter(([o]) => o > start)],
          shared: whole,
        };
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
