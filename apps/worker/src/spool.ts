import { mkdir, open, rm, type FileHandle } from "node:fs/promises";
import path from "node:path";
import type { SpoolRecord } from "./spool-records";

/** Disk one worker's spools may fill together; past it a run fails instead of dropping bytes. */
export class SpoolBudget {
  private used = 0;

  constructor(
    readonly limit: number,
    /** told the bytes in use after every change (the worker's spool gauge) */
    private readonly onChange: (used: number) => void = () => undefined,
  ) {}

  get bytes(): number {
    return this.used;
  }

  take(n: number): boolean {
    if (this.used + n > this.limit) return false;
    this.force(n);
    return true;
  }

  /** Takes room past the limit: bytes already in memory that must reach disk (the next take() then fails). */
  force(n: number): void {
    this.used += n;
    this.onChange(this.used);
  }

  give(n: number): void {
    this.used = Math.max(0, this.used - n);
    this.onChange(this.used);
  }
}

export class SpoolFull extends Error {}

/** Where one piece of spooled bytes lies in the file (after its record header). */
export interface SpoolPiece {
  position: number;
  length: number;
  /** settles once the bytes are on disk (rejects when the write failed) */
  written: Promise<void>;
}

/**
 * One run's bytes that PostgreSQL has not taken yet, in a file of their own: appended as they come
 * and read back, in order, when the database returns. Only positions stay in memory. The file is
 * emptied once no piece in it is owed any more, which also gives its bytes back to the budget.
 *
 * Each piece is a record that says what it is (spool-records.ts): the file alone is enough for the
 * next worker to store what a dead one owed PostgreSQL. The budget counts data bytes, not headers.
 */
export class Spool {
  private handle: Promise<FileHandle> | null = null;
  /** bytes in the file, headers included */
  private end = 0;
  /** data bytes taken from the budget */
  private taken = 0;
  private owed = 0;
  /** file writes and truncations, one after another */
  private serial: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly budget: SpoolBudget,
  ) {}

  /** data bytes in the file now */
  get bytes(): number {
    return this.taken;
  }

  /** pieces appended and not yet released */
  get pieces(): number {
    return this.owed;
  }

  /**
   * Throws SpoolFull when the worker's budget would be exceeded; the bytes are then not kept.
   * `force` keeps them anyway (bytes moved from memory to disk, which must not be lost).
   */
  append(record: SpoolRecord, data: Buffer = EMPTY, force = false): SpoolPiece {
    if (force) this.budget.force(data.length);
    else if (!this.budget.take(data.length)) {
      throw new SpoolFull(`the worker's spool is full (${formatBytes(this.budget.limit)}, PROOFBOARD_SPOOL_BYTES)`);
    }
    const framed = frame(record, data);
    const start = this.end;
    this.end += framed.length;
    this.taken += data.length;
    this.owed++;
    const written = this.then((fh) => writeAll(fh, framed, start));
    // Whoever reads the piece sees a failed write; nobody else should crash on it.
    written.catch(() => undefined);
    return { position: start + framed.length - data.length, length: data.length, written };
  }

  async read(piece: SpoolPiece): Promise<Buffer> {
    await piece.written;
    const out = Buffer.alloc(piece.length);
    await readExactly(await this.open(), out, piece.position);
    return out;
  }

  /** The piece is stored elsewhere now; with none left the file starts over (later pieces queue behind the truncation). */
  release(_piece: SpoolPiece): void {
    this.owed--;
    if (this.owed > 0) return;
    this.budget.give(this.taken);
    this.end = 0;
    this.taken = 0;
    void this.then((fh) => fh.truncate(0)).catch(() => undefined);
  }

  /**
   * Closes the file; `keep` leaves it on disk for the next worker under this host name (its writes
   * were given up while PostgreSQL was away), else it is deleted and whatever was owed is given up.
   */
  async remove(keep = false): Promise<void> {
    this.budget.give(this.taken);
    this.end = 0;
    this.taken = 0;
    this.owed = 0;
    const handle = this.handle;
    this.handle = null;
    await this.serial.catch(() => undefined);
    if (handle) await (await handle.catch(() => null))?.close().catch(() => undefined);
    if (!keep) await rm(this.file, { force: true });
  }

  private open(): Promise<FileHandle> {
    this.handle ??= mkdir(path.dirname(this.file), { recursive: true }).then(() => open(this.file, "w+"));
    return this.handle;
  }

  private then(step: (fh: FileHandle) => Promise<unknown>): Promise<void> {
    const next = this.serial.then(async () => {
      await step(await this.open());
    });
    this.serial = next.catch(() => undefined);
    return next;
  }
}

const EMPTY = Buffer.alloc(0);

/** A record: header length and data length (32-bit, big-endian), the header as JSON, then the data. */
function frame(record: SpoolRecord, data: Buffer): Buffer {
  const header = Buffer.from(JSON.stringify(record));
  const lengths = Buffer.alloc(8);
  lengths.writeUInt32BE(header.length, 0);
  lengths.writeUInt32BE(data.length, 4);
  return Buffer.concat([lengths, header, data]);
}

/**
 * Every whole record of a spool file, in file order. A record cut short (the worker died while
 * writing it) ends the list: its bytes were never acknowledged as kept.
 */
export async function readSpoolRecords(file: string): Promise<{ record: SpoolRecord; data: Buffer }[]> {
  const fh = await open(file, "r");
  try {
    const out: { record: SpoolRecord; data: Buffer }[] = [];
    const size = (await fh.stat()).size;
    const lengths = Buffer.alloc(8);
    for (let at = 0; at + 8 <= size;) {
      await readExactly(fh, lengths, at);
      const headerLength = lengths.readUInt32BE(0);
      const dataLength = lengths.readUInt32BE(4);
      if (at + 8 + headerLength + dataLength > size) break;
      const body = Buffer.alloc(headerLength + dataLength);
      await readExactly(fh, body, at + 8);
      let record: SpoolRecord;
      try {
        record = JSON.parse(body.subarray(0, headerLength).toString()) as SpoolRecord;
      } catch {
        break;
      }
      out.push({ record, data: body.subarray(headerLength) });
      at += 8 + body.length;
    }
    return out;
  } finally {
    await fh.close();
  }
}

async function readExactly(fh: FileHandle, into: Buffer, position: number): Promise<void> {
  for (let done = 0; done < into.length;) {
    const { bytesRead } = await fh.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new Error(`spool file ends before byte ${position + into.length}`);
    done += bytesRead;
  }
}

async function writeAll(fh: FileHandle, data: Buffer, position: number): Promise<void> {
  for (let done = 0; done < data.length;) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1 << 30) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  return `${(n / (1 << 30)).toFixed(1)} GiB`;
}
