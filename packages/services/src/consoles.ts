import { db, queryRows } from "@proofboard/db";
import { ConsoleDroppedError, NotFoundError } from "./errors";

/** A line of a console that looks like a failure (see @proofboard/domain failure-markers). */
export interface MarkerView {
  offset: number;
  line: number;
  kind: string;
  text: string;
  at: string;
  /** its place in the order the run's output came (see OrderedMarker); null on markers stored before it was kept */
  seq: number | null;
}

export interface ConsoleView {
  name: string;
  kind: string;
  length: number;
  closed: boolean;
  lines: number;
  /** passed, failed, no-output; null while it runs (or for consoles nobody judges) */
  verdict: string | null;
  /** why the lane was expected to print it; null for consoles nobody announced */
  expectedFrom: string | null;
  /** its first failure markers, in line order */
  markers: MarkerView[];
  /** the day retention drops its bytes (YYYY-MM-DD); null: kept for ever */
  expiresOn: string | null;
  /** when retention dropped its bytes (ISO); its verdict and markers stay */
  droppedAt: string | null;
}

export async function listConsoles(runId: string): Promise<ConsoleView[]> {
  const rows = await db().console.findMany({
    where: { runId },
    orderBy: { name: "asc" },
    include: { markers: { orderBy: { offset: "asc" } } },
  });
  // The harness first, then VMs by name: the order people scan a cluster in.
  const order = (c: { name: string }) => (c.name === "harness" ? 0 : 1);
  return rows
    .sort((a, b) => order(a) - order(b) || a.name.localeCompare(b.name))
    .map((c) => ({
      name: c.name,
      kind: c.kind,
      length: Number(c.length),
      closed: c.closed,
      lines: c.lines,
      verdict: c.verdict,
      expectedFrom: c.expectedFrom,
      expiresOn: c.expiresOn.getUTCFullYear() === 9999 ? null : c.expiresOn.toISOString().slice(0, 10),
      droppedAt: c.droppedAt?.toISOString() ?? null,
      markers: c.markers.map((m) => ({
        offset: Number(m.offset),
        line: m.line,
        kind: m.kind,
        text: m.text,
        at: m.at.toISOString(),
        seq: m.seq === null ? null : Number(m.seq),
      })),
    }));
}

/**
 * The console a person should look at first in a run that did not pass: the VM console whose first
 * failure marker came earliest in the run's output, else the first VM that failed by its own
 * verdict, else the harness when it holds a failure marker (a lane without VM consoles opens at
 * its failure too). "Earliest" is the worker's order of writes: the NixOS driver prints every VM's
 * lines through one harness, and the VM it printed failing first is the one to read. Storage
 * times, per console flush, only order markers stored before that order was kept.
 */
export function firstFailingConsole(consoles: readonly ConsoleView[]): string | null {
  const vms = consoles.filter((c) => c.name !== "harness" && c.kind !== "operation");
  const earlier = (a: MarkerView, b: MarkerView) =>
    a.seq !== null && b.seq !== null ? a.seq - b.seq : a.at.localeCompare(b.at);
  // markers are listed by offset: a console's first is its earliest
  const marked = vms
    .filter((c) => c.markers.length > 0)
    .sort((a, b) => earlier(a.markers[0]!, b.markers[0]!) || a.name.localeCompare(b.name));
  const harness = consoles.find((c) => c.name === "harness" && c.markers.length > 0);
  return marked[0]?.name ?? vms.find((c) => c.verdict === "failed")?.name ?? harness?.name ?? null;
}

async function consoleId(runId: string, name: string): Promise<string> {
  const c = await db().console.findUnique({
    where: { runId_name: { runId, name } },
    select: { id: true, droppedAt: true },
  });
  if (!c) throw new NotFoundError("console", name);
  if (c.droppedAt) throw new ConsoleDroppedError(name, c.droppedAt);
  return c.id;
}

/** Stored bytes from an offset, and where each stored chunk in them starts and when it was stored. */
export interface ConsoleSlice {
  offset: number;
  data: Buffer;
  /** [byte offset, epoch ms] of every chunk start inside the slice */
  marks: [number, number][];
}

export async function readConsole(runId: string, name: string, from = 0, maxBytes = 8 << 20): Promise<ConsoleSlice> {
  const id = await consoleId(runId, name);
  return readConsoleById(id, from, maxBytes);
}

const expiries = new Map<string, string>();
const EXPIRIES_KEPT = 10_000;

/**
 * The day a console expires, which names the partition its chunks are in: given as a value, the
 * planner looks at that one partition only (a subquery leaves it planning every week's, ~4 ms with
 * 60 of them). A console's expiry never changes once it is made, so it is asked for once.
 */
export async function expiryOf(consoleId: string): Promise<string> {
  const known = expiries.get(consoleId);
  if (known) return known;
  const rows = (await queryRows(`SELECT to_char(expires_on, 'YYYY-MM-DD') FROM console WHERE id = $1`, [
    consoleId,
  ])) as [string][];
  const day = rows[0]?.[0];
  if (!day) return "9999-12-31"; // no such console: no chunks either, whichever partition is asked
  if (expiries.size >= EXPIRIES_KEPT) expiries.delete(expiries.keys().next().value!);
  expiries.set(consoleId, day);
  return day;
}

/**
 * Both ends of the chunk range are bounded in the query, so a slice of a 50 MB console reads only
 * its own chunks; the rows come straight from the pg driver, since Prisma's raw path takes ~10x
 * longer to hand over bytea. The console's expiry names the one partition its chunks are in.
 */
export async function readConsoleById(consoleId: string, from: number, maxBytes: number): Promise<ConsoleSlice> {
  const rows = (await queryRows(
    // Epoch milliseconds, not the timestamp: pg would read a `timestamp` in the process's time zone.
    `SELECT "offset", data, (extract(epoch FROM created_at) * 1000)::float8, stamps FROM console_chunk
     WHERE console_id = $1 AND expires_on = $4::date
       AND "offset" >= COALESCE((SELECT max("offset") FROM console_chunk WHERE console_id = $1
         AND expires_on = $4::date AND "offset" <= $2), 0)
       AND "offset" < $3
     ORDER BY "offset"`,
    [consoleId, from, from + Math.max(1, maxBytes), await expiryOf(consoleId)],
  )) as [string, Buffer, number, string[][] | null][];
  const parts: Buffer[] = [];
  const marks: [number, number][] = [];
  let end = from;
  for (const [offset, data, createdAt, stamps] of rows) {
    const start = Number(offset);
    if (start + data.length <= end) continue;
    if (start > end) break; // never paper over a hole
    parts.push(data.subarray(end - start));
    marks.push(...chunkMarks(start, createdAt, stamps, end, start + data.length));
    end = start + data.length;
  }
  return { offset: from, data: parts.length === 1 ? parts[0]! : Buffer.concat(parts), marks };
}

/**
 * Where the chunks a row holds start, from `from` on: a row as the worker stored it is one chunk; a
 * compacted row keeps its chunks' starts and times in `stamps`. The first mark is at `from`, with
 * the time of the chunk it falls in.
 */
export function chunkMarks(
  start: number,
  createdAt: number,
  stamps: readonly (readonly string[])[] | null,
  from: number,
  end: number,
): [number, number][] {
  const all: [number, number][] = [[start, createdAt]];
  for (const [o, t] of stamps ?? []) if (Number(o) > start) all.push([Number(o), Number(t)]);
  const marks: [number, number][] = [];
  for (const [o, t] of all) {
    if (o >= end) break;
    if (o <= from) marks[0] = [from, t];
    else marks.push([o, t]);
  }
  return marks;
}

/** A place in a console whose line number is known: a chunk's start, or a point counted from one. */
export interface ConsoleAnchor {
  offset: number;
  newlinesBefore: number;
}

/** Beyond this into a row (a compacted one), an anchor is counted to the byte instead of the row's start. */
const ANCHOR_SLACK_BYTES = 256 * 1024;

/**
 * The last chunk that starts at or before a byte offset, or before a line (1-based), whose place in
 * the console's lines is known. Consoles stored before chunks kept it are read from their start. In a
 * compacted console's larger rows, the anchor is counted on to the offset or line asked for, so a
 * tail or window does not start up to a row earlier than asked.
 */
export async function consoleAnchor(
  consoleId: string,
  at: { offset: number } | { line: number },
): Promise<ConsoleAnchor> {
  const [column, bound] = "offset" in at ? ['"offset"', at.offset] : ["newlines_before", at.line - 1];
  const rows = (await queryRows(
    `SELECT "offset", newlines_before, length FROM console_chunk
     WHERE console_id = $1 AND expires_on = $3::date AND ${column} <= $2 AND newlines_before IS NOT NULL
     ORDER BY "offset" DESC LIMIT 1`,
    [consoleId, Math.max(0, bound), await expiryOf(consoleId)],
  )) as [string, string, number][];
  const row = rows[0];
  if (!row) return { offset: 0, newlinesBefore: 0 };
  const anchor = { offset: Number(row[0]), newlinesBefore: Number(row[1]) };
  if ("offset" in at) {
    const into = Math.min(at.offset, anchor.offset + row[2]) - anchor.offset;
    if (into <= ANCHOR_SLACK_BYTES) return anchor;
    const head = await rowBytes(consoleId, anchor.offset, into);
    return { offset: anchor.offset + head.length, newlinesBefore: anchor.newlinesBefore + countNewlines(head) };
  }
  const wanted = at.line - 1 - anchor.newlinesBefore;
  if (wanted <= 0 || row[2] <= ANCHOR_SLACK_BYTES) return anchor;
  const data = await rowBytes(consoleId, anchor.offset, row[2]);
  let pos = 0;
  for (let n = 0; n < wanted; n++) {
    const nl = data.indexOf(0x0a, pos);
    if (nl < 0) return anchor;
    pos = nl + 1;
  }
  return pos <= ANCHOR_SLACK_BYTES ? anchor : { offset: anchor.offset + pos, newlinesBefore: at.line - 1 };
}

async function rowBytes(consoleId: string, offset: number, bytes: number): Promise<Buffer> {
  const rows = (await queryRows(
    `SELECT substring(data FROM 1 FOR $3) FROM console_chunk
     WHERE console_id = $1 AND expires_on = $4::date AND "offset" = $2`,
    [consoleId, offset, bytes, await expiryOf(consoleId)],
  )) as [Buffer][];
  return rows[0]?.[0] ?? Buffer.alloc(0);
}

function countNewlines(data: Buffer): number {
  let n = 0;
  for (let i = data.indexOf(0x0a); i >= 0; i = data.indexOf(0x0a, i + 1)) n++;
  return n;
}

/** A part of a console that starts at a chunk, so its lines can be numbered: for viewing large consoles piecemeal. */
export interface ConsoleWindow extends ConsoleSlice, ConsoleAnchor {
  /** the console's stored length when read */
  length: number;
}

export async function readConsoleWindow(
  runId: string,
  name: string,
  at: { offset: number } | { line: number },
  maxBytes: number,
): Promise<ConsoleWindow> {
  const c = await db().console.findUnique({
    where: { runId_name: { runId, name } },
    select: { id: true, length: true },
  });
  if (!c) throw new NotFoundError("console", name);
  const anchor = await consoleAnchor(c.id, at);
  const slice = await readConsoleById(c.id, anchor.offset, maxBytes);
  return { ...slice, ...anchor, length: Number(c.length) };
}

/**
 * Every stored byte of a console, read by offset 4 MiB at a time, for downloads. The next read is
 * asked for before this one is handed over, so PostgreSQL reads while the client takes the bytes;
 * at most two reads are held, whatever the console's size.
 */
export async function* consoleBytes(runId: string, name: string): AsyncGenerator<Buffer> {
  const id = await consoleId(runId, name);
  const read = (from: number) => readConsoleById(id, from, DOWNLOAD_READ_BYTES).then((s) => s.data);
  let from = 0;
  let next = read(from);
  for (;;) {
    const data = await next;
    if (data.length === 0) return;
    from += data.length;
    next = read(from);
    // a reader that stops early must not leave the read ahead unhandled
    next.catch(() => undefined);
    yield data;
  }
}

const DOWNLOAD_READ_BYTES = 4 << 20;
