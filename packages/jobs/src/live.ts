import type { Redis } from "ioredis";
import { env } from "@proofboard/env";
import { keyPrefix, withinRedisTimeout } from "./redis";

/**
 * The live stream of one run: console chunks and status changes in one Redis stream, so a
 * run page needs one connection for all of its consoles. It is transport only: a chunk is
 * published as the worker reads it, PostgreSQL holds the bytes (a worker cut off from it spools them
 * on disk meanwhile, and says so with "buffering" events), and readers refill gaps from there.
 */
export type LiveEvent =
  /**
   * `at`: when the worker stored the first byte (ms). `marks`: where a chunk the live hub joined
   * from several begins each of them and when ([offset, at], ascending); absent for one chunk.
   */
  | { type: "chunk"; console: string; offset: number; data: Buffer; at: number; marks?: [number, number][] }
  | { type: "status"; status: string }
  /** spooledBytes null: everything is stored again */
  | { type: "buffering"; host: string; spooledBytes: number | null };

export interface LiveEntry {
  id: string;
  event: LiveEvent;
}

const KEEP_AFTER_END_SECONDS = 3600;
/** Redis's own cost per stream entry (id, field names, listpack headers), roughly. */
const ENTRY_OVERHEAD_BYTES = 64;

export function liveKey(runId: string): string {
  return `${keyPrefix()}:live:${runId}`;
}

/** What one publisher added to one run's stream and still keeps there, oldest first. */
interface StreamTail {
  entries: { id: string; bytes: number }[];
  bytes: number;
  /** the publish before this one: a run's chunks go out one after another, so the budget holds under load */
  chain: Promise<void>;
}
const tails = new WeakMap<Redis, Map<string, StreamTail>>();

function tailOf(redis: Redis, runId: string): StreamTail {
  let runs = tails.get(redis);
  if (!runs) tails.set(redis, (runs = new Map<string, StreamTail>()));
  let tail = runs.get(runId);
  if (!tail) runs.set(runId, (tail = { entries: [], bytes: 0, chain: Promise.resolve() }));
  return tail;
}

/**
 * Adds a chunk, then trims the stream to the byte budget (PROOFBOARD_LIVE_STREAM_BYTES): a count
 * of entries would let a run of 256 KiB chunks hold gigabytes. Readers that fall behind the trim
 * see a chunk starting past what they have and read the hole from Postgres.
 */
export function publishChunk(
  redis: Redis,
  runId: string,
  console: string,
  offset: number,
  data: Buffer,
  at: Date,
): Promise<void> {
  const tail = tailOf(redis, runId);
  const published = tail.chain.then(() => addWithinBudget(redis, tail, liveKey(runId), console, offset, data, at));
  tail.chain = published.catch(() => undefined);
  return published;
}

/** An id just past `id`: trimming below it drops `id` itself. */
function after(id: string): string {
  const [ms, seq] = id.split("-");
  return `${ms}-${Number(seq) + 1}`;
}

/**
 * The oldest entries go in the same transaction that adds the new one, before it: the stream never
 * holds more than the budget (or the one chunk, if that alone is larger), even for a moment.
 */
async function addWithinBudget(
  redis: Redis,
  tail: StreamTail,
  key: string,
  console: string,
  offset: number,
  data: Buffer,
  at: Date,
): Promise<void> {
  const bytes = data.length + ENTRY_OVERHEAD_BYTES;
  const budget = env().PROOFBOARD_LIVE_STREAM_BYTES;
  let drop = 0;
  let kept = tail.bytes;
  while (drop < tail.entries.length && kept + bytes > budget) kept -= tail.entries[drop++]!.bytes;
  const tx = redis.multi();
  if (drop > 0)
    tx.xtrim(key, "MINID", drop < tail.entries.length ? tail.entries[drop]!.id : after(tail.entries[drop - 1]!.id));
  tx.xadd(key, "*", "t", "chunk", "c", console, "o", String(offset), "a", String(at.getTime()), "d", data);
  const results = await tx.exec();
  const failed = results?.find(([err]) => err)?.[0];
  if (failed) throw failed;
  tail.entries.splice(0, drop);
  tail.bytes = kept;
  const id = results?.at(-1)?.[1];
  if (typeof id !== "string") return;
  tail.entries.push({ id, bytes });
  tail.bytes += bytes;
}

export async function publishStatus(redis: Redis, runId: string, status: string, final = false): Promise<void> {
  const key = liveKey(runId);
  await redis.xadd(key, "*", "t", "status", "s", status);
  if (final) {
    await redis.expire(key, KEEP_AFTER_END_SECONDS);
    tails.get(redis)?.delete(runId);
  }
}

/**
 * publishStatus for a worker, bounded: a Redis that is down must not hold a lane's start, its end or
 * its hand-back (the retry after it, the slot, a stopping worker). Watchers lose nothing that
 * matters: they read the run's status from PostgreSQL as well. False when Redis did not take it in time.
 */
export async function announceStatus(redis: Redis, runId: string, status: string, final = false): Promise<boolean> {
  return withinRedisTimeout(publishStatus(redis, runId, status, final), ANNOUNCE_MS, "publishing a status").then(
    () => true,
    () => false,
  );
}

/** How long a worker waits for Redis to take a status. */
const ANNOUNCE_MS = 2000;

/** The run's worker cannot reach PostgreSQL and keeps its bytes on disk (null: all of them are stored now). */
export async function publishBuffering(
  redis: Redis,
  runId: string,
  host: string,
  spooledBytes: number | null,
): Promise<void> {
  await redis.xadd(
    liveKey(runId),
    "*",
    "t",
    "buffering",
    "h",
    host,
    "b",
    spooledBytes === null ? "" : String(spooledBytes),
  );
}

function decode(fields: Buffer[]): LiveEvent | null {
  const map = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!.toString("latin1"), fields[i + 1]!);
  const type = map.get("t")?.toString();
  if (type === "chunk") {
    const console = map.get("c")?.toString();
    const offset = Number(map.get("o")?.toString());
    const data = map.get("d");
    const at = Number(map.get("a")?.toString() ?? Date.now());
    if (!console || !Number.isSafeInteger(offset) || !data) return null;
    return { type, console, offset, data, at };
  }
  if (type === "status") {
    const status = map.get("s")?.toString();
    return status ? { type, status } : null;
  }
  if (type === "buffering") {
    const host = map.get("h")?.toString() ?? "";
    const bytes = map.get("b")?.toString() ?? "";
    return { type, host, spooledBytes: bytes === "" ? null : Number(bytes) };
  }
  return null;
}

/** Stream entries as XREAD and XRANGE return them (with Buffer replies), decoded; malformed ones are dropped. */
export function decodeLiveEntries(entries: readonly [Buffer, Buffer[]][]): LiveEntry[] {
  const out: LiveEntry[] = [];
  for (const [id, fields] of entries) {
    const event = decode(fields);
    if (event) out.push({ id: id.toString(), event });
  }
  return out;
}
