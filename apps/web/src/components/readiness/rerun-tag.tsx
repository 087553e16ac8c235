import { StatusDot } from "~/components/ui/status-badge";
import { cn } from "~/lib/utils";
import { rerunLabel } from "./rerun-state";

/**
 * "· re-running" beside a lane's verdict: the verdict stands (its colour stays) and a newer run is
 * under way whose result will replace it. Quiet on purpose: nothing has changed yet.
 */
export function RerunTag({ rerun, className }: { rerun: { status: string } | null | undefined; className?: string }) {
  const label = rerunLabel(rerun);
  if (!rerun || !label) return null;
  return (
    <span
      data-rerun={rerun.status}
      title="a newer run of this lane is under way on this commit; this verdict stands until its result is in"
      className={cn(
        "inline-flex items-center gap-1 font-sans text-xs whitespace-nowrap text-status-running-ink",
        className,
      )}
    >
      <StatusDot status={rerun.status === "running" ? "running" : "queued"} className="size-1.5" />
      {label}
    </span>
  );
}
