-- A verdict stands until a newer result replaces it (issue #11): while a lane is rerun on a commit,
-- readiness keeps judging it by its newest FINAL run there, not by the rerun still queued or running.
-- commit_lane keeps the newest run of a lane on a commit; it now also names the newest final run
-- (every status but waiting, queued and running), with what its order and verdict need. Readiness
-- reads that run by id only while it differs from the newest run (a rerun under way: rare).
ALTER TABLE "commit_lane" ADD COLUMN "final_run_id" UUID;
ALTER TABLE "commit_lane" ADD COLUMN "final_status" "run_status";
ALTER TABLE "commit_lane" ADD COLUMN "final_attempt" INTEGER;
ALTER TABLE "commit_lane" ADD COLUMN "final_queued_at" TIMESTAMP(3);

-- As 20261206000000_run_lane_ended_at, plus the newest final run. A final run never changes again
-- (domain run-state.ts), so a stored one is replaced only by a newer final run; the row lock the
-- UPDATE takes makes two transactions that each saw only their own run keep the newer one.
-- SECURITY DEFINER and the pinned search path as migration 20261205000000_worker_db_roles set them
-- (CREATE OR REPLACE would otherwise drop both).
CREATE OR REPLACE FUNCTION "fold_runs_into_summaries"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
  INSERT INTO commit_lane AS s (repository_id, commit_sha, lane, run_id, status, attempt, queued_at, started_at, finished_at, lane_ended_at, failure_kind, reason)
  SELECT DISTINCT ON (repository_id, commit_sha, lane)
    repository_id, commit_sha, lane, id, status, attempt, queued_at, started_at, finished_at, lane_ended_at, failure_kind, reason
  FROM changed_runs
  ORDER BY repository_id, commit_sha, lane, queued_at DESC, attempt DESC, id DESC
  ON CONFLICT (repository_id, commit_sha, lane) DO UPDATE SET
    run_id = EXCLUDED.run_id, status = EXCLUDED.status, attempt = EXCLUDED.attempt, queued_at = EXCLUDED.queued_at,
    started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at, lane_ended_at = EXCLUDED.lane_ended_at,
    failure_kind = EXCLUDED.failure_kind, reason = EXCLUDED.reason
  WHERE s.run_id = EXCLUDED.run_id
     OR (EXCLUDED.queued_at, EXCLUDED.attempt, EXCLUDED.run_id) > (s.queued_at, s.attempt, s.run_id);

  UPDATE commit_lane s SET final_run_id = f.id, final_status = f.status, final_attempt = f.attempt, final_queued_at = f.queued_at
  FROM (SELECT DISTINCT ON (repository_id, commit_sha, lane) repository_id, commit_sha, lane, id, status, attempt, queued_at
        FROM changed_runs WHERE status NOT IN ('waiting', 'queued', 'running')
        ORDER BY repository_id, commit_sha, lane, queued_at DESC, attempt DESC, id DESC) f
  WHERE s.repository_id = f.repository_id AND s.commit_sha = f.commit_sha AND s.lane = f.lane
    AND (s.final_run_id IS NULL OR (f.queued_at, f.attempt, f.id) > (s.final_queued_at, s.final_attempt, s.final_run_id));

  UPDATE commit_lane s SET failure_run_id = f.id
  FROM (SELECT DISTINCT ON (repository_id, commit_sha, lane) repository_id, commit_sha, lane, id
        FROM changed_runs WHERE status IN ('failed', 'timed_out')
        ORDER BY repository_id, commit_sha, lane, id) f
  WHERE s.repository_id = f.repository_id AND s.commit_sha = f.commit_sha AND s.lane = f.lane AND s.failure_run_id IS NULL;

  INSERT INTO branch_lane_pass AS s (repository_id, branch_name, lane, run_id, commit_sha, attempt, queued_at, started_at, finished_at, lane_ended_at, failure_kind, reason)
  SELECT DISTINCT ON (repository_id, branch_name, lane)
    repository_id, branch_name, lane, id, commit_sha, attempt, queued_at, started_at, finished_at, lane_ended_at, failure_kind, reason
  FROM changed_runs WHERE status = 'passed'
  ORDER BY repository_id, branch_name, lane, queued_at DESC, attempt DESC, id DESC
  ON CONFLICT (repository_id, branch_name, lane) DO UPDATE SET
    run_id = EXCLUDED.run_id, commit_sha = EXCLUDED.commit_sha, attempt = EXCLUDED.attempt, queued_at = EXCLUDED.queued_at,
    started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at, lane_ended_at = EXCLUDED.lane_ended_at,
    failure_kind = EXCLUDED.failure_kind, reason = EXCLUDED.reason
  WHERE s.run_id = EXCLUDED.run_id
     OR (EXCLUDED.queued_at, EXCLUDED.attempt, EXCLUDED.run_id) > (s.queued_at, s.attempt, s.run_id);
  RETURN NULL;
END $$;
DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION %I.fold_runs_into_summaries() SET search_path = %I, pg_temp', current_schema(), current_schema());
END $$;

-- The runs already there: one pass over run in the order of its commit-lane index.
UPDATE commit_lane s SET final_run_id = f.id, final_status = f.status, final_attempt = f.attempt, final_queued_at = f.queued_at
FROM (SELECT DISTINCT ON (repository_id, commit_sha, lane) repository_id, commit_sha, lane, id, status, attempt, queued_at
      FROM run WHERE status NOT IN ('waiting', 'queued', 'running')
      ORDER BY repository_id, commit_sha, lane, queued_at DESC, attempt DESC, id DESC) f
WHERE s.repository_id = f.repository_id AND s.commit_sha = f.commit_sha AND s.lane = f.lane;
