"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "~/lib/utils";
import { VisibleText } from "~/components/ui/visible-text";

type QueryFailure = { message: string; data?: { code?: string } | null };

/** A failed query, said plainly with the server's message (e.g. "unknown branch: \"x\""). */
export function QueryError({ error, what, className }: { error: QueryFailure; what: string; className?: string }) {
  if (error.data?.code === "UNAUTHORIZED") return <LoginNeeded what={what} className={className} />;
  return (
    <div
      role="alert"
      className={cn("rounded-md border border-status-failed-edge bg-status-failed-soft px-3 py-2 text-sm", className)}
    >
      <span className="font-medium text-status-failed">
        Could not load <VisibleText text={what} />:
      </span>{" "}
      <span className="text-status-failed-ink [overflow-wrap:anywhere]">
        <VisibleText text={error.message} />
      </span>
    </div>
  );
}

/** Reading needs a login here (PROOFBOARD_READ_ACCESS=login): the way in, coming back to this page. */
function LoginNeeded({ what, className }: { what: string; className?: string }) {
  const pathname = usePathname();
  return (
    <div role="alert" className={cn("rounded-md border border-line bg-surface px-3 py-2 text-sm", className)}>
      <span className="text-ink">
        Reading <VisibleText text={what} /> needs a login on this Proofboard.{" "}
      </span>
      <Link
        href={`/login?next=${encodeURIComponent(pathname)}`}
        className="font-medium text-status-running hover:underline"
      >
        Log in
      </Link>
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p role="status" className="px-1 py-2 text-sm text-ink-muted">
      Loading {what}…
    </p>
  );
}

/** A page whose data could not be loaded at all: the error, and the way back to the overview. */
export function PageError({
  error,
  what,
}: {
  error: { message: string; data?: { code?: string } | null };
  what: string;
}) {
  // The server already names what is unknown ("unknown branch: \"x\""): say it once, as a fact, not a failure.
  const notFound = error.data?.code === "NOT_FOUND";
  return (
    <div className="flex flex-col items-start gap-2">
      {notFound ? (
        <div role="alert" className="rounded-md border border-line bg-surface px-3 py-2 text-sm">
          <span className="font-medium text-ink">Not found:</span>{" "}
          <VisibleText className="text-ink [overflow-wrap:anywhere]" text={error.message} />
        </div>
      ) : (
        <QueryError error={error} what={what} />
      )}
      <Link href="/" className="text-sm text-status-running hover:underline">
        Back to the readiness overview
      </Link>
    </div>
  );
}
