/**
 * Console lines as a person reads them, and as two runs are compared: escape sequences and control
 * characters removed, then (for comparison only) what differs between any two boots replaced by
 * placeholders: clocks, timestamps, addresses, ids, pids, durations.
 */

const ESCAPES = new RegExp(
  [
    "\\x1b\\][^\\x07\\x1b]*(?:\\x07|\\x1b\\\\|$)", // OSC (titles, hyperlinks), ended by BEL or ST, or cut by the line end
    "\\x1b[PX^_][^\\x1b]*(?:\\x1b\\\\|$)", // DCS, SOS, PM, APC strings
    "(?:\\x1b\\[|\\u009b)[0-?]*[ -/]*(?:[@-~]|$)", // CSI (colours, cursor moves), also its one-character C1 form
    "\\x1b[ -/]*[0-~]?", // two-character escapes (ESC c, ESC ( B); a lone ESC
    "[\\x00-\\x08\\x0a-\\x1f\\x7f-\\x9f]", // other C0 and C1 controls, \r included; tabs stay
  ].join("|"),
  "g",
);

/** A console line without escape sequences and control characters (tabs are kept). */
export function withoutEscapes(line: string): string {
  return line.replace(ESCAPES, "");
}

/** At most `max` characters of a plain line, cut around [start, end) so the match stays in view. */
export function cutAround(
  text: string,
  start: number,
  end: number,
  max = 300,
): { text: string; start: number; end: number } {
  if (text.length <= max) return { text, start, end };
  const room = Math.max(0, max - (end - start));
  let from = Math.max(0, start - Math.floor(room / 2));
  const to = Math.min(text.length, from + max);
  from = Math.max(0, to - max);
  return { text: text.slice(from, to), start: start - from, end: Math.min(end, to) - from };
}

const MONTH = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
const HEX4 = "[0-9a-f]{1,4}";

/**
 * Order matters: a UUID before long hex ids, a MAC before clock times (it contains "12:34:56"),
 * timestamps before IPv4 and durations. Placeholders use letters that are not all hex, so a later
 * rule cannot eat an earlier one's placeholder.
 */
const RULES: readonly [RegExp, string | ((m: string, ...groups: string[]) => string)][] = [
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "<uuid>"],
  // Nix store hashes: 32 characters of Nix's base32 (no e, o, u, t) before a "-name".
  [/(?<![0-9a-z])[0-9a-df-np-sv-z]{32}(?=-)/g, "<hash>"],
  [/\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2}\b)?)?/g, "<time>"],
  [
    new RegExp(`\\b(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) )?${MONTH} {1,2}\\d{1,2} \\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?`, "g"),
    "<time>",
  ],
  [/(?<![\w:-])(?:[0-9a-f]{2}([:-]))(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}(?![\w:-])/gi, "<mac>"],
  [
    new RegExp(
      `(?<![\\w:.])(?:(?:${HEX4}:){7}${HEX4}|(?:${HEX4}(?::${HEX4})*)?::(?:${HEX4}(?::${HEX4})*)?)(?![\\w:])`,
      "gi",
    ),
    (m) => (m === "::" ? m : "<ip>"),
  ],
  [/\[\s*\d+\.\d+\]/g, "[<clock>]"],
  // Epoch seconds with a fraction (the kernel's audit records: "audit(1796075422.096:1)").
  [/\baudit\(\d+(?:\.\d+)?:\d+\)/g, "audit(<time>)"],
  [/(?<![\w.])\d{10}\.\d+(?![\d.])/g, "<time>"],
  [/(?<![\d:])\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?![\d:])/g, "<time>"],
  [/(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d)/g, "<ip>"],
  [/(<ip>\]?|\blocalhost):\d{1,5}(?!\d)/g, "$1:<port>"],
  [/\b0x[0-9a-f]+\b/gi, "0x<hex>"],
  [/([\w@.-]+)\[\d+\]:/g, "$1[<pid>]:"],
  [/\b(pid[ =:] ?)\d+\b/gi, "$1<pid>"],
  // Rates measured on the host at boot (TSC, delay loop): a property of the machine, not the code.
  [/(?<![\w.])\d+(?:\.\d+)?(?=\s?(?:[kMG]?Hz|BogoMIPS)\b)/g, "<rate>"],
  [/\b(\w*(?:khz|mhz|lpj))=\d+\b/gi, "$1=<rate>"],
  [/(?<![\w.])\d+(?:\.\d+)?\s?(?:ns|us|µs|ms|s|secs?|seconds?|mins?|minutes?|h|hours?)\b/g, "<dur>"],
  [/\b(?=[0-9a-f]*\d)[0-9a-f]{8,}\b/gi, "<id>"],
];

/**
 * A line for comparison with the same console of another run: plain, with every value that
 * differs between two boots of the same code replaced by a placeholder, trailing blanks dropped.
 */
export function normalizeLine(line: string): string {
  let s = withoutEscapes(line);
  for (const [pattern, replacement] of RULES) {
    s = typeof replacement === "string" ? s.replace(pattern, replacement) : s.replace(pattern, replacement);
  }
  return s.trimEnd();
}
