-- A lane's usual duration is the median of its last passes on its host class
-- (packages/services/src/durations.ts): one backward range scan per lane on this index.
CREATE INDEX IF NOT EXISTS "run_usual_duration_idx" ON "run"("repository_id", "lane", "host_class", "status", "finished_at");

-- A prefix of run_commit_lane_newest_idx: every query it served, that index serves too.
DROP INDEX IF EXISTS "run_repository_id_commit_sha_lane_idx";
