-- Readiness at scale (500 branches, 1,000,000 runs): each run that decides a branch's readiness
-- is one index probe. B-trees scan backwards, so ascending indexes serve the
-- "ORDER BY queued_at DESC, attempt DESC, id DESC LIMIT 1" of packages/services/src/readiness.ts.

-- CreateIndex: the newest run of a lane on a commit (the head run)
CREATE INDEX IF NOT EXISTS "run_commit_lane_newest_idx" ON "run"("repository_id", "commit_sha", "lane", "queued_at", "attempt", "id");

-- CreateIndex: the newest pass of a lane on a branch (the stale pass), skipping its other statuses
CREATE INDEX IF NOT EXISTS "run_branch_lane_status_newest_idx" ON "run"("repository_id", "branch_name", "lane", "status", "queued_at", "attempt", "id");
