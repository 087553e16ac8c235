import { codePointLabel, escapeInvisible, splitVisibleText } from "@proofboard/domain/visible-text";

const bracketed = (cp: number) => `⟨${codePointLabel(cp)}⟩`;

/**
 * Untrusted text as it is, with its invisible code points written out: `rtl-⟨U+202E⟩gnp.exe`. For
 * `title` attributes, document titles and aria labels, where markup cannot go.
 */
export function visibleText(text: string): string {
  return escapeInvisible(text, bracketed);
}

/**
 * A branch name, commit subject or lane name for display. A bidi override, zero-width space or
 * control character is shown as a muted box naming the code point, so `rtl-\u202Egnp.exe` can no
 * longer pass for "rtl-exe.png". Text without any renders exactly as plain text would.
 */
export function VisibleText({ text, className }: { text: string; className?: string }) {
  const parts = splitVisibleText(text);
  if (!parts.some((p) => p.kind === "escaped"))
    return className ? <span className={className}>{text}</span> : <>{text}</>;
  return (
    <span className={className} title={visibleText(text)} data-escaped-text="">
      {parts.map((p, i) =>
        p.kind === "text" ? (
          p.text
        ) : (
          <span
            key={i}
            data-code-point={codePointLabel(p.codePoint)}
            className="mx-px inline-block rounded-sm border border-current/30 px-0.5 align-baseline font-mono text-[0.75em] leading-none font-normal text-ink-muted"
          >
            {bracketed(p.codePoint)}
          </span>
        ),
      )}
    </span>
  );
}
