import { mkdir, open, rm, type FileHandle } from "node:fs/promises";
import path from "node:path";

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
    this.used += n;
    this.onChange(this.used);
    return true;
  }

  give(n: number): void {
    this.used = Math.max(0, this.used - n);
    this.onChange(this.used);
  }
}

export class SpoolFull extends Error {}

/** Where one piece of spooled bytes lies in the file. */
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
 */
export class Spool {
  private handle: Promise<FileHandle> | null = null;
  private end = 0;
  private owed = 0;
  /** file writes and truncations, one after another */
  private serial: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly budget: SpoolBudget,
  ) {}

  /** bytes in the file now */
  get bytes(): number {
    return this.end;
  }

  /** pieces appended and not yet released */
  get pieces(): number {
    return this.owed;
  }

  /** Throws SpoolFull when the worker's budget would be exceeded; the bytes are then not kept. */
  append(data: Buffer): SpoolPiece {
    if (!this.budget.take(data.length)) {
      throw new SpoolFull(`the worker's spool is full (${formatBytes(this.budget.limit)}, PROOFBOARD_SPOOL_BYTES)`);
    }
    const position = this.end;
    this.end += data.length;
    this.owed++;
    const written = this.then((fh) => writeAll(fh, data, position));
    // Whoever reads the piece sees a failed write; nobody else should crash on it.
    written.catch(() => undefined);
    return { position, length: data.length, written };
  }

  async read(piece: SpoolPiece): Promise<Buffer> {
    await piece.written;
    const fh = await this.open();
    const out = Buffer.alloc(piece.length);
    for (let done = 0; done < piece.length;) {
      const { bytesRead } = await fh.read(out, done, piece.length - done, piece.position + done);
      if (bytesRead === 0) throw new Error(`spool ${this.file} ends before byte ${piece.position + piece.length}`);
      done += bytesRead;
    }
    return out;
  }

  /** The piece is stored elsewhere now; with none left the file starts over (later pieces queue behind the truncation). */
  release(_piece: SpoolPiece): void {
    this.owed--;
    if (this.owed > 0) return;
    this.budget.give(this.end);
    this.end = 0;
    void this.then((fh) => fh.truncate(0)).catch(() => undefined);
  }

  /** Closes and deletes the file; whatever was still owed is given up. */
  async remove(): Promise<void> {
    this.budget.give(this.end);
    this.end = 0;
    this.owed = 0;
    const handle = this.handle;
    this.handle = null;
    await this.serial.catch(() => undefined);
    if (handle) await (await handle.catch(() => null))?.close().catch(() => undefined);
    await rm(this.file, { force: true });
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
