/**
 * Branch names, commit subjects and lane names come from outside. A bidi override (U+202E) makes
 * `rtl-\u202Egnp.exe` read as "rtl-exe.png", a zero-width space hides inside a name, an ESC steers
 * a terminal. Every view shows these code points as escapes instead of interpreting them; this
 * module decides which ones, so the web and the CLI agree.
 */

export type VisibleTextPart = { kind: "text"; text: string } | { kind: "escaped"; codePoint: number };

const ZERO_WIDTH_JOINER = 0x200d;

/** Code points that are invisible, reorder text, break lines or control a terminal. */
export function isInvisibleCodePoint(cp: number): boolean {
  return (
    cp <= 0x1f || // C0 controls, incl. tab, newline and ESC
    (cp >= 0x7f && cp <= 0x9f) || // DEL and C1 controls (U+009B is a CSI on some terminals)
    cp === 0x061c || // Arabic letter mark
    cp === 0x180e || // Mongolian vowel separator
    (cp >= 0x200b && cp <= 0x200f) || // zero-width space/non-joiner/joiner, LRM, RLM
    cp === 0x2028 ||
    cp === 0x2029 ||
    (cp >= 0x202a && cp <= 0x202e) || // bidi embeddings and overrides
    (cp >= 0x2060 && cp <= 0x206f) || // word joiner, invisible operators, bidi isolates, deprecated format controls
    cp === 0xfeff || // zero-width no-break space (BOM)
    (cp >= 0xd800 && cp <= 0xdfff) // only ever seen alone: a paired surrogate is read as one code point
  );
}

const PICTOGRAPHIC = /^[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F]$/u;

/** A joiner inside an emoji sequence (👩‍💻) is what draws the emoji; anywhere else it only hides. */
function joinsEmoji(before: string | undefined, after: string | undefined): boolean {
  return (
    before !== undefined &&
    after !== undefined &&
    PICTOGRAPHIC.test(before) &&
    /^\p{Extended_Pictographic}$/u.test(after)
  );
}

/** Splits text into plain runs and the code points to show escaped, in order; joining the parts gives the text back. */
export function splitVisibleText(text: string): VisibleTextPart[] {
  const parts: VisibleTextPart[] = [];
  // Iterating a string yields code points, and a lone surrogate as its own one-unit element.
  const chars = Array.from(text);
  let plain = "";
  chars.forEach((ch, i) => {
    const cp = ch.codePointAt(0)!;
    if (!isInvisibleCodePoint(cp) || (cp === ZERO_WIDTH_JOINER && joinsEmoji(chars[i - 1], chars[i + 1]))) {
      plain += ch;
      return;
    }
    if (plain) parts.push({ kind: "text", text: plain });
    plain = "";
    parts.push({ kind: "escaped", codePoint: cp });
  });
  if (plain) parts.push({ kind: "text", text: plain });
  return parts;
}

export function hasInvisibleText(text: string): boolean {
  return splitVisibleText(text).some((p) => p.kind === "escaped");
}

/** `U+202E`: how the web names an escaped code point. */
export function codePointLabel(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** `\x1b`, `\u202e`: how the CLI prints an escaped code point, as a C or JavaScript string would. */
export function codePointEscape(cp: number): string {
  return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, "0")}` : `\\u${cp.toString(16).padStart(4, "0")}`;
}

/** The text with every invisible code point replaced by `escape(codePoint)`; plain text is left as is. */
export function escapeInvisible(text: string, escape: (cp: number) => string = codePointEscape): string {
  return splitVisibleText(text)
    .map((p) => (p.kind === "text" ? p.text : escape(p.codePoint)))
    .join("");
}
