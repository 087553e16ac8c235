import { Section } from "~/components/ui/card";
import { Mono } from "~/components/ui/mono";
import type { CatalogInForce } from "./types";

/**
 * What the site overlay (PROOFBOARD_CATALOG_OVERLAY) changed in the catalog shown, lane by lane,
 * and the overrides it could not apply here: a person reading the lanes sees which facts are the
 * site's, not the target repository's.
 */
export function SiteOverlay({ overlay, notes }: Pick<CatalogInForce, "overlay" | "notes">) {
  if (!overlay) return null;
  return (
    <Section title="Site overlay" description={<Mono>{overlay.file}</Mono>} data-testid="site-overlay">
      <div className="flex flex-col gap-2 text-sm">
        {overlay.changes.length === 0 ? (
          <p className="text-ink-muted">changes no lane of this catalog</p>
        ) : (
          <ul className="flex flex-col gap-0.5">
            {overlay.changes.map((change) => {
              const [lane = "", fields = ""] = change.split(": ");
              return (
                <li key={change} data-overlay-lane={lane}>
                  <a href={`#catalog-lane-${lane}`} className="font-mono font-semibold hover:underline">
                    {lane}
                  </a>
                  <span className="text-ink-muted">{fields === "added" ? ": added by the site" : `: ${fields}`}</span>
                </li>
              );
            })}
          </ul>
        )}
        {notes.length > 0 && (
          <ul className="flex flex-col gap-0.5 text-status-warn-ink" data-testid="overlay-notes">
            {notes.map((note) => (
              <li key={note} className="font-mono text-xs break-all">
                {note}
              </li>
            ))}
          </ul>
        )}
      </div>
    </Section>
  );
}
