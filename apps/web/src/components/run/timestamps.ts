/**
 * Timestamps on the run page: each line gets the time its first byte was stored, relative to
 * the run's start. Display only: it is computed from stored chunk times, and never changes the
 * bytes that are stored or downloaded.
 */

const NL = 0x0a;
const encoder = new TextEncoder();

export function formatOffset(ms: number): string {
  const t = Math.max(0, Math.round(ms));
  const m = Math.floor(t / 60000);
  const s = Math.floor((t % 60000) / 1000);
  const milli = t % 1000;
  return `+${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}.${String(milli).padStart(3, "0")}`;
}

/** The time of the byte at `offset`: that of the last chunk starting at or before it. */
export function timeAt(marks: readonly (readonly [number, number])[], offset: number): number | null {
  let lo = 0;
  let hi = marks.length - 1;
  let found: number | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const m = marks[mid]!;
    if (m[0] <= offset) {
      found = m[1];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

export interface StampState {
  atLineStart: boolean;
}

/** Copies `bytes` (which start at console offset `start`), with a dim time prefix at every line start. */
export function stampLines(
  bytes: Uint8Array,
  start: number,
  marks: readonly (readonly [number, number])[],
  origin: number,
  state: StampState,
): Uint8Array {
  const parts: Uint8Array[] = [];
  let from = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (state.atLineStart) {
      if (i > from) parts.push(bytes.subarray(from, i));
      const at = timeAt(marks, start + i);
      parts.push(encoder.encode(`\x1b[2m${at === null ? "+--:--.---" : formatOffset(at - origin)}\x1b[22m `));
      from = i;
      state.atLineStart = false;
    }
    if (bytes[i] === NL) state.atLineStart = true;
  }
  if (from < bytes.length) parts.push(bytes.subarray(from));
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
