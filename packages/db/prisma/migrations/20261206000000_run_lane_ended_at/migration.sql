-- Durations are lane time (issue #11): a held run ends only when its hold does, so start → finish
-- counted the hold as the lane's. The worker now stores when the lane process ended (the hold
-- starts there; an unheld run's lane ends as it finishes), and every duration is
-- started_at → coalesce(lane_ended_at, finished_at). No backfill: for a run without the column the
-- coalesce already is its finish, which is its lane end unless it was held, and a hold's start was
-- never stored, so rewriting every run row (and firing the summary triggers on all of them) would
-- add nothing.
ALTER TABLE "run" ADD COLUMN "lane_ended_at" TIMESTAMP(3);
ALTER TABLE "commit_lane" ADD COLUMN "lane_ended_at" TIMESTAMP(3);
ALTER TABLE "branch_lane_pass" ADD COLUMN "lane_ended_at" TIMESTAMP(3);

-- The readiness summaries copy it, so run rows on the branch pages show lane time as well.
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

-- The worker writes it (holds.ts startHold, fenced.ts finishRun) on its own role: a column grant
-- beside those of 20261205000000_worker_db_roles (packages/db/src/roles.ts applies it again too).
GRANT UPDATE ("lane_ended_at") ON "run" TO proofboard_worker;
