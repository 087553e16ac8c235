-- The runs page's filters by who started a run and where it ran (issue #11), newest first at a
-- million runs: each reads its newest rows off an index, like the filters of 20261127070000.
-- A person's runs: requested_by is their name (under trigger manual or missing).
CREATE INDEX IF NOT EXISTS "run_repository_id_requested_by_queued_at_idx" ON "run"("repository_id", "requested_by", "queued_at");
-- A trigger kind's runs (push, sync, schedule, retry, ...).
CREATE INDEX IF NOT EXISTS "run_repository_id_trigger_queued_at_idx" ON "run"("repository_id", "trigger", "queued_at");
-- A host's runs.
CREATE INDEX IF NOT EXISTS "run_repository_id_host_id_queued_at_idx" ON "run"("repository_id", "host_id", "queued_at");
