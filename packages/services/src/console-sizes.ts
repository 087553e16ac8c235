import { queryRows } from "@proofboard/db";

/** What a run's consoles take: printed bytes, and on disk once compaction has measured them. */
export interface RunConsoleStorage {
  /** bytes the lane and its VMs printed (before PostgreSQL compresses them) */
  bytes: number;
  /** their chunks' size on disk, compressed; null until every console of the run was measured */
  storedBytes: number | null;
  /** the day retention drops them (YYYY-MM-DD); null: kept for ever */
  expiresOn: string | null;
  /** when retention dropped them; the run, its verdict and markers stay */
  droppedAt: string | null;
}

const KEPT = "9999-12-31";

/**
 * Each run's consoles together, for the runs asked about; a run with no console is all zero. One
 * grouped read of `console`, whose lengths the worker keeps as it appends, so no chunk is touched.
 */
export async function consoleStorageByRun(runIds: readonly string[]): Promise<Map<string, RunConsoleStorage>> {
  const out = new Map<string, RunConsoleStorage>(
    runIds.map((id) => [id, { bytes: 0, storedBytes: 0, expiresOn: null, droppedAt: null }]),
  );
  if (runIds.length === 0) return out;
  const rows = (await queryRows(
    `SELECT run_id::text, sum(length)::float8,
       CASE WHEN bool_and(stored_bytes IS NOT NULL) THEN sum(stored_bytes)::float8 END,
       to_char(min(expires_on), 'YYYY-MM-DD'),
       to_char(max(dropped_at), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
     FROM console WHERE run_id = ANY($1::uuid[]) GROUP BY run_id`,
    [runIds],
  )) as [string, number, number | null, string, string | null][];
  for (const [runId, bytes, storedBytes, expiresOn, droppedAt] of rows)
    out.set(runId, { bytes, storedBytes, expiresOn: expiresOn === KEPT ? null : expiresOn, droppedAt });
  return out;
}
