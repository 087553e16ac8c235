"use client";

import Link from "next/link";
import { useParams } from "next/navigation";
import { VisibleText } from "~/components/ui/visible-text";

type Props = {
  /** "branch", "run", "lane" */
  kind: string;
  /** the route parameter holding the name (a catch-all's segments are joined with "/") */
  param?: string;
  back: { href: string; label: string };
};

function nameFrom(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  const joined = Array.isArray(value) ? value.join("/") : value;
  try {
    return decodeURIComponent(joined);
  } catch {
    return joined;
  }
}

/**
 * What an HTTP 404 shows: which thing was not found, by the name typed (escaped where invisible),
 * and the way back to the list it would have been in.
 */
export function NotFoundPanel({ kind, param, back }: Props) {
  const params = useParams<Record<string, string | string[]>>();
  const name = param ? nameFrom(params?.[param]) : null;
  return (
    <div
      className="mx-auto mt-8 flex max-w-xl flex-col gap-2 rounded-md border border-line bg-surface px-5 py-4"
      data-testid="not-found"
    >
      <h1 className="text-lg font-semibold text-ink">{kind[0]!.toUpperCase() + kind.slice(1)} not found</h1>
      <p className="text-sm text-ink-muted [overflow-wrap:anywhere]">
        {name !== null ? (
          <>
            There is no {kind} named{" "}
            <span className="font-mono text-ink">
              <VisibleText text={name} />
            </span>{" "}
            on this Proofboard.
          </>
        ) : (
          <>Nothing on this Proofboard answers at this address.</>
        )}
      </p>
      <p className="text-sm">
        <Link href={back.href} className="font-medium text-status-running hover:underline">
          ← {back.label}
        </Link>
      </p>
    </div>
  );
}
