import { db } from "@proofboard/db";
import { NotFoundError } from "./errors";

export async function listConsoles(runId: string) {
  const rows = await db().console.findMany({ where: { runId }, orderBy: { name: "asc" } });
  // The harness first, then VMs by name: the order people scan a cluster in.
  const order = (c: { name: string }) => (c.name === "harness" ? 0 : 1);
  return rows
    .sort((a, b) => order(a) - order(b) || a.name.localeCompare(b.name))
    .map((c) => ({ name: c.name, kind: c.kind, length: Number(c.length), closed: c.closed }));
}

async function consoleId(runId: string, name: string): Promise<string> {
  const c = await db().console.findUnique({ where: { runId_name: { runId, name } }, select: { id: true } });
  if (!c) throw new NotFoundError("console", name);
  return c.id;
}

/** Stored bytes of a console from `from` (inclusive), at most about `maxBytes`, exact to the byte. */
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

export async function readConsoleById(consoleId: string, from: number, maxBytes: number): Promise<ConsoleSlice> {
  // The chunk that contains `from` may start before it.
  const rows = await db().$queryRaw<{ offset: bigint; data: Uint8Array; created_at: Date }[]>`
    SELECT "offset", data, created_at FROM console_chunk
    WHERE console_id = ${consoleId} AND "offset" + length > ${from}
    ORDER BY "offset" LIMIT 2000`;
  const parts: Buffer[] = [];
  const marks: [number, number][] = [];
  let end = from;
  for (const row of rows) {
    const start = Number(row.offset);
    if (start > end) break; // never paper over a hole
    const buf = Buffer.from(row.data);
    parts.push(buf.subarray(end - start));
    marks.push([Math.max(start, from), row.created_at.getTime()]);
    end = start + buf.length;
    if (end - from >= maxBytes) break;
  }
  return { offset: from, data: Buffer.concat(parts), marks };
}

/** Every stored byte of a console, chunk by chunk, for downloads. */
export async function* consoleBytes(runId: string, name: string): AsyncGenerator<Buffer> {
  const id = await consoleId(runId, name);
  let from = 0;
  for (;;) {
    const { data } = await readConsoleById(id, from, 4 << 20);
    if (data.length === 0) return;
    yield data;
    from += data.length;
  }
}
