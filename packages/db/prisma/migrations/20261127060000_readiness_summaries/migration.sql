-- Readiness summaries: what readiness reads of the run table, kept up to date by triggers on it, so
-- the overview of 500 branches probes two small tables instead of a million runs
-- (packages/services/src/readiness.ts). "Newest" is computeBranchReadiness's order:
-- queued_at, attempt, id, all descending.

-- The newest run of a lane on a commit (the head run when the commit is a branch head), a copy of
-- its fields, and one failed or timed-out run of the lane on the commit, if any (flaky passes).
CREATE TABLE "commit_lane" (
    "repository_id" TEXT NOT NULL,
    "commit_sha" TEXT NOT NULL,
    "lane" TEXT NOT NULL,
    "run_id" UUID NOT NULL,
    "status" "run_status" NOT NULL,
    "attempt" INTEGER NOT NULL,
    "queued_at" TIMESTAMP(3) NOT NULL,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "failure_kind" "failure_kind",
    "reason" TEXT,
    "failure_run_id" UUID,
    CONSTRAINT "commit_lane_pkey" PRIMARY KEY ("repository_id", "commit_sha", "lane")
);

-- The newest passed run of a lane requested for a branch, on any of its commits (stale passes).
CREATE TABLE "branch_lane_pass" (
    "repository_id" TEXT NOT NULL,
    "branch_name" TEXT NOT NULL,
    "lane" TEXT NOT NULL,
    "run_id" UUID NOT NULL,
    "commit_sha" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "queued_at" TIMESTAMP(3) NOT NULL,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "failure_kind" "failure_kind",
    "reason" TEXT,
    CONSTRAINT "branch_lane_pass_pkey" PRIMARY KEY ("repository_id", "branch_name", "lane")
);

ALTER TABLE "commit_lane" ADD CONSTRAINT "commit_lane_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "repository"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "branch_lane_pass" ADD CONSTRAINT "branch_lane_pass_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "repository"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Folds a set of inserted or updated runs (the statement's transition table "changed_runs") into
-- both summaries. Set-based, so a bulk insert costs three statements, not three per row. A stored
-- row is replaced only by a newer run or refreshed by the same run: two transactions that each saw
-- only their own run cannot leave the older one standing, whichever commits last.
CREATE FUNCTION "fold_runs_into_summaries"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO commit_lane AS s (repository_id, commit_sha, lane, run_id, status, attempt, queued_at, started_at, finished_at, failure_kind, reason)
  SELECT DISTINCT ON (repository_id, commit_sha, lane)
    repository_id, commit_sha, lane, id, status, attempt, queued_at, started_at, finished_at, failure_kind, reason
  FROM changed_runs
  ORDER BY repository_id, commit_sha, lane, queued_at DESC, attempt DESC, id DESC
  ON CONFLICT (repository_id, commit_sha, lane) DO UPDATE SET
    run_id = EXCLUDED.run_id, status = EXCLUDED.status, attempt = EXCLUDED.attempt, queued_at = EXCLUDED.queued_at,
    started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at, failure_kind = EXCLUDED.failure_kind, reason = EXCLUDED.reason
  WHERE s.run_id = EXCLUDED.run_id
     OR (EXCLUDED.queued_at, EXCLUDED.attempt, EXCLUDED.run_id) > (s.queued_at, s.attempt, s.run_id);

  UPDATE commit_lane s SET failure_run_id = f.id
  FROM (SELECT DISTINCT ON (repository_id, commit_sha, lane) repository_id, commit_sha, lane, id
        FROM changed_runs WHERE status IN ('failed', 'timed_out')
        ORDER BY repository_id, commit_sha, lane, id) f
  WHERE s.repository_id = f.repository_id AND s.commit_sha = f.commit_sha AND s.lane = f.lane AND s.failure_run_id IS NULL;

  INSERT INTO branch_lane_pass AS s (repository_id, branch_name, lane, run_id, commit_sha, attempt, queued_at, started_at, finished_at, failure_kind, reason)
  SELECT DISTINCT ON (repository_id, branch_name, lane)
    repository_id, branch_name, lane, id, commit_sha, attempt, queued_at, started_at, finished_at, failure_kind, reason
  FROM changed_runs WHERE status = 'passed'
  ORDER BY repository_id, branch_name, lane, queued_at DESC, attempt DESC, id DESC
  ON CONFLICT (repository_id, branch_name, lane) DO UPDATE SET
    run_id = EXCLUDED.run_id, commit_sha = EXCLUDED.commit_sha, attempt = EXCLUDED.attempt, queued_at = EXCLUDED.queued_at,
    started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at, failure_kind = EXCLUDED.failure_kind, reason = EXCLUDED.reason
  WHERE s.run_id = EXCLUDED.run_id
     OR (EXCLUDED.queued_at, EXCLUDED.attempt, EXCLUDED.run_id) > (s.queued_at, s.attempt, s.run_id);
  RETURN NULL;
END $$;

-- The runs already there.
INSERT INTO commit_lane (repository_id, commit_sha, lane, run_id, status, attempt, queued_at, started_at, finished_at, failure_kind, reason)
SELECT DISTINCT ON (repository_id, commit_sha, lane)
  repository_id, commit_sha, lane, id, status, attempt, queued_at, started_at, finished_at, failure_kind, reason
FROM run ORDER BY repository_id, commit_sha, lane, queued_at DESC, attempt DESC, id DESC;

UPDATE commit_lane s SET failure_run_id = f.id
FROM (SELECT DISTINCT ON (repository_id, commit_sha, lane) repository_id, commit_sha, lane, id
      FROM run WHERE status IN ('failed', 'timed_out') ORDER BY repository_id, commit_sha, lane, id) f
WHERE s.repository_id = f.repository_id AND s.commit_sha = f.commit_sha AND s.lane = f.lane;

INSERT INTO branch_lane_pass (repository_id, branch_name, lane, run_id, commit_sha, attempt, queued_at, started_at, finished_at, failure_kind, reason)
SELECT DISTINCT ON (repository_id, branch_name, lane)
  repository_id, branch_name, lane, id, commit_sha, attempt, queued_at, started_at, finished_at, failure_kind, reason
FROM run WHERE status = 'passed' ORDER BY repository_id, branch_name, lane, queued_at DESC, attempt DESC, id DESC;

-- PostgreSQL allows a transition table on single-event triggers only: one trigger per event.
CREATE TRIGGER "run_inserted_into_summaries" AFTER INSERT ON "run"
  REFERENCING NEW TABLE AS changed_runs FOR EACH STATEMENT EXECUTE FUNCTION "fold_runs_into_summaries"();
CREATE TRIGGER "run_updated_into_summaries" AFTER UPDATE ON "run"
  REFERENCING NEW TABLE AS changed_runs FOR EACH STATEMENT EXECUTE FUNCTION "fold_runs_into_summaries"();
