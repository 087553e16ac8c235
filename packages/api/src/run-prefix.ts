/**
 * Run ids by unique prefix (`1234abcd`, as `git` takes short hashes), for the CLI's RUN argument.
 * run.id is a uuid column: `id::text LIKE '1234abcd%'` cannot use the primary key and scans every
 * run, so a prefix becomes the range of uuids that start with it ("…0000" to "…ffff"), which the
 * primary key's btree answers directly (uuids order as their hex digits read).
 */

/** Shorter prefixes would match too often to be worth typing, and would invite guessing. */
export const MIN_RUN_PREFIX = 8;
/** How many matching ids an ambiguous prefix lists. */
export const AMBIGUOUS_SHOWN = 5;

const UUID_SHAPE = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
const HEX = /^[0-9a-f]$/;
/** Echoed input is cut here: the prefix came from a user and can be anything. */
const SHOWN_CHARS = 40;

export type ParsedPrefix = { ok: true; hex: string } | { ok: false; message: string };

/** The hex digits of a run id prefix: plain hex, or dashed exactly where a uuid has its dashes. */
export function parseRunPrefix(input: string): ParsedPrefix {
  const s = input.toLowerCase();
  const plain = /^[0-9a-f]{1,32}$/.test(s);
  const dashed =
    !plain &&
    s.length > 0 &&
    s.length <= UUID_SHAPE.length &&
    [...s].every((c, i) => (UUID_SHAPE[i] === "-" ? c === "-" : HEX.test(c)));
  if (!plain && !dashed)
    return {
      ok: false,
      message: `not a run id: ${shown(input)}; a run id is hex digits and dashes, as proofboard runs prints it`,
    };
  const hex = s.replaceAll("-", "");
  if (hex.length < MIN_RUN_PREFIX)
    return {
      ok: false,
      message: `run id prefix ${shown(input)} is too short: give at least ${MIN_RUN_PREFIX} hex digits`,
    };
  return { ok: true, hex };
}

/** The first and last uuid starting with these hex digits, both inclusive. */
export function uuidRange(hex: string): { lo: string; hi: string } {
  if (!/^[0-9a-f]{0,32}$/.test(hex)) throw new Error(`not hex digits: ${JSON.stringify(hex)}`);
  return { lo: dashUuid(hex.padEnd(32, "0")), hi: dashUuid(hex.padEnd(32, "f")) };
}

function dashUuid(h: string): string {
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** `"1234abcd" is ambiguous: it matches a, b, c, d, e and more`: ids holds up to AMBIGUOUS_SHOWN + 1. */
export function ambiguousMessage(input: string, ids: readonly string[]): string {
  const more = ids.length > AMBIGUOUS_SHOWN ? " and more" : "";
  return `run id prefix ${shown(input)} is ambiguous: it matches ${ids.slice(0, AMBIGUOUS_SHOWN).join(", ")}${more}`;
}

function shown(input: string): string {
  return JSON.stringify(input.length > SHOWN_CHARS ? `${input.slice(0, SHOWN_CHARS)}…` : input);
}
