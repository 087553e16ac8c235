/**
 * A line diff (Myers' O((N+M)·D) algorithm) with a cap on D, the number of lines added and
 * removed: two consoles that have nothing in common would otherwise cost quadratic time and
 * memory. Above the cap there is no answer, and the caller says so.
 */

export type EditOp = "=" | "-" | "+";

/** `a` and `b` are indices into the two sides; -1 where the line is not on that side. */
export interface Edit {
  op: EditOp;
  a: number;
  b: number;
}

/** The edit script turning `a` into `b`, or null when it needs more than `maxEdits` edits. */
export function diffLines(a: readonly string[], b: readonly string[], maxEdits: number): Edit[] | null {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, Math.max(0, maxEdits));
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d] holds v for diagonals -d..d after step d: what the backtrack needs, O(D²) in all.
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!) ? v[off + k + 1]! : v[off + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) return backtrack(trace, n, m, d);
    }
    trace.push(v.slice(off - d, off + d + 1));
  }
  return null;
}

function backtrack(trace: Int32Array[], n: number, m: number, dEnd: number): Edit[] {
  const edits: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = dEnd; d > 0; d--) {
    const prev = trace[d - 1]!;
    const at = (k: number) => prev[k + d - 1]!;
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) edits.push({ op: "=", a: --x, b: --y });
    if (down) edits.push({ op: "+", a: -1, b: --y });
    else edits.push({ op: "-", a: --x, b: -1 });
  }
  while (x > 0 && y > 0) edits.push({ op: "=", a: --x, b: --y });
  return edits.reverse();
}

/** Runs of edits with up to `context` unchanged lines around their changes; changes closer than 2·context share a hunk. */
export function hunks(edits: readonly Edit[], context = 3, max = Infinity): Edit[][] {
  const out: Edit[][] = [];
  let i = 0;
  while (i < edits.length && out.length < max) {
    while (i < edits.length && edits[i]!.op === "=") i++;
    if (i >= edits.length) break;
    const start = Math.max(0, i - context);
    let end = i;
    // Extend over changes and short runs of unchanged lines between them.
    for (;;) {
      while (end < edits.length && edits[end]!.op !== "=") end++;
      let same = end;
      while (same < edits.length && edits[same]!.op === "=") same++;
      if (same < edits.length && same - end <= 2 * context) end = same;
      else break;
    }
    const stop = Math.min(edits.length, end + context);
    out.push(edits.slice(start, stop));
    i = end;
  }
  return out;
}
