import type { IMarker, Terminal } from "@xterm/xterm";

/**
 * Every BLOCK-th line start holds an xterm marker, which follows trims and reflows; the lines
 * between keep their row offset from it. xterm calls every marker on each trimmed row, so blocks
 * are large: ~13 markers for a full 100,000-row scrollback (with one per 1,024 lines, a flood of
 * `yes` parsed 50% slower).
 */
const BLOCK = 8192;
/** a line of the block not seen starting (drawn on the alternate screen, or its line feed was not xterm's) */
const UNSEEN = -0x80000000;

interface Block {
  marker: IMarker;
  /** row of each of the block's lines, from the marker's row */
  rows: Int32Array;
}

/** Where a console line is in a terminal: its row, not parsed yet, or not in the buffer (trimmed, cleared, drawn over). */
export type LinePlace = { row: number } | "later" | "gone";

/**
 * Where each console line starts in a terminal's buffer, learned while xterm parses: a line starts
 * on the row the cursor stands on after its newline, or, when it moves the cursor up before it
 * prints (systemd redrawing "A start job is running" with ESC M, progress bars with ESC [ A), on the
 * row it moved to. Counting unwrapped rows instead goes wrong as soon as a console moves the
 * cursor itself (a boot loader's menu, a progress bar, a cleared screen, random bytes): those rows
 * are not lines. Lines are counted by "\n" bytes, as everywhere else; after each write the count
 * is set to what the bytes say, so a line feed xterm took from another byte or did not take
 * shifts lines only within that write (see LinePieces, which keeps writes short where that can happen).
 */
export class LineRows {
  private readonly blocks = new Map<number, Block>();
  /** the console line the cursor is on */
  private line: number;
  /** the block the cursor's line is in, kept at hand: a line feed costs a few reads */
  private open: Block | undefined;
  private openIndex = -1;
  /** during a resize: each line's count of unwrapped rows from its block's marker, which a reflow keeps */
  private logical: Map<number, Int32Array> | null = null;

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
    // Seen before xterm acts on them (false: xterm's own handler runs next).
    term.parser.registerEscHandler({ final: "M" }, () => this.movingUp(1));
    for (const final of ["A", "F"])
      term.parser.registerCsiHandler({ final }, (params) => this.movingUp(Number(params[0]) || 1));
  }

  /**
   * After xterm parsed a write: the console's own count of newlines so far wins over line feeds
   * seen. A line whose newline xterm took no line feed for (inside a string escape) starts where
   * the cursor stands.
   */
  settle(newlines: number): void {
    const target = newlines + 1;
    if (target > this.line && target - this.line <= 16) {
      while (this.line < target) {
        this.line++;
        this.start();
      }
    }
    this.line = target;
  }

  /**
   * Where a console line is. A line some later line started on or above was drawn over: gone,
   * unless `drawnOver` asks for the row it was drawn on all the same.
   */
  find(line: number, drawnOver = false): LinePlace {
    if (line > this.line) return "later";
    const row = this.rowOf(line);
    if (row === null) return "gone";
    for (let later = line + 1; later <= this.line && !drawnOver; later++) {
      const start = this.rowOf(later);
      if (start !== null && start <= row) return "gone";
    }
    return { row };
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

  /**
   * Before the terminal changes width: xterm reflows wrapped rows, which moves rows but keeps the
   * order and number of unwrapped ones, so each line is kept as its count of those from its marker.
   */
  beforeResize(): void {
    const starts = this.unwrappedBefore();
    this.logical = new Map();
    for (const [index, block] of this.blocks) {
      if (block.marker.isDisposed) continue;
      const base = starts[block.marker.line] ?? 0;
      this.logical.set(
        index,
        block.rows.map((r) => (r === UNSEEN ? UNSEEN : (starts[block.marker.line + r] ?? 0) - base)),
      );
    }
  }

  /** After the reflow: rows again, from the counts beforeResize kept. */
  afterResize(): void {
    const logical = this.logical;
    this.logical = null;
    if (!logical) return;
    const starts = this.unwrappedBefore();
    // the row of the n-th unwrapped row
    const rowAt: number[] = [];
    for (let row = 0; row < starts.length; row++) if (starts[row + 1] !== starts[row]) rowAt[starts[row]!] = row;
    for (const [index, block] of this.blocks) {
      const counts = logical.get(index);
      if (!counts || block.marker.isDisposed) continue;
      const base = starts[block.marker.line] ?? 0;
      block.rows = counts.map((k) =>
        k === UNSEEN ? UNSEEN : (rowAt[base + k] ?? block.marker.line) - block.marker.line,
      );
    }
  }

  /** For each buffer row, how many unwrapped rows come before it (and one entry past the end). */
  private unwrappedBefore(): Int32Array {
    const buf = this.term.buffer.active;
    const starts = new Int32Array(buf.length + 1);
    for (let row = 0; row < buf.length; row++) starts[row + 1] = starts[row]! + (buf.getLine(row)?.isWrapped ? 0 : 1);
    return starts;
  }

  private rowOf(line: number): number | null {
    if (line < 1 || line > this.line) return null;
    const index = Math.floor((line - 1) / BLOCK);
    const block = this.blocks.get(index);
    const i = line - 1 - index * BLOCK;
    if (!block || block.marker.isDisposed || block.rows[i] === UNSEEN) return null;
    return block.marker.line + block.rows[i]!;
  }

  /**
   * The cursor is about to move up n rows. If the current line has not printed yet (the cursor is
   * still at the start of its first row), it will print up there: that is where it starts.
   */
  private movingUp(n: number): false {
    const buf = this.term.buffer.active;
    if (buf.type !== "normal" || buf.cursorX !== 0) return false;
    const here = buf.baseY + buf.cursorY;
    if (this.rowOf(this.line) !== here) return false;
    const block = this.blocks.get(Math.floor((this.line - 1) / BLOCK))!;
    block.rows[this.line - 1 - Math.floor((this.line - 1) / BLOCK) * BLOCK] =
      buf.baseY + Math.max(0, buf.cursorY - n) - block.marker.line;
    return false;
  }

  private start(): void {
    const buf = this.term.buffer.active;
    // the alternate screen keeps no rows once it is left
    if (buf.type !== "normal") return;
    const index = Math.floor((this.line - 1) / BLOCK);
    let block = index === this.openIndex ? this.open : undefined;
    if (!block || block.marker.isDisposed) {
      block = this.blocks.get(index);
      if (!block || block.marker.isDisposed) block = this.newBlock(index);
      if (!block) return;
      this.open = block;
      this.openIndex = index;
    }
    // A line started again (a settle moved the count back) is where it started last.
    block.rows[this.line - 1 - index * BLOCK] = buf.baseY + buf.cursorY - block.marker.line;
  }

  private newBlock(index: number): Block | undefined {
    const marker = this.term.registerMarker(0);
    if (!marker) return undefined;
    const block: Block = { marker, rows: new Int32Array(BLOCK).fill(UNSEEN) };
    marker.onDispose(() => {
      if (this.blocks.get(index) === block) this.blocks.delete(index);
    });
    this.blocks.set(index, block);
    return block;
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

const ESC = 0x1b;
const LF = 0x0a;
/** after ESC: ] OSC, P DCS, X SOS, ^ PM, _ APC open a string */
const OPENERS = new Set([0x5d, 0x50, 0x58, 0x5e, 0x5f]);
/** the same as C1 code points in UTF-8 (C2 9D, C2 90, C2 98, C2 9E, C2 9F), which xterm also obeys */
const C1_OPENERS = new Set([0x9d, 0x90, 0x98, 0x9e, 0x9f]);

/**
 * How writes are handed to xterm so LineRows keeps the count: inside an OSC, DCS, SOS, PM or APC
 * string xterm takes no line feed for a newline (random bytes open one every ~13 KiB), so a write
 * is cut right after each such newline and the count settled there. The string ends at BEL, ESC,
 * CAN, SUB or ST, as in xterm's parser; one left open runs on into the next write.
 */
export class LinePieces {
  private inString = false;
  /** the last write ended in ESC or C2: the next byte may open a string */
  private lead = -1;

  of(data: Uint8Array): Uint8Array[] {
    const cuts: number[] = [];
    let i = 0;
    if (this.lead !== -1 && !this.inString && data.length > 0) {
      this.inString = (this.lead === ESC ? OPENERS : C1_OPENERS).has(data[0]!);
      if (this.inString) i = 1;
    }
    this.lead = -1;
    // where the next ESC and C2 are (-1: none left), found once each, not per sequence
    let nextEsc = -2;
    let nextC2 = -2;
    while (i < data.length) {
      if (this.inString) {
        const b = data[i]!;
        if (b === LF) cuts.push(i + 1);
        else if (b === 0x07 || b === ESC || b === 0x18 || b === 0x1a || (b === 0xc2 && data[i + 1] === 0x9c)) {
          this.inString = false;
          // an ESC that ends a string may open the next one
          if (b === ESC) continue;
        }
        i++;
        continue;
      }
      if (nextEsc !== -1 && nextEsc < i) nextEsc = data.indexOf(ESC, i);
      if (nextC2 !== -1 && nextC2 < i) nextC2 = data.indexOf(0xc2, i);
      const at = nextEsc < 0 ? nextC2 : nextC2 < 0 ? nextEsc : Math.min(nextEsc, nextC2);
      if (at < 0) break;
      if (at === data.length - 1) {
        this.lead = data[at]!;
        break;
      }
      this.inString = (data[at] === ESC ? OPENERS : C1_OPENERS).has(data[at + 1]!);
      i = at + (this.inString ? 2 : 1);
    }
    // a cut at the very end is the write's own end
    if (cuts.at(-1) === data.length) cuts.pop();
    if (cuts.length === 0) return [data];
    const pieces: Uint8Array[] = [];
    let from = 0;
    for (const cut of cuts) {
      pieces.push(data.subarray(from, cut));
      from = cut;
    }
    pieces.push(data.subarray(from));
    return pieces;
  }
}
