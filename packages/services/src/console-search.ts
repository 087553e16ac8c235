import { ConsoleMatcher, type ConsoleMatch } from "@proofboard/domain";
import { db } from "@proofboard/db";
import { readStoredSlice } from "./console-lines";
import { runById } from "./runs";

/** Bytes read from storage at a time, per console. */
const SLICE_BYTES = 4 << 20;
/** A search reads at most this much of a run in all; the consoles past it say they were not finished. */
const SEARCH_MAX_BYTES = 1 << 30;

export interface ConsoleSearchResult {
  name: string;
  kind: string;
  /** every occurrence, counted */
  count: number;
  /** lines holding at least one occurrence */
  matchedLines: number;
  /** the first of those lines, each once, with its first occurrence */
  matches: ConsoleMatch[];
  /** bytes searched, and the console's stored length */
  bytes: number;
  length: number;
  /** false when the search stopped before the console's end (SEARCH_MAX_BYTES) */
  complete: boolean;
}

export interface RunSearchResult {
  query: string;
  total: number;
  consoles: ConsoleSearchResult[];
  bytes: number;
  ms: number;
}

/** A run's consoles as the run page lists them: the harness first, then by name. */
async function consolesOf(runId: string) {
  const rows = await db().console.findMany({
    where: { runId },
    select: { id: true, name: true, kind: true, length: true },
  });
  const rank = (name: string) => (name === "harness" ? 0 : 1);
  return rows
    .sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name))
    .map((c) => ({ ...c, length: Number(c.length) }));
}

/**
 * Every console of a run searched for a literal text, on the stored bytes (as they are, however
 * large), in the order the run page lists them. Case-insensitive for ASCII letters; escapes and
 * control bytes are not part of the text searched (see ConsoleMatcher).
 */
export async function searchRunConsoles(
  runId: string,
  query: string,
  opts: { listMax?: number; maxBytes?: number; sliceBytes?: number } = {},
): Promise<RunSearchResult> {
  const started = performance.now();
  const run = await runById(runId);
  let budget = opts.maxBytes ?? SEARCH_MAX_BYTES;
  const consoles: ConsoleSearchResult[] = [];
  for (const c of await consolesOf(run.id)) {
    // One console at a time, one slice at a time: memory holds a slice, whatever the run stored.
    const matcher = new ConsoleMatcher(query, opts.listMax ?? 20);
    const read = (at: number) =>
      at < c.length && budget > 0 ? readStoredSlice(c.id, at, Math.min(opts.sliceBytes ?? SLICE_BYTES, budget)) : null;
    let from = 0;
    let next = read(from);
    while (next) {
      const data = await next;
      if (data.length === 0) break;
      from += data.length;
      budget -= data.length;
      // The next slice is on its way from PostgreSQL while this one is searched.
      next = read(from);
      matcher.push(data);
    }
    await next?.catch(() => null);
    const { count, matchedLines, matches } = matcher.end();
    consoles.push({
      name: c.name,
      kind: c.kind,
      count,
      matchedLines,
      matches,
      bytes: from,
      length: c.length,
      complete: from >= c.length,
    });
  }
  return {
    query,
    total: consoles.reduce((n, c) => n + c.count, 0),
    consoles,
    bytes: consoles.reduce((n, c) => n + c.bytes, 0),
    ms: Math.round(performance.now() - started),
  };
}
