import Link from "next/link";
import { cn } from "~/lib/utils";
import { VisibleText } from "~/components/ui/visible-text";

/** A failed query, said plainly with the server's message (e.g. "unknown branch: \"x\""). */
export function QueryError({ error, what, className }: { error: { message: string }; what: string; className?: string }) {
  return (
    <div role="alert" className={cn("rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm", className)}>
      <span className="font-medium text-status-failed">Could not load <VisibleText text={what} />.</span>{" "}
      <span className="text-red-900 [overflow-wrap:anywhere]">
        <VisibleText text={error.message} />
      </span>
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
export function PageError({ error, what }: { error: { message: string; data?: { code?: string } | null }; what: string }) {
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
