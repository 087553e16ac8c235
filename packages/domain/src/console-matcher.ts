import { cutAround } from "./console-normalize";

/**
 * Counts a literal text in a console's bytes as a person sees them: escape sequences and control
 * bytes are skipped (so "[FAILED]" is found inside systemd's colours), ASCII letters match either
 * case, every other byte only itself. Bytes arrive in pieces of any size, cut anywhere (mid-line,
 * mid-escape, mid-UTF-8); memory stays bounded whatever the console holds.
 */

export const SEARCH_QUERY_MAX = 200;

/** Why a search text cannot be searched for, or null when it can. */
export function searchQueryProblem(query: string): string | null {
  if (query.length === 0) return "search text is empty";
  if (query.length > SEARCH_QUERY_MAX) return `search text is longer than ${SEARCH_QUERY_MAX} characters`;
  if (/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/.test(query)) {
    return "search text contains a control character (newline, escape, NUL…): consoles are searched line by line as shown, without escape sequences and control bytes";
  }
  return null;
}

export interface ConsoleMatch {
  /** 1-based line number */
  line: number;
  /** byte offset of the line's start in the console */
  offset: number;
  /** the line without escapes and controls, at most 300 characters around the match */
  text: string;
  /** where the match is inside `text` (UTF-16 indices, end exclusive) */
  start: number;
  end: number;
}

const enum State {
  Ground,
  Esc,
  EscIntermediate,
  Csi,
  Str,
  StrEsc,
}

/** Bytes of the current line kept for showing a match: this much before it, and after it. */
const CONTEXT_BYTES = 600;
/** The current line's plain bytes are kept up to this size, then only the last CONTEXT_BYTES*2. */
const LINE_KEEP = 64 * 1024;

interface Pending {
  line: number;
  offset: number;
  /** plain bytes before the match, the match, and what follows it on the line (growing) */
  bytes: number[];
  matchFrom: number;
  matchTo: number;
  /** whether `bytes` starts after the line's start (a cut UTF-8 character may lead) */
  cutStart: boolean;
}

const decoder = new TextDecoder("utf-8", { fatal: false });

export class ConsoleMatcher {
  private readonly query: Uint8Array;
  private readonly fail: Int32Array;
  private state = State.Ground;
  private k = 0;
  private rawOffset = 0;
  private lineNo = 1;
  private lineStart = 0;
  private lineBuf = new Uint8Array(4096);
  private lineLen = 0;
  /** plain bytes of the current line dropped from the front of lineBuf */
  private lineDropped = 0;
  private pending: Pending[] = [];
  /** every occurrence */
  count = 0;
  /** lines with at least one occurrence */
  matchedLines = 0;
  private lastMatchedLine = 0;
  /** the first listMax lines with an occurrence, each once, at its first occurrence */
  readonly matches: ConsoleMatch[] = [];

  constructor(
    query: string,
    private readonly listMax = 20,
  ) {
    const problem = searchQueryProblem(query);
    if (problem) throw new Error(problem);
    this.query = new TextEncoder().encode(query).map(fold);
    this.fail = failureTable(this.query);
  }

  /** Bytes read so far. */
  get bytes(): number {
    return this.rawOffset;
  }

  /** Lines seen so far (a last line without a newline counts). */
  get lines(): number {
    return this.lineNo - (this.rawOffset === this.lineStart ? 1 : 0);
  }

  push(chunk: Uint8Array): void {
    const q = this.query;
    const qlen = q.length;
    const fail = this.fail;
    const base = this.rawOffset;
    let { state, k, lineBuf, lineLen } = this;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      let plain = -1;
      if (state === State.Ground && b >= 0x20 && b !== 0x7f) {
        plain = b; // the common case: text
      } else {
        // One escape-sequence parser step (ECMA-48); an unexpected byte ends the sequence and is read again as text.
        for (;;) {
          if (state === State.Ground) {
            if (b === 0x1b) state = State.Esc;
            else if (b === 0x0a || b === 0x09) plain = b;
          } else if (state === State.Esc) {
            if (b === 0x5b) state = State.Csi;
            else if (b === 0x5d || b === 0x50 || b === 0x58 || b === 0x5e || b === 0x5f) state = State.Str;
            else if (b >= 0x20 && b <= 0x2f) state = State.EscIntermediate;
            else if (b >= 0x30 && b <= 0x7e) state = State.Ground;
            else if (b !== 0x1b) {
              state = State.Ground;
              continue;
            }
          } else if (state === State.EscIntermediate) {
            if (b >= 0x30 && b <= 0x7e) state = State.Ground;
            else if (b < 0x20 || b > 0x2f) {
              state = State.Ground;
              continue;
            }
          } else if (state === State.Csi) {
            if (b >= 0x40 && b <= 0x7e) state = State.Ground;
            else if (b === 0x1b) state = State.Esc;
            else if (b < 0x20 || b > 0x3f) {
              state = State.Ground;
              continue;
            }
          } else if (state === State.Str) {
            if (b === 0x07) state = State.Ground;
            else if (b === 0x1b) state = State.StrEsc;
            else if (b === 0x0a) {
              state = State.Ground;
              continue;
            }
          } else {
            // ESC inside a string: ST ends it; anything else starts a new escape.
            state = State.Esc;
            if (b === 0x5c) state = State.Ground;
            else continue;
          }
          break;
        }
        if (plain < 0) continue;
        if (plain === 0x0a) {
          this.lineLen = lineLen;
          this.endLine(base + i + 1);
          lineBuf = this.lineBuf;
          lineLen = 0;
          k = 0;
          continue;
        }
      }
      if (lineLen === lineBuf.length) {
        this.lineLen = lineLen;
        this.makeRoom();
        lineBuf = this.lineBuf;
        lineLen = this.lineLen;
      }
      lineBuf[lineLen++] = plain;
      if (this.pending.length > 0) this.extendPending(plain);
      const c = plain >= 0x41 && plain <= 0x5a ? plain | 0x20 : plain;
      while (k > 0 && q[k] !== c) k = fail[k - 1]!;
      if (q[k] === c) k++;
      if (k === qlen) {
        k = 0; // non-overlapping, like an editor's count
        this.count++;
        // A line is listed once, as grep lists it, however often it holds the text.
        if (this.lineNo !== this.lastMatchedLine) {
          this.lastMatchedLine = this.lineNo;
          this.matchedLines++;
          if (this.matches.length + this.pending.length < this.listMax) {
            this.lineLen = lineLen;
            this.startPending(qlen);
          }
        }
      }
    }
    this.rawOffset = base + chunk.length;
    this.state = state;
    this.k = k;
    this.lineLen = lineLen;
  }

  /** The end of the console: a last line without a newline still counts. */
  end(): { count: number; matchedLines: number; matches: ConsoleMatch[] } {
    this.finishPending();
    return { count: this.count, matchedLines: this.matchedLines, matches: this.matches };
  }

  /** The current line outgrew its buffer: grow it, or past LINE_KEEP keep only its tail. */
  private makeRoom(): void {
    if (this.lineLen >= LINE_KEEP) {
      const keep = CONTEXT_BYTES * 2;
      this.lineBuf.copyWithin(0, this.lineLen - keep, this.lineLen);
      this.lineDropped += this.lineLen - keep;
      this.lineLen = keep;
    } else {
      const grown = new Uint8Array(this.lineBuf.length * 2);
      grown.set(this.lineBuf);
      this.lineBuf = grown;
    }
  }

  private extendPending(byte: number): void {
    for (const p of this.pending) if (p.bytes.length - p.matchTo < CONTEXT_BYTES) p.bytes.push(byte);
  }

  private startPending(qlen: number): void {
    const from = Math.max(0, this.lineLen - qlen - CONTEXT_BYTES);
    this.pending.push({
      line: this.lineNo,
      offset: this.lineStart,
      bytes: Array.from(this.lineBuf.subarray(from, this.lineLen)),
      matchFrom: this.lineLen - qlen - from,
      matchTo: this.lineLen - from,
      cutStart: from > 0 || this.lineDropped > 0,
    });
  }

  private endLine(nextLineStart: number): void {
    this.finishPending();
    this.lineNo++;
    this.lineStart = nextLineStart;
    this.lineLen = 0;
    this.lineDropped = 0;
    if (this.lineBuf.length > 4096) this.lineBuf = new Uint8Array(4096);
  }

  private finishPending(): void {
    for (const p of this.pending) this.matches.push(snippet(p));
    this.pending = [];
  }
}

/** ASCII letters to lower case; every other byte is itself. */
function fold(b: number): number {
  return b >= 0x41 && b <= 0x5a ? b | 0x20 : b;
}

function failureTable(q: Uint8Array): Int32Array {
  const fail = new Int32Array(q.length);
  for (let i = 1, k = 0; i < q.length; i++) {
    while (k > 0 && q[i] !== q[k]) k = fail[k - 1]!;
    if (q[i] === q[k]) k++;
    fail[i] = k;
  }
  return fail;
}

/** Decoded text of the kept bytes, the match located in it, cut to 300 characters around it. */
function snippet(p: Pending): ConsoleMatch {
  const bytes = Uint8Array.from(p.bytes);
  // Context cut mid-character: drop the orphaned continuation bytes rather than show U+FFFD for them.
  let from = 0;
  if (p.cutStart) while (from < p.matchFrom && (bytes[from]! & 0xc0) === 0x80) from++;
  let to = bytes.length;
  if (to - p.matchTo >= CONTEXT_BYTES) {
    const lead = lastLead(bytes, p.matchTo);
    if (lead >= 0 && lead + utf8Length(bytes[lead]!) > to) to = lead;
  }
  const before = decoder.decode(bytes.subarray(from, p.matchFrom));
  const match = decoder.decode(bytes.subarray(p.matchFrom, p.matchTo));
  const after = decoder.decode(bytes.subarray(p.matchTo, to));
  // C1 controls can only come from valid UTF-8 here; a terminal might still act on them.
  const clean = (s: string) => s.replace(/[\u0080-\u009f]/g, "");
  const [b, m, a] = [clean(before), clean(match), clean(after)];
  const cut = cutAround(b + m + a, b.length, b.length + m.length);
  return { line: p.line, offset: p.offset, ...cut };
}

/** Index of the last UTF-8 lead byte in the final three bytes (at or after `min`), or -1. */
function lastLead(bytes: Uint8Array, min: number): number {
  for (let i = bytes.length - 1; i >= Math.max(min, bytes.length - 3); i--) {
    if ((bytes[i]! & 0xc0) === 0xc0) return i;
    if ((bytes[i]! & 0x80) === 0) return -1;
  }
  return -1;
}

function utf8Length(lead: number): number {
  return lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
}
