import type { IMarker, Terminal } from "@xterm/xterm";

/**
 * Every BLOCK-th line start holds an xterm marker, which follows trims and reflows; the lines
 * between keep their row offset from it. xterm calls every marker on each trimmed row, so blocks
 * are large: ~100 markers for a full 100,000-row scrollback.
 */
const BLOCK = 1024;
/** a line of the block not seen starting (drawn on the alternate screen, or its line feed was not xterm's) */
const UNSEEN = -0x80000000;

interface Block {
  marker: IMarker;
  /** row of each of the block's lines, from the marker's row, as drawn at `cols` */
  rows: Int32Array;
  cols: number;
}

/**
 * Where each console line starts in a terminal's buffer, learned while xterm parses: a line starts
 * on the row the cursor stands on after its newline. Counting unwrapped rows instead goes wrong as
 * soon as a console moves the cursor itself (a boot loader's menu, a progress bar, a cleared
 * screen, random bytes): those rows are not lines. Lines are counted by "\n" bytes, as everywhere
 * else; after each write the count is set to what the bytes say, so a line feed xterm took from
 * another byte (VT, FF, an index escape) or did not take (a newline inside an unterminated OSC
 * string) shifts lines only within that write.
 */
export class LineRows {
  private readonly blocks = new Map<number, Block>();
  /** the console line the cursor is on */
  private line: number;

  constructor(
    private readonly term: Terminal,
    /** the console's newlines before the first byte this terminal is given */
    newlinesBefore: number,
  ) {
    this.line = newlinesBefore + 1;
    this.start();
    term.onLineFeed(() => {
      this.line++;
      this.start();
    });
  }

  /** After xterm parsed a write: the console's own count of newlines so far wins over line feeds seen. */
  settle(newlines: number): void {
    this.line = newlines + 1;
  }

  /** The buffer row where a console line starts; null when it is not in the buffer (trimmed, cleared, not drawn yet). */
  rowOf(line: number): number | null {
    if (line < 1 || line > this.line) return null;
    const index = Math.floor((line - 1) / BLOCK);
    const block = this.blocks.get(index);
    const i = line - 1 - index * BLOCK;
    if (!block || block.marker.isDisposed || block.rows[i] === UNSEEN) return null;
    if (block.cols === this.term.cols) return block.marker.line + block.rows[i]!;
    // Reflowed since (a resize): within the block, count the rows that start a line of their own.
    const buf = this.term.buffer.active;
    let first = 0;
    while (block.rows[first] === UNSEEN) first++;
    let left = i - first;
    for (let row = block.marker.line + block.rows[first]!; row < buf.length; row++) {
      if (left > 0 && buf.getLine(row + 1)?.isWrapped) continue;
      if (left-- === 0) return row;
    }
    return null;
  }

  /** The console line a buffer row shows: the last line that starts on or above it. */
  lineOf(row: number): number | null {
    let index: number | null = null;
    for (const [i, block] of this.blocks)
      if (!block.marker.isDisposed && block.marker.line <= row && (index === null || i > index)) index = i;
    if (index === null) return null;
    let best: number | null = null;
    let bestRow = -1;
    for (let line = index * BLOCK + 1; line <= Math.min(this.line, (index + 1) * BLOCK); line++) {
      const start = this.rowOf(line);
      if (start !== null && start <= row && start >= bestRow) [best, bestRow] = [line, start];
    }
    return best;
  }

  private start(): void {
    const buf = this.term.buffer.active;
    // the alternate screen keeps no rows once it is left
    if (buf.type !== "normal") return;
    const index = Math.floor((this.line - 1) / BLOCK);
    let block = this.blocks.get(index);
    if (!block || block.marker.isDisposed) {
      const marker = this.term.registerMarker(0);
      if (!marker) return;
      const created: Block = { marker, rows: new Int32Array(BLOCK).fill(UNSEEN), cols: this.term.cols };
      marker.onDispose(() => {
        if (this.blocks.get(index) === created) this.blocks.delete(index);
      });
      this.blocks.set(index, created);
      block = created;
    }
    // A line started again (a settle moved the count back) is where it started last.
    block.rows[this.line - 1 - index * BLOCK] = buf.baseY + buf.cursorY - block.marker.line;
  }
}

/**
 * xterm takes VT and FF as line feeds; a console's lines end at "\n" only (line numbers,
 * permalinks, search, markers), so on screen those two are dropped like NUL. Storage and
 * downloads keep them.
 */
export function withoutExtraLineFeeds(data: Uint8Array): Uint8Array {
  if (data.indexOf(0x0b) < 0 && data.indexOf(0x0c) < 0) return data;
  return data.map((b) => (b === 0x0b || b === 0x0c ? 0 : b));
}

export function countNewlines(data: Uint8Array): number {
  let n = 0;
  for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) n++;
  return n;
}

/** ESC ] (OSC), ESC P (DCS), ESC X (SOS), ESC ^ (PM), ESC _ (APC): xterm takes no line feed until they end. */
function opensString(data: Uint8Array): boolean {
  for (let i = data.indexOf(0x1b); i >= 0 && i < data.length - 1; i = data.indexOf(0x1b, i + 1)) {
    const next = data[i + 1];
    if (next === 0x5d || next === 0x50 || next === 0x58 || next === 0x5e || next === 0x5f) return true;
  }
  return false;
}

/**
 * How a write is handed to xterm so LineRows can settle its count: whole, or, where a string
 * escape may swallow newlines (random bytes open one every few hundred bytes), cut after each
 * newline, and the write after it too, in case the string is still open.
 */
export class LinePieces {
  private strings = false;

  of(data: Uint8Array): Uint8Array[] {
    const strings = opensString(data);
    const cut = strings || this.strings;
    this.strings = strings;
    if (!cut) return [data];
    const pieces: Uint8Array[] = [];
    let from = 0;
    for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10, nl + 1)) {
      pieces.push(data.subarray(from, nl + 1));
      from = nl + 1;
    }
    if (from < data.length) pieces.push(data.subarray(from));
    return pieces;
  }
}
