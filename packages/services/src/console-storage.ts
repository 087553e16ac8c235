import { executeStatement, queryRows } from "@proofboard/db";

/**
 * Console storage kept in bounds (README: How console storage grows). Chunks live in a table
 * partitioned by the day their console expires (migration 20261213100000_console_storage): retention
 * drops whole weekly partitions; compaction rewrites a finished console printed in small chunks as
 * rows of about 1 MiB, which PostgreSQL compresses (it leaves values under ~2 KiB raw).
 */

/** A compacted row holds the chunks that start within one such stretch of a console. */
export const COMPACT_ROW_BYTES = 1 << 20;
/** A console whose rows average at least this is dense already: rewriting it would gain little. */
const DENSE_ROW_BYTES = 64 * 1024;
/** Chunk times kept in a compacted row: one per 100 ms, enough for the run page's per-line times. */
const STAMP_MS = 100;

export interface CompactResult {
  /** consoles looked at (rewritten, or found dense) */
  consoles: number;
  /** rows before and after, over the rewritten consoles */
  rowsBefore: number;
  rowsAfter: number;
}

/**
 * Consoles of runs that ended at least `settledSeconds` ago (no hold: a held run's operations may
 * still write) and that compaction has not looked at, up to `limit` of them. Each is rewritten in one
 * statement, under a lock on its console row, so two web processes never compact one console twice.
 */
export async function compactFinishedConsoles(limit = 20, settledSeconds = 60): Promise<CompactResult> {
  const ids = (await queryRows(
    `SELECT c.id FROM console c JOIN run r ON r.id = c.run_id
     WHERE c.compacted_at IS NULL AND c.dropped_at IS NULL
       AND r.status NOT IN ('queued', 'waiting', 'running')
       AND r.finished_at < now() - make_interval(secs => $1)
       AND (r.hold_until IS NULL OR r.hold_until < now())
     LIMIT $2`,
    [settledSeconds, limit],
  )) as [string][];
  const result: CompactResult = { consoles: 0, rowsBefore: 0, rowsAfter: 0 };
  for (const [id] of ids) {
    const done = await compactConsole(id);
    if (!done) continue;
    result.consoles++;
    result.rowsBefore += done.rowsBefore;
    result.rowsAfter += done.rowsAfter;
  }
  return result;
}

/**
 * Rewrites one console's chunks as rows of about COMPACT_ROW_BYTES, in one statement: a reader sees
 * either the old rows or the new ones, and reads by offset either way. Chunks are merged only where
 * they follow each other without a hole. Null when another process holds the console or has done it.
 */
export async function compactConsole(consoleId: string): Promise<{ rowsBefore: number; rowsAfter: number } | null> {
  const rows = (await queryRows(
    `WITH target AS (
       SELECT c.id, c.expires_on FROM console c WHERE c.id = $1 AND c.compacted_at IS NULL
       FOR UPDATE SKIP LOCKED
     ), shape AS (
       SELECT count(*) AS n, coalesce(sum(k.length), 0) AS bytes FROM console_chunk k JOIN target t
         ON k.console_id = t.id AND k.expires_on = t.expires_on
     ), sparse AS (
       SELECT t.* FROM target t, shape WHERE shape.n > 1 AND shape.bytes < shape.n * $3::bigint
     ), old AS (
       DELETE FROM console_chunk k USING sparse s WHERE k.console_id = s.id AND k.expires_on = s.expires_on
       RETURNING k.console_id, k.expires_on, k."offset", k.length, k.data, k.created_at, k.newlines_before
     ), timed AS (
       SELECT o.*, (extract(epoch FROM o.created_at) * 1000)::bigint AS ms,
         lag(o."offset" + o.length) OVER (ORDER BY o."offset") AS prev_end,
         lag(o.created_at) OVER (ORDER BY o."offset") AS prev_at
       FROM old o
     ), grouped AS (
       SELECT t.*, sum(CASE WHEN t."offset" = t.prev_end THEN 0 ELSE 1 END) OVER (ORDER BY t."offset") AS stretch
       FROM timed t
     ), merged AS (
       INSERT INTO console_chunk (console_id, expires_on, "offset", length, data, created_at, newlines_before, stamps)
       SELECT console_id, expires_on, min("offset"), sum(length)::int, string_agg(data, ''::bytea ORDER BY "offset"),
         min(created_at), (array_agg(newlines_before ORDER BY "offset"))[1],
         array_agg(ARRAY["offset", ms] ORDER BY "offset") FILTER (
           WHERE prev_at IS NULL OR floor(ms / $4) <> floor(extract(epoch FROM prev_at) * 1000 / $4))
       FROM grouped GROUP BY console_id, expires_on, stretch, "offset" / $2
       RETURNING 1
     )
     UPDATE console c SET compacted_at = now() FROM target t WHERE c.id = t.id
     RETURNING (SELECT count(*) FROM old), (SELECT count(*) FROM merged), (SELECT n FROM shape)`,
    [consoleId, COMPACT_ROW_BYTES, DENSE_ROW_BYTES, STAMP_MS],
  )) as [string, string, string][];
  const row = rows[0];
  if (!row) return null;
  // A dense console keeps its rows; its size is measured all the same.
  await measureStoredBytes(consoleId);
  return Number(row[0]) === 0
    ? { rowsBefore: Number(row[2]), rowsAfter: Number(row[2]) }
    : { rowsBefore: Number(row[0]), rowsAfter: Number(row[1]) };
}

/** A console's chunks' size on disk (compressed where PostgreSQL compressed them), kept on its row. */
export async function measureStoredBytes(consoleId: string): Promise<void> {
  await executeStatement(
    `UPDATE console SET stored_bytes = (
       SELECT coalesce(sum(pg_column_size(k.data)), 0) FROM console_chunk k
       WHERE k.console_id = console.id AND k.expires_on = console.expires_on)
     WHERE id = $1`,
    [consoleId],
  );
}

export interface DroppedPartition {
  partition: string;
  consoles: number;
  bytes: number;
}

/**
 * Drops every weekly partition whose consoles have all expired by `today` (a date, UTC; tests pass
 * a later one): whole tables, never a DELETE. The consoles keep their rows, markers and verdicts,
 * marked as dropped.
 */
export async function dropExpiredConsoles(today: Date = new Date()): Promise<DroppedPartition[]> {
  const rows = (await queryRows(`SELECT "partition", consoles, bytes FROM console_chunk_drop_expired($1::date)`, [
    today.toISOString().slice(0, 10),
  ])) as [string, string, string][];
  return rows.map(([partition, consoles, bytes]) => ({ partition, consoles: Number(consoles), bytes: Number(bytes) }));
}

/** One pass of both, as the web runs it every minute; what it did, for the log. */
export async function consoleStorageTick(): Promise<{ compacted: CompactResult; dropped: DroppedPartition[] }> {
  const dropped = await dropExpiredConsoles();
  const compacted = await compactFinishedConsoles();
  return { compacted, dropped };
}

export interface StorageWeek {
  /** first expiry day the partition holds (a Monday); null for the partition kept for ever */
  from: string | null;
  /** the day retention drops it (the day after its last expiry day); null: never */
  dropsOn: string | null;
  consoles: number | null;
  bytes: number;
}

export interface ConsoleStorageSummary {
  /** days a console is kept unless its lane says otherwise; null: for ever */
  defaultRetentionDays: number | null;
  weeks: StorageWeek[];
  /** on disk, every partition together (compressed chunks, their indexes) */
  bytes: number;
  /** consoles compaction has yet to look at (running runs' included) */
  backlog: number;
}

/** What console bytes take on disk, week by week of expiry, for the hosts page. */
export async function consoleStorageSummary(defaultRetentionDays: number | null): Promise<ConsoleStorageSummary> {
  const parts = (await queryRows(
    `SELECT c.relname::text, pg_total_relation_size(c.oid)::float8
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'console_chunk'::regclass ORDER BY c.relname`,
    [],
  )) as [string, number][];
  const weeks: StorageWeek[] = [];
  for (const [name, bytes] of parts) {
    const m = /^console_chunk_(\d{4})(\d{2})(\d{2})$/.exec(name);
    if (!m) {
      weeks.push({ from: null, dropsOn: null, consoles: null, bytes });
      continue;
    }
    const from = `${m[1]}-${m[2]}-${m[3]}`;
    const dropsOn = new Date(Date.parse(`${from}T00:00:00Z`) + 7 * 86_400_000).toISOString().slice(0, 10);
    const [[n]] = (await queryRows(
      `SELECT count(*)::int FROM console WHERE expires_on >= $1::date AND expires_on < $2::date`,
      [from, dropsOn],
    )) as [[number]];
    weeks.push({ from, dropsOn, consoles: n, bytes });
  }
  const [[backlog]] = (await queryRows(`SELECT count(*)::int FROM console WHERE compacted_at IS NULL`, [])) as [
    [number],
  ];
  return { defaultRetentionDays, weeks, bytes: weeks.reduce((a, w) => a + w.bytes, 0), backlog };
}
