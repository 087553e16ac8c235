import { db } from "@proofboard/db";

/**
 * Bytes each run's consoles hold (what the lane and its VMs printed, before PostgreSQL compresses
 * it), for the runs asked about; a run with no console is 0. One grouped read of `console`, whose
 * lengths the worker keeps as it appends, so no chunk is touched.
 */
export async function consoleBytesByRun(runIds: readonly string[]): Promise<Map<string, number>> {
  const out = new Map(runIds.map((id) => [id, 0]));
  if (runIds.length === 0) return out;
  const sums = await db().console.groupBy({
    by: ["runId"],
    where: { runId: { in: [...runIds] } },
    _sum: { length: true },
  });
  for (const s of sums) out.set(s.runId, Number(s._sum.length ?? 0));
  return out;
}
