/**
 * Shields-style badges ("release | ready"), drawn here rather than fetched from a badge service: a
 * private Proofboard must not send branch names elsewhere. Every text is data from outside (branch
 * and gate names), so it is XML-escaped, stripped of what XML 1.0 cannot hold, and shortened.
 */

export type BadgeTone = "ready" | "not-ready" | "unknown";

const COLOURS: Record<BadgeTone, string> = { ready: "#2e8b2e", "not-ready": "#c83c2c", unknown: "#7a7a7a" };

/** Longest text a half of the badge shows; a longer one ends in "…". */
export const MAX_BADGE_TEXT = 48;

/** Characters XML 1.0 cannot contain (C0 controls but tab/newline/return, lone surrogates, U+FFFE/U+FFFF) and the rest of C0/C1. */
const NOT_XML =
  /[\u0000-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text for an SVG text node or attribute: no markup, no character XML refuses. */
export function xmlText(text: string): string {
  return text.replace(NOT_XML, "\ufffd").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function shorten(text: string, max = MAX_BADGE_TEXT): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

/** Verdana 11px, near enough: narrow ASCII, wide everything else. */
function textWidth(text: string): number {
  let w = 0;
  for (const ch of text)
    w += /[ilI.,:;|!'`j]/.test(ch) ? 3.5 : /[A-Z@%#mwMW]/.test(ch) ? 9 : ch.charCodeAt(0) < 128 ? 7 : 11;
  return Math.ceil(w);
}

/** Longest detail the badge's title (its tooltip) carries. */
export const MAX_BADGE_DETAIL = 300;

/** `detail` (why the verdict is unknown, say) goes into the title only: a tooltip, and what a screen reader says. */
export function badgeSvg(label: string, message: string, tone: BadgeTone, detail?: string): string {
  const l = shorten(label);
  const m = shorten(message);
  const lw = textWidth(l) + 12;
  const mw = textWidth(m) + 12;
  const w = lw + mw;
  const [el, em] = [xmlText(l), xmlText(m)];
  const said = detail ? `${el}: ${em}: ${xmlText(shorten(detail, MAX_BADGE_DETAIL))}` : `${el}: ${em}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${said}">
<title>${said}</title>
<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>
<clipPath id="r"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath>
<g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${mw}" height="20" fill="${COLOURS[tone]}"/><rect width="${w}" height="20" fill="url(#s)"/></g>
<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">
<text x="${lw / 2}" y="15" fill="#010101" fill-opacity=".3">${el}</text><text x="${lw / 2}" y="14">${el}</text>
<text x="${lw + mw / 2}" y="15" fill="#010101" fill-opacity=".3">${em}</text><text x="${lw + mw / 2}" y="14">${em}</text>
</g>
</svg>
`;
}
