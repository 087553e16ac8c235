import { readFile, stat } from "node:fs/promises";
import { NAME_PATTERN } from "@proofboard/domain";
import { MIN_MASKED_BYTES } from "./secret-mask";

/**
 * The worker host's lane secrets (PROOFBOARD_LANE_SECRETS): they live in one file on the worker
 * host, go into a lane's process environment when it starts, and are masked in every console the
 * worker stores. They never enter job data, the run row, the catalog or the logs.
 *
 * Format, one entry a line:
 *   # a comment (a line whose first non-blank character is #)
 *   NAME=value        every lane on this host; NAME is [A-Z_][A-Z0-9_]*, not PROOFBOARD_*
 *   [fresh-smoke]     the lines after it (up to the next [lane]) are for that lane only,
 *   NAME=value        and win over the top lines' NAME for it
 * The value is everything after the first "=", exactly: no quotes, no escapes, spaces kept.
 */

/** A secrets file is a handful of lines; a large one is a mistake (a key pasted whole, the wrong file). */
export const MAX_SECRETS_BYTES = 256 * 1024;
const VAR_NAME = /^[A-Z_][A-Z0-9_]*$/;

export class LaneSecretsError extends Error {}

export interface LaneSecretSet {
  /** the file it was read from; null: no file, no secrets */
  readonly file: string | null;
  /** the variables a lane gets: the file's top entries, its own section's over them */
  forLane(lane: string): Record<string, string>;
  /** every value in the file, whichever lane it is for: all are masked in every console */
  readonly values: readonly string[];
  /** what start-up says about the file (names and lines, never values) */
  readonly warnings: readonly string[];
  /** for the log: how many names, for whom; never a value */
  summary(): string;
}

export const NO_SECRETS: LaneSecretSet = {
  file: null,
  forLane: () => ({}),
  values: [],
  warnings: [],
  summary: () => "no lane secrets",
};

/** A path as it can be pasted into a shell. */
const shellWord = (s: string) => (/^[\w./@%+=:,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** Reads the file's text; errors name the file and, where a line is at fault, its line, and never show a value. */
export function parseLaneSecrets(text: string, file: string): LaneSecretSet {
  const fail = (line: number, why: string) => new LaneSecretsError(`${file}:${line}: ${why}`);
  const scopes = new Map<string | null, Map<string, { value: string; line: number }>>([[null, new Map()]]);
  const warnings: string[] = [];
  let scope: string | null = null;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const line = lines[i]!.endsWith("\r") ? lines[i]!.slice(0, -1) : lines[i]!;
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    if (trimmed.startsWith("[")) {
      const lane = /^\[([^\]]*)\]$/.exec(trimmed)?.[1];
      if (lane === undefined || !NAME_PATTERN.test(lane))
        throw fail(n, "a section is [lane-name], such as [fresh-smoke] (lower-case letters, digits, '.', '_', '-')");
      if (scopes.has(lane)) throw fail(n, `[${lane}] appears twice; keep one section per lane`);
      scopes.set(lane, new Map());
      scope = lane;
      continue;
    }
    // Lines that break a rule are not quoted: a pasted token is exactly what would be shown.
    const eq = line.indexOf("=");
    if (eq < 0)
      throw fail(n, "expected NAME=value, [lane-name] or a # comment (the line is not shown: it may hold a secret)");
    const name = line.slice(0, eq);
    if (!VAR_NAME.test(name)) {
      throw fail(
        n,
        "the name before \"=\" must be capital letters, digits and '_', not starting with a digit, no spaces (not shown: it may hold a secret)",
      );
    }
    if (name.startsWith("PROOFBOARD_")) throw fail(n, `${name}: PROOFBOARD_* variables are set by Proofboard itself`);
    const value = line.slice(eq + 1);
    if (value.includes("\0")) throw fail(n, `${name}: a value cannot hold a NUL byte`);
    const entries = scopes.get(scope)!;
    const before = entries.get(name);
    if (before) throw fail(n, `${name} is already set${scope ? ` in [${scope}]` : ""} at line ${before.line}`);
    entries.set(name, { value, line: n });
    if (Buffer.byteLength(value) < MIN_MASKED_BYTES)
      warnings.push(
        `${file}:${n}: ${name} is shorter than ${MIN_MASKED_BYTES} bytes: exported, but not masked in consoles`,
      );
    else if (/\s$/.test(value)) warnings.push(`${file}:${n}: ${name} ends in white space, which is part of its value`);
  }
  const top = Object.fromEntries([...scopes.get(null)!].map(([k, v]) => [k, v.value]));
  const values = [...new Set([...scopes.values()].flatMap((m) => [...m.values()].map((v) => v.value)))];
  return {
    file,
    forLane: (lane) => ({ ...top, ...Object.fromEntries([...(scopes.get(lane) ?? [])].map(([k, v]) => [k, v.value])) }),
    values,
    warnings,
    summary: () => {
      const parts = [...scopes]
        .filter(([, m]) => m.size)
        .map(([lane, m]) => `${lane === null ? "every lane" : lane}: ${[...m.keys()].join(", ")}`);
      return `lane secrets ${file}: ${parts.join("; ") || "none"}`;
    },
  };
}

/** Reads and checks the file: a regular file, private to the worker's user (0600 or stricter), well formed. */
export async function loadLaneSecrets(file: string | undefined): Promise<LaneSecretSet> {
  if (!file) return NO_SECRETS;
  const cannot = (why: string) =>
    new LaneSecretsError(
      `${file}: cannot read the lane secrets file (${why}); PROOFBOARD_LANE_SECRETS must name a file the worker's user can read`,
    );
  const info = await stat(file).catch((err: Error) => {
    throw cannot(err.message);
  });
  if (!info.isFile()) throw cannot("not a regular file");
  if ((info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, "0");
    throw new LaneSecretsError(
      `${file}: the lane secrets file is open to group or others (mode ${mode}); it must be 0600 or stricter: run chmod 600 ${shellWord(file)}`,
    );
  }
  if (info.size > MAX_SECRETS_BYTES)
    throw new LaneSecretsError(
      `${file}: the lane secrets file is ${info.size} bytes; the limit is ${MAX_SECRETS_BYTES}`,
    );
  const text = await readFile(file, "utf8").catch((err: Error) => {
    throw cannot(err.message);
  });
  return parseLaneSecrets(text, file);
}

/**
 * The file as the worker last read it well: read at start (a bad file stops start-up), and again
 * when a lane starts after the file changed. A change that breaks a rule is logged and ignored:
 * lanes keep the secrets last read well until the file is fixed.
 */
export class LaneSecrets {
  private reading: Promise<LaneSecretSet> | null = null;

  private constructor(
    private readonly file: string | undefined,
    private set: LaneSecretSet,
    private seen: string,
    private readonly log: (line: string) => void,
  ) {}

  static async open(file: string | undefined, log: (line: string) => void): Promise<LaneSecrets> {
    const seen = await LaneSecrets.fingerprint(file);
    const set = await loadLaneSecrets(file);
    for (const w of set.warnings) log(w);
    return new LaneSecrets(file, set, seen, log);
  }

  /** The secrets for a lane starting now. */
  current(): Promise<LaneSecretSet> {
    if (!this.file) return Promise.resolve(this.set);
    this.reading ??= this.reread().finally(() => (this.reading = null));
    return this.reading;
  }

  private async reread(): Promise<LaneSecretSet> {
    const now = await LaneSecrets.fingerprint(this.file);
    if (now === this.seen) return this.set;
    this.seen = now;
    try {
      this.set = await loadLaneSecrets(this.file);
      this.log(`${this.set.summary()} (read again: the file changed)`);
      for (const w of this.set.warnings) this.log(w);
    } catch (err) {
      this.log(`${(err as Error).message}; lanes keep the secrets read before until it is fixed`);
    }
    return this.set;
  }

  /** Changes when the file is edited, replaced or has its mode changed. */
  private static async fingerprint(file: string | undefined): Promise<string> {
    if (!file) return "";
    const s = await stat(file).catch(() => null);
    return s ? `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.mode}` : "missing";
  }
}
