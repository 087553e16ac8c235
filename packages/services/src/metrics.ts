import { isRegression, type Metric } from "@proofboard/domain";
import { db } from "@proofboard/db";

export async function recordMetrics(runId: string, metrics: Metric[]): Promise<void> {
  await db().runMetric.createMany({ data: metrics.map((m) => ({ runId, ...m })), skipDuplicates: true });
}

export interface MetricSeries {
  lane: string;
  name: string;
  unit: string;
  points: { runId: string; commitSha: string; at: string; value: number }[];
  /** the newest value moved more than 10% the wrong way against the recent median */
  regression: boolean | null;
}

/** A branch's benchmark figures across its recent passed runs, oldest first, one series per lane and metric. */
export async function branchMetrics(repositoryId: string, branchName: string, perSeries = 30): Promise<MetricSeries[]> {
  const rows = await db().runMetric.findMany({
    where: { run: { repositoryId, branchName, status: "passed" } },
    select: {
      name: true,
      value: true,
      unit: true,
      run: { select: { id: true, lane: true, commitSha: true, finishedAt: true } },
    },
    orderBy: { run: { finishedAt: "desc" } },
    take: 2000,
  });
  const series = new Map<string, MetricSeries>();
  for (const r of rows) {
    const key = `${r.run.lane}\0${r.name}`;
    let s = series.get(key);
    if (!s) {
      s = { lane: r.run.lane, name: r.name, unit: r.unit, points: [], regression: null };
      series.set(key, s);
    }
    if (s.points.length < perSeries) {
      s.points.push({
        runId: r.run.id,
        commitSha: r.run.commitSha,
        at: (r.run.finishedAt ?? new Date(0)).toISOString(),
        value: r.value,
      });
    }
  }
  return [...series.values()].map((s) => {
    const points = s.points.reverse();
    return {
      ...s,
      points,
      regression: isRegression(
        points.map((p) => p.value),
        s.unit,
        s.name,
      ),
    };
  });
}
