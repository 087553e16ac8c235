import { VisibleText } from "~/components/ui/visible-text";

interface Origin {
  attempt: number;
  /** "first", "rerun" or "retry" (runDto attemptKind) */
  attemptKind: string;
  /** "rerun by olga", "automatic retry 2 of 3 after an infrastructure fault", … (runDto origin) */
  origin: string;
}

/**
 * Who or what started the run, beside its attempt number in the run header: a rerun somebody
 * clicked and an automatic retry after an infrastructure fault must not read alike (issue #11).
 */
export function RunOrigin({ run }: { run: Origin }) {
  const retry = run.attemptKind === "retry";
  return (
    <span
      className="flex items-center gap-1.5 text-ink-muted"
      data-testid="run-origin"
      data-attempt-kind={run.attemptKind}
    >
      {run.attempt > 1 && (
        <span
          className={
            retry
              ? "rounded border border-status-queued px-1 text-xs text-status-queued"
              : "rounded border border-line px-1 text-xs"
          }
          title={retry ? "queued by itself after an infrastructure fault" : "queued again on the same commit"}
        >
          attempt #{run.attempt} · {retry ? "automatic retry" : "rerun"}
        </span>
      )}
      <VisibleText text={run.origin} />
    </span>
  );
}
