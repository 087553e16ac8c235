type UnderWayFields<R> = { state: string; headRun: R | null; rerun?: R | null };

/** The run still under way on the head: a rerun behind a standing verdict, or the head run while no result is known. */
export function runUnderWay<R extends { status: string }>(readiness: UnderWayFields<R> | null | undefined): R | null {
  if (!readiness) return null;
  return readiness.rerun ?? (readiness.state === "queued" || readiness.state === "running" ? readiness.headRun : null);
}

/** "re-running" or "rerun queued": said beside a verdict that stands until the rerun's result replaces it. */
export function rerunLabel(rerun: { status: string } | null | undefined): string | null {
  if (!rerun) return null;
  return rerun.status === "running" ? "re-running" : "rerun queued";
}
