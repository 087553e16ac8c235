/**
 * Lines of a console that look like a failure, found while the bytes stream by, so a failed run's
 * page can open at the first one instead of making a person scroll through 50 MB. Pure: bytes in,
 * markers out. The catalog adds its own markers as literal text (never a regular expression: a
 * commit's catalog must not be able to make the worker backtrack for minutes).
 */

export const MARKER_KINDS = [
  "kernel-panic",
  "kernel-oops",
  "failed-unit",
  "traceback",
  "test-error",
  "fail",
  "catalog",
] as const;
export type MarkerKind = (typeof MARKER_KINDS)[number];

export interface ConsoleMarker {
  /** byte offset where the line starts */
  offset: number;
  /** 1-based line number */
  line: number;
  kind: MarkerKind;
  /** the line without escape sequences or control bytes, at most 300 characters */
  text: string;
}

/** The built-in markers, first match wins; each is a line a person would call the failure. */
const BUILT_IN: [MarkerKind, RegExp][] = [
  ["kernel-panic", /Kernel panic - not syncing/],
  [
    "kernel-oops",
    /\b(BUG: (unable to handle|kernel NULL pointer|soft lockup|scheduling while atomic)|Oops: [0-9a-f]{4}|general protection fault)/,
  ],
  // systemd's "[FAILED] Failed to start foo.service." (its colours are gone by then)
  ["failed-unit", /\[FAILED\]/],
  ["traceback", /Traceback \(most recent call last\):/],
  // The NixOS test driver and nix: a test that raised, a command that must succeed, a builder that
  // failed; since 2025 the driver prefixes its error lines with "!!! ".
  [
    "test-error",
    /(^(\S+> )?!!! \S|Test ".*" failed with error|failed with error: |RequestedAssertionFailed|AssertionError|^(\S+> )?error: (builder for|Cannot build|.*failed with exit code)|command `.*` (failed|unexpectedly succeeded))/,
  ],
  ["fail", /(^|[\s[(>:])FAIL(ED)?:/],
];

/** One pass over the line for the common case (no marker at all). */
const ANY = new RegExp(BUILT_IN.map(([, re]) => re.source).join("|"));

const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[@-_]/g;
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;

/** Any byte plainLine removes or acts on (escapes start with ESC, a control byte itself, CR). */
const NOT_PLAIN = /[\x00-\x08\x0b-\x1f\x7f]/;

/** A console line as a person reads it: escape sequences and control bytes gone, cut to `max` characters. */
export function plainLine(bytes: Buffer | string, max = 300): string {
  const s = typeof bytes === "string" ? bytes : bytes.toString("utf8");
  // Most lines hold none of them: one scan instead of three replacements (ingest reads every line).
  if (!NOT_PLAIN.test(s)) return s.trimEnd().slice(0, max);
  return s.replace(ESCAPES, "").replace(/\r/g, "").replace(CONTROL, "").trimEnd().slice(0, max);
}

/**
 * The last line of some console text with anything to read, as it shows: escapes gone, and only
 * what follows its last carriage return (nix's status bar, redrawn before every line and cleared
 * at the end, is not a line anyone reads). A run's reason when the harness gave no other.
 */
export function lastShownLine(text: string, max = 300): string | null {
  const lines = text
    .split("\n")
    .map((l) =>
      (l.replace(/\r+$/, "").split("\r").at(-1) ?? "")
        .replace(ESCAPES, "")
        .replace(/[\x00-\x1f\x7f]/g, "")
        .trim(),
    )
    .filter(Boolean);
  return lines.at(-1)?.slice(0, max) ?? null;
}

/**
 * Only the start of a very long line is read for markers; a carriage return starts the count
 * again, so a failure printed after thousands of progress updates on one line is still read.
 */
const LINE_HEAD = 4096;

const CR = 0x0d;

/** Without its trailing carriage returns (a CRLF line end is not a redraw). */
function trimCr(b: Buffer): Buffer {
  let end = b.length;
  while (end > 0 && b[end - 1] === CR) end--;
  return end === b.length ? b : b.subarray(0, end);
}

/**
 * What a person sees of a line: a carriage return sends the cursor back, so the text after the
 * last one is what the line shows (`running 2/3\rFAIL: x` reads `FAIL: x`, not `running 2/3FAIL: x`).
 * Returns that part and the one before it, which still shows when the last holds no text (only a
 * colour reset, say).
 */
function shownParts(line: Buffer): [Buffer, Buffer | null] {
  const body = trimCr(line);
  const cr = body.lastIndexOf(CR);
  if (cr < 0) return [body, null];
  const before = cr > 0 ? body.lastIndexOf(CR, cr - 1) : -1;
  return [body.subarray(cr + 1), body.subarray(before + 1, cr)];
}

export function markerOf(line: string, extra: readonly string[]): MarkerKind | null {
  if (ANY.test(line)) for (const [kind, re] of BUILT_IN) if (re.test(line)) return kind;
  for (const text of extra) if (line.includes(text)) return "catalog";
  return null;
}

/**
 * Follows one console's bytes in order. Counts lines (for permalinks) and reports the first
 * `limit` marker lines; a line split across chunks is judged once it is complete.
 */
export class MarkerScanner {
  private lineStart = 0;
  private lineNo = 1;
  /** the start of the line's shown part so far: the bytes after its last carriage return */
  private head: Buffer[] = [];
  private headBytes = 0;
  /** the part kept so far ended in a carriage return: text that follows replaces it */
  private crPending = false;
  /** the line's part before the last carriage return (its start), judged when the last part shows no text */
  private before: Buffer[] = [];
  private found = 0;
  private end = 0;

  constructor(
    private readonly extra: readonly string[] = [],
    private readonly limit = 20,
  ) {}

  /** Newlines seen so far: where the next byte stands in the console's lines. */
  get newlines(): number {
    return this.lineNo - 1;
  }

  /** Where the unfinished line (the next one to be judged) starts. */
  get openLineStart(): number {
    return this.lineStart;
  }

  /** Lines seen: complete ones, plus an unfinished last one. */
  get lines(): number {
    return this.lineNo - 1 + (this.end > this.lineStart ? 1 : 0);
  }

  push(data: Buffer): ConsoleMarker[] {
    const out: ConsoleMarker[] = [];
    const base = this.end;
    this.end += data.length;
    let pos = 0;
    for (;;) {
      const nl = data.indexOf(0x0a, pos);
      if (nl < 0) {
        this.keep(data.subarray(pos));
        return out;
      }
      if (this.headBytes === 0) {
        // the whole line is in this push: judged in place, not copied first
        const [shown, before] = shownParts(data.subarray(pos, nl));
        this.crPending = false;
        this.before = [];
        this.judgeLine(shown.subarray(0, LINE_HEAD), out, before?.subarray(0, LINE_HEAD));
      } else {
        this.keep(data.subarray(pos, nl));
        this.judge(out);
      }
      this.lineNo++;
      this.lineStart = base + nl + 1;
      pos = nl + 1;
    }
  }

  /** The console ended: its unfinished last line is judged too. */
  finish(): ConsoleMarker[] {
    const out: ConsoleMarker[] = [];
    if (this.end > this.lineStart) this.judge(out);
    return out;
  }

  private keep(part: Buffer): void {
    if (part.length === 0 || this.found >= this.limit) return;
    const body = trimCr(part);
    const cr = body.lastIndexOf(CR);
    if (cr >= 0 || (this.crPending && body.length > 0)) {
      // a part ended: the one before the last carriage return is kept in case the last shows nothing
      const previous = cr > 0 ? body.lastIndexOf(CR, cr - 1) : -1;
      if (previous >= 0) this.before = [body.subarray(previous + 1, Math.min(cr, previous + 1 + LINE_HEAD))];
      else if (this.crPending) this.before = cr > 0 ? [body.subarray(0, Math.min(cr, LINE_HEAD))] : this.head;
      else this.before = [...this.head, body.subarray(0, Math.min(cr, LINE_HEAD))];
      this.head = [];
      this.headBytes = 0;
    }
    this.crPending = body.length < part.length || (this.crPending && body.length === 0);
    if (this.headBytes >= LINE_HEAD) return;
    const slice = body.subarray(cr + 1, cr + 1 + LINE_HEAD - this.headBytes);
    if (slice.length === 0) return;
    this.head.push(Buffer.from(slice));
    this.headBytes += slice.length;
  }

  private judge(out: ConsoleMarker[]): void {
    const bytes = this.head.length === 1 ? this.head[0]! : Buffer.concat(this.head);
    const before = this.before.length ? Buffer.concat(this.before).subarray(0, LINE_HEAD) : undefined;
    this.head = [];
    this.headBytes = 0;
    this.crPending = false;
    this.before = [];
    this.judgeLine(bytes, out, before);
  }

  private judgeLine(bytes: Buffer, out: ConsoleMarker[], before?: Buffer): void {
    if (this.found >= this.limit) return;
    let text = plainLine(bytes, LINE_HEAD);
    if (text === "" && before) text = plainLine(before, LINE_HEAD);
    if (text === "") return;
    const kind = markerOf(text, this.extra);
    if (!kind) return;
    this.found++;
    out.push({ offset: this.lineStart, line: this.lineNo, kind, text: text.slice(0, 300) });
  }
}
