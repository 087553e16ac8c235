import { cn } from "~/lib/utils";

/**
 * The head commit's catalog did not parse, so nothing about this branch can be judged. The message
 * already reads "file:line: path: message"; it is shown whole, in monospace, as text.
 */
export function CatalogError({ message, source, className }: { message: string; source?: string; className?: string }) {
  return (
    <div
      role="alert"
      data-testid="catalog-error"
      className={cn("rounded border border-status-failed-edge bg-status-failed-soft px-2 py-1", className)}
    >
      <div className="text-sm font-medium text-status-failed">
        Invalid catalog{source ? <span className="font-mono font-normal"> {source}</span> : null}: readiness cannot be
        judged until it is fixed
      </div>
      <pre className="font-mono text-xs whitespace-pre-wrap text-status-failed-ink [overflow-wrap:anywhere]">
        {message}
      </pre>
    </div>
  );
}
