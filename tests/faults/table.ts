/** Plain-text table whose long cells wrap at word boundaries, so every line fits `widths` (≤ 160 columns in all). */

/** Splits text into lines of at most `width` characters, breaking words only when one alone is longer. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (let word of text.split(/\s+/).filter(Boolean)) {
    while (word.length > width) {
      if (line) lines.push(line);
      line = "";
      lines.push(word.slice(0, width));
      word = word.slice(width);
    }
    if (!line) line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line || !lines.length) lines.push(line);
  return lines;
}

export function formatTable(header: string[], rows: string[][], widths: number[]): string {
  const render = (cells: string[]) => {
    const wrapped = cells.map((c, i) => wrap(c, widths[i]!));
    const height = Math.max(...wrapped.map((w) => w.length));
    return Array.from({ length: height }, (_, r) =>
      wrapped
        .map((w, i) => (w[r] ?? "").padEnd(widths[i]!))
        .join(" | ")
        .trimEnd(),
    );
  };
  const rule = widths.map((w) => "-".repeat(w)).join("-+-");
  return [...render(header), rule, ...rows.flatMap((row) => [...render(row), rule])].join("\n");
}
