import { db } from "@proofboard/db";

/** A lane as the catalog places it: its name and the class of host that runs it. */
export interface LaneOnHost {
  name: string;
  host: string;
}

/** How many of a lane's most recent passes make its usual duration. */
const RECENT_PASSES = 20;

/**
 * The usual seconds of each lane on its host class: the median of its last 20 passes on hosts of
 * that class (a KVM suite takes minutes on a KVM host and hours under TCG, so one class's history
 * says nothing about another's). Lanes without a pass on their class are left out; callers fall
 * back to the catalog's expectedSeconds. One index range per lane (run_usual_duration_idx), so the
 * cost follows the number of lanes asked about, not the number of runs kept. Lane time: a held
 * run's hold is not its lane's (packages/domain/src/durations.ts).
 */
export async function usualDurations(repositoryId: string, lanes: LaneOnHost[]): Promise<Record<string, number>> {
  if (lanes.length === 0) return {};
  const rows = await db().$queryRaw<{ lane: string; seconds: number }[]>`
    SELECT l.lane, percentile_cont(0.5) WITHIN GROUP (ORDER BY p.secs)::float8 AS seconds
    FROM unnest(${lanes.map((l) => l.name)}::text[], ${lanes.map((l) => l.host)}::text[]) AS l(lane, host_class)
    CROSS JOIN LATERAL (
      SELECT extract(epoch FROM coalesce(lane_ended_at, finished_at) - started_at) AS secs FROM run
      WHERE repository_id = ${repositoryId} AND lane = l.lane AND host_class = l.host_class
        AND status = 'passed' AND started_at IS NOT NULL AND finished_at IS NOT NULL
      ORDER BY finished_at DESC LIMIT ${RECENT_PASSES}
    ) p
    GROUP BY l.lane`;
  // Tenths, not whole seconds: a lane of 0.4 s is quick, not of unknown length.
  return Object.fromEntries(rows.map((r) => [r.lane, Math.round(r.seconds * 10) / 10]));
}
