import { readConsoleById, type ConsoleSlice } from "./consoles";

/** Raw bytes the cache may hold; the oldest reads go first past it. */
const CACHE_BYTES = 32 << 20;
/** A read is served again for this long (stored bytes never change; a console can be deleted). */
const CACHE_MS = 10_000;

interface Entry {
  at: number;
  slice: Promise<ConsoleSlice>;
  bytes: number;
}

const entries = new Map<string, Entry>();
let cachedBytes = 0;

function drop(key: string): void {
  const e = entries.get(key);
  if (!e) return;
  entries.delete(key);
  cachedBytes -= e.bytes;
}

/**
 * `readConsoleById` shared by every follower in this process that asks for the same part of a
 * console: followers who join a flowing console together read what came before them from the same
 * offsets (a read ends where a stored chunk ends), so one query and one Buffer serve them all, and
 * the Buffer's wire encoding is made once too (see followRun's `shared`). Stored bytes never
 * change, so a read that came back short (the console was still growing) is still right: its
 * reader simply asks again from where it ends; a read that found nothing is never kept. Callers
 * must not change the slice they get.
 */
export function readConsoleShared(consoleId: string, from: number, maxBytes: number): Promise<ConsoleSlice> {
  const key = `${consoleId}:${from}:${maxBytes}`;
  const now = Date.now();
  const hit = entries.get(key);
  if (hit && now - hit.at < CACHE_MS) {
    entries.delete(key); // most recently used last
    entries.set(key, hit);
    return hit.slice;
  }
  drop(key);
  const entry: Entry = { at: now, slice: readConsoleById(consoleId, from, maxBytes), bytes: 0 };
  entries.set(key, entry);
  entry.slice.then(
    (s) => {
      if (entries.get(key) !== entry) return;
      // Nothing stored there yet: the next reader must ask PostgreSQL, or it would miss what comes.
      if (s.data.length === 0) return drop(key);
      entry.bytes = s.data.length;
      cachedBytes += entry.bytes;
      // Oldest first: expired reads, then as many as the byte budget needs.
      for (const [k, e] of entries) {
        if (cachedBytes <= CACHE_BYTES && now - e.at < CACHE_MS) break;
        drop(k);
      }
    },
    () => {
      if (entries.get(key) === entry) drop(key);
    },
  );
  return entry.slice;
}
