import { diffLines, hunks as groupHunks, normalizeLine, withoutEscapes, type Edit } from "@proofboard/domain";
import { db } from "@proofboard/db";
import { ConsoleLines } from "./console-lines";
import { NotFoundError } from "./errors";
import { compareWithLastGood } from "./history-compare";
import type { GoodScope, GoodWhen } from "./history-good";

/** How much of each console is compared before the answer says it stopped. */
const MAX_BYTES = 64 << 20;
const MAX_LINES = 300_000;
/** Lines of each side diffed after the first difference: enough for the first hunks, bounded in time and memory. */
const WINDOW_LINES = 1000;
const CONTEXT = 3;
const MAX_HUNKS = 3;
/** Lines shown per hunk: a console that went on for thousands of lines more is one long hunk. */
const HUNK_LINES = 60;
const TEXT_MAX = 300;
/** Lines are compared on their first 4 KiB: the window stays small even when lines are huge. */
const LINE_MAX = 4096;

export interface DiffLine {
  /** "=" in both runs (after normalisation), "-" only in the last good run, "+" only in this run */
  op: Edit["op"];
  /** the line as shown (escapes removed, cut to 300 characters); this run's text for "=" lines */
  text: string;
  /** 1-based line numbers; null on the side the line is not on */
  runLine: number | null;
  goodLine: number | null;
}

export interface DiffHunk {
  lines: DiffLine[];
  /** lines of this hunk left out after the first HUNK_LINES */
  omitted: number;
}

export interface GoodRunRef {
  id: string;
  commitSha: string;
  branch: string;
  finishedAt: string | null;
  /** where it was found: the nearest passing ancestor, this run's branch, or any branch */
  scope: GoodScope | null;
  /** whether it finished before this run, or (no pass did) after it */
  when: GoodWhen | null;
}

export type ConsoleDiff = { console: string; run: { id: string; lane: string } } & (
  | { kind: "no-good-run"; good: null }
  | { kind: "absent-in-good"; good: GoodRunRef; goodConsoles: string[] }
  | { kind: "identical"; good: GoodRunRef; lines: number; limited: Limited | null }
  | {
      kind: "different";
      good: GoodRunRef;
      firstDifference: { runLine: number | null; goodLine: number | null };
      hunks: DiffHunk[];
      limited: Limited | null;
    }
);

/** Set when a side was only read up to the limits: the comparison covers the first `lines` lines. */
export interface Limited {
  lines: number;
  bytes: number;
}

interface Line {
  raw: string;
  norm: string;
}

const show = (raw: string) => {
  const text = withoutEscapes(raw);
  return text.length > TEXT_MAX ? `${text.slice(0, TEXT_MAX)}…` : text;
};

/**
 * One console of a run next to the same console of the lane's last good run (the run "compare
 * with last good" picks, by pickGoodRun's rule: the two never disagree), line by line after normalisation (see normalizeLine): the first
 * differing hunks, with context and both runs' line numbers.
 */
export async function diffConsoleWithLastGood(runId: string, consoleName: string): Promise<ConsoleDiff> {
  const cmp = await compareWithLastGood(runId);
  const base = { console: consoleName, run: { id: cmp.run.id, lane: cmp.run.lane } };
  const mine = await db().console.findUnique({
    where: { runId_name: { runId: cmp.run.id, name: consoleName } },
    select: { id: true },
  });
  if (!mine) throw new NotFoundError("console", consoleName);
  if (!cmp.good) return { ...base, kind: "no-good-run", good: null };
  const good: GoodRunRef = {
    id: cmp.good.id,
    commitSha: cmp.good.commitSha,
    branch: cmp.good.branchName,
    finishedAt: cmp.good.finishedAt?.toISOString() ?? null,
    scope: cmp.scope,
    when: cmp.when,
  };
  const theirs = await db().console.findUnique({
    where: { runId_name: { runId: good.id, name: consoleName } },
    select: { id: true },
  });
  if (!theirs) {
    const names = await db().console.findMany({
      where: { runId: good.id },
      select: { name: true },
      orderBy: { name: "asc" },
    });
    return { ...base, kind: "absent-in-good", good, goodConsoles: names.map((c) => c.name) };
  }
  const result = await compareLines(
    new ConsoleLines(mine.id, MAX_BYTES, LINE_MAX),
    new ConsoleLines(theirs.id, MAX_BYTES, LINE_MAX),
  );
  return { ...base, good, ...result };
}

async function compareLines(run: ConsoleLines, good: ConsoleLines) {
  // 1. Walk both in step while they agree, keeping the last CONTEXT lines for the first hunk.
  const before: Line[] = [];
  let index = 0;
  let a: string | null = null;
  let b: string | null = null;
  for (; index < MAX_LINES; index++) {
    [a, b] = [await good.next(), await run.next()];
    if (a === null || b === null) break;
    // Equal bytes are equal lines: most lines of two boots need no normalisation at all.
    const norm = a === b ? null : normalizeLine(a);
    if (norm !== null && norm !== normalizeLine(b)) break;
    before.push({ raw: b, norm: "" });
    if (before.length > CONTEXT) before.shift();
  }
  const limited: Limited | null =
    run.limited || good.limited || index >= MAX_LINES ? { lines: index, bytes: Math.max(run.bytes, good.bytes) } : null;
  // A side that stopped at the read limit has not ended: what was read agrees.
  const stopped = index >= MAX_LINES || (a === null && good.limited) || (b === null && run.limited);
  if ((a === null && b === null) || stopped) return { kind: "identical" as const, lines: index, limited };

  // 2. Diff a bounded window from the first difference on; lines before it are equal on both sides.
  const windowOf = async (first: string | null, reader: ConsoleLines) => {
    const lines: Line[] = [];
    let next = first;
    while (next !== null && lines.length < WINDOW_LINES) {
      lines.push({ raw: next, norm: normalizeLine(next) });
      if (lines.length < WINDOW_LINES) next = await reader.next();
    }
    // Whether more follows the window (then its last lines may match lines not read).
    const more = lines.length === WINDOW_LINES && (await reader.next()) !== null;
    return { lines, more };
  };
  const [g, r] = [await windowOf(a, good), await windowOf(b, run)];
  let edits = diffLines(
    g.lines.map((l) => l.norm),
    r.lines.map((l) => l.norm),
    2 * WINDOW_LINES,
  )!;
  if (g.more || r.more) {
    // Changes after the window's last agreement may be lines the other side has just past the window.
    let lastSame = edits.length - 1;
    while (lastSame >= 0 && edits[lastSame]!.op !== "=") lastSame--;
    if (lastSame >= 0 && edits.slice(0, lastSame).some((e) => e.op !== "=")) edits = edits.slice(0, lastSame + 1);
  }
  const lineOf = (e: Edit): DiffLine => ({
    op: e.op,
    text: show(e.op === "-" ? g.lines[e.a]!.raw : r.lines[e.b]!.raw),
    runLine: e.b >= 0 ? index + e.b + 1 : null,
    goodLine: e.a >= 0 ? index + e.a + 1 : null,
  });
  const contextBefore: DiffLine[] = before.map((l, i) => {
    const n = index - before.length + i + 1;
    return { op: "=", text: show(l.raw), runLine: n, goodLine: n };
  });
  const hunks = groupHunks(edits, CONTEXT, MAX_HUNKS).map((h, i): DiffHunk => {
    const lines = [...(i === 0 && h[0]?.op !== "=" ? contextBefore : []), ...h.map(lineOf)];
    return { lines: lines.slice(0, HUNK_LINES), omitted: Math.max(0, lines.length - HUNK_LINES) };
  });
  return {
    kind: "different" as const,
    // null on the side whose console ended before it
    firstDifference: { runLine: b === null ? null : index + 1, goodLine: a === null ? null : index + 1 },
    hunks,
    limited,
  };
}
