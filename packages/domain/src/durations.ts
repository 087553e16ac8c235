/**
 * A run's duration is its lane's own time: started → the lane process ended. A held run's VMs stay
 * up for an operator after that, and the run finishes only when the hold ends; counting the hold
 * made one held run lift a lane's p90 from seconds to minutes and skew "usual" durations and
 * verdict estimates. The hold is shown on its own. `laneEndedAt` is null on runs from before it
 * was stored and on runs ended by someone else than their worker (canceled, lost): their finish
 * is their lane end. SQL does the same with coalesce(lane_ended_at, finished_at).
 */
export interface RunTimes {
  startedAt: Date | null;
  finishedAt: Date | null;
  laneEndedAt?: Date | null;
}

/** When the lane ended; null while it still runs. */
export function laneEnd(r: RunTimes): Date | null {
  return r.laneEndedAt ?? r.finishedAt;
}

/** Seconds of lane time; null until the lane has started and ended. */
export function laneSeconds(r: RunTimes): number | null {
  const end = laneEnd(r);
  if (!r.startedAt || !end) return null;
  return Math.max(0, (end.getTime() - r.startedAt.getTime()) / 1000);
}

/**
 * Seconds its VMs were held after the lane (still counting while the hold lasts, against `now`);
 * null for a run that was not held.
 */
export function heldSeconds(r: RunTimes, now: Date = new Date()): number | null {
  if (!r.laneEndedAt) return null;
  const until = r.finishedAt ?? now;
  const secs = (until.getTime() - r.laneEndedAt.getTime()) / 1000;
  return secs > 0 ? secs : null;
}
