import type { Redis } from "ioredis";
import { keyPrefix } from "./redis";

/**
 * The live stream of one run: console chunks and status changes in one Redis stream, so a
 * run page needs one connection for all of its consoles. It is transport only; every chunk
 * is in Postgres before it is published here, and readers refill gaps from there.
 */
export type LiveEvent =
  | { type: "chunk"; console: string; offset: number; data: Buffer; at: number }
  | { type: "status"; status: string };

export interface LiveEntry {
  id: string;
  event: LiveEvent;
}

const KEEP_AFTER_END_SECONDS = 3600;
/** Live readers only need the recent tail; storage has the rest. */
const MAX_ENTRIES = 20_000;

export function liveKey(runId: string): string {
  return `${keyPrefix()}:live:${runId}`;
}

export async function publishChunk(redis: Redis, runId: string, console: string, offset: number, data: Buffer, at: Date): Promise<void> {
  await redis.xadd(liveKey(runId), "MAXLEN", "~", MAX_ENTRIES, "*", "t", "chunk", "c", console, "o", String(offset), "a", String(at.getTime()), "d", data);
}

export async function publishStatus(redis: Redis, runId: string, status: string, final = false): Promise<void> {
  const key = liveKey(runId);
  await redis.xadd(key, "MAXLEN", "~", MAX_ENTRIES, "*", "t", "status", "s", status);
  if (final) await redis.expire(key, KEEP_AFTER_END_SECONDS);
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
