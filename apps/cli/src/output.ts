/** Everything the CLI prints goes through here: tables, colors, JSON, raw bytes. */

import { escapeInvisible } from "@proofboard/domain";
import { formatDuration, shortSha as domainShortSha } from "@proofboard/domain/format";

// The web and notifications format durations the same way; commands import it from here with the rest.
export { formatDuration };

export type Style = "green" | "red" | "yellow" | "dim" | "bold";
const SGR: Record<Style, string> = { green: "32", red: "31", yellow: "33", dim: "2", bold: "1" };

export type Cell = string | { text: string; style?: Style };

export interface Output {
  /** colors only on a terminal: piped output must stay plain for grep and diff */
  color: boolean;
  line(text?: string): void;
  /** progress and diagnostics, so stdout stays what a script captures */
  info(text: string): void;
  json(value: unknown): void;
  bytes(chunk: Uint8Array): Promise<void>;
  paint(text: string, style: Style | undefined): string;
}

export function makeOutput(stdout: NodeJS.WriteStream, stderr: NodeJS.WriteStream, env: NodeJS.ProcessEnv): Output {
  const color = Boolean(stdout.isTTY) && !env.NO_COLOR && env.TERM !== "dumb";
  return {
    color,
    line: (text = "") => void stdout.write(`${text}\n`),
    info: (text) => void stderr.write(`${text}\n`),
    json: (value) => void stdout.write(`${safeJson(value)}\n`),
    bytes: (chunk) =>
      new Promise<void>((resolve, reject) => {
        // Written as-is, never decoded: consoles hold NUL, invalid UTF-8 and split characters.
        stdout.write(chunk, (err) => (err ? reject(err) : resolve()));
      }),
    paint: (text, style) => (color && style ? `\x1b[${SGR[style]}m${text}\x1b[0m` : text),
  };
}

/**
 * JSON with the C1 controls and line separators escaped: same data once parsed, but a terminal
 * showing it cannot be steered by a hostile commit subject (U+009B is a CSI on some terminals).
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Text from outside (branch names, commit subjects, reasons) may carry escape sequences, bidi
 * overrides or zero-width characters; they are shown escaped (`\x1b`, `\u202e`) instead of
 * interpreted, by the same rule as the web.
 */
export function clean(text: string): string {
  return escapeInvisible(text);
}

function cellText(c: Cell): string {
  return clean(typeof c === "string" ? c : c.text);
}

/** Display width in columns, counting wide (CJK, emoji) characters as two. */
export function width(text: string): number {
  let w = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x300 && cp <= 0x36f) continue; // combining marks take no column
    w +=
      (cp >= 0x1100 && cp <= 0x115f) ||
      (cp >= 0x2e80 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) ||
      (cp >= 0x1f300 && cp <= 0x1faff) ||
      (cp >= 0x20000 && cp <= 0x3fffd)
        ? 2
        : 1;
  }
  return w;
}

/** Aligned columns separated by two spaces; the last column is not padded. */
export function table(out: Output, header: string[], rows: Cell[][], indent = ""): string[] {
  const all: Cell[][] = [header.map((h) => ({ text: h, style: "bold" as const })), ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => width(cellText(r[i] ?? "")))));
  return all.map((r) => {
    const cells = r.map((c, i) => {
      const text = cellText(c);
      const padded = i === r.length - 1 ? text : text + " ".repeat(widths[i]! - width(text));
      return out.paint(padded, typeof c === "string" ? undefined : c.style);
    });
    return (indent + cells.join("  ")).trimEnd();
  });
}

/** `key  value` lines with the values aligned. */
export function keyValues(out: Output, rows: [string, Cell][]): string[] {
  return table(out, ["", ""], rows).slice(1);
}

/** The domain's short sha, or "-" in a table cell for a branch or run that has none. */
export function shortSha(sha: string | null | undefined): string {
  return sha ? domainShortSha(sha) : "-";
}

/** Local time, sortable, to the second. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "-";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * A run's duration: its lane's time as the API has it (a hold after the lane is not part of it);
 * a lane still going shows its elapsed time so far with a trailing "+".
 */
export function runDuration(r: { startedAt: string | null; durationSeconds: number | null }, now = Date.now()): string {
  if (!r.startedAt) return "-";
  if (r.durationSeconds != null) return formatDuration(r.durationSeconds * 1000);
  return `${formatDuration(now - Date.parse(r.startedAt))}+`;
}

/** " (held 4m 12s)" for a run whose VMs were held after its lane; "" otherwise. */
export function heldSuffix(r: { heldSeconds: number | null }): string {
  return r.heldSeconds != null && r.heldSeconds >= 1 ? ` (held ${formatDuration(r.heldSeconds * 1000)})` : "";
}

const STATUS_STYLE: Record<string, Style> = {
  passed: "green",
  failed: "red",
  timed_out: "red",
  error: "red",
  lost: "red",
  unsupported: "yellow",
  canceled: "dim",
  queued: "yellow",
  running: "yellow",
  "never-run": "dim",
};

export function statusCell(status: string, text = status): Cell {
  return { text, style: STATUS_STYLE[status] };
}

export function list(items: readonly string[]): string {
  return items.length ? items.join(", ") : "-";
}
