-- Newest-first run listings at a million runs (the runs page, a lane's history): each filter reads
-- its newest rows straight off an index instead of sorting every matching run.
CREATE INDEX IF NOT EXISTS "run_repository_id_queued_at_idx" ON "run"("repository_id", "queued_at");
CREATE INDEX IF NOT EXISTS "run_repository_id_branch_name_queued_at_idx" ON "run"("repository_id", "branch_name", "queued_at");
CREATE INDEX IF NOT EXISTS "run_repository_id_lane_queued_at_idx" ON "run"("repository_id", "lane", "queued_at");
CREATE INDEX IF NOT EXISTS "run_repository_id_status_queued_at_idx" ON "run"("repository_id", "status", "queued_at");
