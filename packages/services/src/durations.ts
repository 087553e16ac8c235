import { db } from "@proofboard/db";

/** Median seconds of each lane's last 20 passes: what "usual" means on the pages. */
export async function usualDurations(repositoryId: string): Promise<Record<string, number>> {
  const rows = await db().$queryRaw<{ lane: string; seconds: number }[]>`
    SELECT lane, percentile_cont(0.5) WITHIN GROUP (ORDER BY secs)::float8 AS seconds FROM (
      SELECT lane, extract(epoch FROM finished_at - started_at) AS secs,
        row_number() OVER (PARTITION BY lane ORDER BY finished_at DESC) AS rn
      FROM run WHERE repository_id = ${repositoryId} AND status = 'passed' AND started_at IS NOT NULL
    ) t WHERE rn <= 20 GROUP BY lane`;
  return Object.fromEntries(rows.map((r) => [r.lane, Math.round(r.seconds)]));
}
