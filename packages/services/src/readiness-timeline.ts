import { queryRows, type Repository } from "@proofboard/db";
import type { ReadinessChange } from "./readiness-changes";

/** Columns of a readiness_change row with its repository's name and its commit's subject; times as epoch ms. */
const COLUMNS = `rc.id::text, r.name, rc.branch, rc.gate, rc.ready, rc.commit_sha, c.subject, rc.run_id::text, rc.missing, rc.initial,
  (extract(epoch FROM rc.at) * 1000)::float8`;
const FROM = `readiness_change rc JOIN repository r ON r.id = rc.repository_id
  LEFT JOIN commit c ON c.repository_id = rc.repository_id AND c.sha = rc.commit_sha`;

type ChangeRow = [
  string,
  string,
  string,
  string | null,
  boolean,
  string,
  string | null,
  string | null,
  string[],
  boolean,
  number,
];

function change(row: ChangeRow): ReadinessChange {
  const [id, repository, branch, gate, ready, commitSha, commitSubject, runId, missing, initial, at] = row;
  return { id, repository, branch, gate, ready, commitSha, commitSubject, runId, missing, initial, at: new Date(at) };
}

/** A readiness_change id as given by a reader (text from JSON, a number, a bigint): a whole number ≥ 0. */
function cursorOf(value: string | number | bigint, what: string): string {
  const text = String(value);
  if (!/^\d{1,19}$/.test(text))
    throw new RangeError(`${what} must be a readiness change id, not ${JSON.stringify(text.slice(0, 40))}`);
  return text;
}

/**
 * The changes recorded after `after` (an id; 0 for the first), oldest first, every repository and
 * branch, at most `limit`: for whatever announces changes (webhooks, chat). The recorder commits
 * ids in ascending order, so keeping the last id seen and asking again misses nothing. Rows with
 * `initial` are starting points, not changes: a reader announcing changes skips them.
 */
export async function readinessChangesAfter(after: string | number | bigint, limit = 100): Promise<ReadinessChange[]> {
  const rows = await queryRows(`SELECT ${COLUMNS} FROM ${FROM} WHERE rc.id > $1::bigint ORDER BY rc.id LIMIT $2`, [
    cursorOf(after, "after"),
    Math.max(1, Math.min(1000, Math.floor(limit))),
  ]);
  return (rows as ChangeRow[]).map(change);
}

export interface TimelineOptions {
  /** a gate's id: only its rows; null: only the branch's own (release-ready) rows; omitted: every row */
  gate?: string | null;
  limit?: number;
  /** only rows older than this id: the next page */
  before?: string;
}

/** A branch's readiness timeline, newest first; `more` says whether older rows exist. */
export async function readinessTimeline(
  repo: Repository,
  branch: string,
  opts: TimelineOptions = {},
): Promise<{ changes: ReadinessChange[]; more: boolean }> {
  const limit = Math.max(1, Math.min(500, Math.floor(opts.limit ?? 20)));
  const rows = await queryRows(
    `SELECT ${COLUMNS} FROM ${FROM}
     WHERE rc.repository_id = $1 AND rc.branch = $2 AND ($3::bigint IS NULL OR rc.id < $3::bigint)
       AND ($4::boolean IS FALSE OR rc.gate IS NOT DISTINCT FROM $5::text)
     ORDER BY rc.id DESC LIMIT $6`,
    [
      repo.id,
      branch,
      opts.before === undefined ? null : cursorOf(opts.before, "before"),
      opts.gate !== undefined,
      opts.gate ?? null,
      limit + 1,
    ],
  );
  const changes = (rows as ChangeRow[]).map(change);
  return { changes: changes.slice(0, limit), more: changes.length > limit };
}
